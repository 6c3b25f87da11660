package imports

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"strings"

	"github.com/xuri/excelize/v2"
)

// errUnzipped is a workbook whose parts, once uncompressed, exceed maxUnzipped.
var errUnzipped = errors.New("imports: xlsx larger than the uncompressed cap")

// scanned is what one streaming pass over the first worksheet's XML found, before excelize opens
// the workbook: the cells holding a formula, or the row at which the sheet passed maxSheetRows.
type scanned struct {
	formulas     []cellRef // the first maxFormulas
	moreFormulas int       // formula cells past maxFormulas, counted
	overRow      int       // the row number at which the row cap was passed; 0 when it was not
}

// scanXLSX streams the XML of the first worksheet once, never holding it whole: it counts every
// row element (blank or not) and every row number a gap skips, stops as soon as either passes
// maxSheetRows, and notes each cell with an <f> child. It bounds the uncompressed bytes it reads.
func scanXLSX(data []byte) (*scanned, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	var declared uint64
	for _, f := range zr.File {
		declared += f.UncompressedSize64
	}
	if declared > maxUnzipped {
		return nil, errUnzipped
	}
	budget := int64(maxUnzipped)
	sheetPath, err := firstSheetPath(zr, &budget)
	if err != nil {
		return nil, err
	}
	rc, err := openPart(zr, sheetPath)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	dec := xml.NewDecoder(&capped{r: rc, left: &budget})
	s := &scanned{}
	read, num, col := 0, 0, 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return s, nil
		}
		if err != nil {
			return nil, err
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch el.Name.Local {
		case "row":
			read++
			num++
			if r, ok := attr(el, "r"); ok {
				if n, err := atoiCapped(r); err == nil && n > 0 {
					num = n
				}
			}
			col = 0
			if read > maxSheetRows || num > maxSheetRows {
				s.overRow = max(read, num)
				return s, nil
			}
		case "c":
			col++
			if r, ok := attr(el, "r"); ok {
				if c, _, err := excelize.CellNameToCoordinates(r); err == nil {
					col = c
				}
			}
		case "f":
			switch {
			case num <= 0 || col <= 0:
			case len(s.formulas) < maxFormulas:
				s.formulas = append(s.formulas, cellRef{row: num, col: col - 1})
			default:
				s.moreFormulas++
			}
		}
	}
}

// atoiCapped parses a row number, refusing more than 9 digits (beyond any sheet).
func atoiCapped(s string) (int, error) {
	if len(s) == 0 || len(s) > 9 {
		return 0, errors.New("bad row number")
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, errors.New("bad row number")
		}
		n = n*10 + int(c-'0')
	}
	return n, nil
}

func attr(el xml.StartElement, name string) (string, bool) {
	for _, a := range el.Attr {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// firstSheetPath finds the part of the workbook's first sheet: xl/workbook.xml names it by
// relationship id, xl/_rels/workbook.xml.rels gives the id's target.
func firstSheetPath(zr *zip.Reader, budget *int64) (string, error) {
	var wb struct {
		Sheets []struct {
			ID string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := decodePart(zr, "xl/workbook.xml", budget, &wb); err != nil {
		return "", err
	}
	if len(wb.Sheets) == 0 {
		return "", errors.New("imports: workbook without sheets")
	}
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := decodePart(zr, "xl/_rels/workbook.xml.rels", budget, &rels); err != nil {
		return "", err
	}
	for _, r := range rels.Rel {
		if r.ID == wb.Sheets[0].ID {
			if strings.HasPrefix(r.Target, "/") {
				return strings.TrimPrefix(r.Target, "/"), nil
			}
			return path.Join("xl", r.Target), nil
		}
	}
	return "", errors.New("imports: first sheet has no part")
}

func decodePart(zr *zip.Reader, name string, budget *int64, v any) error {
	rc, err := openPart(zr, name)
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(&capped{r: rc, left: budget}).Decode(v)
}

// openPart opens a part by name, ignoring case as Excel does.
func openPart(zr *zip.Reader, name string) (io.ReadCloser, error) {
	for _, f := range zr.File {
		if strings.EqualFold(f.Name, name) {
			return f.Open()
		}
	}
	return nil, errors.New("imports: no part " + name)
}

// capped reads until the shared budget of uncompressed bytes is spent, then fails.
type capped struct {
	r    io.Reader
	left *int64
}

func (c *capped) Read(p []byte) (int, error) {
	if *c.left <= 0 {
		return 0, errUnzipped
	}
	if int64(len(p)) > *c.left {
		p = p[:*c.left]
	}
	n, err := c.r.Read(p)
	*c.left -= int64(n)
	return n, err
}

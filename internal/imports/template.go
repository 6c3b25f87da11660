package imports

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"

	"github.com/xuri/excelize/v2"
)

// choices are the values offered in the template for the columns with a fixed list, by language;
// parseSex and parseYesNo read all of them.
var choices = map[string]map[string][]string{
	fSex: {"en": {"female", "male", "other", "unknown"}, "th": {"หญิง", "ชาย", "อื่น ๆ", "ไม่ทราบ"},
		"km": {"ស្រី", "ប្រុស", "ផ្សេងទៀត", "មិនដឹង"}},
	fMinor: {"en": {"yes", "no"}, "th": {"ใช่", "ไม่ใช่"}, "km": {"មែន", "ទេ"}},
}

// templateRow returns the template's header in lang and its example row.
func templateRow(lang string) (head, example []string) {
	for _, c := range columns {
		head = append(head, c.headers[lang])
		ex := c.example
		if list := choices[c.key][lang]; list != nil {
			ex = list[slices.Index(choices[c.key]["en"], ex)]
		}
		example = append(example, ex)
	}
	return head, example
}

func templateLang(lang string) string {
	if !slices.Contains(Langs, lang) {
		return "en"
	}
	return lang
}

// TemplateCSV is the CSV template: UTF-8 with a byte-order mark (so spreadsheet programs read Thai and
// Khmer right), the header in lang and one example row.
func TemplateCSV(lang string) ([]byte, error) {
	head, example := templateRow(templateLang(lang))
	var buf bytes.Buffer
	buf.Write(utf8BOM)
	w := csv.NewWriter(&buf)
	if err := w.WriteAll([][]string{head, example}); err != nil {
		return nil, fmt.Errorf("template csv: %w", err)
	}
	return buf.Bytes(), nil
}

// TemplateXLSX is the XLSX template: the header in lang, one example row, every column formatted as
// text (so document numbers keep their leading zeros and dates stay as typed) and lists of values for
// sex and minor.
func TemplateXLSX(lang string) ([]byte, error) {
	lang = templateLang(lang)
	head, example := templateRow(lang)
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Sheet1"
	last, _ := excelize.ColumnNumberToName(len(head))
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return nil, fmt.Errorf("template xlsx: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E3ECF6"}}})
	if err != nil {
		return nil, fmt.Errorf("template xlsx: %w", err)
	}
	steps := []func() error{
		func() error { return f.SetColStyle(sheet, "A:"+last, text) },
		func() error { return f.SetColWidth(sheet, "A", last, 22) },
		func() error { return f.SetSheetRow(sheet, "A1", &head) },
		func() error { return f.SetCellStyle(sheet, "A1", last+"1", bold) },
		func() error { return f.SetSheetRow(sheet, "A2", &example) },
		func() error {
			return f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
		},
	}
	for i, c := range columns {
		values := choices[c.key][lang]
		if values == nil {
			continue
		}
		col, _ := excelize.ColumnNumberToName(i + 1)
		steps = append(steps, func() error {
			dv := excelize.NewDataValidation(true)
			dv.Sqref = fmt.Sprintf("%s2:%s%d", col, col, MaxRows+1)
			if err := dv.SetDropList(values); err != nil {
				return err
			}
			return f.AddDataValidation(sheet, dv)
		})
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("template xlsx: %w", err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("template xlsx: %w", err)
	}
	return buf.Bytes(), nil
}

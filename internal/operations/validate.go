package operations

import (
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"homeward/internal/problem"
)

// Limits of the free-text fields, in characters.
const (
	maxText  = 200
	maxNotes = 10000
)

// earliest is the earliest operation date accepted: a date before it is a typing error.
var earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// borderZone is the zone "today" is taken in: Thailand and Cambodia are both UTC+7.
var borderZone = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Bangkok"); err == nil {
		return loc
	}
	return time.FixedZone("ICT", 7*60*60)
}()

// clean normalises the text of in to NFC, trimmed, and validates everything but the lead agency,
// which needs the directory. It returns the operation date and the problems found so far.
func (in *Input) clean(now time.Time) (time.Time, *problem.Invalid) {
	nfc := func(s string) string { return strings.TrimSpace(norm.NFC.String(s)) }
	in.Name, in.Province, in.District = nfc(in.Name), nfc(in.Province), nfc(in.District)
	in.Compound, in.Alias, in.Notes = nfc(in.Compound), nfc(in.Alias), nfc(in.Notes)
	in.OperationDate = strings.TrimSpace(in.OperationDate)
	in.LeadAgencyID, in.LeadAgencySlug = strings.TrimSpace(in.LeadAgencyID), strings.TrimSpace(in.LeadAgencySlug)

	inv := &problem.Invalid{}
	if in.Name == "" {
		inv.Add("name", "form.error.required")
	}
	for field, v := range map[string]string{"name": in.Name, "province": in.Province, "district": in.District,
		"compound": in.Compound, "alias": in.Alias} {
		if utf8.RuneCountInString(v) > maxText {
			inv.Add(field, "form.error.too_long")
		}
	}
	if utf8.RuneCountInString(in.Notes) > maxNotes {
		inv.Add("notes", "form.error.too_long")
	}
	var date time.Time
	if in.OperationDate == "" {
		inv.Add("operation_date", "form.error.required")
	} else if d, err := time.Parse("2006-01-02", in.OperationDate); err != nil {
		inv.Add("operation_date", "form.error.date")
	} else {
		y, m, dd := now.In(borderZone).Date()
		if d.After(time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)) {
			inv.Add("operation_date", "operation.error.date_future")
		} else if d.Before(earliest) {
			inv.Add("operation_date", "form.error.date_range")
		}
		date = d
	}
	checkCoordinates(in, inv)
	return date, inv
}

// checkCoordinates wants both coordinates or neither, each in its range, rounded to the six
// decimals the store keeps (about 10 cm).
func checkCoordinates(in *Input, inv *problem.Invalid) {
	lat, lon := in.Latitude, in.Longitude
	if (lat == nil) != (lon == nil) {
		field := "latitude"
		if lon == nil {
			field = "longitude"
		}
		inv.Add(field, "operation.error.coordinates_pair")
		return
	}
	if lat == nil {
		return
	}
	if math.IsNaN(*lat) || *lat < -90 || *lat > 90 {
		inv.Add("latitude", "operation.error.latitude")
	}
	if math.IsNaN(*lon) || *lon < -180 || *lon > 180 {
		inv.Add("longitude", "operation.error.longitude")
	}
	r := func(v float64) *float64 { v = math.Round(v*1e6) / 1e6; return &v }
	in.Latitude, in.Longitude = r(*lat), r(*lon)
}

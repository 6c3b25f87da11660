// Package dayjson writes calendar dates (a date column read as a time.Time) the way the API
// writes every date: YYYY-MM-DD, never an RFC 3339 timestamp (issue 16 item 10). Timestamps keep
// RFC 3339. A type with date fields marshals through a shadow struct:
//
//	func (r Record) MarshalJSON() ([]byte, error) {
//		type plain Record
//		return json.Marshal(struct {
//			plain
//			StartDate *string `json:"start_date"`
//		}{plain(r), dayjson.Ptr(r.StartDate)})
//	}
package dayjson

import "time"

// Of is the day of t as YYYY-MM-DD, in t's own location (a date column reads as midnight UTC).
func Of(t time.Time) string { return t.Format(time.DateOnly) }

// Ptr is Of for an optional date: nil stays nil (JSON null).
func Ptr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := Of(*t)
	return &s
}

package services

import (
	"encoding/json"

	"homeward/internal/dayjson"
)

// MarshalJSON writes the service's start and end as dates (YYYY-MM-DD), as its input takes them.
func (r Record) MarshalJSON() ([]byte, error) {
	type plain Record
	return json.Marshal(struct {
		plain
		StartDate *string `json:"start_date"`
		EndDate   *string `json:"end_date"`
	}{plain(r), dayjson.Ptr(r.StartDate), dayjson.Ptr(r.EndDate)})
}

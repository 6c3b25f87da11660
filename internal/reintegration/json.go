package reintegration

import (
	"encoding/json"

	"homeward/internal/dayjson"
)

// MarshalJSON writes the visit's day as a date (YYYY-MM-DD), as its input takes it.
func (v Visit) MarshalJSON() ([]byte, error) {
	type plain Visit
	return json.Marshal(struct {
		plain
		VisitDate string `json:"visit_date"`
	}{plain(v), dayjson.Of(v.VisitDate)})
}

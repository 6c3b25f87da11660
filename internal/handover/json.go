package handover

import (
	"encoding/json"

	"homeward/internal/dayjson"
)

// MarshalJSON writes the birth date as a date (YYYY-MM-DD).
func (c Candidate) MarshalJSON() ([]byte, error) {
	type plain Candidate
	return json.Marshal(struct {
		plain
		BirthDate *string `json:"birth_date,omitempty"`
	}{plain(c), dayjson.Ptr(c.BirthDate)})
}

package reports

import (
	"encoding/json"

	"homeward/internal/dayjson"
)

// MarshalJSON writes the operation's day as a date (YYYY-MM-DD).
func (p OperationProgress) MarshalJSON() ([]byte, error) {
	type plain OperationProgress
	return json.Marshal(struct {
		plain
		Date string `json:"date"`
	}{plain(p), dayjson.Of(p.Date)})
}

package consent

import (
	"encoding/json"

	"homeward/internal/dayjson"
)

// MarshalJSON writes the day of the answer as a date (YYYY-MM-DD), as the input takes it.
func (c Consent) MarshalJSON() ([]byte, error) {
	type plain Consent
	return json.Marshal(struct {
		plain
		AnsweredOn string `json:"answered_on"`
	}{plain(c), dayjson.Of(c.AnsweredOn)})
}

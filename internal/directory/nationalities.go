package directory

import (
	"database/sql/driver"
	"fmt"
	"strings"
)

// Nationalities are ISO 3166-1 alpha-2 codes stored as a PostgreSQL text[] (agencies.serves_nationalities).
type Nationalities []string

// Value writes the list as an array literal.
func (n Nationalities) Value() (driver.Value, error) {
	return "{" + strings.Join(n, ",") + "}", nil
}

// Scan reads an array literal of two-letter codes.
func (n *Nationalities) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
		*n = nil
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("directory: nationalities from %T", src)
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	if s == "" {
		*n = Nationalities{}
		return nil
	}
	*n = Nationalities(strings.Split(s, ","))
	return nil
}

// Serves reports whether the list holds the nationality.
func (n Nationalities) Serves(nationality string) bool {
	for _, c := range n {
		if c == nationality {
			return true
		}
	}
	return false
}

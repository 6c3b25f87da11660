package htcds

import (
	"fmt"

	"gorm.io/gorm"
)

// keptRow is a row of htcds_values.
type keptRow struct {
	CaseID string
	Field  string
	Value  string
}

func (keptRow) TableName() string { return "htcds_values" }

// Keep inserts, in tx, the values kept as given for new cases (case id -> values). The caller owns
// the transaction and its audit (the import's case intake rows).
func Keep(tx *gorm.DB, byCase map[string][]KeptValue) error {
	var rows []keptRow
	for caseID, kept := range byCase {
		for _, k := range kept {
			rows = append(rows, keptRow{CaseID: caseID, Field: k.Field, Value: k.Value})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if err := tx.CreateInBatches(rows, 1000).Error; err != nil {
		return fmt.Errorf("insert htcds values: %w", err)
	}
	return nil
}

// ParseKept reads the "field=value" strings the export's query aggregates from htcds_values.
func ParseKept(list []string) []KeptValue {
	out := make([]KeptValue, 0, len(list))
	for _, s := range list {
		for i := 0; i < len(s); i++ {
			if s[i] == '=' {
				out = append(out, KeptValue{Field: s[:i], Value: s[i+1:]})
				break
			}
		}
	}
	return out
}

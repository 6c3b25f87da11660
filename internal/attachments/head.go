package attachments

import (
	"fmt"

	"gorm.io/gorm"
)

// Head is what every page of a case shows at its top: the case reference and the minor flag.
type Head struct {
	Reference string
	Minor     bool
}

const headSQL = `SELECT c.reference, p.minor FROM cases c JOIN persons p ON p.id = c.person_id WHERE c.id = ?`

// head reads the head of a case already found within the scope.
func head(tx *gorm.DB, caseID string) (Head, error) {
	var h Head
	if err := tx.Raw(headSQL, caseID).Scan(&h).Error; err != nil {
		return Head{}, fmt.Errorf("case head: %w", err)
	}
	return h, nil
}

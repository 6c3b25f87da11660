package cases

import (
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"homeward/internal/authz"
)

// recordReceivedDuplicates stores the possible duplicates found for received persons, one row per
// received case and person of the store, in one statement.
func recordReceivedDuplicates(tx *gorm.DB, rs []Received, now time.Time) error {
	var args []any
	n := 0
	for _, r := range rs {
		for _, d := range r.Duplicates {
			if d.PersonID == "" {
				continue
			}
			args = append(args, r.Case.ID, d.PersonID, d.Reason, now)
			n++
		}
	}
	if n == 0 {
		return nil
	}
	values := strings.TrimSuffix(strings.Repeat("(?::uuid, ?::uuid, ?, ?), ", n), ", ")
	if err := tx.Exec(`INSERT INTO received_duplicates (case_id, person_id, reason, found_at) VALUES `+values+
		` ON CONFLICT DO NOTHING`, args...).Error; err != nil {
		return fmt.Errorf("insert received duplicates: %w", err)
	}
	return nil
}

const receivedDupesSQL = `SELECT d.case_id, d.person_id, d.reason FROM received_duplicates d
WHERE d.case_id = ANY(?::uuid[]) ORDER BY d.case_id, d.reason = 'document' DESC, d.person_id`

// ReceivedDuplicates are the possible duplicates recorded when the given received cases were
// made (CreateReceivedMany), by case id, as the actor's scope lets them be seen: a duplicate whose
// cases the actor may see comes with those cases (links) and the name; any other is only said to
// exist, once a reason, without the person. A case of another store or with nothing recorded has
// no entry. Read inside the caller's transaction of the actor's store (the caller audits the read).
func ReceivedDuplicates(tx *gorm.DB, scope authz.Scope, caseIDs []string) (map[string][]Duplicate, error) {
	out := map[string][]Duplicate{}
	if len(caseIDs) == 0 {
		return out, nil
	}
	var rows []struct{ CaseID, PersonID, Reason string }
	if err := tx.Raw(receivedDupesSQL, TextList(caseIDs)).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("cases: received duplicates: %w", err)
	}
	var order []string
	lists := [][]Duplicate{}
	at := map[string]int{}
	var ids []string
	seen := map[string]bool{}
	for _, r := range rows {
		i, ok := at[r.CaseID]
		if !ok {
			i, at[r.CaseID] = len(lists), len(lists)
			lists, order = append(lists, nil), append(order, r.CaseID)
		}
		lists[i] = append(lists[i], Duplicate{PersonID: r.PersonID, Reason: r.Reason})
		if !seen[r.PersonID] {
			seen[r.PersonID], ids = true, append(ids, r.PersonID)
		}
	}
	if err := describeDuplicates(tx, scope, lists, ids); err != nil {
		return nil, err
	}
	for i, id := range order {
		out[id] = lists[i]
	}
	return out, nil
}

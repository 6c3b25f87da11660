package audit

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// CountedRows is the value an Entry's detail holds where the number of rows a statement read goes,
// for AppendCounted to fill in.
const CountedRows = -1_000_000_007

// AppendCounted returns the INSERT of e's audit row as a data-modifying CTE of the statement that
// reads the rows of the CTE named from: the detail's CountedRows becomes that CTE's row count,
// capped at most. The read and its audit row then commit together in one statement and one round
// trip, instead of BEGIN, SELECT, INSERT and COMMIT. from must be a name written in the code.
func AppendCounted(now time.Time, e Entry, from string, most int) (string, []any, error) {
	if !e.Action.valid() {
		return "", nil, fmt.Errorf("audit: action %q has no declared section", e.Action.name)
	}
	b, err := json.Marshal(e.Detail)
	if err != nil {
		return "", nil, fmt.Errorf("audit: detail: %w", err)
	}
	before, after, ok := strings.Cut(string(b), strconv.Itoa(CountedRows))
	if !ok {
		return "", nil, fmt.Errorf("audit: detail of %s holds no CountedRows", e.Action.name)
	}
	sql := strings.TrimSuffix(insertColumns, "VALUES ") +
		"SELECT ?, ?, ?, ?, ?, ?, ?, ? || least(count(*), ?)::text || ? FROM " + from
	return sql, []any{now.UTC().Truncate(time.Microsecond), nullable(e.ActorUserID), nullable(e.ActorAgencyID),
		e.Action.name, string(e.Action.section), e.Entity, e.EntityID, before, most, after}, nil
}

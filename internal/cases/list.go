package cases

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/problem"
)

// Page sizes of the case list.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

const listSQL = `SELECT c.id, c.reference, c.person_id, c.stage, c.version, c.updated_at,
       p.given_name, p.family_name, p.nationality, p.sex, p.minor
FROM cases c JOIN persons p ON p.id = c.person_id
WHERE `

// List returns one page of the cases the actor may see, newest change first, and audits the read.
func (s *Service) List(ctx context.Context, a *authz.Actor, q ListQuery) (*Page, error) {
	st, scope, err := s.bind(a, authz.SectionCases, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	if q.Limit <= 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit > MaxLimit {
		q.Limit = MaxLimit
	}
	cond, args := scope.CaseFilter("c")
	where := []string{cond}
	if q.Stage != "" {
		if !q.Stage.Valid() {
			return nil, &problem.Invalid{Fields: map[string]string{"stage": "case.error.stage_unknown"}}
		}
		where, args = append(where, "c.stage = ?"), append(args, q.Stage)
	}
	if text := strings.TrimSpace(norm.NFC.String(q.Q)); text != "" {
		like := "%" + escapeLike(strings.ToLower(text)) + "%"
		if bidx := st.Keys.BlindIndex("document_number", text); bidx != nil {
			where, args = append(where, "(p.search_name LIKE ? OR p.document_number_bidx = ?)"), append(args, like, bidx)
		} else {
			where, args = append(where, "p.search_name LIKE ?"), append(args, like)
		}
	}
	if q.Cursor != "" {
		at, id, ok := decodeCursor(q.Cursor)
		if !ok {
			return nil, &problem.Invalid{Fields: map[string]string{"cursor": "form.error.invalid"}}
		}
		where, args = append(where, "(c.updated_at, c.id) < (?, ?)"), append(args, at, id)
	}
	sql := listSQL + strings.Join(where, " AND ") + " ORDER BY c.updated_at DESC, c.id DESC LIMIT ?"
	args = append(args, q.Limit+1)
	page := &Page{}
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw(sql, args...).Scan(&page.Items).Error; err != nil {
			return err
		}
		if len(page.Items) > q.Limit {
			page.Items = page.Items[:q.Limit]
			last := page.Items[q.Limit-1]
			page.NextCursor = encodeCursor(last.UpdatedAt, last.ID)
		}
		return audit.Append(tx, s.now(), entry(a, "case.list", "case", "",
			map[string]any{"stage": q.Stage, "searched": q.Q != "", "rows": len(page.Items)}))
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func encodeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d|%s", at.UnixMicro(), id)))
}

func decodeCursor(s string) (time.Time, string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, "", false
	}
	micros, id, ok := strings.Cut(string(b), "|")
	n, err := strconv.ParseInt(micros, 10, 64)
	if !ok || err != nil || !validUUID(id) {
		return time.Time{}, "", false
	}
	return time.UnixMicro(n).UTC(), id, true
}

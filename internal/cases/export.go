package cases

import (
	"context"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
)

// ExportLimit is the most cases one export of the case list holds.
const ExportLimit = 20000

// ExportRow is one case of an export of the case list. The identity fields (names, birth) are filled
// only for an actor who may read the identity section; nothing sealed is ever exported.
type ExportRow struct {
	Reference   string
	Stage       Stage
	Nationality string
	Sex         string
	Minor       bool
	Operation   string // name of the rescue operation, "" for none
	CreatedAt   time.Time
	UpdatedAt   time.Time
	GivenName   string
	FamilyName  string
	BirthDate   *time.Time
	AgeEstimate *int
}

// Export is the filtered case list, whole, as one export holds it.
type Export struct {
	Rows []ExportRow
	// Identity tells that the identity fields were read (the actor may read the identity section).
	Identity bool
	// Truncated tells that more cases matched than ExportLimit; Rows holds the newest ExportLimit.
	Truncated bool
}

const exportCoreSQL = `SELECT c.reference, c.stage, c.created_at, c.updated_at, p.nationality, p.sex, p.minor,
       COALESCE(o.name, '') AS operation`

const exportIdentitySQL = `, p.given_name, p.family_name, p.birth_date, p.age_estimate`

const exportFromSQL = `
FROM cases c JOIN persons p ON p.id = c.person_id LEFT JOIN operations o ON o.id = p.operation_id
WHERE `

// Export reads the whole filtered case list (the list's filters; the cursor and limit are ignored)
// for an export in format, up to ExportLimit cases, and audits "case.export" with the filters and the
// row count in the same transaction. It needs the exports section as well as the case list.
func (s *Service) Export(ctx context.Context, a *authz.Actor, q ListQuery, format string) (*Export, error) {
	st, scope, err := s.bind(a, authz.SectionExports, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	if err := a.Require(authz.SectionCases, authz.ActionRead); err != nil {
		return nil, err
	}
	q.Cursor, q.Limit = "", 0
	w, srch, err := q.filters(st, scope)
	if err != nil {
		return nil, err
	}
	if srch != nil {
		m, margs := srch.match()
		w.add(m, margs...)
	}
	where, args := w.all()
	out := &Export{Identity: a.Can(authz.SectionIdentity, authz.ActionRead)}
	cols := exportCoreSQL
	if out.Identity {
		cols += exportIdentitySQL
	}
	sql := cols + exportFromSQL + where + " ORDER BY c.updated_at DESC, c.id DESC LIMIT ?"
	args = append(args, ExportLimit+1)
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw(sql, args...).Scan(&out.Rows).Error; err != nil {
			return err
		}
		if len(out.Rows) > ExportLimit {
			out.Rows, out.Truncated = out.Rows[:ExportLimit], true
		}
		return audit.Append(tx, s.now(), entry(a, audit.CaseExport, "case", "", map[string]any{
			"format": format, "stage": q.Stage, "operation": q.Operation, "nationality": q.Nationality,
			"minor": q.Minor, "assigned": q.AssignedTo != "", "pending_approval": q.PendingApproval,
			"searched": q.Q != "", "identity": out.Identity, "rows": len(out.Rows), "truncated": out.Truncated}))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

package cases

import (
	"context"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// NameSimilarity is the pg_trgm similarity above which two names (or a name and an alias) are a
// likely match. Trigrams work in any script; tests tune it on Thai, Khmer and Latin names.
const NameSimilarity = 0.5

// Reasons of a possible duplicate.
const (
	ReasonDocument = "document" // a document number's blind index matches exactly
	ReasonName     = "name"     // similar name, same nationality, birth date or age close
)

// Duplicate is a possible duplicate of a person being registered: a person already in the store
// (PersonID) or another row of the same batch (Row, 0-based index in the batch).
//
// A person of the store is reported whoever's case it is, because the store is one country's
// boundary and a rescued person is often received by police and social welfare alike. When the
// actor may see none of that person's cases (Visible false), only the person id and the reason are
// given — no name, no case — and the person cannot be linked or merged by this actor; their
// supervisor takes it up with the agency holding the case.
type Duplicate struct {
	PersonID string          `json:"person_id,omitempty"`
	Row      *int            `json:"row,omitempty"`
	Reason   string          `json:"reason"`
	Visible  bool            `json:"visible"`
	Cases    []DuplicateCase `json:"cases,omitempty"`
	// Name and Minor are shown on the intake form for a visible person; never in the API.
	GivenName  string `json:"-"`
	FamilyName string `json:"-"`
	Minor      bool   `json:"-"`
}

// DuplicateCase is a case of a duplicate person that the actor may see.
type DuplicateCase struct {
	ID        string `json:"id"`
	Reference string `json:"reference"`
	Stage     Stage  `json:"stage"`
}

// PossibleDuplicates validates one intake and lists the possible duplicates in the actor's store,
// without registering anything. The web form calls it before Register.
func (s *Service) PossibleDuplicates(ctx context.Context, a *authz.Actor, in IntakeInput) ([]Duplicate, error) {
	st, _, err := s.bindIntake(a)
	if err != nil {
		return nil, err
	}
	p, err := s.preparePerson(st, &in, s.now())
	if err != nil {
		return nil, err
	}
	dups, err := s.duplicatesOf(ctx, a, []*Person{p})
	if err != nil {
		return nil, err
	}
	return dups[0], nil
}

// FindDuplicates lists the possible duplicates of every valid row of a batch, by row index: persons
// already in the actor's store and other rows of the batch (Duplicate.Row). Invalid rows are
// skipped (IntakeBatch reports them). Nothing is written but the audit row. IntakeBatch itself
// fills Intaken.Duplicates; the bulk import checks a file a batch at a time (FileIntake.Check).
func (s *Service) FindDuplicates(ctx context.Context, a *authz.Actor, ins []IntakeInput) (map[int][]Duplicate, error) {
	st, _, err := s.bindIntake(a)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var persons []*Person
	var index []int // persons[k] is row index[k]
	for i := range ins {
		in := ins[i]
		p, err := s.preparePerson(st, &in, now)
		if err != nil {
			if _, ok := problem.AsInvalid(err); ok {
				continue
			}
			return nil, err
		}
		persons, index = append(persons, p), append(index, i)
	}
	found, err := s.duplicatesOf(ctx, a, persons)
	if err != nil {
		return nil, err
	}
	out := map[int][]Duplicate{}
	for k, dups := range found {
		for j := range dups {
			if r := dups[j].Row; r != nil {
				row := index[*r]
				dups[j].Row = &row
			}
		}
		if len(dups) > 0 {
			out[index[k]] = dups
		}
	}
	return out, nil
}

// bindIntake binds the actor who may register persons: cases and identity written.
func (s *Service) bindIntake(a *authz.Actor) (*store.Store, authz.Scope, error) {
	if err := a.Require(authz.SectionIdentity, authz.ActionWrite); err != nil {
		return nil, authz.Scope{}, err
	}
	return s.bind(a, authz.SectionCases, authz.ActionWrite)
}

// duplicatesOf runs findDuplicates in its own transaction and audits the look-up.
func (s *Service) duplicatesOf(ctx context.Context, a *authz.Actor, persons []*Person) ([][]Duplicate, error) {
	st, scope, err := s.bindIntake(a)
	if err != nil {
		return nil, err
	}
	var out [][]Duplicate
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if out, err = s.findDuplicates(tx, scope, persons, s.now()); err != nil {
			return err
		}
		n := 0
		for _, d := range out {
			n += len(d)
		}
		return audit.Append(tx, s.now(), entry(a, audit.PersonDuplicates, "person", "",
			map[string]any{"rows": len(persons), "matches": n}))
	})
	return out, err
}

// MaxDuplicates is the most possible duplicates reported for one row: documents first, then the
// closest names. A batch row may also list other rows of the batch beyond it.
const MaxDuplicates = 20

// candidate is a person of the store that may be a duplicate of a row.
type candidate struct {
	RowIndex    int
	Reason      string
	Score       float64 // 2 for a document; else the best name similarity
	ID          string
	MergedInto  *string
	BirthDate   *time.Time
	AgeEstimate *int
	CreatedAt   time.Time
}

// findDuplicates returns, for each new person (not yet inserted), the possible duplicates in the
// store and among the other new persons, documents first. The store is asked in batches of
// dupBatch persons (storeCandidates); only the candidates come back, at most dupPerRow a row and
// reason, so what it holds in memory grows with the batch, never with the store.
func (s *Service) findDuplicates(tx *gorm.DB, scope authz.Scope, persons []*Person, now time.Time) ([][]Duplicate, error) {
	out, ids, err := storeDuplicates(tx, persons, now)
	if err != nil {
		return nil, err
	}
	if err := describeDuplicates(tx, scope, out, ids); err != nil {
		return nil, err
	}
	withinBatch(persons, out, now)
	return out, nil
}

// storeDuplicates is the store's half of findDuplicates: for each new person, the persons of the
// store it may duplicate (PersonID and Reason only), best first, and every person id named once.
func storeDuplicates(tx *gorm.DB, persons []*Person, now time.Time) ([][]Duplicate, []string, error) {
	out := make([][]Duplicate, len(persons))
	if len(persons) == 0 {
		return out, nil, nil
	}
	best := make([]map[string]candidate, len(persons)) // row -> person id -> best match
	keep := func(c candidate) {
		p := persons[c.RowIndex]
		if c.Reason == ReasonName && !closeInAge(p.BirthDate, p.AgeEstimate, p.CreatedAt, c.BirthDate, c.AgeEstimate, c.CreatedAt, now) {
			return
		}
		if best[c.RowIndex] == nil {
			best[c.RowIndex] = map[string]candidate{}
		}
		if prev, ok := best[c.RowIndex][c.personID()]; !ok || c.Score > prev.Score {
			best[c.RowIndex][c.personID()] = c
		}
	}
	if err := storeCandidates(tx, persons, now, keep); err != nil {
		return nil, nil, err
	}
	var ids []string
	seen := map[string]bool{}
	for i := range persons {
		ranked := make([]candidate, 0, len(best[i]))
		for id, c := range best[i] {
			c.ID = id
			ranked = append(ranked, c)
		}
		sort.Slice(ranked, func(a, b int) bool {
			if ranked[a].Score != ranked[b].Score {
				return ranked[a].Score > ranked[b].Score
			}
			return ranked[a].ID < ranked[b].ID
		})
		for _, c := range ranked[:min(len(ranked), MaxDuplicates)] {
			out[i] = append(out[i], Duplicate{PersonID: c.ID, Reason: c.Reason})
			if !seen[c.ID] {
				seen[c.ID], ids = true, append(ids, c.ID)
			}
		}
	}
	return out, ids, nil
}

func (c candidate) personID() string {
	if c.MergedInto != nil {
		return *c.MergedInto
	}
	return c.ID
}

const dupCasesSQL = `SELECT c.id, c.reference, c.stage, c.person_id, p.given_name, p.family_name, p.minor
FROM cases c JOIN persons p ON p.id = c.person_id
WHERE c.person_id = ANY(?::uuid[]) AND `

// dupCaseRow is a visible case of a duplicate person.
type dupCaseRow struct {
	ID         string
	Reference  string
	Stage      Stage
	PersonID   string
	GivenName  string
	FamilyName string
	Minor      bool
}

// describeDuplicates marks the duplicates whose person has a case the actor may see, and gives
// those their visible cases, name and minor flag.
func describeDuplicates(tx *gorm.DB, scope authz.Scope, out [][]Duplicate, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	cond, args := scope.CaseFilter("c")
	var rows []dupCaseRow
	if err := tx.Raw(dupCasesSQL+cond+" ORDER BY c.created_at", append([]any{TextList(ids)}, args...)...).Scan(&rows).Error; err != nil {
		return err
	}
	byPerson := map[string][]dupCaseRow{}
	for _, r := range rows {
		byPerson[r.PersonID] = append(byPerson[r.PersonID], r)
	}
	for i := range out {
		hidden := map[string]bool{}
		kept := out[i][:0]
		for _, d := range out[i] {
			for _, r := range byPerson[d.PersonID] {
				d.Visible, d.GivenName, d.FamilyName, d.Minor = true, r.GivenName, r.FamilyName, r.Minor
				d.Cases = append(d.Cases, DuplicateCase{ID: r.ID, Reference: r.Reference, Stage: r.Stage})
			}
			if !d.Visible && d.PersonID != "" {
				// A person whose cases the actor may not see: say only that a match exists, once a
				// reason, never which person (an id would confirm what another agency holds).
				if hidden[d.Reason] {
					continue
				}
				hidden[d.Reason], d.PersonID = true, ""
			}
			kept = append(kept, d)
		}
		out[i] = kept
	}
	return nil
}

// names are the lower-cased names of a person to compare: the full name and each alias.
func (p *Person) names() []string {
	out := []string{strings.ToLower(strings.TrimSpace(p.GivenName + " " + p.FamilyName))}
	for _, al := range p.Aliases {
		out = append(out, strings.ToLower(al))
	}
	return out
}

// closeInAge reports whether two persons may be the same by age: birth dates within 365 days when
// both are known, else ages (from the birth date, or the estimate plus the years since it was
// recorded) within 2 years; a person with neither is not ruled out.
func closeInAge(aBirth *time.Time, aAge *int, aAt time.Time, bBirth *time.Time, bAge *int, bAt time.Time, now time.Time) bool {
	if aBirth != nil && bBirth != nil {
		d := aBirth.Sub(*bBirth)
		return d <= 365*24*time.Hour && d >= -365*24*time.Hour
	}
	ya, oka := ageAt(aBirth, aAge, aAt, now)
	yb, okb := ageAt(bBirth, bAge, bAt, now)
	if !oka || !okb {
		return true
	}
	return ya-yb <= 2 && yb-ya <= 2
}

// ageAt is a person's age in whole years at now.
func ageAt(birth *time.Time, estimate *int, recorded, now time.Time) (int, bool) {
	if birth != nil {
		return wholeYears(*birth, now), true
	}
	if estimate != nil {
		return *estimate + wholeYears(recorded, now), true
	}
	return 0, false
}

func wholeYears(from, to time.Time) int {
	y := to.Year() - from.Year()
	if to.Month() < from.Month() || (to.Month() == from.Month() && to.Day() < from.Day()) {
		y--
	}
	if y < 0 {
		return 0
	}
	return y
}

package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/directory"
	"homeward/internal/store"
)

// Which cases are owned by the police, and which social-welfare cases have the police on their team:
// the n-th case of a store (from 0) is owned by the police when n%policeEvery == policeEvery-1, and
// a social-welfare case gets the police on its team when n%teamEvery == 2.
const (
	policeEvery = 6
	teamEvery   = 7
	// walkInEvery: every walkInEvery-th person arrived at a checkpoint, not from an operation.
	walkInEvery = 7
)

// seeder holds what the seeding of the stores needs.
type seeder struct {
	dir      *directory.Service
	cs       *cases.Service
	stores   *store.Set
	agencies map[string]string // id by slug
	users    map[string]string // id by email
	now      time.Time
}

// owner is an agency that owns cases, with the user who does the work and the one who closes.
type owner struct {
	agencyID   string
	worker     *authz.Actor
	supervisor *authz.Actor
}

// seedStore inserts a store's operations and receives its persons, walking each case to its stage.
func (s *seeder) seedStore(ctx context.Context, p storePlan) error {
	st, err := s.stores.For(p.country)
	if err != nil {
		return err
	}
	ops, err := s.insertOperations(ctx, st, p)
	if err != nil {
		return err
	}
	welfare, err := s.owner(ctx, p.welfare, "caseworker")
	if err != nil {
		return err
	}
	police, err := s.owner(ctx, p.police, "investigator")
	if err != nil {
		return err
	}
	persons := generate(rand.New(rand.NewPCG(p.seed, 0x484f4d45)), s.now, p.groups)
	stages := stageList()
	if len(stages) != len(persons) {
		return fmt.Errorf("plan has %d persons for %d stages", len(persons), len(stages))
	}
	closed := 0
	for n, in := range persons {
		byPolice := n%policeEvery == policeEvery-1
		o := welfare
		if byPolice {
			o = police
		}
		in.OperationID = operationFor(ops, stages[n], n)
		steps := route(stages[n], closed)
		if stages[n] == cases.StageClosed {
			closed++
		}
		c, err := s.receive(ctx, o, in, steps)
		if err != nil {
			return err
		}
		if !byPolice && n%teamEvery == 2 {
			if err := addTeam(ctx, st, c.ID, police.agencyID); err != nil {
				return err
			}
		}
	}
	return nil
}

// owner loads the acting users of an owning agency: the worker of role workerRole and the supervisor.
func (s *seeder) owner(ctx context.Context, slug, workerRole string) (owner, error) {
	o := owner{agencyID: s.agencies[slug]}
	var err error
	if o.worker, err = s.actor(ctx, slug, workerRole); err != nil {
		return owner{}, err
	}
	if o.supervisor, err = s.actor(ctx, slug, "supervisor"); err != nil {
		return owner{}, err
	}
	return o, nil
}

// actor loads the demo user of a role in an agency as an actor.
func (s *seeder) actor(ctx context.Context, slug, role string) (*authz.Actor, error) {
	email := demoUser{slug: slug, role: role}.email()
	id, ok := s.users[email]
	if !ok {
		return nil, fmt.Errorf("no demo user %s", email)
	}
	a, err := s.dir.Actor(ctx, id, s.agencies[slug])
	if err != nil {
		return nil, fmt.Errorf("load actor %s: %w", email, err)
	}
	return a, nil
}

// receive takes one person in as the owner's worker and moves the case along steps; closing is done
// by the owner's supervisor.
func (s *seeder) receive(ctx context.Context, o owner, in cases.IntakeInput, steps []step) (*cases.Case, error) {
	_, c, err := s.cs.Intake(ctx, o.worker, in)
	if err != nil {
		return nil, fmt.Errorf("intake %s %s: %w", in.GivenName, in.FamilyName, err)
	}
	for _, st := range steps {
		a := o.worker
		if st.to == cases.StageClosed {
			a = o.supervisor
		}
		next, err := s.cs.Transition(ctx, a, c.ID, cases.TransitionInput{To: st.to, Reason: st.reason, Version: c.Version})
		if err != nil {
			return nil, fmt.Errorf("case %s %s -> %s: %w", c.Reference, c.Stage, st.to, err)
		}
		c = next
	}
	return c, nil
}

// insertOperations writes the plan's rescue operations, led by its police agency, and returns their
// ids in plan order.
func (s *seeder) insertOperations(ctx context.Context, st *store.Store, p storePlan) ([]string, error) {
	lead := s.agencies[p.police]
	today := time.Date(s.now.Year(), s.now.Month(), s.now.Day(), 0, 0, 0, 0, time.UTC)
	ids := make([]string, 0, len(p.operations))
	for _, op := range p.operations {
		id, err := uuid.NewV7()
		if err != nil {
			return nil, fmt.Errorf("operation id: %w", err)
		}
		date := today.AddDate(0, 0, -op.daysAgo).Format("2006-01-02")
		err = st.DB.WithContext(ctx).Exec(
			`INSERT INTO operations (id, name, operation_date, lead_agency_id, province, compound) VALUES (?, ?, ?, ?, ?, ?)`,
			id.String(), op.name, date, lead, op.province, op.compound).Error
		if err != nil {
			return nil, fmt.Errorf("insert operation %s: %w", op.name, err)
		}
		ids = append(ids, id.String())
	}
	return ids, nil
}

// operationFor links a person to an operation: cases in recovery or beyond came from the first
// (older) operation, earlier ones from the last (recent) one; a few walked in at a checkpoint.
func operationFor(ops []string, stage cases.Stage, n int) string {
	if len(ops) == 0 || n%walkInEvery == walkInEvery-1 {
		return ""
	}
	switch stage {
	case cases.StageReception, cases.StageScreening, cases.StageIdentification:
		return ops[len(ops)-1]
	}
	return ops[0]
}

// addTeam puts an agency on a case's team.
func addTeam(ctx context.Context, st *store.Store, caseID, agencyID string) error {
	err := st.DB.WithContext(ctx).Exec(`INSERT INTO case_team (case_id, agency_id) VALUES (?, ?)`, caseID, agencyID).Error
	if err != nil {
		return fmt.Errorf("add agency to team of case %s: %w", caseID, err)
	}
	return nil
}

// stageList is the stage of every case of a store, in order of intake.
func stageList() []cases.Stage {
	var out []cases.Stage
	for _, sc := range stageCounts {
		for range sc.count {
			out = append(out, sc.stage)
		}
	}
	return out
}

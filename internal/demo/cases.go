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
	"homeward/internal/screening"
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
	sc       *screening.Service // set by seedStore
	stores   *store.Set
	agencies map[string]string // id by slug
	users    map[string]string // id by email
	now      time.Time
	seeded   map[string][]seededCase // the cases of each store, in order of intake (packets.go)
}

// seededCase is a case the seeder made, with what packets.go picks cases by.
type seededCase struct {
	c           *cases.Case
	nationality string
	languages   []string
	byPolice    bool
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
	s.sc = screening.New(s.stores)
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
		c, err := s.receive(ctx, o, welfare, in, steps)
		if err != nil {
			return err
		}
		if !byPolice && n%teamEvery == 2 {
			if err := addTeam(ctx, st, c.ID, police.agencyID); err != nil {
				return err
			}
		}
		s.seeded[p.country] = append(s.seeded[p.country], seededCase{c: c, nationality: in.Nationality, languages: in.Languages, byPolice: byPolice})
	}
	// The returnees: more persons in return preparation, after the planned ones (packets.go needs them).
	extra := generate(rand.New(rand.NewPCG(p.seed+1, 0x484f4d45)), s.now, p.returnees)
	for _, in := range extra {
		c, err := s.receive(ctx, welfare, welfare, in, route(cases.StageReturnPreparation, 0))
		if err != nil {
			return err
		}
		s.seeded[p.country] = append(s.seeded[p.country], seededCase{c: c, nationality: in.Nationality, languages: in.Languages})
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
// by the owner's supervisor. The welfare agency screens and identifies (see identify).
func (s *seeder) receive(ctx context.Context, o, welfare owner, in cases.IntakeInput, steps []step) (*cases.Case, error) {
	_, c, err := s.cs.Intake(ctx, o.worker, in)
	if err != nil {
		return nil, fmt.Errorf("intake %s %s: %w", in.GivenName, in.FamilyName, err)
	}
	for _, st := range steps {
		if err := s.identify(ctx, o, welfare, c, st.to, in); err != nil {
			return nil, fmt.Errorf("case %s: %w", c.Reference, err)
		}
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
	if c.Stage == cases.StageIdentification { // a proposal waiting for the supervisor
		if _, err := s.propose(ctx, welfare, c); err != nil {
			return nil, fmt.Errorf("case %s: %w", c.Reference, err)
		}
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

// identify does the screening work a step needs first: the interview is recorded before a case moves
// to identification, and a decision is proposed and approved before it moves on to recovery. The
// welfare agency's caseworker interviews and proposes, its supervisor approves; on a police case the
// welfare agency joins the case team first (the police refer victims to social welfare).
func (s *seeder) identify(ctx context.Context, o, welfare owner, c *cases.Case, to cases.Stage, in cases.IntakeInput) error {
	switch {
	case c.Stage == cases.StageScreening && to == cases.StageIdentification:
		if o.agencyID != welfare.agencyID {
			st, err := s.stores.For(welfare.worker.Country)
			if err != nil {
				return err
			}
			if err := addTeam(ctx, st, c.ID, welfare.agencyID); err != nil {
				return err
			}
		}
		_, err := s.sc.RecordScreening(ctx, welfare.worker, c.ID, s.interview(c, in))
		if err != nil {
			return fmt.Errorf("record screening: %w", err)
		}
	case c.Stage == cases.StageIdentification && to == cases.StageRecovery:
		d, err := s.propose(ctx, welfare, c)
		if err != nil {
			return err
		}
		_, err = s.sc.Approve(ctx, welfare.supervisor, d.ID, screening.ReviewInput{Version: d.Version,
			Comment: "Indicators of trafficking for forced criminality are consistent; approved."})
		if err != nil {
			return fmt.Errorf("approve decision: %w", err)
		}
	}
	return nil
}

// propose proposes that the person of c is identified as a victim of trafficking.
func (s *seeder) propose(ctx context.Context, welfare owner, c *cases.Case) (*screening.Decision, error) {
	basis := "Anti-Trafficking in Persons Act B.E. 2551 (2008), section 6"
	if welfare.worker.Country == "KH" {
		basis = "Law on Suppression of Human Trafficking and Sexual Exploitation (2008)"
	}
	d, err := s.sc.ProposeDecision(ctx, welfare.worker, c.ID, screening.ProposalInput{
		Decision: screening.DecisionIdentified, LegalBasis: basis})
	if err != nil {
		return nil, fmt.Errorf("propose decision: %w", err)
	}
	return d, nil
}

// interviews are the demo screening stories, used in turn: the channel of recruitment, the
// indicators present, the narrative, and the compound the person was held in.
var interviews = []struct {
	channel, narrative, compound string
	present                      []string
}{
	{"facebook", "Saw a Facebook post for a customer-service job with high pay. The recruiter paid the bus to the border and took the passport at the crossing. Held in a compound behind walls and guards, made to chat with strangers and sell a fake investment platform 14 hours a day. Beaten when the daily quota was missed. The family was asked for 3,000 US dollars for release.",
		"Jade Garden compound", []string{"deceptive_job_offer", "recruited_online", "travel_arranged_by_recruiter", "documents_taken_on_arrival",
			"forced_online_fraud", "quotas_with_punishment", "excessive_hours", "ransom_demanded", "confinement", "violence_or_threat"}},
	{"telegram", "A contact on Telegram offered work as a translator in a casino hotel. Crossed the river at night by car with others. The phone was taken on the first day. Sold to a second compound after two months and made to run romance scams at night; the promised wages were never paid. Locked in a room for three days after asking to leave.",
		"Silver River compound", []string{"deceptive_job_offer", "recruited_online", "travel_arranged_by_recruiter", "forced_online_fraud",
			"excessive_hours", "wages_withheld", "sold_or_moved", "confinement", "phone_or_documents_confiscated", "isolation"}},
	{"tiktok", "Answered a TikTok video for an IT support job and paid a placement fee borrowed from relatives. On arrival the documents were taken \"for the work permit\". Made to run fake trading chats under guard; saw others given electric shocks. Told that the family at home would be harmed if anyone spoke to the police.",
		"Golden Fortune compound", []string{"deceptive_job_offer", "recruited_online", "fees_or_debt", "documents_taken_on_arrival",
			"forced_online_fraud", "quotas_with_punishment", "confinement", "phone_or_documents_confiscated", "violence_or_threat", "threats_against_family"}},
}

// interview builds the screening interview of a case from the demo stories.
func (s *seeder) interview(c *cases.Case, in cases.IntakeInput) screening.Input {
	var ref int
	fmt.Sscanf(c.Reference[len(c.Reference)-6:], "%d", &ref)
	iv := interviews[ref%len(interviews)]
	out := screening.Input{InterviewDate: s.now.AddDate(0, 0, -ref%10).Format("2006-01-02"),
		Interviewer: "Caseworker of the centre", Interpreter: "Staff interpreter", Language: "en", Narrative: iv.narrative}
	if len(in.Languages) > 0 {
		out.Language = in.Languages[0]
	}
	for _, code := range iv.present {
		a := screening.AnswerInput{Indicator: code, Answer: screening.AnswerPresent}
		if code == screening.RecruitedOnline {
			a.Channels = []string{iv.channel}
		}
		out.Indicators = append(out.Indicators, a)
	}
	out.Indicators = append(out.Indicators, screening.AnswerInput{Indicator: "torture", Answer: screening.AnswerAbsent},
		screening.AnswerInput{Indicator: "sexual_violence", Answer: screening.AnswerUnknown, Note: "Not asked in the first interview."})
	day := func(n int) string { return s.now.AddDate(0, 0, -n).Format("2006-01-02") }
	out.Events = []screening.EventInput{
		{Phase: "recruitment", Place: "Online (" + iv.channel + ")", Country: in.Nationality, DateFrom: day(240), Description: "First contact with the recruiter."},
		{Phase: "transit", Place: "Border crossing", DateFrom: day(230), DateTo: day(229), Description: "Taken across the border by car."},
		{Phase: "exploitation", Place: iv.compound, Country: c.Reference[:2], DateFrom: day(229), DateTo: day(20 + ref%10), Description: "Held and made to work on online fraud."},
	}
	return out
}

package seedscale

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"homeward/internal/audit"
	"homeward/internal/cases"
	"homeward/internal/vault"
)

var (
	relations   = []string{"mother", "father", "sister", "brother", "wife", "husband", "cousin", "aunt"}
	urgentNeeds = []string{"Injury to the left hand, needs a doctor.", "Diabetic, needs insulin.", "Pregnant, about five months.",
		"Has not eaten for two days.", "Fever and cough.", "Panic attacks at night.", "Needs glasses, lost in the compound."}
	compounds  = []string{"Jade Garden", "Silver River", "Blue Lotus", "Golden Fortune", "Kings Bay", "Huione Park", "Star City", "Diamond Hill"}
	tasks      = []string{"romance scams on Facebook", "fake crypto investment sites", "fake police calls", "online gambling fraud", "shopping refund scams"}
	lures      = []string{"a customer-service job in Bangkok", "a casino job with a high salary", "a translator job", "an online sales job", "work in a factory"}
	indicators = []string{"deceptive_job_offer", "recruited_online", "documents_taken_on_arrival", "forced_online_fraud",
		"quotas_with_punishment", "confinement", "phone_or_documents_confiscated", "violence_or_threat", "wages_withheld", "excessive_hours"}
	channels     = []string{"facebook", "telegram", "line", "whatsapp", "tiktok"}
	interviewers = []string{"Siriporn K.", "Anucha T.", "Chenda S.", "Vannak P.", "Malee W.", "Sophea C."}
	legalBases   = []string{"Anti-Trafficking in Persons Act B.E. 2551, section 6", "Law on Suppression of Human Trafficking and Sexual Exploitation (2008), article 10", "Palermo Protocol, article 3(a)"}
)

// person draws person i: the person row, the case, its history, screening, decision, packets and
// the audit rows the app would have written for them.
func (g *gen) person(r *rand.Rand, c *chunk, i int) error {
	gr, x := g.groups[0], r.IntN(g.weights)
	for _, cand := range g.groups {
		if x < cand.weight {
			gr = cand
			break
		}
		x -= cand.weight
	}
	// Received in index order over the span, oldest first.
	received := g.now.Add(-g.span + time.Duration(float64(g.span)*(float64(i)+r.Float64())/float64(g.total))).Truncate(time.Microsecond)
	pid := v7(r, received)
	sex, names := "male", gr.names.male
	if r.IntN(100) < 40 {
		sex, names = "female", gr.names.female
	}
	gi := r.IntN(len(names))
	given, family := names[gi], ""
	fi := -1
	if r.IntN(100) >= gr.names.noFamily {
		fi = r.IntN(len(gr.names.family))
		family = gr.names.family[fi]
	}
	aliases := []string{}
	if a := gr.names.alias; a != nil && r.IntN(100) < 30 { // the name as the interpreter wrote it in Latin script
		al := a.male[gi]
		if sex == "female" {
			al = a.female[gi]
		}
		if fi >= 0 {
			al += " " + a.family[fi]
		}
		aliases = append(aliases, al)
	}
	age := 19 + r.IntN(27)
	if r.IntN(100) < 12 {
		age = 14 + r.IntN(4)
	}
	var birth, ageEst any
	if r.IntN(2) == 0 {
		birth = time.Date(received.Year()-age-1, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	} else {
		ageEst = int32(age)
	}
	minor := age < 18
	docNumber, contact, urgent := "", "", ""
	docsHeld, docsMissing := []string{}, []string{"passport"}
	if r.IntN(100) < 40 {
		docNumber = gr.docPrefix + digits(r, gr.docDigits)
		docsHeld, docsMissing = []string{"passport"}, []string{}
	}
	if r.IntN(100) < 35 {
		contact = fmt.Sprintf("%s: %s %s %s", pick(r, relations), gr.phone, digits(r, 3), digits(r, 4))
	}
	if r.IntN(100) < 10 {
		urgent = pick(r, urgentNeeds)
	}
	var op any
	if r.IntN(100) < 60 && len(g.ops) > 0 {
		op = g.ops[min(len(g.ops)-1, i*len(g.ops)/g.total)]
	}
	docEnc, err := g.sealString(fieldDocumentNumber, pid, docNumber)
	if err != nil {
		return err
	}
	contactEnc, err := g.sealString(fieldContact, pid, contact)
	if err != nil {
		return err
	}
	urgentEnc, err := g.sealString(fieldUrgentNeeds, pid, urgent)
	if err != nil {
		return err
	}
	var bidx, docsEnc any
	bidxs := [][]byte{}
	if docNumber != "" {
		b := g.keys.BlindIndex(vault.KindDocumentNumber, docNumber)
		bidx, bidxs = b, [][]byte{b}
		enc, err := g.sealString(fieldDocuments, pid, marshal([]cases.HeldDocument{{Kind: "passport", Number: docNumber}}))
		if err != nil {
			return err
		}
		docsEnc = enc
	}

	stage := stageFor(r, g.now.Sub(received))
	steps := timeline(r, received, g.now, route(r, stage))
	updated := received
	if len(steps) > 0 {
		updated = steps[len(steps)-1].at
	}
	cid := v7(r, received)
	caseID := idString(cid)
	c.caseIDs = append(c.caseIDs, cid)
	owner, byPolice := g.dir.Welfare, r.IntN(10) == 9
	if byPolice {
		owner = g.dir.Police
	}
	worker, super := pick(r, owner.Workers), pick(r, owner.Supervisors)
	var assigned any
	if r.IntN(100) < 80 {
		assigned = u(worker)
	}
	ref := fmt.Sprintf("%s-%d-%06d", g.country, received.Year(), g.refBase+int64(i))
	c.add("persons", pid, given, family, sex, birth, ageEst, gr.nationality, pick(r, gr.languages), minor, docEnc, bidx, contactEnc, op,
		received, updated, int32(1), aliases, docsHeld, docsMissing, docsEnc, bidxs, urgentEnc)
	c.add("cases", cid, ref, pid, u(owner.ID), assigned, string(stage), received, updated, int32(1+len(steps)))
	if !byPolice && r.IntN(20) == 0 {
		c.add("case_team", cid, u(g.dir.Police.ID), received.Add(time.Hour))
	}
	if err := g.audit(c, received, worker, owner.ID, audit.CaseIntake, caseID,
		map[string]any{"person_id": idString(pid), "reference": ref, "possible_duplicates": 0}); err != nil {
		return err
	}
	from := cases.StageReception
	for n, s := range steps {
		actor := worker
		if s.to == cases.StageClosed {
			actor = super
		}
		c.add("stage_changes", v7(r, s.at), cid, string(from), string(s.to), "", u(actor), s.at)
		if err := g.audit(c, s.at, actor, owner.ID, audit.CaseTransition, caseID,
			map[string]any{"from": from, "to": s.to, "version": n + 1}); err != nil {
			return err
		}
		if err := g.history(r, c, cid, caseID, gr, given, s, steps, n); err != nil {
			return err
		}
		from = s.to
	}
	if stage == cases.StageScreening && r.IntN(2) == 0 {
		if err := g.screening(r, c, cid, caseID, gr, given, steps[0].at.Add(time.Duration(1+r.IntN(48))*time.Hour)); err != nil {
			return err
		}
	}
	if stage == cases.StageIdentification && r.IntN(100) < 60 {
		at := steps[len(steps)-1].at.Add(time.Duration(1+r.IntN(72)) * time.Hour)
		if at.Before(g.now) {
			return g.decision(r, c, cid, caseID, "identified", at, time.Time{})
		}
	}
	return nil
}

// history writes what happened around stage change n: the screening before identification, the
// approved decision before recovery, the repatriation packet before handover, some referrals.
func (g *gen) history(r *rand.Rand, c *chunk, cid [16]byte, caseID string, gr group, given string, s step, steps []step, n int) error {
	prev := steps[0].at
	if n > 0 {
		prev = steps[n-1].at
	}
	mid := prev.Add(s.at.Sub(prev) / 2)
	switch s.to {
	case cases.StageIdentification:
		return g.screening(r, c, cid, caseID, gr, given, prev.Add(s.at.Sub(prev)/3))
	case cases.StageRecovery:
		if steps[n-1].to == cases.StageIdentification {
			return g.decision(r, c, cid, caseID, "identified", prev.Add(s.at.Sub(prev)/3), mid)
		}
	case cases.StageHandover:
		return g.packet(r, c, cid, caseID, "repatriation", "out", mid)
	case cases.StageReintegration:
		if r.IntN(5) == 0 {
			return g.packet(r, c, cid, caseID, "referral", "out", mid)
		}
	}
	return nil
}

func (g *gen) screening(r *rand.Rand, c *chunk, cid [16]byte, caseID string, gr group, given string, at time.Time) error {
	at = at.Truncate(time.Microsecond)
	sid := v7(r, at)
	lang := gr.languages[0][0]
	narrative := fmt.Sprintf("%s answered an advertisement for %s. The recruiter paid the travel. At the %s compound the passport was taken and %s was made to run %s, twelve to sixteen hours a day, and was beaten for missing the quota.",
		given, pick(r, lures), pick(r, compounds), given, pick(r, tasks))
	enc, err := g.sealString(fieldNarrative, sid, narrative)
	if err != nil {
		return err
	}
	worker := pick(r, g.dir.Welfare.Workers)
	interpreter := ""
	if lang != "th" && lang != "km" {
		interpreter = "Interpreter " + digits(r, 2)
	}
	c.add("screenings", sid, cid, at, pick(r, interviewers), interpreter, lang, enc, u(worker), at, at, int32(1))
	present := 0
	start := r.IntN(len(indicators))
	for k := range 4 {
		ind := indicators[(start+k)%len(indicators)]
		answer := "present"
		if r.IntN(5) == 0 {
			answer = "unknown"
		} else {
			present++
		}
		ch := []string{}
		if ind == "recruited_online" && answer == "present" {
			ch = []string{pick(r, channels)}
		}
		c.add("screening_indicators", sid, ind, answer, nil, ch)
	}
	return g.audit(c, at, worker, g.dir.Welfare.ID, audit.ScreeningRecord, caseID,
		map[string]any{"version": 1, "present": present, "events": 0})
}

// decision writes a proposal at proposed, approved at decided (zero: still waiting).
func (g *gen) decision(r *rand.Rand, c *chunk, cid [16]byte, caseID, decision string, proposed, decided time.Time) error {
	proposed = proposed.Truncate(time.Microsecond)
	did := v7(r, proposed)
	basis, err := g.sealString(fieldLegalBasis, did, pick(r, legalBases))
	if err != nil {
		return err
	}
	worker, super := pick(r, g.dir.Welfare.Workers), pick(r, g.dir.Welfare.Supervisors)
	detail := map[string]any{"decision_id": idString(did), "decision": decision}
	if err := g.audit(c, proposed, worker, g.dir.Welfare.ID, audit.IdentificationPropose, caseID, detail); err != nil {
		return err
	}
	if decided.IsZero() {
		c.add("identification_decisions", did, cid, decision, "", "proposed", u(worker), proposed, nil, nil, "", int32(1), basis, nil)
		return nil
	}
	decided = decided.Truncate(time.Microsecond)
	comment, err := g.sealString(fieldComment, did, "Indicators of forced criminality and confinement are consistent.")
	if err != nil {
		return err
	}
	c.add("identification_decisions", did, cid, decision, "", "approved", u(worker), proposed, u(super), decided, "", int32(2), basis, comment)
	return g.audit(c, decided, super, g.dir.Welfare.ID, audit.IdentificationApprove, caseID, detail)
}

func (g *gen) packet(r *rand.Rand, c *chunk, cid [16]byte, caseID, kind, direction string, at time.Time) error {
	at = at.Truncate(time.Microsecond)
	pid := v7(r, at)
	c.add("case_packets", pid, cid, kind, "", direction, at)
	return g.audit(c, at, pick(r, g.dir.Welfare.Workers), g.dir.Welfare.ID, audit.PacketPrepare, caseID,
		map[string]any{"packet_id": idString(pid), "kind": kind})
}

func (c *chunk) add(table string, values ...any) {
	c.rows[table] = append(c.rows[table], values)
}

// u is a uuid for COPY (binary) from its text form, checked by Fill.
func u(s string) [16]byte { return [16]byte(uuid.MustParse(s)) }

package seedscale

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"homeward/internal/audit"
	"homeward/internal/cases"
	"homeward/internal/vault"
)

// Sealed fields, named as the app names them (the field is part of the ciphertext's associated data).
const (
	fieldDocumentNumber = "persons.document_number"
	fieldContact        = "persons.contact"
	fieldDocuments      = "persons.documents"
	fieldUrgentNeeds    = "persons.urgent_needs"
	fieldNarrative      = "screenings.narrative"
	fieldLegalBasis     = "identification_decisions.legal_basis"
	fieldComment        = "identification_decisions.comment"
)

// chunk is the rows of persons [from, from+n) and everything that hangs off them, per table, in
// the column order of columns.
type chunk struct {
	index   int
	caseIDs [][16]byte
	rows    map[string][][]any
	audit   []audit.Row
}

// gen draws one chunk. It is deterministic for (seed, chunk index), except for the AEAD nonces.
type gen struct {
	keys    *vault.Keys
	country string
	dir     Directory
	groups  []group
	weights int
	ops     [][16]byte // rescue operations of this fill
	now     time.Time
	span    time.Duration // persons are received over [now-span, now)
	total   int
	refBase int64 // the first case reference number of this fill
}

func (g *gen) chunk(seed uint64, index, from, n int) (*chunk, error) {
	r := rand.New(rand.NewPCG(seed, uint64(index)))
	c := &chunk{index: index, rows: map[string][][]any{}}
	for i := from; i < from+n; i++ {
		if err := g.person(r, c, i); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// v7 is a UUIDv7 of time t with random bits from r (the app's ids are UUIDv7 of their creation).
func v7(r *rand.Rand, t time.Time) [16]byte {
	var u [16]byte
	ms := uint64(t.UnixMilli())
	u[0], u[1], u[2], u[3], u[4], u[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	binary.BigEndian.PutUint64(u[8:], r.Uint64())
	binary.BigEndian.PutUint16(u[6:], uint16(r.Uint32()))
	u[6] = u[6]&0x0f | 0x70
	u[8] = u[8]&0x3f | 0x80
	return u
}

func idString(u [16]byte) string {
	const hex = "0123456789abcdef"
	var b [36]byte
	j := 0
	for i, x := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b[j] = '-'
			j++
		}
		b[j], b[j+1] = hex[x>>4], hex[x&0x0f]
		j += 2
	}
	return string(b[:])
}

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

func digits(r *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + r.IntN(10)))
	}
	return b.String()
}

// step is one stage change of a case's history.
type step struct {
	to cases.Stage
	at time.Time
}

// stageFor draws the stage a case received at created stands at now: recent cases are early in
// the flow, older ones mostly recovering, returned or closed.
func stageFor(r *rand.Rand, age time.Duration) cases.Stage {
	x := r.IntN(100)
	if age < 21*24*time.Hour {
		switch {
		case x < 35:
			return cases.StageReception
		case x < 70:
			return cases.StageScreening
		case x < 95:
			return cases.StageIdentification
		}
		return cases.StageClosed
	}
	switch {
	case x < 2:
		return cases.StageReception
	case x < 4:
		return cases.StageScreening
	case x < 7:
		return cases.StageIdentification
	case x < 27:
		return cases.StageRecovery
	case x < 38:
		return cases.StageReturnPreparation
	case x < 44:
		return cases.StageHandover
	case x < 64:
		return cases.StageReintegration
	}
	return cases.StageClosed
}

// route is the stages a case went through to stand at s (the transitions table allows each move).
func route(r *rand.Rand, s cases.Stage) []cases.Stage {
	full := []cases.Stage{cases.StageScreening, cases.StageIdentification, cases.StageRecovery,
		cases.StageReturnPreparation, cases.StageHandover, cases.StageReintegration}
	switch s {
	case cases.StageReception:
		return nil
	case cases.StageReintegration:
		if r.IntN(2) == 0 { // stays in the country: recovery straight to reintegration
			return []cases.Stage{cases.StageScreening, cases.StageIdentification, cases.StageRecovery, cases.StageReintegration}
		}
		return full
	case cases.StageClosed:
		switch x := r.IntN(10); {
		case x == 0: // left before screening
			return []cases.Stage{cases.StageClosed}
		case x < 3: // screened, not identified
			return []cases.Stage{cases.StageScreening, cases.StageClosed}
		case x < 4:
			return []cases.Stage{cases.StageScreening, cases.StageIdentification, cases.StageRecovery, cases.StageClosed}
		}
		return append(full, cases.StageClosed)
	}
	for i, x := range full {
		if x == s {
			return full[:i+1]
		}
	}
	return nil
}

// stepDays is how long a case typically waits before moving to a stage (min, extra random days).
var stepDays = map[cases.Stage][2]int{
	cases.StageScreening: {1, 5}, cases.StageIdentification: {3, 12}, cases.StageRecovery: {5, 25},
	cases.StageReturnPreparation: {20, 60}, cases.StageHandover: {7, 30}, cases.StageReintegration: {1, 10},
	cases.StageClosed: {30, 150},
}

// timeline dates the stages of a route after received, squeezed before now when they would pass it.
func timeline(r *rand.Rand, received, now time.Time, stages []cases.Stage) []step {
	out := make([]step, len(stages))
	at := received
	for i, s := range stages {
		d := stepDays[s]
		at = at.Add(time.Duration(d[0]*24+r.IntN(d[1]*24+1))*time.Hour + time.Duration(r.IntN(3600))*time.Second)
		out[i] = step{to: s, at: at}
	}
	if len(out) > 0 && !out[len(out)-1].at.Before(now) {
		room, used := now.Sub(received), out[len(out)-1].at.Sub(received)
		for i := range out {
			out[i].at = received.Add(time.Duration(float64(out[i].at.Sub(received)) * float64(room) / float64(used) * 0.98))
		}
	}
	for i := range out {
		out[i].at = out[i].at.Truncate(time.Microsecond)
	}
	return out
}

func (g *gen) sealString(field string, row [16]byte, s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	return g.keys.SealString(field, idString(row), s)
}

func marshal(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func (g *gen) audit(c *chunk, at time.Time, user, agency string, action audit.Action, caseID string, detail any) error {
	row, err := audit.NewRow(at, audit.Entry{ActorUserID: user, ActorAgencyID: agency, Action: action, Entity: "case", EntityID: caseID, Detail: detail})
	if err != nil {
		return fmt.Errorf("seedscale: audit row: %w", err)
	}
	c.audit = append(c.audit, row)
	return nil
}

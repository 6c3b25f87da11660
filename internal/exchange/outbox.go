package exchange

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/store"
)

// The outbox (issue 13, docs/packets.md): no step spans two commits. A step commits its own side's
// change, its own audit rows and an outbox row — what the other side must do — in one transaction.
// The relay (relay.go) carries the row to the other database, where it is applied, with that
// side's audit rows, in one transaction that also records the row's key in applied_steps: a second
// delivery finds the key and does nothing.

// hubTarget is the target of a store's outbox rows.
const hubTarget = "hub"

// auditRow is an audit entry as it travels in an outbox row.
type auditRow struct {
	Action   string          `json:"action"`
	Section  string          `json:"section"`
	User     string          `json:"user,omitempty"`
	Agency   string          `json:"agency,omitempty"`
	Entity   string          `json:"entity"`
	EntityID string          `json:"entity_id"`
	Detail   json.RawMessage `json:"detail,omitempty"`
}

// apply is one effect of an outbox row on the other side: a registered applier and its data.
type apply struct {
	Name string          `json:"name"`
	Data json.RawMessage `json:"data"`
}

// message is the body of an outbox row: the effects, then the audit rows, on the other side.
type message struct {
	Apply []apply    `json:"apply,omitempty"`
	Audit []auditRow `json:"audit,omitempty"`
}

// add appends an effect with its data marshalled.
func (m *message) add(name string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("exchange: outbox %s: %w", name, err)
	}
	m.Apply = append(m.Apply, apply{Name: name, Data: b})
	return nil
}

// audit appends audit entries to be written on the other side.
func (m *message) audit(es ...audit.Entry) error {
	for _, e := range es {
		var d json.RawMessage
		if e.Detail != nil {
			b, err := json.Marshal(e.Detail)
			if err != nil {
				return fmt.Errorf("exchange: outbox audit: %w", err)
			}
			d = b
		}
		m.Audit = append(m.Audit, auditRow{Action: e.Action.Name(), Section: string(e.Action.Section()), User: e.ActorUserID,
			Agency: e.ActorAgencyID, Entity: e.Entity, EntityID: e.EntityID, Detail: d})
	}
	return nil
}

func (m *message) empty() bool { return len(m.Apply) == 0 && len(m.Audit) == 0 }

// entries turns the travelling audit rows back into entries (an unknown action is an error).
func (m *message) entries() ([]audit.Entry, error) {
	if len(m.Audit) == 0 {
		return nil, nil
	}
	byName := map[string]audit.Action{}
	for _, a := range audit.Actions() {
		byName[a.Name()] = a
	}
	out := make([]audit.Entry, len(m.Audit))
	for i, r := range m.Audit {
		a, ok := byName[r.Action]
		if !ok {
			return nil, fmt.Errorf("exchange: outbox: unknown audit action %q", r.Action)
		}
		var detail any
		if len(r.Detail) > 0 {
			detail = r.Detail
		}
		out[i] = audit.Entry{ActorUserID: r.User, ActorAgencyID: r.Agency, Action: a.In(authz.Section(r.Section)),
			Entity: r.Entity, EntityID: r.EntityID, Detail: detail}
	}
	return out, nil
}

// enqueue writes an outbox row in tx (the step's transaction): key is the step's idempotency key
// (stepKey), packets the packets it is about (the relay keeps their rows in order).
func enqueue(tx *gorm.DB, target, key, step string, packets []string, m *message, now time.Time) error {
	if m.empty() {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("exchange: outbox: %w", err)
	}
	err = tx.Exec(`INSERT INTO outbox (target, packet_ids, step, key, body, created_at, next_at) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (key) DO NOTHING`, target, cases.TextList(packets), step, key, string(b), now, now).Error
	if err != nil {
		return fmt.Errorf("exchange: outbox: %w", err)
	}
	return nil
}

// stepKey is the idempotency key of a step: the id of its packet (the first of a batch), the
// step, the target and, for a step that may happen again (an open), a unique suffix.
func stepKey(id, step, target, again string) string {
	k := id + ":" + step + ":" + target
	if again != "" {
		k += ":" + again
	}
	return k
}

// HubApplier applies an effect of a store's outbox row in the hub transaction of the delivery.
type HubApplier func(ctx context.Context, htx *gorm.DB, data json.RawMessage) error

// StoreApplier applies an effect of the hub's outbox row in the store transaction of the delivery.
type StoreApplier func(ctx context.Context, tx *gorm.DB, st *store.Store, data json.RawMessage) error

// OnHub registers an effect a store's outbox row may ask of the hub (e.g. a handover batch's
// envelope); name must be unique.
func (s *Service) OnHub(name string, f HubApplier) { s.hubAppliers[name] = f }

// OnStore registers an effect the hub's outbox row may ask of a store.
func (s *Service) OnStore(name string, f StoreApplier) { s.storeAppliers[name] = f }

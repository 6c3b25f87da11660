package exchange

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"homeward/internal/authz"
	"homeward/internal/store"
)

// Plugin is one packet kind, whole: its Spec (consent purpose, recipients, allow-list, reply fields,
// default expiry) and its hooks, each batch-shaped (many packets of the kind at once, in one
// transaction). The exchange knows a kind only through its registered Plugin; adding a kind is one
// Plugin value (its Spec and hooks) beside the code of its domain, one line in internal/app's
// registry, its migrations, its i18n keys and docs/packets.md (see "Adding a kind" there).
type Plugin struct {
	Spec Spec
	// Project builds the full allow-listed payloads (nil: the draft's Extra is the payload).
	Project BatchProjector
	// Receive turns accepted packets into data of the accepting store (nil: accepting creates
	// nothing there; the recipient keeps reading the payload until it expires).
	Receive BatchReceiver
	// Apply applies replies to the sending store (nil: replies change nothing there).
	Apply BatchApplier
	// CheckReply validates a reply before it is sent (nil: any allow-listed value).
	CheckReply ReplyChecker
	// Replied runs in the hub transaction of a reply to a packet of the kind, after the reply is
	// written (nil: nothing more); its error refuses the reply.
	Replied ReplyHook
	// OwnPath: only the kind's own package prepares it (through PrepareManyWith, with its Also),
	// never the generic packet form or API, which refuse the kind as unknown.
	OwnPath bool
}

// BatchProjector builds the full allow-listed payloads of many packets of one kind at once, inside
// the sending store's transaction (one payload per case, in order); the exchange keeps only the
// fields each draft asks for.
type BatchProjector func(tx *gorm.DB, st *store.Store, caseIDs []string, drafts []Draft) ([]Payload, error)

// ReplyItem is a reply to apply to a case of the store: the case, the envelope of the packet it
// answers and the reply's payload.
type ReplyItem struct {
	CaseID   string
	Original *Packet
	Reply    Payload
}

// BatchApplier applies many replies to packets of one kind at once (embassy answers update the
// repatriation section, NGO progress updates the service, handover answers move the sending cases),
// inside the sending store's transaction. When it fails, Sync applies the replies one by one (the
// BatchApplier with one item), each under its own savepoint, so that one bad reply does not hold
// back the others.
type BatchApplier func(tx *gorm.DB, st *store.Store, items []ReplyItem) error

// BatchReceiver turns many accepted packets of one kind into data of the accepting agency's own
// store at once (a handover becomes a new case), inside that store's transaction; it returns the
// new cases' references in order, for the replies back to the sender.
type BatchReceiver func(ctx context.Context, tx *gorm.DB, st *store.Store, a *authz.Actor, ps []*Packet) ([]string, error)

// ReplyChecker validates and normalises the fields of a reply to a packet of its kind before the
// reply is sent (after the allow-list), so every path (form, API) refuses what the sender's
// BatchApplier could not read: a *problem.Invalid names the fields.
type ReplyChecker func(reply Payload) (Payload, error)

// ReplyHook records in the hub what a reply to a packet of its kind says (a question's answer on
// the recipient's own candidate), in the reply's hub transaction: original is the packet answered,
// reply the checked fields, a the replying actor.
type ReplyHook func(htx *gorm.DB, a *authz.Actor, original *Packet, reply Payload, now time.Time) error

// Register makes kinds known to the exchange: one Plugin value each, carrying its Spec. Registering
// a kind again replaces it whole; a plugin without a kind, or claiming the reply kind, panics at start.
func (s *Service) Register(ps ...Plugin) {
	for _, p := range ps {
		if p.Spec.Kind == "" || p.Spec.Kind == KindReply {
			panic(fmt.Sprintf("exchange: plugin %q: not a kind a case can send", p.Spec.Kind))
		}
		s.kinds[p.Spec.Kind] = p
	}
}

// Spec is the registered kind k's spec.
func (s *Service) Spec(k Kind) (Spec, bool) {
	p, ok := s.kinds[k]
	return p.Spec, ok
}

// Specs are the registered kinds' specs, sorted by kind (docs/packets.md, forms).
func (s *Service) Specs() []Spec {
	out := make([]Spec, 0, len(s.kinds))
	for _, k := range s.Kinds() {
		out = append(out, s.kinds[k].Spec)
	}
	return out
}

// Kinds are the registered kinds, sorted.
func (s *Service) Kinds() []Kind {
	out := make([]Kind, 0, len(s.kinds))
	for k := range s.kinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Offered tells whether the generic packet form and API prepare packets of kind k: registered,
// not kept to its own package, and not a handover (only a handover batch prepares those).
func (s *Service) Offered(k Kind) bool {
	p, ok := s.kinds[k]
	return ok && !p.OwnPath && k != KindHandover
}

// plugin is the registered kind k.
func (s *Service) plugin(k Kind) (Plugin, bool) {
	p, ok := s.kinds[k]
	return p, ok
}

// hasReceiver tells whether accepting a packet of kind k creates data in the accepting store.
func (s *Service) hasReceiver(k Kind) bool { return s.kinds[k].Receive != nil }

// hasApplier tells whether replies to packets of kind k update the sending store.
func (s *Service) hasApplier(k Kind) bool { return s.kinds[k].Apply != nil }

// applyOne applies one reply: the kind's BatchApplier with one item.
func (s *Service) applyOne(tx *gorm.DB, st *store.Store, k Kind, it ReplyItem) error {
	if f := s.kinds[k].Apply; f != nil {
		return f(tx, st, []ReplyItem{it})
	}
	return nil
}

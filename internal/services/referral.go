package services

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/consent"
	"homeward/internal/directory"
	"homeward/internal/exchange"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// Urgencies of a referral, in the order forms show them.
var Urgencies = []string{"routine", "soon", "urgent"}

// Referral limits.
const (
	maxNeedsLen     = 2000
	maxContactLen   = 500
	maxReferralDays = 365
	// DefaultReferralDays is a referral's life when the caseworker gives none (the referral spec's TTL).
	DefaultReferralDays = 30
)

// sealedReferral is the vault field of what a referral asked; the row is the service id.
const sealedReferral = "services.referral"

// ReferralInput asks to refer the person of a case to an NGO for a service.
type ReferralInput struct {
	Recipient     string `json:"recipient"` // NGO agency slug
	Service       string `json:"service"`   // a service kind
	Needs         string `json:"needs"`
	Contact       string `json:"contact"` // how the NGO makes contact; default: through the referring agency
	Urgency       string `json:"urgency"` // routine (default), soon, urgent
	UseAlias      bool   `json:"use_alias"`
	ExpiresInDays int    `json:"expires_in_days"` // 0: DefaultReferralDays
}

// asked is what a referral asked, sealed with the service for renewals.
type asked struct {
	Needs    string `json:"needs"`
	Contact  string `json:"contact"`
	Urgency  string `json:"urgency"`
	UseAlias bool   `json:"use_alias"`
}

func (in *ReferralInput) clean() error {
	in.Recipient, in.Service, in.Urgency = strings.TrimSpace(in.Recipient), strings.TrimSpace(in.Service), strings.TrimSpace(in.Urgency)
	inv := &problem.Invalid{}
	if in.Recipient == "" {
		inv.Add("recipient", "form.error.required")
	}
	if !slices.Contains(Kinds, in.Service) {
		inv.Add("service", "form.error.choose")
	}
	CleanText(inv, "needs", &in.Needs, maxNeedsLen)
	if in.Needs == "" {
		inv.Add("needs", "form.error.required")
	}
	CleanText(inv, "contact", &in.Contact, maxContactLen)
	if in.Urgency == "" {
		in.Urgency = "routine"
	}
	if !slices.Contains(Urgencies, in.Urgency) {
		inv.Add("urgency", "form.error.choose")
	}
	if in.ExpiresInDays == 0 {
		in.ExpiresInDays = DefaultReferralDays
	}
	if in.ExpiresInDays < 1 || in.ExpiresInDays > maxReferralDays {
		inv.Add("expires_in_days", "services.error.expiry")
	}
	return inv.Err()
}

// Refer refers the person of a case to an NGO: it checks the recipient is an NGO and the person's
// consent to share with an NGO is in force (else *problem.Invalid), prepares a referral packet
// (waiting for a supervisor's approval, as every packet) and records the planned service with the
// NGO as provider. Audited in the store (and by the exchange in the hub).
func (s *Service) Refer(ctx context.Context, a *authz.Actor, caseID string, in ReferralInput) (*Record, *exchange.Packet, error) {
	if err := a.Require(authz.SectionServices, authz.ActionWrite); err != nil {
		return nil, nil, err
	}
	st, scope, err := s.stores.Bind(a, authz.SectionReferral, authz.ActionWrite)
	if err != nil {
		return nil, nil, err
	}
	// The checks first, so that nothing leaves the store for a refused referral.
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := cases.Find(tx, scope, caseID)
		if err != nil {
			return err
		}
		caseID = c.ID
		inv := &problem.Invalid{}
		if err := in.clean(); err != nil {
			inv, _ = problem.AsInvalid(err)
		}
		if in.Recipient != "" {
			switch ag, err := s.dir.AgencyBySlug(ctx, in.Recipient); {
			case errors.Is(err, directory.ErrNotFound):
				inv.Add("recipient", "services.error.provider_unknown")
			case err != nil:
				return err
			case ag.Kind != "ngo":
				inv.Add("recipient", "services.error.recipient_not_ngo")
			}
		}
		if c.Stage == cases.StageClosed {
			inv.Add("", "services.error.case_closed")
		}
		ok, err := consent.InForce(tx, c.ID, string(consent.PurposeShareNGO))
		if err != nil {
			return err
		}
		if !ok {
			inv.Add("consent", "services.error.no_consent")
		}
		return inv.Err()
	})
	if err != nil {
		return nil, nil, err
	}
	ask := asked{Needs: in.Needs, Contact: in.Contact, Urgency: in.Urgency, UseAlias: in.UseAlias}
	p, err := s.ex.Prepare(ctx, a, caseID, draft(in.Recipient, in.Service, ask, in.ExpiresInDays))
	if err != nil {
		return nil, nil, err
	}
	var out *Record
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := cases.Find(tx, scope, caseID)
		if err != nil {
			return err
		}
		ag, err := s.dir.AgencyBySlug(ctx, in.Recipient)
		if err != nil {
			return err
		}
		now := s.now()
		r := row{ID: uuid.Must(uuid.NewV7()).String(), CaseID: c.ID, Kind: in.Service, Status: "planned",
			ProviderKind: "ngo", ProviderAgencyID: &ag.ID, ReferralPacketID: &p.ID, ReferralStatus: string(p.Status),
			CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now, Version: 1}
		if r.OutcomeEnc, err = st.Keys.SealString(sealedOutcome, r.ID, ""); err != nil {
			return err
		}
		if r.ReferralEnc, err = sealAsked(st, r.ID, ask); err != nil {
			return err
		}
		if err := tx.Create(&r).Error; err != nil {
			return fmt.Errorf("create referred service: %w", err)
		}
		if out, err = s.open(ctx, st, &r); err != nil {
			return err
		}
		return audit.Append(tx, now, audit.ByActor(a, audit.ReferralCreate, "case", c.ID,
			map[string]any{"service": r.ID, "kind": r.Kind, "packet": p.ID, "recipient": in.Recipient}))
	})
	if err != nil {
		// The packet must not outlive a service that was not recorded.
		if _, rerr := s.ex.Revoke(ctx, a, p.ID, "referral not recorded"); rerr != nil {
			return nil, nil, errors.Join(err, rerr)
		}
		return nil, nil, err
	}
	return out, p, nil
}

// draft is the exchange draft of a referral.
func draft(recipient, service string, ask asked, days int) exchange.Draft {
	extra := map[string]string{"service": service, "needs": ask.Needs, "contact": ask.Contact, "urgency": ask.Urgency}
	if ask.UseAlias {
		extra["use_alias"] = "true"
	}
	return exchange.Draft{Kind: exchange.KindReferral, Recipient: recipient, Extra: extra,
		ExpiresIn: time.Duration(days) * 24 * time.Hour}
}

func sealAsked(st *store.Store, serviceID string, ask asked) ([]byte, error) {
	b, err := json.Marshal(ask)
	if err != nil {
		return nil, err
	}
	return st.Keys.SealString(sealedReferral, serviceID, string(b))
}

func openAsked(st *store.Store, serviceID string, enc []byte) (asked, error) {
	var ask asked
	s, err := st.Keys.OpenString(sealedReferral, serviceID, enc)
	if err != nil || s == "" {
		return ask, err
	}
	return ask, json.Unmarshal([]byte(s), &ask)
}

// Renew gives a referral a new life of days (0: DefaultReferralDays): the packet is withdrawn and the
// same referral is prepared again for the same NGO, waiting for a supervisor's approval; the service
// follows the new packet. Only a referral the NGO has not answered yet is renewed (an accepted one
// does not expire; a declined, completed or revoked one is over).
func (s *Service) Renew(ctx context.Context, a *authz.Actor, packetID string, days int) (*Record, *exchange.Packet, error) {
	if err := a.Require(authz.SectionServices, authz.ActionWrite); err != nil {
		return nil, nil, err
	}
	st, scope, err := s.stores.Bind(a, authz.SectionReferral, authz.ActionWrite)
	if err != nil {
		return nil, nil, err
	}
	if days == 0 {
		days = DefaultReferralDays
	}
	if days < 1 || days > maxReferralDays {
		return nil, nil, &problem.Invalid{Fields: map[string]string{"expires_in_days": "services.error.expiry"}}
	}
	var cur row
	var ask asked
	var recipient string
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := byPacket(tx, scope, packetID)
		if err != nil {
			return err
		}
		cur = *r
		if slices.Contains([]string{"accepted", "in_progress", "declined", "completed", "revoked"}, r.ReferralStatus) || r.Status == "completed" || r.Status == "stopped" {
			return &problem.Invalid{Fields: map[string]string{"": "services.error.not_renewable"}}
		}
		if ask, err = openAsked(st, r.ID, r.ReferralEnc); err != nil {
			return err
		}
		ag, err := s.dir.Agency(ctx, *r.ProviderAgencyID)
		if err != nil {
			return err
		}
		recipient = ag.Slug
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	old, err := s.ex.Outgoing(ctx, a, packetID)
	if err != nil {
		return nil, nil, err
	}
	switch old.Status {
	case exchange.StatusPendingApproval, exchange.StatusSent, exchange.StatusOpened, exchange.StatusExpired:
	default: // answered or withdrawn: nothing to renew
		return nil, nil, &problem.Invalid{Fields: map[string]string{"": "services.error.not_renewable"}}
	}
	p, err := s.ex.Prepare(ctx, a, cur.CaseID, draft(recipient, cur.Kind, ask, days))
	if err != nil {
		return nil, nil, err
	}
	if old.Status != exchange.StatusExpired {
		if _, err := s.ex.Revoke(ctx, a, packetID, "referral renewed"); err != nil {
			return nil, nil, errors.Join(err, s.revokeQuietly(ctx, a, p.ID))
		}
	}
	var out *Record
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.now()
		res := tx.Model(&row{}).Where("id = ? AND version = ?", cur.ID, cur.Version).
			Select("referral_packet_id", "referral_status", "updated_at", "version").
			Updates(map[string]any{"referral_packet_id": p.ID, "referral_status": string(p.Status), "updated_at": now,
				"version": gorm.Expr("version + 1")})
		if res.Error != nil {
			return fmt.Errorf("renew referral: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return problem.ErrConflict
		}
		r, err := load(tx, cur.CaseID, cur.ID)
		if err != nil {
			return err
		}
		if out, err = s.open(ctx, st, r); err != nil {
			return err
		}
		return audit.Append(tx, now, audit.ByActor(a, audit.ReferralRenew, "case", cur.CaseID,
			map[string]any{"service": cur.ID, "packet": p.ID, "previous": packetID, "days": days}))
	})
	if err != nil {
		return nil, nil, errors.Join(err, s.revokeQuietly(ctx, a, p.ID))
	}
	return out, p, nil
}

func (s *Service) revokeQuietly(ctx context.Context, a *authz.Actor, packetID string) error {
	_, err := s.ex.Revoke(ctx, a, packetID, "referral not recorded")
	return err
}

// byPacket finds the service of a referral packet among the cases of the scope, or ErrNotFound.
func byPacket(tx *gorm.DB, scope authz.Scope, packetID string) (*row, error) {
	if _, err := uuid.Parse(packetID); err != nil {
		return nil, ErrNotFound
	}
	var r row
	err := tx.Where("referral_packet_id = ?", packetID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read referral: %w", err)
	}
	if _, err := cases.Find(tx, scope, r.CaseID); err != nil {
		return nil, err
	}
	return &r, nil
}

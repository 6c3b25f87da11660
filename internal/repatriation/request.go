package repatriation

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/directory"
	"homeward/internal/exchange"
	"homeward/internal/problem"
	"homeward/internal/store"
)

// DirectoryEmbassies looks embassies up in the directory (the hub's agencies): the embassy serving
// the nationality, one working in the sender's country first.
func DirectoryEmbassies(dir *directory.Service) EmbassyFinder {
	return func(ctx context.Context, nationality, country string) (string, error) {
		embassies, err := dir.AgenciesOfKind(ctx, directory.KindEmbassy)
		if err != nil {
			return "", err
		}
		found := ""
		for _, e := range embassies { // by slug
			if !slices.Contains(e.ServesNationalities, nationality) {
				continue
			}
			if e.WorksIn != nil && *e.WorksIn == country {
				return e.Slug, nil
			}
			if found == "" {
				found = e.Slug
			}
		}
		return found, nil
	}
}

// EmbassyFor returns the slug of the embassy a request for a person of this nationality goes to
// from the actor's store, "" when no embassy serves it.
func (s *Service) EmbassyFor(ctx context.Context, a *authz.Actor, nationality string) (string, error) {
	return s.embassyOf(ctx, nationality, a.Country)
}

// clean validates a request: known items, at least one, a note of reasonable length.
func (in *RequestInput) clean() error {
	inv := &problem.Invalid{}
	items := make([]string, 0, len(in.Items))
	for _, it := range in.Items {
		it = strings.TrimSpace(it)
		if it == "" || slices.Contains(items, it) {
			continue
		}
		if !slices.Contains(RequestItems, it) {
			inv.Add("requested", "form.error.choose")
			continue
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		inv.Add("requested", "repatriation.error.request_items")
	}
	in.Items = items
	in.Note = strings.TrimSpace(norm.NFC.String(in.Note))
	in.Override = strings.TrimSpace(norm.NFC.String(in.Override))
	for _, f := range []struct{ name, v string }{{"note", in.Note}, {"override", in.Override}} {
		switch {
		case !utf8.ValidString(f.v):
			inv.Add(f.name, "form.error.invalid")
		case utf8.RuneCountInString(f.v) > maxNote:
			inv.Add(f.name, "form.error.too_long")
		}
	}
	return inv.Err()
}

// RequestEmbassy prepares a packet of kind repatriation to the embassy serving the person's
// nationality (never one the user picks), asking for in.Items with a note; the packet then waits for
// a supervisor's approval (exchange.Service.Prepare checks consent and the recipient). The steps
// asked for are marked requested, today, when they were not yet, in the same audited way as an edit.
func (s *Service) RequestEmbassy(ctx context.Context, a *authz.Actor, caseID string, in RequestInput) (*exchange.Packet, error) {
	var h Head
	err := cases.InCase(ctx, s.stores, a, authz.SectionRepatriation, authz.ActionWrite, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		var err error
		h, err = head(tx, c.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := in.clean(); err != nil {
		return nil, err
	}
	if err := s.noOutstandingRequest(ctx, a, caseID); err != nil {
		return nil, err
	}
	slug, err := s.embassyOf(ctx, h.Nationality, a.Country)
	if err != nil {
		return nil, err
	}
	if slug == "" {
		return nil, &problem.Invalid{Fields: map[string]string{"": "repatriation.error.no_embassy"}}
	}
	p, err := s.exchange.Prepare(ctx, a, caseID, exchange.Draft{Kind: exchange.KindRepatriation, Recipient: slug,
		Override: in.Override, Extra: map[string]string{"requested": strings.Join(in.Items, ","), "note": in.Note}})
	if err != nil {
		return nil, err
	}
	if err := s.markRequested(ctx, a, caseID, p, in.Items); err != nil {
		return p, err
	}
	return p, nil
}

// noOutstandingRequest refuses a second request while one still waits for approval or has not been
// opened by the embassy yet: problem.ErrConflict. Once the embassy works on it, a follow-up is fine.
func (s *Service) noOutstandingRequest(ctx context.Context, a *authz.Actor, caseID string) error {
	packets, err := s.exchange.ForCase(ctx, a, caseID)
	if err != nil {
		return err
	}
	for _, p := range packets {
		if p.Kind != exchange.KindRepatriation {
			continue
		}
		switch p.Status {
		case exchange.StatusPendingApproval, exchange.StatusSent:
			return fmt.Errorf("repatriation request %s is still outstanding: %w", p.ID, problem.ErrConflict)
		}
	}
	return nil
}

// markRequested records that the steps a request asks for were requested today (status and date),
// where the section does not say more already, and audits the request under the case.
func (s *Service) markRequested(ctx context.Context, a *authz.Actor, caseID string, p *exchange.Packet, items []string) error {
	return cases.InCase(ctx, s.stores, a, authz.SectionRepatriation, authz.ActionWrite, caseID, func(tx *gorm.DB, st *store.Store, c *cases.Case) error {
		r, steps, err := load(tx, c.ID, true)
		if err != nil {
			return err
		}
		now := s.now()
		day := today(now)
		from := 0
		if r == nil {
			r = &row{CaseID: c.ID, OpenedOn: day, TravelDocumentStatus: "none", FamilyTracingStatus: "not_started"}
		} else {
			from = r.Version
		}
		changed := r.Version == 0
		if slices.Contains(items, "nationality_verification") && r.NationalityStatus == "" {
			r.NationalityStatus, r.NationalityRequestedOn, changed = "requested", &day, true
		}
		if slices.Contains(items, "travel_document") && r.TravelDocumentStatus == "none" {
			r.TravelDocumentStatus, r.TravelDocumentRequestedOn, changed = "requested", &day, true
		}
		if changed {
			r.UpdatedBy, r.UpdatedAt = &a.UserID, now
			if err := write(tx, r, from, computeSteps(r, overridesOf(steps))); err != nil {
				return err
			}
		}
		return audit.Append(tx, now, audit.ByActor(a, audit.RepatriationRequest, "case", c.ID,
			map[string]any{"packet": p.ID, "recipient": p.Recipient, "requested": items, "version": r.Version}))
	})
}

// overridesOf keeps the deadlines a case set for itself.
func overridesOf(steps []stepRow) map[Step]time.Time {
	out := map[Step]time.Time{}
	for _, sr := range steps {
		if sr.Overridden {
			out[Step(sr.Step)] = sr.DueOn
		}
	}
	return out
}

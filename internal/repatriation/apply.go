package repatriation

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/exchange"
	"homeward/internal/store"
)

// ApplyReplies applies the embassies' replies to repatriation requests to the cases' sections in the
// sending store, inside that store's transaction (the kind's Apply hook; Sync calls it), set-based:
// one read of the sections and one of their steps (rows locked), then one write per table (the
// sections, their steps, the steps' activity) and one of the audit rows, whatever the number of
// replies. Replies to one case apply in order; the section's version moves once per batch.
//
// A reply may carry nationality_verified (true/false), travel_document_type/number/valid_until (the
// document is then issued, its number sealed), travel_date (the planned date), travel_route (a
// checkpoint code, FlightPrefix and a flight's details as the typed form sends them, or else a
// checkpoint's name or any other text as a flight's details) and note (kept sealed as the embassy's
// last note). Values it cannot read are skipped, never guessed; each reply's audit row names the
// packet, the fields applied and those skipped.
func (s *Service) ApplyReplies(tx *gorm.DB, st *store.Store, items []exchange.ReplyItem) error {
	if len(items) == 0 {
		return nil
	}
	ids := make([]string, 0, len(items))
	for _, it := range items {
		if !slices.Contains(ids, it.CaseID) {
			ids = append(ids, it.CaseID)
		}
	}
	loaded, err := loadMany(tx, ids)
	if err != nil {
		return err
	}
	now := s.now()
	day := today(now)
	entries := make([]audit.Entry, len(items))
	for i, it := range items {
		sec := loaded[it.CaseID]
		if sec.r == nil {
			sec.r = &row{CaseID: it.CaseID, OpenedOn: day, TravelDocumentStatus: "none", FamilyTracingStatus: "not_started"}
		}
		applied, skipped, err := applyReply(st, sec.r, it, now)
		if err != nil {
			return err
		}
		sort.Strings(applied)
		sort.Strings(skipped)
		entries[i] = audit.Entry{Action: audit.RepatriationApply, Entity: "case", EntityID: it.CaseID,
			Detail: map[string]any{"packet": it.Original.ID, "from": it.Original.Recipient, "applied": applied,
				"skipped": skipped, "version": sec.from + 1}}
	}
	if err := writeMany(tx, ids, loaded); err != nil {
		return fmt.Errorf("apply %d replies: %w", len(items), err)
	}
	return audit.AppendMany(tx, now, entries)
}

// applyReply applies one reply to the section r in memory: the fields it could read and those it
// skipped.
func applyReply(st *store.Store, r *row, it exchange.ReplyItem, now time.Time) (applied, skipped []string, err error) {
	caseID, reply, day := it.CaseID, it.Reply, today(now)
	ok := func(field string, good bool) {
		if good {
			applied = append(applied, field)
		} else {
			skipped = append(skipped, field)
		}
	}
	if v, present := reply["nationality_verified"]; present {
		b, good := boolOf(v)
		if good {
			r.NationalityStatus = map[bool]string{true: "verified", false: "not_verified"}[b]
			if r.NationalityRequestedOn == nil {
				r.NationalityRequestedOn = &day
			}
			r.NationalityDecidedOn = &day
		}
		ok("nationality_verified", good)
	}
	document := false
	if v, present := reply["travel_document_type"]; present {
		t := documentTypeOf(textOf(v, maxName))
		if t != "" {
			r.TravelDocumentType, document = t, true
		}
		ok("travel_document_type", t != "")
	}
	if v, present := reply["travel_document_number"]; present {
		n := textOf(v, maxNumber)
		if n != "" {
			if r.TravelDocumentNumberEnc, err = st.Keys.SealString(sealedNumber, caseID, n); err != nil {
				return nil, nil, err
			}
			document = true
		}
		ok("travel_document_number", n != "")
	}
	validUntil, hasValid := dateOf(reply["travel_document_valid_until"])
	if document || hasValid {
		r.TravelDocumentStatus = "issued"
		if r.TravelDocumentRequestedOn == nil {
			r.TravelDocumentRequestedOn = &day
		}
		r.TravelDocumentIssuedOn = &day
		if r.TravelDocumentType == "" {
			r.TravelDocumentType = "other"
		}
	}
	if _, present := reply["travel_document_valid_until"]; present {
		good := hasValid && !validUntil.Before(*r.TravelDocumentIssuedOn)
		if good {
			r.TravelDocumentValidUntil = &validUntil
		}
		ok("travel_document_valid_until", good)
	}
	if v, present := reply["travel_date"]; present {
		d, good := dateOf(v)
		if good {
			r.PlannedDate = &d
		}
		ok("travel_date", good)
	}
	if v, present := reply["travel_route"]; present {
		raw := textOf(v, maxFlight+len(FlightPrefix)+1)
		route, details := "", ""
		switch code, d, typed := SplitRoute(raw); {
		case code == RouteFlight: // the typed form's flight: its details are never read as a checkpoint
			if typed {
				route, details = RouteFlight, d
			}
		case typed:
			route = code
		case utf8.RuneCountInString(raw) <= maxFlight:
			// Free text: a checkpoint's name, or else a flight's details.
			if route = checkpointOf(raw); route == "" && raw != "" {
				route, details = RouteFlight, raw
			}
		}
		switch {
		case route == RouteFlight:
			r.Route = RouteFlight
			if r.FlightDetailsEnc, err = st.Keys.SealString(sealedFlight, caseID, details); err != nil {
				return nil, nil, err
			}
		case route != "":
			r.Route, r.FlightDetailsEnc = route, nil
		}
		ok("travel_route", route != "")
	}
	// Accepting or declining the request sends a reply with "decision" (and a "reason").
	if v, present := reply["decision"]; present {
		d := textOf(v, maxName)
		good := d == "accepted" || d == "declined"
		if good {
			r.EmbassyDecision = d
		}
		ok("decision", good)
	}
	// The embassy's note (or its reason for declining) replaces the last one; a reply without one
	// keeps it.
	for _, field := range []string{"note", "reason"} {
		v, present := reply[field]
		if !present {
			continue
		}
		note := textOf(v, maxNote)
		if note != "" {
			if r.EmbassyNoteEnc, err = st.Keys.SealString(sealedNote, caseID, note); err != nil {
				return nil, nil, err
			}
		}
		ok(field, note != "")
		break
	}
	packetID := it.Original.ID
	r.EmbassyPacketID, r.EmbassyRepliedAt = &packetID, &now
	r.UpdatedBy, r.UpdatedAt = nil, now
	return applied, skipped, nil
}

// boolOf reads a yes/no answer: a JSON boolean or its text.
func boolOf(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "yes", "1", "verified":
			return true, true
		case "false", "no", "0", "not_verified":
			return false, true
		}
	}
	return false, false
}

// textOf reads a text value, normalised, "" when not text or too long.
func textOf(v any, max int) string {
	s, _ := v.(string)
	s = strings.TrimSpace(norm.NFC.String(s))
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return ""
	}
	return s
}

// dateOf reads a YYYY-MM-DD date.
func dateOf(v any) (time.Time, bool) {
	s, _ := v.(string)
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	return t, err == nil
}

// documentTypeOf reads a travel document type typed on the embassy's reply form: a code, its words
// ("Emergency travel document") or a common abbreviation; anything else is "other".
func documentTypeOf(t string) string {
	if t == "" {
		return ""
	}
	code := strings.NewReplacer(" ", "_", "-", "_", ".", "").Replace(strings.ToLower(t))
	switch {
	case slices.Contains(TravelDocumentTypes, code):
		return code
	case code == "etd":
		return "emergency_travel_document"
	case code == "ci" || code == "c_i":
		return "certificate_of_identity"
	}
	return "other"
}

// checkpointNames are the words that name each border checkpoint, in Latin, Thai and Khmer script.
var checkpointNames = map[string][]string{
	"poipet_aranyaprathet": {"poipet", "aranyaprathet", "ปอยเปต", "อรัญประเทศ", "ប៉ោយប៉ែត"},
	"cham_yeam_hat_lek":    {"cham yeam", "chamyeam", "hat lek", "hatlek", "จามเยียม", "หาดเล็ก", "ចាំយាម"},
	"osmach_chong_chom":    {"osmach", "o'smach", "o smach", "chong chom", "ช่องจอม", "โอร์เสม็ด", "អូរស្មាច់"},
}

// checkpointOf reads a border checkpoint from a reply's travel_route: its code or a name of one of
// its two sides; "" when the text names none (a flight's details).
func checkpointOf(t string) string {
	low := strings.ToLower(t)
	if slices.Contains(Routes, low) && low != RouteFlight {
		return low
	}
	for _, code := range []string{"poipet_aranyaprathet", "cham_yeam_hat_lek", "osmach_chong_chom"} {
		for _, name := range checkpointNames[code] {
			if strings.Contains(low, name) {
				return code
			}
		}
	}
	return ""
}

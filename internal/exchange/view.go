package exchange

import (
	"context"
	"slices"

	"gorm.io/gorm"

	"homeward/internal/authz"
	"homeward/internal/cases"
)

// Recipient is an agency a packet of some kind may go to from a case.
type Recipient struct {
	Slug, NameEN, NameTH, NameKM string
}

// Name is the recipient's name in a language (en, th, km).
func (r Recipient) Name(lang string) string {
	switch lang {
	case "th":
		return r.NameTH
	case "km":
		return r.NameKM
	}
	return r.NameEN
}

// CaseView is what the case's packets page needs: the case's reference, its packets (no payloads)
// and, per kind, the agencies the rules allow as recipients (an embassy only for the person's
// nationality, a handover only to the other country's social welfare).
type CaseView struct {
	CaseID, Reference, Nationality string
	Packets                        []Packet
	Recipients                     map[Kind][]Recipient
}

// ForCaseView is ForCase with the case's reference and the allowed recipients per kind.
func (s *Service) ForCaseView(ctx context.Context, a *authz.Actor, caseID string) (*CaseView, error) {
	list, err := s.ForCase(ctx, a, caseID)
	if err != nil {
		return nil, err
	}
	st, scope, err := s.stores.Bind(a, authz.SectionPackets, authz.ActionRead)
	if err != nil {
		return nil, err
	}
	v := &CaseView{CaseID: caseID, Packets: list, Recipients: map[Kind][]Recipient{}}
	err = st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := cases.Find(tx, scope, caseID)
		if err != nil {
			return err
		}
		v.Reference = c.Reference
		v.Nationality, err = personNationality(tx, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	var ags []struct {
		Slug, Kind, Country, ServesNationality string
		NameEN, NameTH, NameKM                 string
	}
	if err := s.hub.WithContext(ctx).Raw(`SELECT id, slug, kind, coalesce(country, '') AS country,
  array_to_string(serves_nationalities, ',') AS serves_nationality, name_en, name_th, name_km FROM agencies ORDER BY slug`).Scan(&ags).Error; err != nil {
		return nil, err
	}
	for k, kind := range s.kinds {
		if kind.OwnPath {
			continue // prepared only by its own package, which picks the recipient
		}
		spec := kind.Spec
		for _, g := range ags {
			ok := slices.Contains(spec.RecipientKinds, g.Kind) &&
				(g.Kind != "embassy" || serves(g.ServesNationality, v.Nationality)) &&
				(k != KindHandover || (g.Country != "" && g.Country != a.Country))
			if ok {
				v.Recipients[k] = append(v.Recipients[k], Recipient{Slug: g.Slug, NameEN: g.NameEN, NameTH: g.NameTH, NameKM: g.NameKM})
			}
		}
	}
	return v, nil
}

package directory

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
)

// DirectoryFile is the TOML file `homeward directory apply` reads: the agencies of a deployment.
// docs/directory.example.toml shows one.
type DirectoryFile struct {
	Agencies []FileAgency `toml:"agencies"`
}

// FileAgency is one agency of a DirectoryFile.
type FileAgency struct {
	Slug string `toml:"slug"`
	// Kind is welfare, police, embassy or ngo.
	Kind string `toml:"kind"`
	// Country is where the agency works: its store for welfare and police, the host country for an
	// embassy or NGO (whose country admin runs it).
	Country string    `toml:"country"`
	Names   FileNames `toml:"names"`
	// Serves are the nationalities an embassy serves (ISO 3166-1 alpha-2), the first one foremost.
	Serves []string `toml:"serves"`
}

// FileNames are an agency's names in English, Thai and Khmer.
type FileNames struct {
	EN string `toml:"en"`
	TH string `toml:"th"`
	KM string `toml:"km"`
}

// fileKinds maps the file's kinds to stored ones.
var fileKinds = map[string]string{"welfare": KindSocialWelfare, "police": KindPolice, "embassy": KindEmbassy, "ngo": KindNGO}

var (
	slugPattern    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)
)

// ErrDirectoryFile is a directory file refused: nothing was written.
var ErrDirectoryFile = errors.New("directory file refused")

// ParseDirectoryFile reads a directory file, refusing keys it does not know.
func ParseDirectoryFile(r io.Reader) (*DirectoryFile, error) {
	var f DirectoryFile
	md, err := toml.NewDecoder(r).Decode(&f)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDirectoryFile, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("%w: unknown keys: %s", ErrDirectoryFile, strings.Join(keys, ", "))
	}
	return &f, nil
}

// AgencyChange is what applying a file did to one agency: created, or updated with the fields
// that changed (field -> [old, new]).
type AgencyChange struct {
	Slug    string
	Created bool
	Fields  map[string][2]string
}

// String describes the change on one line.
func (c AgencyChange) String() string {
	names := make([]string, 0, len(c.Fields))
	for k := range c.Fields {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, k := range names {
		if c.Created {
			parts[i] = fmt.Sprintf("%s=%q", k, c.Fields[k][1])
		} else {
			parts[i] = fmt.Sprintf("%s %q -> %q", k, c.Fields[k][0], c.Fields[k][1])
		}
	}
	verb := "updated"
	if c.Created {
		verb = "created"
	}
	return fmt.Sprintf("%s agency %s: %s", verb, c.Slug, strings.Join(parts, ", "))
}

// ApplyDirectory creates or updates the file's agencies in one transaction, audited in the hub as
// done from the command line. stores are the countries with a store: a welfare or police agency
// elsewhere is refused. Every agency is checked first; a refusal (ErrDirectoryFile) writes nothing,
// nor does a slug whose country would change. Agencies missing from the file are left as they are.
func (s *Service) ApplyDirectory(ctx context.Context, f *DirectoryFile, stores []string) ([]AgencyChange, error) {
	wanted, err := checkFile(f, stores)
	if err != nil {
		return nil, err
	}
	var changes []AgencyChange
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("LOCK TABLE agencies IN SHARE ROW EXCLUSIVE MODE").Error; err != nil {
			return err
		}
		var refused []string
		var plans []applyPlan
		for _, w := range wanted {
			var old Agency
			err := tx.Where("slug = ?", w.Slug).Take(&old).Error
			switch {
			case errors.Is(err, gorm.ErrRecordNotFound):
				plans = append(plans, applyPlan{want: w})
			case err != nil:
				return err
			case old.AdminCountry() != w.AdminCountry():
				refused = append(refused, fmt.Sprintf("%s: country %s cannot become %s", w.Slug, old.AdminCountry(), w.AdminCountry()))
			case old.Kind != w.Kind:
				refused = append(refused, fmt.Sprintf("%s: kind %s cannot become %s", w.Slug, old.Kind, w.Kind))
			default:
				plans = append(plans, applyPlan{old: &old, want: w})
			}
		}
		if len(refused) > 0 {
			return fmt.Errorf("%w: %s", ErrDirectoryFile, strings.Join(refused, "; "))
		}
		for _, p := range plans {
			c, err := s.applyAgency(tx, p)
			if err != nil {
				return err
			}
			if c != nil {
				changes = append(changes, *c)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return changes, nil
}

type applyPlan struct {
	old  *Agency // nil: create
	want Agency
}

// agencyFields are the fields a file sets, as text, for the change report and the audit row.
func agencyFields(a Agency) map[string]string {
	return map[string]string{"kind": a.Kind, "country": a.AdminCountry(), "name_en": a.NameEN, "name_th": a.NameTH,
		"name_km": a.NameKM, "serves": strings.Join(a.ServesNationalities, ",")}
}

func (s *Service) applyAgency(tx *gorm.DB, p applyPlan) (*AgencyChange, error) {
	now := s.now()
	w := p.want
	c := &AgencyChange{Slug: w.Slug, Created: p.old == nil, Fields: map[string][2]string{}}
	after := agencyFields(w)
	if p.old == nil {
		w.ID, w.CreatedAt, w.Version = uuid.Must(uuid.NewV7()).String(), now, 1
		if err := tx.Create(&w).Error; err != nil {
			return nil, fmt.Errorf("create agency %s: %w", w.Slug, err)
		}
		for k, v := range after {
			if v != "" {
				c.Fields[k] = [2]string{"", v}
			}
		}
		return c, audit.Append(tx, now, audit.Entry{Action: audit.AgencyCreate, Entity: "agency", EntityID: w.ID, Detail: after})
	}
	before := agencyFields(*p.old)
	for k, v := range after {
		if before[k] != v {
			c.Fields[k] = [2]string{before[k], v}
		}
	}
	if len(c.Fields) == 0 {
		return nil, nil
	}
	res := tx.Model(&Agency{}).Where("id = ? AND version = ?", p.old.ID, p.old.Version).
		Select("name_en", "name_th", "name_km", "serves_nationality", "serves_nationalities", "version").
		Updates(&Agency{NameEN: w.NameEN, NameTH: w.NameTH, NameKM: w.NameKM, ServesNationality: w.ServesNationality,
			ServesNationalities: w.ServesNationalities, Version: p.old.Version + 1})
	if res.Error != nil {
		return nil, fmt.Errorf("update agency %s: %w", w.Slug, res.Error)
	}
	if res.RowsAffected != 1 {
		return nil, fmt.Errorf("update agency %s: changed meanwhile", w.Slug)
	}
	detail := map[string]map[string]string{}
	for k, v := range c.Fields {
		detail[k] = map[string]string{"from": v[0], "to": v[1]}
	}
	return c, audit.Append(tx, now, audit.Entry{Action: audit.AgencyUpdate, Entity: "agency", EntityID: p.old.ID, Detail: detail})
}

// checkFile validates every agency of the file and returns them as stored rows (without ids).
func checkFile(f *DirectoryFile, stores []string) ([]Agency, error) {
	var problems []string
	seen := map[string]bool{}
	out := make([]Agency, 0, len(f.Agencies))
	for i, fa := range f.Agencies {
		bad := func(format string, args ...any) {
			problems = append(problems, fmt.Sprintf("agency %d (%s): ", i+1, fa.Slug)+fmt.Sprintf(format, args...))
		}
		kind, ok := fileKinds[fa.Kind]
		switch {
		case !slugPattern.MatchString(fa.Slug):
			bad("slug must be lower-case letters, digits and single hyphens")
		case seen[fa.Slug]:
			bad("slug given twice")
		}
		seen[fa.Slug] = true
		if !ok {
			bad("kind must be welfare, police, embassy or ngo")
		}
		if !countryPattern.MatchString(fa.Country) {
			bad("country must be a two-letter code such as TH")
		} else if (kind == KindPolice || kind == KindSocialWelfare) && !slices.Contains(stores, fa.Country) {
			bad("no store is configured for %s", fa.Country)
		}
		names := map[string]string{"en": fa.Names.EN, "th": fa.Names.TH, "km": fa.Names.KM}
		for _, lang := range []string{"en", "th", "km"} {
			if strings.TrimSpace(names[lang]) == "" {
				bad("names.%s is required", lang)
			}
		}
		serves := Nationalities{}
		for _, n := range fa.Serves {
			if !countryPattern.MatchString(n) || serves.Serves(n) {
				bad("serves: %q is not a two-letter code given once", n)
			}
			serves = append(serves, n)
		}
		if kind == KindEmbassy && len(serves) == 0 {
			bad("an embassy serves at least one nationality")
		}
		if kind != KindEmbassy && len(serves) > 0 {
			bad("only an embassy serves nationalities")
		}
		a := Agency{Slug: fa.Slug, Kind: kind, NameEN: strings.TrimSpace(fa.Names.EN), NameTH: strings.TrimSpace(fa.Names.TH),
			NameKM: strings.TrimSpace(fa.Names.KM), ServesNationalities: serves}
		if kind == KindPolice || kind == KindSocialWelfare {
			a.Country = opt(fa.Country)
		} else {
			a.WorksIn = opt(fa.Country)
		}
		if len(serves) > 0 {
			a.ServesNationality = opt(serves[0])
		}
		out = append(out, a)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w:\n  %s", ErrDirectoryFile, strings.Join(problems, "\n  "))
	}
	return out, nil
}

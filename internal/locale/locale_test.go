package locale

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// mustLoad loads the embedded message files or fails the test.
func mustLoad(tb testing.TB) *Bundle {
	tb.Helper()
	b, err := Load()
	if err != nil {
		tb.Fatalf("Load: %v", err)
	}
	return b
}

// mustLoadFS loads message files from files (name -> TOML) or fails the test.
func mustLoadFS(tb testing.TB, files map[string]string) *Bundle {
	tb.Helper()
	b, err := load(mapFS(files))
	if err != nil {
		tb.Fatalf("load: %v", err)
	}
	return b
}

// mapFS builds an in-memory file system from name -> content.
func mapFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, content := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(content)}
	}
	return fsys
}

// TestEveryKeyInEveryLanguage enforces the project rule: a key defined in any
// language exists, non-empty, in every supported language.
func TestEveryKeyInEveryLanguage(t *testing.T) {
	b := mustLoad(t)
	all := map[string]bool{}
	for _, lang := range Supported {
		keys := b.Keys(lang)
		if len(keys) == 0 {
			t.Fatalf("language %q has no keys", lang)
		}
		for _, k := range keys {
			all[k] = true
		}
	}
	for _, lang := range Supported {
		for key := range all {
			m, ok := b.messages[lang][key]
			switch {
			case !ok:
				t.Errorf("key %q is missing in %s.toml", key, lang)
			case strings.TrimSpace(m.Other) == "":
				t.Errorf("key %q is empty in %s.toml", key, lang)
			}
		}
	}
}

// placeholder finds {{.Name}} arguments in a message.
var placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

// TestPlaceholdersMatch checks that every translation of a key uses the same
// arguments as English, so no value is dropped or shown as "<no value>".
func TestPlaceholdersMatch(t *testing.T) {
	b := mustLoad(t)
	args := func(s string) []string {
		var names []string
		for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
			names = append(names, m[1])
		}
		slices.Sort(names)
		return slices.Compact(names)
	}
	for _, key := range b.Keys("en") {
		want := args(b.messages["en"][key].Other)
		for _, lang := range Supported[1:] {
			m, ok := b.messages[lang][key]
			if !ok {
				continue // reported by TestEveryKeyInEveryLanguage
			}
			if diff := cmp.Diff(want, args(m.Other)); diff != "" {
				t.Errorf("key %q in %s: arguments differ from en (-en +%s):\n%s", key, lang, lang, diff)
			}
		}
	}
}

func TestLoadErrors(t *testing.T) {
	valid := `"a" = "A"`
	tests := []struct {
		name    string
		files   map[string]string
		wantErr string
	}{
		{
			name:    "language without a file",
			files:   map[string]string{"en.toml": valid, "th.toml": valid},
			wantErr: `no message file for language "km"`,
		},
		{
			name:    "unsupported language",
			files:   map[string]string{"en.toml": valid, "th.toml": valid, "km.toml": valid, "fr.toml": valid},
			wantErr: `language "fr" is not supported`,
		},
		{
			name:    "invalid TOML",
			files:   map[string]string{"en.toml": `"a" = `, "th.toml": valid, "km.toml": valid},
			wantErr: "load en.toml",
		},
		{
			name:    "broken template",
			files:   map[string]string{"en.toml": valid, "th.toml": `"a" = "{{.Name"`, "km.toml": valid},
			wantErr: `th.toml: key "a"`,
		},
		{
			name:    "key defined flat and nested",
			files:   map[string]string{"en.toml": "\"nav.x\" = \"A\"\n[nav]\nx = \"B\"\n", "th.toml": valid, "km.toml": valid},
			wantErr: `key "nav.x" defined twice`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(mapFS(tt.files))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("load error = %v, want containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestKeysAndHas(t *testing.T) {
	b := mustLoadFS(t, map[string]string{
		"en.toml": "\"b.y\" = \"B\"\n\"a.x\" = \"A\"\n",
		"th.toml": `"a.x" = "ก"`,
		"km.toml": `"a.x" = "ក"`,
	})
	if diff := cmp.Diff([]string{"a.x", "b.y"}, b.Keys("en")); diff != "" {
		t.Errorf("Keys(en) (-want +got):\n%s", diff)
	}
	if got := b.Keys("fr"); got != nil {
		t.Errorf("Keys(fr) = %v, want nil", got)
	}
	tests := []struct {
		lang, key string
		want      bool
	}{
		{"en", "a.x", true},
		{"en", "b.y", true},
		{"th", "b.y", false},
		{"km", "a.x", true},
		{"fr", "a.x", false},
		{"en", "nope", false},
	}
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.key, func(t *testing.T) {
			if got := b.Has(tt.lang, tt.key); got != tt.want {
				t.Errorf("Has(%q, %q) = %v, want %v", tt.lang, tt.key, got, tt.want)
			}
		})
	}
}

func TestFor(t *testing.T) {
	b := mustLoad(t)
	utc := time.UTC
	tests := []struct {
		name     string
		lang     string
		loc      *time.Location
		wantLang string
		wantLoc  string
	}{
		{"thai", "th", utc, "th", "UTC"},
		{"khmer", "km", utc, "km", "UTC"},
		{"unknown language falls back to English", "fr", utc, "en", "UTC"},
		{"empty language falls back to English", "", utc, "en", "UTC"},
		{"nil location is Bangkok time", "en", nil, "en", bangkok().String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := b.For(tt.lang, true, tt.loc)
			if l.Lang != tt.wantLang || l.Location.String() != tt.wantLoc || !l.BuddhistEra {
				t.Errorf("For(%q) = {%q, %v, %q}, want {%q, true, %q}",
					tt.lang, l.Lang, l.BuddhistEra, l.Location, tt.wantLang, tt.wantLoc)
			}
		})
	}
	t.Run("Bangkok is UTC+7", func(t *testing.T) {
		_, offset := time.Date(2026, 7, 1, 0, 0, 0, 0, bangkok()).Zone()
		if offset != 7*60*60 {
			t.Errorf("offset = %d, want %d", offset, 7*60*60)
		}
	})
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		name                          string
		setting, cookie, acceptHeader string
		want                          string
	}{
		{"setting wins over cookie and header", "th", "km", "en", "th"},
		{"cookie when no setting", "", "km", "th", "km"},
		{"unsupported setting is ignored", "fr", "th", "km", "th"},
		{"unsupported cookie is ignored", "", "xx", "th", "th"},
		{"setting is case-insensitive", "KM", "", "", "km"},
		{"Khmer header", "", "", "km-KH,km;q=0.9", "km"},
		{"Thai header", "", "", "th", "th"},
		{"Thai regional header", "", "", "th-TH,th;q=0.9,en-US;q=0.8,en;q=0.7", "th"},
		{"English header", "", "", "en-GB,en;q=0.9", "en"},
		{"preference order in header", "", "", "fr;q=1.0,km;q=0.5,th;q=0.3", "km"},
		{"unsupported header", "", "", "fr", "en"},
		{"garbage header", "", "", "!!;;q=x,,,", "en"},
		{"wildcard header", "", "", "*", "en"},
		{"nothing at all", "", "", "", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Negotiate(tt.setting, tt.cookie, tt.acceptHeader); got != tt.want {
				t.Errorf("Negotiate(%q, %q, %q) = %q, want %q",
					tt.setting, tt.cookie, tt.acceptHeader, got, tt.want)
			}
		})
	}
}

package sheets

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func mustLoad(tb testing.TB) *Catalog {
	tb.Helper()
	c, err := Load()
	if err != nil {
		tb.Fatalf("Load: %v", err)
	}
	return c
}

// TestEverySheetKeyInEveryLanguage: every sheet exists in every language of Languages, and a key
// defined in any language of a sheet exists, non-empty, in all of them.
func TestEverySheetKeyInEveryLanguage(t *testing.T) {
	c := mustLoad(t)
	if !slices.Contains(c.Sheets(), "consent") {
		t.Fatalf("sheets = %v, want the consent sheet", c.Sheets())
	}
	for _, sheet := range c.Sheets() {
		all := map[string]bool{}
		for _, lang := range Languages {
			keys := c.Keys(sheet, lang)
			if len(keys) == 0 {
				t.Errorf("sheet %s has no file or no keys in %s", sheet, lang)
			}
			for _, k := range keys {
				all[k] = true
			}
		}
		for _, lang := range Languages {
			for key := range all {
				switch text, ok := c.texts[sheet][lang][key]; {
				case !ok:
					t.Errorf("key %q is missing in %s.%s.toml", key, sheet, lang)
				case strings.TrimSpace(text) == "":
					t.Errorf("key %q is empty in %s.%s.toml", key, sheet, lang)
				}
			}
		}
	}
}

var placeholder = regexp.MustCompile(`\{(\w+)\}`)

// TestSheetPlaceholdersMatch: every translation uses the same {names} as English, so no value is
// dropped and no "{agency}" is printed.
func TestSheetPlaceholdersMatch(t *testing.T) {
	c := mustLoad(t)
	args := func(s string) []string {
		var names []string
		for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
			names = append(names, m[1])
		}
		slices.Sort(names)
		return names
	}
	for _, sheet := range c.Sheets() {
		for _, key := range c.Keys(sheet, English) {
			want := args(c.texts[sheet][English][key])
			for _, lang := range Languages[1:] {
				if diff := cmp.Diff(want, args(c.texts[sheet][lang][key])); diff != "" {
					t.Errorf("%s %q in %s: placeholders differ from en (-en +%s):\n%s", sheet, key, lang, lang, diff)
				}
			}
		}
	}
}

// TestSheetTranslationsDiffer catches a file copied from English and left untranslated: apart
// from names and codes, a translated text differs from the English one.
func TestSheetTranslationsDiffer(t *testing.T) {
	c := mustLoad(t)
	for _, sheet := range c.Sheets() {
		for _, lang := range Languages[1:] {
			same := 0
			for _, key := range c.Keys(sheet, English) {
				if c.texts[sheet][lang][key] == c.texts[sheet][English][key] {
					same++
				}
			}
			if same > 0 {
				t.Errorf("%s.%s.toml: %d texts are the English ones", sheet, lang, same)
			}
		}
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct{ name, file, body, wantErr string }{
		{"unknown language", "consent.fr.toml", `"a" = "A"`, `language "fr"`},
		{"no language", "consent.toml", `"a" = "A"`, "NAME.LANG.toml"},
		{"bad TOML", "consent.en.toml", `"a" = `, "parse consent.en.toml"},
		{"not a string", "consent.en.toml", `"a" = 3`, `key "a": value is not a string`},
		{"defined twice", "consent.en.toml", "\"a.b\" = \"A\"\n[a]\nb = \"B\"\n", `defined twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(fstest.MapFS{tt.file: {Data: []byte(tt.body)}})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("load error = %v, want containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestSheetLine(t *testing.T) {
	c, err := load(fstest.MapFS{
		"s.en.toml": {Data: []byte("\"hi\" = \"We are {agency}.\"\n\"only.en\" = \"English only\"\n")},
		"s.km.toml": {Data: []byte(`"hi" = "យើងគឺ {agency}។"`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, lang, key string
		want            Line
	}{
		{"translated, with English under it", "km", "hi", Line{"km", "យើងគឺ MoSVY។", "We are MoSVY."}},
		{"English has no second line", "en", "hi", Line{"en", "We are MoSVY.", ""}},
		{"missing in the language falls back to English", "km", "only.en", Line{"km", "English only", "English only"}},
		{"unknown key gives the key", "km", "nope", Line{"km", "nope", "nope"}},
		{"unavailable language is English", "fr", "hi", Line{"en", "We are MoSVY.", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, c.Sheet("s", tt.lang).Line(tt.key, "agency", "MoSVY")); diff != "" {
				t.Errorf("Line (-want +got):\n%s", diff)
			}
		})
	}
	if got := c.Sheet("s", "km").Text("hi", "agency", "X"); got != "យើងគឺ X។" {
		t.Errorf("Text = %q", got)
	}
}

func TestChoose(t *testing.T) {
	tests := []struct {
		name, requested string
		person          []string
		fallback, want  string
	}{
		{"requested wins", "vi", []string{"km"}, "th", "vi"},
		{"requested with a region", "zh-CN", nil, "en", "zh"},
		{"person's first available language", "", []string{"sw", "my", "en"}, "th", "my"},
		{"person's language with a region", "", []string{"km-KH"}, "en", "km"},
		{"unknown request falls back to the person", "xx", []string{"id"}, "th", "id"},
		{"garbage request falls back to the person", "!!<script>", []string{"id"}, "th", "id"},
		{"no available person language: staff language", "", []string{"lo", "sw"}, "km", "km"},
		{"nothing at all: English", "", nil, "", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Choose(tt.requested, tt.person, tt.fallback); got != tt.want {
				t.Errorf("Choose(%q, %v, %q) = %q, want %q", tt.requested, tt.person, tt.fallback, got, tt.want)
			}
		})
	}
}

func BenchmarkSheetLines(b *testing.B) {
	c := mustLoad(b)
	keys := c.Keys("consent", English)
	b.ReportAllocs()
	for b.Loop() {
		s := c.Sheet("consent", "my")
		for _, k := range keys {
			_ = s.Line(k, "agency", "MoSVY Poipet Transit Centre")
		}
	}
}

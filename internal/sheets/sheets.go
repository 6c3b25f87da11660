// Package sheets loads the texts of the sheets read aloud to the person and printed in their
// language — the consent and information sheet first — from the files of package i18n/sheets
// (NAME.LANG.toml, flat dotted keys), and serves them bilingually: each line in the sheet's
// language with its English text, printed under it when the sheet is not in English.
//
// Sheets exist in more languages than the user interface (Languages): they are kept apart from
// package locale, whose en/th/km parity rules the screens.
package sheets

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"golang.org/x/text/language"

	sheetfiles "homeward/i18n/sheets"
)

// Languages are the languages of every sheet, English first, in the order a picker shows them:
// English, Thai, Khmer, Indonesian, Vietnamese, Chinese (simplified), Burmese.
var Languages = []string{"en", "th", "km", "id", "vi", "zh", "my"}

// English is the language every sheet falls back to and prints under each line.
const English = "en"

// Catalog holds the texts of every sheet in every language. It is read-only after Load and safe
// for concurrent use.
type Catalog struct {
	texts map[string]map[string]map[string]string // sheet -> lang -> key -> text
}

// Load reads the sheet files embedded in package i18n/sheets.
func Load() (*Catalog, error) { return load(sheetfiles.Files) }

// load reads every NAME.LANG.toml file at the root of fsys. It fails on a file that does not
// parse, a language not in Languages, a value that is not a string, or a key defined twice.
func load(fsys fs.FS) (*Catalog, error) {
	names, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return nil, fmt.Errorf("sheets: list files: %w", err)
	}
	c := &Catalog{texts: map[string]map[string]map[string]string{}}
	for _, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".toml")
		dot := strings.LastIndex(base, ".")
		if dot <= 0 {
			return nil, fmt.Errorf("sheets: file %s: want NAME.LANG.toml", name)
		}
		sheet, lang := base[:dot], base[dot+1:]
		if !Available(lang) {
			return nil, fmt.Errorf("sheets: file %s: language %q is not one of %v", name, lang, Languages)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("sheets: read %s: %w", name, err)
		}
		var raw map[string]any
		if _, err := toml.Decode(string(b), &raw); err != nil {
			return nil, fmt.Errorf("sheets: parse %s: %w", name, err)
		}
		texts := map[string]string{}
		if err := flatten("", raw, texts); err != nil {
			return nil, fmt.Errorf("sheets: %s: %w", name, err)
		}
		if c.texts[sheet] == nil {
			c.texts[sheet] = map[string]map[string]string{}
		}
		c.texts[sheet][lang] = texts
	}
	return c, nil
}

// flatten copies the string values of a decoded TOML table into out under dotted keys; a key
// written both quoted ("a.b") and as a table ([a] b) is defined twice.
func flatten(prefix string, table map[string]any, out map[string]string) error {
	for k, v := range table {
		key := prefix + k
		switch v := v.(type) {
		case string:
			if _, dup := out[key]; dup {
				return fmt.Errorf("key %q defined twice", key)
			}
			out[key] = v
		case map[string]any:
			if err := flatten(key+".", v, out); err != nil {
				return err
			}
		default:
			return fmt.Errorf("key %q: value is not a string", key)
		}
	}
	return nil
}

// Sheets returns the names of the loaded sheets, sorted.
func (c *Catalog) Sheets() []string {
	out := make([]string, 0, len(c.texts))
	for name := range c.texts {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Keys returns the sorted keys of a sheet in lang, or nil when that sheet has no such file.
func (c *Catalog) Keys(sheet, lang string) []string {
	texts, ok := c.texts[sheet][lang]
	if !ok {
		return nil
	}
	keys := make([]string, 0, len(texts))
	for k := range texts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Has reports whether key is defined in the sheet's lang file.
func (c *Catalog) Has(sheet, lang, key string) bool {
	_, ok := c.texts[sheet][lang][key]
	return ok
}

// Sheet returns the texts of one sheet in lang; a language that is not available gives English.
func (c *Catalog) Sheet(sheet, lang string) *Sheet {
	if !Available(lang) {
		lang = English
	}
	return &Sheet{Lang: lang, texts: c.texts[sheet][lang], en: c.texts[sheet][English]}
}

// Available reports whether lang is one of Languages.
func Available(lang string) bool { return slices.Contains(Languages, lang) }

// Normalize returns the sheet language of a recorded language (a BCP 47 tag: "km", "km-KH",
// "zh-Hans-CN", "MY"), or "" when it has none.
func Normalize(tag string) string {
	t, err := language.Parse(strings.TrimSpace(tag))
	if err != nil {
		return ""
	}
	base, _ := t.Base()
	if b := base.String(); Available(b) {
		return b
	}
	return ""
}

// Choose picks a sheet's language: requested when it is available; else the first of the
// person's recorded languages that is available; else fallback (the staff member's language)
// when available; else English. An unknown requested language is ignored, never an error.
func Choose(requested string, person []string, fallback string) string {
	if l := Normalize(requested); l != "" {
		return l
	}
	for _, p := range person {
		if l := Normalize(p); l != "" {
			return l
		}
	}
	if l := Normalize(fallback); l != "" {
		return l
	}
	return English
}

// Line is a text of a sheet: in the sheet's language, and in English when the sheet is not (EN is
// empty for an English sheet).
type Line struct {
	Lang, Text, EN string
}

// Sheet is one sheet in one language.
type Sheet struct {
	Lang      string
	texts, en map[string]string
}

// Line returns key in the sheet's language with its English line; args are pairs of name and
// value that replace {name} in both. A key missing in the language falls back to English; a key
// missing everywhere gives the key itself (and the tests fail).
func (s *Sheet) Line(key string, args ...string) Line {
	en := fill(lookup(s.en, key, key), args)
	l := Line{Lang: s.Lang, Text: fill(lookup(s.texts, key, lookup(s.en, key, key)), args)}
	if s.Lang != English {
		l.EN = en
	}
	return l
}

// English returns key in English only, with args as for Line: the line printed under a text
// whose arguments differ by language (an agency's name).
func (s *Sheet) English(key string, args ...string) string {
	return fill(lookup(s.en, key, key), args)
}

// Text returns key in the sheet's language only (no English line), with args as for Line.
func (s *Sheet) Text(key string, args ...string) string {
	return fill(lookup(s.texts, key, lookup(s.en, key, key)), args)
}

func lookup(texts map[string]string, key, fallback string) string {
	if t, ok := texts[key]; ok && t != "" {
		return t
	}
	return fallback
}

// fill replaces {name} with value for each pair of args.
func fill(text string, args []string) string {
	for i := 0; i+1 < len(args); i += 2 {
		text = strings.ReplaceAll(text, "{"+args[i]+"}", args[i+1])
	}
	return text
}

// Package locale loads the user-interface messages of package i18n and
// translates them for one request: message lookup with template arguments,
// dates in English, Thai (optionally Buddhist era) and Khmer, and the choice
// of language from the user's setting, a cookie or the Accept-Language header.
package locale

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"homeward/i18n"
)

// Supported lists the languages of the user interface, default first.
var Supported = []string{"en", "th", "km"}

// defaultLang is the language used when nothing better is known.
const defaultLang = "en"

// Bundle holds all messages of every supported language. It is read-only
// after Load and safe for concurrent use.
type Bundle struct {
	messages   map[string]map[string]*goi18n.Message // lang -> key -> message
	localizers map[string]*goi18n.Localizer          // lang -> localizer
}

// Load reads the message files embedded in i18n.Files. It fails when a file
// does not parse, a message is not a valid template, a key is defined twice,
// or a supported language has no file.
func Load() (*Bundle, error) {
	return load(i18n.Files)
}

// load reads every *.toml file at the root of fsys.
func load(fsys fs.FS) (*Bundle, error) {
	bundle := goi18n.NewBundle(language.MustParse(defaultLang))
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)

	names, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return nil, fmt.Errorf("locale: list message files: %w", err)
	}
	b := &Bundle{
		messages:   make(map[string]map[string]*goi18n.Message, len(Supported)),
		localizers: make(map[string]*goi18n.Localizer, len(Supported)),
	}
	for _, name := range names {
		// en.toml, or AREA.en.toml for the messages of one area (screening.th.toml, ...).
		base := strings.TrimSuffix(path.Base(name), ".toml")
		lang := base[strings.LastIndex(base, ".")+1:]
		if !isSupported(lang) {
			return nil, fmt.Errorf("locale: message file %s: language %q is not supported", name, lang)
		}
		file, err := bundle.LoadMessageFileFS(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("locale: load %s: %w", name, err)
		}
		msgs := b.messages[lang]
		if msgs == nil {
			msgs = make(map[string]*goi18n.Message, len(file.Messages))
		}
		for _, m := range file.Messages {
			if _, dup := msgs[m.ID]; dup {
				return nil, fmt.Errorf("locale: %s: key %q defined twice", name, m.ID)
			}
			if err := checkTemplates(m); err != nil {
				return nil, fmt.Errorf("locale: %s: key %q: %w", name, m.ID, err)
			}
			msgs[m.ID] = m
		}
		b.messages[lang] = msgs
	}
	for _, lang := range Supported {
		if _, ok := b.messages[lang]; !ok {
			return nil, fmt.Errorf("locale: no message file for language %q", lang)
		}
		b.localizers[lang] = goi18n.NewLocalizer(bundle, lang)
	}
	return b, nil
}

// checkTemplates parses every plural form of m, so that a broken {{ in a
// translation fails at start rather than on the page.
func checkTemplates(m *goi18n.Message) error {
	for _, src := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
		if src == "" {
			continue
		}
		left, right := m.LeftDelim, m.RightDelim
		if left == "" {
			left = "{{"
		}
		if right == "" {
			right = "}}"
		}
		if _, err := texttemplate.New("").Delims(left, right).Parse(src); err != nil {
			return fmt.Errorf("parse message: %w", err)
		}
	}
	return nil
}

// Keys returns the sorted keys defined in lang, or nil for an unknown language.
func (b *Bundle) Keys(lang string) []string {
	msgs, ok := b.messages[lang]
	if !ok {
		return nil
	}
	keys := make([]string, 0, len(msgs))
	for k := range msgs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Has reports whether key is defined in lang.
func (b *Bundle) Has(lang, key string) bool {
	_, ok := b.messages[lang][key]
	return ok
}

// For returns a Localizer for one request. An unsupported lang falls back to
// English; a nil loc means Asia/Bangkok (Thailand and Cambodia are both UTC+7).
func (b *Bundle) For(lang string, buddhistEra bool, loc *time.Location) *Localizer {
	if !isSupported(lang) {
		lang = defaultLang
	}
	if loc == nil {
		loc = bangkok()
	}
	return &Localizer{
		Lang:        lang,
		BuddhistEra: buddhistEra,
		Location:    loc,
		loc:         b.localizers[lang],
	}
}

// bangkok returns the Asia/Bangkok zone, or a fixed UTC+7 zone (the same
// offset, no daylight saving) when the system has no zone database.
var bangkok = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Bangkok"); err == nil {
		return loc
	}
	return time.FixedZone("+07", 7*60*60)
})

// matcher matches Accept-Language preferences against Supported, in order.
var matcher = sync.OnceValue(func() language.Matcher {
	tags := make([]language.Tag, len(Supported))
	for i, s := range Supported {
		tags[i] = language.MustParse(s)
	}
	return language.NewMatcher(tags)
})

// Negotiate picks the language of a request: the user's setting if it is
// supported, else the cookie's value if supported, else the best supported
// match of the Accept-Language header, else English.
func Negotiate(userSetting, cookie, acceptLanguage string) string {
	for _, s := range []string{userSetting, cookie} {
		if s = strings.ToLower(strings.TrimSpace(s)); isSupported(s) {
			return s
		}
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return defaultLang
	}
	_, i, conf := matcher().Match(tags...)
	if conf == language.No || i < 0 || i >= len(Supported) {
		return defaultLang
	}
	return Supported[i]
}

// isSupported reports whether lang is one of Supported.
func isSupported(lang string) bool {
	return slices.Contains(Supported, lang)
}

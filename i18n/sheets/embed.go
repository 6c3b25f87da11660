// Package sheets holds the texts of the sheets printed for and read aloud to the person, one file
// per sheet and language (consent.en.toml, consent.my.toml, ...), with flat dotted keys. They are
// kept apart from the user-interface messages of package i18n: a sheet exists in more languages
// (the person's) than the screens (the staff's). Package internal/sheets loads them.
package sheets

import "embed"

// Files holds the sheet texts, embedded at build time.
//
//go:embed *.toml
var Files embed.FS

// Package i18n holds the message files of the user interface, one per
// language (en.toml, th.toml, km.toml), with flat dotted keys such as
// "nav.cases" = "Cases". Package internal/locale loads them.
package i18n

import "embed"

// Files holds the message files, embedded at build time.
//
//go:embed *.toml
var Files embed.FS

// Package web holds the files of the web user interface that are embedded in
// the binary: html/template files under templates/ and static assets (CSS,
// vendored htmx) under static/. The handlers that use them are in internal/web.
package web

import "embed"

// Files holds templates/ and static/, embedded at build time. Files whose
// names start with "." or "_" are left out, as go:embed does for directories.
//
//go:embed templates static
var Files embed.FS

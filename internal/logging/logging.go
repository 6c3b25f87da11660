// Package logging sets up Homeward's structured logs (log/slog): JSON lines on standard error by
// default, each line logged with a request's context carrying that request's id (request_id).
package logging

import (
	"context"
	"io"
	"log/slog"
	"strings"
)

type requestIDKey struct{}

// WithRequestID returns ctx carrying a request's id; slog calls given that ctx (slog.InfoContext,
// ErrorContext, …) log it as request_id through Handler.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID is the request id ctx carries, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// Handler wraps a slog.Handler and adds request_id to every record logged with a context that
// carries one (WithRequestID).
type Handler struct {
	inner slog.Handler
}

// NewHandler wraps inner.
func NewHandler(inner slog.Handler) *Handler { return &Handler{inner: inner} }

// Enabled reports whether the inner handler logs level.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

// Handle adds request_id from ctx, if any, and hands the record on.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.inner.Handle(ctx, r)
}

// WithAttrs returns a Handler whose inner handler has attrs.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Handler{inner: h.inner.WithAttrs(attrs)}
}

// WithGroup returns a Handler whose inner handler opens group.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{inner: h.inner.WithGroup(name)}
}

// New returns the process logger writing to w: format "text" gives slog's key=value lines (for a
// person reading a terminal), anything else JSON lines (HOMEWARD_LOG_FORMAT, default json). Both
// carry request_id.
func New(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	var inner slog.Handler = slog.NewJSONHandler(w, opts)
	if strings.EqualFold(format, "text") {
		inner = slog.NewTextHandler(w, opts)
	}
	return slog.New(NewHandler(inner))
}

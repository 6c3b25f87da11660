package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"homeward/internal/app"
	"homeward/internal/config"
	"homeward/internal/logging"
)

// setupLogs makes the process logger JSON lines (or text, HOMEWARD_LOG_FORMAT) on standard error,
// each line logged within a request carrying its request_id.
func setupLogs(cfg config.Config) error {
	if err := cfg.Ops.Check(); err != nil {
		return err
	}
	slog.SetDefault(logging.New(os.Stderr, cfg.Ops.LogFormat, slog.LevelInfo))
	return nil
}

// serveMetrics serves the metrics and pprof (a.Metrics.Handler) on addr, never on the main
// address, until the returned stop is called; nothing when metrics are off.
func serveMetrics(addr string, a *app.App) (stop func(), err error) {
	if addr == "" || a.Metrics == nil {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: a.Metrics.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("metrics server", "err", err)
		}
	}()
	slog.Info("serving metrics and pprof", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

package config

import (
	"fmt"
	"os"
	"strconv"
)

// Operations settings, read by FromEnv into Config.Ops. docs/operations.md describes them for
// operators.
//
//   - HOMEWARD_METRICS_ADDR: the listen address of the metrics and pprof server ("127.0.0.1:9090").
//     Empty (the default, under `serve` and `dev` alike) means off: no metrics are collected and
//     nothing is served. Never the main address: /metrics and /debug/pprof/ are only served here.
//     Bind it to a private or loopback address; it has no authentication.
//   - HOMEWARD_LOG_FORMAT: "json" (default: one JSON object per line on standard error) or "text".
//   - HOMEWARD_API_RATE: API requests per second allowed to one bearer token (default 10; "0"
//     turns the limit off). Over it the API answers 429 rate_limited with Retry-After.
//   - HOMEWARD_API_BURST: how many requests one token may make at once above that rate (default 40).
//   - HOMEWARD_IMPORTS_PER_STORE: how many imports may run at once in one country store (default 2);
//     one more is answered 503 busy with Retry-After.
type Ops struct {
	MetricsAddr     string
	LogFormat       string
	APIRate         float64
	APIBurst        int
	ImportsPerStore int
	// err is the first setting that did not parse; Validate returns it.
	err error
}

// Defaults of Ops under FromEnv. A Config built by hand (tests) has the zero Ops: no metrics, no
// API rate limit, and the web server's default import limit.
const (
	DefaultAPIRate         = 10
	DefaultAPIBurst        = 40
	DefaultImportsPerStore = 2
)

func opsFromEnv() Ops {
	o := Ops{MetricsAddr: os.Getenv("HOMEWARD_METRICS_ADDR"), LogFormat: env("HOMEWARD_LOG_FORMAT", "json")}
	var err error
	if o.APIRate, err = strconv.ParseFloat(env("HOMEWARD_API_RATE", strconv.Itoa(DefaultAPIRate)), 64); err != nil || o.APIRate < 0 {
		o.err = fmt.Errorf("HOMEWARD_API_RATE: want requests per second, a number >= 0")
	}
	if o.APIBurst, err = strconv.Atoi(env("HOMEWARD_API_BURST", strconv.Itoa(DefaultAPIBurst))); (err != nil || o.APIBurst < 1) && o.err == nil {
		o.err = fmt.Errorf("HOMEWARD_API_BURST: want a whole number >= 1")
	}
	if o.ImportsPerStore, err = strconv.Atoi(env("HOMEWARD_IMPORTS_PER_STORE", strconv.Itoa(DefaultImportsPerStore))); (err != nil || o.ImportsPerStore < 1) && o.err == nil {
		o.err = fmt.Errorf("HOMEWARD_IMPORTS_PER_STORE: want a whole number >= 1")
	}
	if o.LogFormat != "json" && o.LogFormat != "text" && o.err == nil {
		o.err = fmt.Errorf("HOMEWARD_LOG_FORMAT: want json or text")
	}
	return o
}

// Check returns the first operations setting that did not parse.
func (o Ops) Check() error { return o.err }

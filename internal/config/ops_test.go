package config

import (
	"strings"
	"testing"
)

func TestOpsFromEnv(t *testing.T) {
	base := func(t *testing.T) {
		t.Setenv("HOMEWARD_HUB_DSN", "postgres://h")
		t.Setenv("HOMEWARD_STORE_TH_DSN", "postgres://t")
		t.Setenv("HOMEWARD_MASTER_KEY_FILE", "/k")
	}
	t.Run("defaults", func(t *testing.T) {
		base(t)
		o := FromEnv().Ops
		if o.MetricsAddr != "" || o.LogFormat != "json" || o.APIRate != DefaultAPIRate || o.APIBurst != DefaultAPIBurst || o.ImportsPerStore != DefaultImportsPerStore {
			t.Errorf("defaults = %+v", o)
		}
	})
	t.Run("set", func(t *testing.T) {
		base(t)
		t.Setenv("HOMEWARD_METRICS_ADDR", "127.0.0.1:9090")
		t.Setenv("HOMEWARD_API_RATE", "2.5")
		t.Setenv("HOMEWARD_API_BURST", "5")
		t.Setenv("HOMEWARD_IMPORTS_PER_STORE", "1")
		t.Setenv("HOMEWARD_LOG_FORMAT", "text")
		c := FromEnv()
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		if o := c.Ops; o.MetricsAddr != "127.0.0.1:9090" || o.APIRate != 2.5 || o.APIBurst != 5 || o.ImportsPerStore != 1 || o.LogFormat != "text" {
			t.Errorf("ops = %+v", o)
		}
	})
	for name, kv := range map[string][2]string{
		"rate":    {"HOMEWARD_API_RATE", "fast"},
		"rate<0":  {"HOMEWARD_API_RATE", "-1"},
		"burst":   {"HOMEWARD_API_BURST", "0"},
		"imports": {"HOMEWARD_IMPORTS_PER_STORE", "many"},
		"format":  {"HOMEWARD_LOG_FORMAT", "xml"},
	} {
		t.Run("bad "+name, func(t *testing.T) {
			base(t)
			t.Setenv(kv[0], kv[1])
			if err := FromEnv().Validate(); err == nil || !strings.Contains(err.Error(), kv[0]) {
				t.Errorf("Validate = %v, want an error naming %s", err, kv[0])
			}
		})
	}
}

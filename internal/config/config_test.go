package config

import (
	"os"
	"path/filepath"
	"testing"
)

func TestAttachmentsRoot(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if got := AttachmentsRoot(env(map[string]string{"HOMEWARD_ATTACHMENTS_DIR": "/srv/att", "HOMEWARD_DATA_DIR": "/d"})); got != "/srv/att" {
		t.Errorf("explicit = %s", got)
	}
	if got := AttachmentsRoot(env(map[string]string{"HOMEWARD_DATA_DIR": "/d"})); got != "/d/attachments" {
		t.Errorf("data dir = %s", got)
	}
	if wd, _ := os.Getwd(); AttachmentsRoot(env(nil)) != filepath.Join(wd, ".data", "attachments") {
		t.Errorf("default = %s", AttachmentsRoot(env(nil)))
	}
}

func TestMFARequired(t *testing.T) {
	for _, tc := range []struct {
		roles []string
		want  bool
	}{
		{[]string{"caseworker"}, false},
		{[]string{"caseworker", "supervisor"}, true},
		{[]string{"investigator"}, false},
		{[]string{"country_admin"}, true},
		{[]string{"auditor"}, true},
		{[]string{"embassy_officer"}, true},
		{[]string{"analyst", "ngo_worker"}, false},
		{nil, false},
	} {
		if got := MFARequired(tc.roles...); got != tc.want {
			t.Errorf("MFARequired(%v) = %v, want %v", tc.roles, got, tc.want)
		}
	}
}

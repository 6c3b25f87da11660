package policies

import (
	"strings"
	"testing"
)

func TestEmbedded(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		{"model", Model, []string{"[request_definition]", "[matchers]", "g = _, _"}},
		{"policy", Policy, []string{"p, caseworker, screening, read", "g, supervisor, caseworker"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, w := range tt.want {
				if !strings.Contains(tt.text, w) {
					t.Errorf("embedded %s lacks %q", tt.name, w)
				}
			}
		})
	}
}

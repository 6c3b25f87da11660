package vault

import "testing"

func TestNormalizeDocumentNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"AB 123-456", "AB123456"},
		{"ab123456", "AB123456"},
		{" a.b/1 2\t3\n", "AB123"},
		{"ＡＢ１２３", "AB123"},                   // full-width
		{"AB\u2013123\u2212456", "AB123456"}, // en dash, minus sign
		{"AB\u00a0123\u3000456", "AB123456"}, // no-break and ideographic space
		{"AB\u200b123", "AB123"},             // zero-width space
		{"๑๒๓๔๕๖๗๘๙๐", "1234567890"},         // Thai digits
		{"០១២៣៤៥៦៧៨៩", "0123456789"},         // Khmer digits
		{"N\u00ba12", "NO12"},                // masculine ordinal indicator, as in "Nº"
		{"", ""},
		{"-./ ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := NormalizeDocumentNumber(tt.in)
			if got != tt.want {
				t.Errorf("NormalizeDocumentNumber(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := NormalizeDocumentNumber(got); again != got {
				t.Errorf("not idempotent: %q -> %q", got, again)
			}
		})
	}
}

func TestNormalizeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  Somchai   Jaidee ", "SOMCHAI JAIDEE"},
		{"ｓｏｍ\u200bchai", "SOMCHAI"},
		{"สมชาย\tใจดี", "สมชาย ใจดี"},
		{" \n ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := NormalizeText(tt.in); got != tt.want {
				t.Errorf("NormalizeText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

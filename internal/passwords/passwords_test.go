package passwords

import (
	"errors"
	"strings"
	"testing"
)

func TestListIsLoadedAndLarge(t *testing.T) {
	n, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if n < 100_000 {
		t.Fatalf("the embedded list has %d entries, want at least 100,000", n)
	}
	for i := 1; i < n; i++ {
		if string(entry(i-1)) >= string(entry(i)) {
			t.Fatalf("entries %d and %d out of order: %q, %q", i-1, i, entry(i-1), entry(i))
		}
	}
}

func TestIsCommon(t *testing.T) {
	for _, p := range []string{"password", "123456", "PassWord", "iloveyou", "1234567890123", "qwertyuiopasdfghjkl"} {
		if !IsCommon(p) {
			t.Errorf("IsCommon(%q) = false, want true", p)
		}
	}
	for _, p := range []string{"", "zebra-lantern-ferry-ochre", "ฉันรักแมวสีส้มมาก", "ខ្ញុំស្រឡាញ់ឆ្មា"} {
		if IsCommon(p) {
			t.Errorf("IsCommon(%q) = true, want false", p)
		}
	}
}

func TestCheck(t *testing.T) {
	email, name := "Somchai.Jaidee@example.org", "Somchai Jaidee"
	tests := []struct {
		name, password string
		want           error
	}{
		{"eleven characters", "abcdefghijk", TooShort},
		{"twelve characters", "zebra lamp 7", nil},
		{"Thai, twelve runes", "แมวสีส้มกินปลา", nil},
		{"Khmer, short after NFC", "ខ្ញុំ", TooShort},
		{"spaces are characters", "           x", nil},
		{"too long", strings.Repeat("ab", 65), TooLong},
		{"the longest", strings.Repeat("ab", 64), nil},
		{"common, any case", "QwertyUiop123", Common},
		{"common", "123456789012", Common},
		{"the email", "somchai.jaidee@example.org", Personal},
		{"contains the local part", "xx" + "SOMCHAI.JAIDEE" + "99", Personal},
		{"contains a name word", "my-jaidee-ferry-lamp", Personal},
		{"short words are not refused", "al ok ferry lantern 42", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Check(tt.password, email, name); !errors.Is(got, tt.want) {
				t.Fatalf("Check(%q) = %v, want %v", tt.password, got, tt.want)
			}
		})
	}
}

// BenchmarkPasswordCheck measures the breached-list lookup (the list is loaded before timing).
func BenchmarkPasswordCheck(b *testing.B) {
	if _, err := Load(); err != nil {
		b.Fatal(err)
	}
	words := []string{"correct horse battery staple", "password1234", "ฉันรักแมวสีส้มมาก", "zebra-lantern-ferry"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		IsCommon(words[i%len(words)])
	}
}

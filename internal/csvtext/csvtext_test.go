package csvtext

import "testing"

func TestInvalidText(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
	}{
		{"week,province\n2026-W05,Sa Kaeo\n", -1},
		{"ชื่อ,ឈ្មោះ\n", -1},
		{"ab\x00c", 2},
		{"ab\xffc", 2},
		{"", -1},
	} {
		if got := InvalidText([]byte(c.in)); got != c.want {
			t.Errorf("InvalidText(%q) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestDelimiter(t *testing.T) {
	for in, want := range map[string]rune{"a,b,c\n1;2": ',', "a;b;c\n": ';', "a\tb\tc": '\t', "single": ','} {
		if got := Delimiter([]byte(in)); got != want {
			t.Errorf("Delimiter(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDefuse(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+1": "'+1", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"": "", "Somchai": "Somchai", "a=b": "a=b", "สมชาย": "สมชาย",
	} {
		if got := Defuse(in); got != want {
			t.Errorf("Defuse(%q) = %q, want %q", in, got, want)
		}
	}
}

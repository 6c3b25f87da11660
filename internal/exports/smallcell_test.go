package exports_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"homeward/internal/apptest"
	"homeward/internal/exports"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// rowsOf repeats a combination n times.
func rowsOf(n int, cit, gender, birth, reg string) []exports.QuasiIDs {
	out := make([]exports.QuasiIDs, n)
	for i := range out {
		out[i] = exports.QuasiIDs{Citizenship: cit, Gender: gender, BirthYear: birth, RegYear: reg}
	}
	return out
}

func concat(parts ...[]exports.QuasiIDs) []exports.QuasiIDs {
	var out []exports.QuasiIDs
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestDecade(t *testing.T) {
	for in, want := range map[string]string{"1994": "1990-1999", "2000": "2000-2009", "1999": "1990-1999", "": "", "1990-1999": "1990-1999"} {
		if got := exports.Decade(in); got != want {
			t.Errorf("Decade(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGeneralise(t *testing.T) {
	tests := []struct {
		name           string
		in             []exports.QuasiIDs
		want           []exports.QuasiIDs
		wantSuppressed int
	}{
		{name: "large groups unchanged",
			in:   concat(rowsOf(5, "KH", "Female", "1994", "2026"), rowsOf(6, "TH", "Male", "2001", "2026")),
			want: concat(rowsOf(5, "KH", "Female", "1994", "2026"), rowsOf(6, "TH", "Male", "2001", "2026"))},
		{name: "small years merge into a decade",
			in:   concat(rowsOf(2, "KH", "Female", "1991", "2026"), rowsOf(3, "KH", "Female", "1998", "2026")),
			want: rowsOf(5, "KH", "Female", "1990-1999", "2026")},
		{name: "rare citizenships become other",
			in:   concat(rowsOf(2, "ID", "Male", "1995", "2026"), rowsOf(3, "VN", "Male", "1992", "2026")),
			want: rowsOf(5, "other", "Male", "1990-1999", "2026")},
		{name: "still under five is suppressed, the rest kept",
			in:             concat(rowsOf(5, "KH", "Female", "1994", "2026"), rowsOf(1, "CN", "Male", "1970", "2025"), rowsOf(3, "MM", "Female", "1980", "2024")),
			want:           rowsOf(5, "KH", "Female", "1994", "2026"),
			wantSuppressed: 4},
		{name: "unknown birth year groups together",
			in:   rowsOf(5, "KH", "Unknown", "", "2026"),
			want: rowsOf(5, "KH", "Unknown", "", "2026")},
		{name: "empty", in: nil, want: []exports.QuasiIDs{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kept, got, suppressed := exports.Generalise(tt.in, exports.MinCell)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if suppressed != tt.wantSuppressed || len(kept) != len(got) || len(kept)+suppressed != len(tt.in) {
				t.Errorf("kept %d, suppressed %d of %d; want suppressed %d", len(kept), suppressed, len(tt.in), tt.wantSuppressed)
			}
			groups := map[exports.QuasiIDs]int{}
			for _, q := range got {
				groups[q]++
			}
			for q, n := range groups {
				if n < exports.MinCell {
					t.Errorf("group %+v has %d rows", q, n)
				}
			}
		})
	}
}

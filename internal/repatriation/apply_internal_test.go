package repatriation

import "testing"

func TestReadingReplyText(t *testing.T) {
	for in, want := range map[string]string{"emergency_travel_document": "emergency_travel_document",
		"Emergency travel document": "emergency_travel_document", "ETD": "emergency_travel_document",
		"C.I.": "certificate_of_identity", "Passport": "passport", "visa": "other", "": ""} {
		if got := documentTypeOf(in); got != want {
			t.Errorf("documentTypeOf(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"poipet_aranyaprathet": "poipet_aranyaprathet", "Poipet checkpoint": "poipet_aranyaprathet",
		"ด่านหาดเล็ก": "cham_yeam_hat_lek", "ច្រកអូរស្មាច់": "osmach_chong_chom", "O'Smach": "osmach_chong_chom",
		"TG 581 PNH-BKK 14:05": "", "flight": ""} {
		if got := checkpointOf(in); got != want {
			t.Errorf("checkpointOf(%q) = %q, want %q", in, got, want)
		}
	}
}

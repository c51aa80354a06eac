package similar

import "testing"

func TestScore(t *testing.T) {
	s := New(Report{Title: "SQL injection in the login form", Description: "The username parameter reaches the query unescaped.",
		Vendor: "Acme", VendorOrgID: "org-1", Product: "Portal", CWE: "CWE-89"})
	same := Report{Title: "SQL injection in login", Description: "username parameter unescaped in the query",
		Vendor: " acme ", Product: "portal", CWE: "CWE-89"}
	if score, reasons := s.Score(same); score < Likely || len(reasons) != 4 {
		t.Errorf("the same issue scores %.2f %v", score, reasons)
	}
	other := Report{Title: "Buffer overflow in the firmware updater", Vendor: "Other", Product: "Router", CWE: "CWE-787"}
	if score, reasons := s.Score(other); score != 0 || len(reasons) != 0 {
		t.Errorf("an unrelated report scores %.2f %v", score, reasons)
	}
	if score, _ := s.Score(Report{VendorOrgID: "org-1", Product: "Portal", CWE: "CWE-89", Title: s.r.Title, Description: s.r.Description}); score != 1 {
		t.Errorf("the very same report scores %.2f, want 1", score)
	}
}

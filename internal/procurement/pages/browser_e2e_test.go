package pages_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/browsertest"
)

// TestBrowserProcurement: the console in a real browser. A coordinator
// sees the demo's lab and its firewall criteria, suspends the lab (first
// without the reason the form then asks for, what was ticked kept), and
// issues a clarification; the lab's evaluator reads the suspension and its
// history, a bank's CISO no longer sees the lab, on a phone too.
func TestBrowserProcurement(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	lab := s.OrgID("National Cyber Security Testing Lab")
	b := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(b, "coordinator@cc.example", "certhub-demo-2026")
	b.Go("/console/procurement")
	b.Expect("#labs", "National Cyber Security Testing Lab", "Firewall", "stands")
	b.Expect("#catalogues", "Firewalls and next-generation firewalls", "20")
	b.Shot("80-procurement-overview")
	cc, err := filepath.Abs("../testdata/certified-products-sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	b.Upload("#f-cc", cc)
	b.Click("#recognise button")
	b.Expect(".flash", "Read 3 certified products: 2 recognised anew")
	b.Go("/approved-products?q=polaris")
	b.Expect("#products", "Polaris Router OS™ 5.1", "recognised (Common Criteria (FR))")

	b.Go("/console/procurement/catalogues/firewall")
	b.Expect("#catalogue", "FW-01", "Default deny", "Functional test", "FW-20")
	b.Fill("#f-requirement", "fw-99")
	b.Fill("#f-text", "Read it as written.")
	b.Click("#clarifications button[type=submit]")
	b.Expect(".problem", "no requirement fw-99")
	b.Fill("#f-requirement", "FW-02")
	b.Click("#clarifications button[type=submit]")
	b.Expect("#clarifications", "FW-02", "Read it as written.")
	b.Shot("81-procurement-catalogue")

	b.Go("/console/procurement/labs/" + lab)
	b.Expect("#accreditation", "Active", "it stands", "Firewall")
	b.Expect("#scorecard", "4 assigned, 3 done", "3 of 3 (100 %) within 60 days", "Testing")
	b.Select("#f-state", "suspended")
	b.Click("#change button[type=submit]")
	b.Expect(".problem", "Reason")
	if b.Count("#f-categories input:checked") != 4 {
		t.Fatalf("the ticked categories were lost: %d", b.Count("#f-categories input:checked"))
	}
	b.Fill("#f-reason", "Re-assessment after the lab moved.")
	b.Click("#change button[type=submit]")
	b.Expect("#accreditation", "Suspended", "does not stand", "Re-assessment after the lab moved.")
	b.Expect("#accreditation table", "coordinator@cc.example", "Suspended", "Active")
	b.Shot("82-procurement-lab")

	ev := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(ev, "evaluator@ncstl.example", "certhub-demo-2026")
	ev.Go("/console/procurement/labs/" + lab)
	ev.Expect("#accreditation", "Suspended", "Re-assessment after the lab moved.")
	if ev.Count("#change") != 0 {
		t.Fatal("the lab may change its own accreditation")
	}

	phone := browsertest.New(t, s.URL, 390, 844)
	apptest.SignIn(phone, "ciso@firstbank.example", "certhub-demo-2026")
	phone.Go("/console/procurement")
	if strings.Contains(phone.Text("#labs"), "National Cyber Security Testing Lab") {
		t.Fatal("a constituent sees a suspended lab")
	}
	phone.Expect("#catalogues", "Firewall")
	if phone.Overflows() {
		t.Error("the page is wider than a phone")
	}
	phone.Shot("83-procurement-phone")
}

package pages_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/browsertest"
)

// TestBrowserIntel: the threat-intelligence console in a real browser. A
// coordinator sees the store and its sources, configures a pulled source
// (a bad interval first), pulls it and watches the run end, finds an
// indicator by its defanged form and sees whom it concerns, and a CVE's
// links into the disclosure program; a bank's CISO sees only what was
// routed to the bank, on a phone too.
func TestBrowserIntel(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "# partner blocklist\n198.51.100.61\nhxxp://phish.example/login\n203.0.113.99\nnot an indicator\n")
	}))
	defer feed.Close()
	coord := s.Token("coordinator@cc.example")
	if r := s.API("POST", "/api/v1/intel/ingest?source=Center%20sensors", coord, apptest.TextBody("CVE-2026-99001\n")); r.Status != http.StatusOK {
		t.Fatalf("load a CVE ID: %d %s", r.Status, r.Body)
	}

	b := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(b, "coordinator@cc.example", "certhub-demo-2026")
	b.Go("/console/intel")
	b.Expect("#kpis", "observables", "ipv4")
	b.Expect("#sources", "Examplia CSIRT feed", "Center sensors", "Examplia CSIRT STIX")
	b.Expect("#runs", "Center sensors")
	b.Shot("60-intel-overview")

	b.Go("/console/intel/sources/new")
	b.Fill("#f-name", "Examplia CSIRT feed")
	b.Select("#f-kind", "url")
	b.Fill("#f-url", feed.URL+"/blocklist.txt")
	b.Select("#f-tlp", "GREEN")
	b.Fill("#f-interval", "30")
	// Not enabled: an enabled source is due at once, and the scheduler's
	// pull would race the one this test starts by hand.
	b.Click("#settings input[name=enabled]")
	b.Click("#settings button[type=submit]")
	b.Expect(".problem", "another source has this name")
	if b.Value("#f-url") != feed.URL+"/blocklist.txt" || b.Count("#settings input[name=enabled]:checked") != 0 {
		t.Fatal("the typed URL or the unticked box was lost")
	}
	b.Fill("#f-name", "Partner blocklist")
	b.Click("#settings button[type=submit]")
	b.Expect("h1", "Partner blocklist")
	b.Click("#pull-now")
	if !strings.HasPrefix(b.Path(), "/console/intel/runs/") {
		t.Fatalf("pull now went to %s", b.Path())
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(b.Text("#status"), "OK") {
		if time.Now().After(deadline) {
			t.Fatalf("the run did not end: %s", b.Text("main"))
		}
		time.Sleep(300 * time.Millisecond)
		b.Go(b.Path())
	}
	b.Expect("#counts", "3\nnew", "1\nrejected")
	b.Expect("#rejections", "5", "a domain needs at least two labels")
	b.Shot("61-intel-run")

	b.Go("/console/intel")
	b.Fill("input[name=value]", "198[.]51[.]100[.]10")
	b.Click("form[role=search] button")
	b.Expect("h1", "198.51.100.10")
	b.Expect("#constituents", "First Example Bank")
	b.Expect("#sightings", "Examplia CSIRT feed", "Examplia CSIRT MISP", "TLP:GREEN")
	b.Expect("#events", "Banking trojan campaign, November 2026", "evil-updates.example", "9f86d081884c7d65")
	b.Shot("62-intel-observable")

	b.Go("/console/intel/observables?value=CVE-2026-99001")
	b.Expect("#related", "Case CC-2026-0001", "NetForge Gate 7")

	// Warninglists: load a partner's list from a file, check values.
	listFile := filepath.Join(t.TempDir(), "partner-cdn.json")
	if err := os.WriteFile(listFile, []byte(`{"name": "Partner CDN", "version": 2, "type": "cidr",
		"description": "The partner's CDN edges", "list": ["192.0.2.128/25", "2001:db8:cd::/48"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	b.Go("/console/intel")
	b.Click("a[href='/console/intel/warninglists']")
	b.Expect("#lists", "private and special-purpose networks", "public DNS resolvers", "the largest sites")
	b.Upload("#w-file", listFile)
	b.Click("#load button[type=submit]")
	b.Expect("h1", "Partner CDN")
	b.Expect("#status", "on", "2 values", "version 2")
	b.Expect("#values", "192.0.2.128/25", "2001:db8:cd::/48")
	b.Go("/console/intel/warninglists")
	b.Fill("#c-values", "192.0.2[.]200, 8.8.8.8, evil.example")
	b.Click("#check button[type=submit]")
	b.Expect("#check", "192.0.2.200", "Partner CDN", "public DNS resolvers", "no list: it would be stored")
	b.Click("#lists tr:nth-child(2) button[value=disable]")
	b.Expect(".flash", "Disabled public DNS resolvers")
	b.Shot("64-intel-warninglists")

	// The AS table: the demo's, replaced from a file; a lookup; the
	// observable the telecom's AS alone routed shows its origin.
	asnFile := filepath.Join(t.TempDir(), "rv2-20261201.pfx2as")
	if err := os.WriteFile(asnFile, []byte("203.0.113.0\t24\t64500\n198.51.100.0\t24\t64497\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b.Go("/console/intel")
	b.Click("a[href='/console/intel/asn']")
	b.Expect("#table", "demo-pfx2as.txt", "9")
	b.Upload("#a-file", asnFile)
	b.Click("#load button[type=submit]")
	b.Expect(".flash", "Loaded rv2-20261201.pfx2as")
	b.Expect("#table", "rv2-20261201.pfx2as", "2")
	b.Fill("#a-values", "203.0.113[.]230\n192.0.2.1")
	b.Click("#lookup button[type=submit]")
	b.Expect("#lookup", "AS64500", "203.0.113.0/24", "not announced in the table")
	b.Shot("65-intel-asn-table")
	b.Go("/console/intel/observables?value=203.0.113.230")
	b.Expect("#origin", "AS64500", "203.0.113.0/24")
	b.Expect("#constituents", "Karakoram Telecom")

	// The bank's CISO: what was routed to the bank, nothing of Crescent's.
	phone := browsertest.New(t, s.URL, 390, 844)
	apptest.SignIn(phone, "ciso@firstbank.example", "certhub-demo-2026")
	phone.Go("/console/intel")
	phone.Expect("#routed", "198.51.100.10")
	if strings.Contains(phone.Text("main"), "198.51.100.40") {
		t.Fatal("the bank sees Crescent's indicator")
	}
	if phone.Overflows() {
		t.Fatal("the overview overflows a phone's width")
	}
	phone.Shot("63-intel-constituent-phone")
	phone.Go("/console/intel/observables?value=198.51.100.40")
	phone.Expect(".empty", "Nothing routed")
	phone.Go("/console/intel/warninglists")
	phone.Expect("#lists", "Partner CDN")
	if phone.Count("#lists button") != 0 || phone.Count("#load") != 0 {
		t.Fatal("a constituent is offered to change the warninglists")
	}
	if phone.Overflows() {
		t.Fatal("the warninglists overflow a phone's width")
	}
	phone.Go("/console/intel/asn")
	phone.Expect("#table", "rv2-20261201.pfx2as")
	if phone.Count("#load") != 0 || phone.Count("#table button") != 0 {
		t.Fatal("a constituent is offered to change the AS table")
	}
	phone.Fill("#a-values", "203.0.113.230")
	phone.Click("#lookup button[type=submit]")
	phone.Expect("#lookup", "AS64500")
	if phone.Overflows() {
		t.Fatal("the AS table overflows a phone's width")
	}
	phone.Shot("66-intel-asn-phone")
	phone.Go("/console/intel/sources/new")
	phone.Expect("h1", "Forbidden")
}

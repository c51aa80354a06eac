package advisory_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/advisory"
	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/browsertest"
	"github.com/certhub/certhub/internal/platform/pgp"
)

// anonGet fetches a public URL without credentials.
func anonGet(t *testing.T, url string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// The publication journey in a real browser: a coordinator drafts an
// advisory from a case, completes it and sends it for review; a second
// coordinator approves it for a date; on that date the scheduler publishes
// it, and then the home page, the listing, the search, the feeds and the
// CSAF provider all show it — while the TLP:AMBER alert of the demo shows
// nowhere public, only to its recipients.
func TestBrowserAdvisoryJourney(t *testing.T) {
	clk := apptest.NewClock()
	s := apptest.Start(t, apptest.Options{Demo: true, Now: clk.Now})
	ctx := context.Background()
	var caseID string
	if err := s.DB.QueryRow(ctx, `SELECT id FROM vdp_cases WHERE title LIKE 'NetForge Gate 7%'`).Scan(&caseID); err != nil {
		t.Fatal(err)
	}

	b := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(b, "coordinator@cc.example", "certhub-demo-2026")
	b.Go("/console/cases/" + caseID)
	b.Click("#draft-advisory")
	b.Expect(".flash", "Advisory drafted from the case")
	b.Expect("#status", "Draft")
	b.Expect("#csaf-valid", "Valid")
	detail := b.Path()
	tracking := regexp.MustCompile(`CC-SA-\d{4}-\d{4}`).FindString(b.Text("h1"))
	if tracking == "" {
		t.Fatalf("no tracking ID in %q", b.Text("h1"))
	}
	b.Go(detail + "/edit")
	b.Shot("40-advisory-editor")
	title := "Authentication bypass in NetForge Gate 7 management API"
	if b.Value("#f-title") == "" {
		t.Fatal("the editor lost the title from the case")
	}
	b.Fill("#f-title", title)
	b.Fill("#f-action", "Update Gate 7 to **7.4.1**. Until then, block the management API from untrusted networks.")
	b.Fill("#f-refs", "https://netforge.example/psirt/ng-2026-11 NetForge bulletin")
	b.Click("form.stack button[type=submit]")
	b.Expect(".flash", "Saved")
	b.Click("#submit-review")
	b.Expect("#status", "In review")
	b.Expect("#workflow", "Waiting for a second person")
	if b.Count("#approve") != 0 {
		t.Fatal("the author is offered the approval")
	}

	// A second coordinator approves it for a date two days ahead.
	apptest.SignIn(b, "duty@cc.example", "certhub-demo-2026")
	b.Go(detail)
	b.Shot("41-advisory-review")
	offered := b.Value("#f-at")
	caseDate, err := time.Parse("2006-01-02T15:04", offered)
	if err != nil {
		t.Fatalf("the reviewer is not offered the case's publication date: %q", offered)
	}
	// Before the case's date the embargo forbids it.
	b.SetValue("#f-at", clk.Now().Add(48*time.Hour).UTC().Format("2006-01-02T15:04"))
	b.Click("#approve")
	b.Expect(".problem", "under embargo until")
	b.Expect("#status", "In review")
	b.SetValue("#f-at", offered)
	b.Click("#approve")
	b.Expect(".flash", "it will be published on "+caseDate.Format("2006-01-02 15:04"))
	b.Expect("#status", "Approved")

	// Until then, nothing public.
	for _, path := range []string{"/", "/advisories", "/feeds/all.atom", "/.well-known/csaf/white/index.txt", "/advisories?q=Gate"} {
		if _, _, body := anonGet(t, s.URL+path); strings.Contains(body, tracking) || strings.Contains(body, title) {
			t.Errorf("%s shows the advisory before its date", path)
		}
	}
	if status, _, _ := anonGet(t, s.URL+"/advisories/"+tracking); status != http.StatusNotFound {
		t.Errorf("the scheduled advisory's page answered %d", status)
	}

	// The demo's TLP:AMBER alert is for BankCERT: its members read it, TelcoCERT does not.
	// (Browser sessions expire by the server's clock, so this comes before the clock moves on.)
	amber := "Credential-stuffing wave"
	var amberID string
	if err := s.DB.QueryRow(ctx, `SELECT tracking_id FROM advisories WHERE tlp = 'AMBER' AND kind = 'alert'`).Scan(&amberID); err != nil {
		t.Fatal(err)
	}
	apptest.SignIn(b, "lead@bank-cert.example", "certhub-demo-2026")
	b.Go("/advisories/" + amberID)
	b.Expect("h1", amber)
	b.Expect(".tlp", "TLP:AMBER")
	b.Go("/advisories")
	b.Expect("#publications", amber)
	// The demo's TLP:RED alert names BankCERT's lead: the lead reads it,
	// the lead's own colleague at BankCERT does not.
	red := "Insider sale of a bank's VPN credentials"
	var redID string
	if err := s.DB.QueryRow(ctx, `SELECT tracking_id FROM advisories WHERE tlp = 'RED'`).Scan(&redID); err != nil {
		t.Fatal(err)
	}
	b.Go("/advisories/" + redID)
	b.Expect("h1", red)
	b.Expect(".tlp", "TLP:RED")
	b.Go("/advisories")
	b.Expect("#publications", red)
	apptest.SignIn(b, "analyst@bank-cert.example", "certhub-demo-2026")
	b.Go("/advisories")
	b.Expect("#publications", amber)
	if strings.Contains(b.Text("#publications"), red) {
		t.Error("BankCERT's analyst lists the TLP:RED alert named to its lead only")
	}
	b.Go("/advisories/" + redID)
	if strings.Contains(b.Text("main"), red) {
		t.Error("BankCERT's analyst opens the TLP:RED alert named to its lead only")
	}
	apptest.SignIn(b, "lead@telco-cert.example", "certhub-demo-2026")
	b.Go("/advisories")
	if strings.Contains(b.Text("#publications"), amber) {
		t.Error("TelcoCERT lists BankCERT's TLP:AMBER alert")
	}

	// The date comes; the scheduler publishes it.
	clk.Add(caseDate.Sub(clk.Now()) + time.Minute)
	if n, err := s.Advisory.PublishDue(ctx); err != nil || n != 1 {
		t.Fatalf("published %d: %v", n, err)
	}
	// The reporter and the vendor hear of it (the vendor's mail is
	// encrypted to its key: only the subject is readable here).
	if m := s.SMTP.WaitFor(t, "lina@research.example", "The advisory is published"); !strings.Contains(m.Body, tracking) {
		t.Errorf("the reporter's mail does not name the advisory:\n%s", m.Body)
	}
	s.SMTP.WaitFor(t, "security@netforge.example", "Advisory "+tracking+" published")

	// Anyone sees it: home, listing, search, the page, the feeds.
	anon := browsertest.New(t, s.URL, 1280, 900)
	anon.Go("/")
	anon.Expect("#latest", title)
	anon.Shot("42-home")
	anon.Go("/advisories")
	anon.Expect("#publications", title)
	anon.Shot("43-advisories")
	cve := ""
	anon.Go("/advisories/" + tracking)
	anon.Expect("h1", title)
	anon.Expect("#h-action + p", "Update Gate 7 to 7.4.1")
	anon.Expect("article", "Revision history", "NetForge bulletin")
	if m := regexp.MustCompile(`CVE-\d{4}-\d+`).FindString(anon.Text("article")); m != "" {
		cve = m
	}
	anon.Shot("44-advisory-page")
	anon.Go("/advisories?q=management+api")
	anon.Expect("#publications", title)
	if cve != "" {
		anon.Go("/advisories?cve=" + cve)
		anon.Expect("#publications", title)
	}
	anon.Go("/advisories?q=gate&severity=low")
	if anon.Count("#publications") != 0 && strings.Contains(anon.Text("#publications"), title) {
		t.Error("a severity filter that excludes it still finds it")
	}
	_, _, atom := anonGet(t, s.URL+"/feeds/all.atom")
	if !strings.Contains(atom, tracking) || !strings.Contains(atom, "<feed xmlns=\"http://www.w3.org/2005/Atom\">") {
		t.Errorf("the Atom feed lacks the advisory:\n%s", atom)
	}
	_, _, jsonFeed := anonGet(t, s.URL+"/feeds/advisory.json")
	if !strings.Contains(jsonFeed, tracking) {
		t.Error("the JSON feed lacks the advisory")
	}

	// The CSAF document is schema-valid, passes the mandatory tests, and
	// its signature verifies with the published key.
	csafURL := s.URL + "/.well-known/csaf/white/" + strconv.Itoa(clk.Now().UTC().Year()) + "/" + advisory.FileName(tracking)
	status, hdr, doc := anonGet(t, csafURL)
	if status != 200 {
		t.Fatalf("CSAF document: %d", status)
	}
	if p := advisory.ValidateCSAF([]byte(doc), advisory.FileName(tracking)); p != nil {
		t.Fatalf("the published document is not valid: %v", p)
	}
	_, _, sig := anonGet(t, csafURL+".asc")
	if err := pgp.VerifyDetached([]byte(doc), sig, s.CenterKey.Public); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := anonGet(t, csafURL, "If-None-Match", hdr.Get("ETag")); st != http.StatusNotModified {
		t.Errorf("a conditional request answered %d", st)
	}
	_, _, rolie := anonGet(t, s.URL+"/.well-known/csaf/white/csaf-feed-tlp-white.json")
	if !strings.Contains(rolie, tracking) {
		t.Error("the ROLIE feed lacks the advisory")
	}

	// The TLP:AMBER alert of the demo appears nowhere public; BankCERT's
	// constituents read it over the API, other constituents do not.
	for _, path := range []string{"/", "/advisories", "/advisories?q=credential", "/feeds/all.atom", "/feeds/alert.json",
		"/feeds/sector-banking.atom", "/.well-known/csaf/white/index.txt", "/.well-known/csaf/white/changes.csv",
		"/.well-known/csaf/white/csaf-feed-tlp-white.json"} {
		if _, _, body := anonGet(t, s.URL+path); strings.Contains(body, amber) || strings.Contains(body, amberID) ||
			strings.Contains(body, "PaySwitch") || strings.Contains(body, "payment switch") {
			t.Errorf("%s shows a TLP:AMBER publication to anyone", path)
		}
	}
	for _, path := range []string{"/advisories/" + amberID, "/api/v1/advisories/" + amberID} {
		if status, _, _ := anonGet(t, s.URL+path); status != http.StatusNotFound && status != http.StatusUnauthorized {
			t.Errorf("%s answered %d to anyone", path, status)
		}
	}
	if status, _, _ := anonGet(t, s.URL+"/.well-known/csaf/amber/csaf-feed-tlp-amber.json"); status != http.StatusUnauthorized {
		t.Errorf("the TLP:AMBER feed answered %d to anyone", status)
	}
	tok := s.Token("ciso@firstbank.example")
	r := s.API("GET", "/api/v1/advisories/"+amberID, tok, nil)
	if r.Status != 200 {
		t.Errorf("a constituent of BankCERT reading the alert: %d", r.Status)
	}
	tok = s.Token("noc@karakoram-telecom.example")
	if r := s.API("GET", "/api/v1/advisories/"+amberID, tok, nil); r.Status != http.StatusNotFound {
		t.Errorf("a telecom constituent reading BankCERT's alert: %d", r.Status)
	}
	r = s.API("GET", "/api/v1/advisories?q=stuffing", tok, nil)
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(r.Body, &list); err != nil || len(list.Items) != 0 {
		t.Errorf("a telecom constituent's search: %d %s", r.Status, r.Body)
	}

	// On a phone, the home page and an advisory read without sideways scrolling.
	phone := browsertest.New(t, s.URL, 390, 844)
	for i, path := range []string{"/", "/advisories", "/advisories/" + tracking} {
		phone.Go(path)
		phone.Shot("4" + strconv.Itoa(5+i) + "-phone")
		if phone.Overflows() {
			t.Errorf("%s is wider than a phone", path)
		}
	}
}

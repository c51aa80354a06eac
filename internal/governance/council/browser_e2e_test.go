package council_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/browsertest"
	"github.com/certhub/certhub/internal/demo"
	"github.com/certhub/certhub/internal/platform/db"
)

// In Chromium, with the server's clock in the test's hand, issue 18's
// done-when for the council: the secretary schedules a meeting and builds
// its agenda; the meeting is held, attendance and the draft minutes are
// recorded, a decision resting on the demo's incident is taken and an
// action given to TelcoCERT; the chair approves the minutes; TelcoCERT's
// lead marks the action done; the public summary reaches the website; a
// bank, not on the council, is told the meeting does not exist.
// On both engines.
func TestBrowserCouncil(t *testing.T) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) { browserCouncil(t, engine) })
	}
}

func browserCouncil(t *testing.T, engine db.Engine) {
	clk := apptest.NewClock()
	s := apptest.Start(t, apptest.Options{Demo: true, Engine: engine, Now: clk.Now})
	karachi, err := time.LoadLocation("Asia/Karachi")
	if err != nil {
		t.Fatal(err)
	}
	local := func(d time.Duration) string { return clk.Now().Add(d).In(karachi).Format("2006-01-02T15:04") }
	incidents := s.API("GET", "/api/v1/incidents?q=Volumetric", s.Token("coordinator@cc.example"), nil).JSON(t)["items"].([]any)
	ddos := incidents[0].(map[string]any)["number"].(string)

	sec := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(sec, "coordinator@cc.example", demo.Password)
	sec.Go("/console/council")
	sec.Expect("#overdue", "Publish a DDoS reporting template for operators")
	sec.Click(".actions a.button")
	sec.Fill("#f-title", "Extraordinary meeting on the DDoS wave")
	sec.SetValue("#f-starts_at", local(2*time.Hour))
	sec.SetValue("#f-ends_at", local(time.Hour))
	sec.Click("main form button[type=submit]")
	sec.Expect("main form .field-error", "after the start")
	sec.SetValue("#f-ends_at", local(4*time.Hour))
	sec.Click("main form button[type=submit]")
	sec.Expect(".flash", "the members are invited")
	meeting := sec.Path()
	sec.Click("#agenda details summary")
	sec.Fill("#f-item-title", "Filtering at the exchanges")
	sec.Fill("#f-presenter", "TelcoCERT")
	sec.Click("#agenda details form button[type=submit]")
	sec.Expect("#agenda", "Filtering at the exchanges")
	paper := filepath.Join(t.TempDir(), "exchange-filtering.txt")
	if err := os.WriteFile(paper, []byte("Filter UDP 53 reflection at the exchanges.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sec.Select("#f-paper-item", sec.Value("#f-paper-item option:nth-child(2)"))
	sec.Upload("#f-paper", paper)
	sec.Click("#paper-form button")
	sec.Expect(".flash", "Paper added")
	sec.Expect("#agenda", "exchange-filtering.txt")
	ics := s.Client()
	ics.Login("lead@bank-cert.example", demo.Password)
	if r := ics.Get(meeting + "/invite.ics"); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "SUMMARY:CERT Council: Extraordinary meeting on the DDoS wave") {
		t.Errorf("a member's invitation: %d %s", r.Status, r.Body)
	}

	// The meeting is held.
	clk.Add(5 * time.Hour)
	sec.Go(meeting)
	sec.Click("#edit summary")
	sec.Select("#f-status", "held")
	sec.Click("#edit button[type=submit]")
	sec.Expect("#status", "Held")
	sec.Select("#attendance select", "present")
	sec.Click("#attendance button[type=submit]")
	sec.Expect(".flash", "Attendance recorded")
	sec.Fill("#f-minutes", "1. Filtering at the exchanges: agreed; TelcoCERT coordinates.")
	sec.Click("#minutes-form button[type=submit]")
	sec.Expect("#minutes-status", "draft")
	sec.Click("#decisions details summary")
	sec.Fill("#f-decision-title", "Filter reflection traffic at the exchanges")
	sec.Fill("#f-text", "Operators filter reflection traffic at the exchanges during a declared DDoS wave.")
	sec.Fill("#f-votes_for", "5")
	sec.Fill("#f-links", "incident:INC-0000-9999")
	sec.Click("#decisions details form button[type=submit]")
	sec.Expect("#decisions .field-error", "no incident INC-0000-9999")
	sec.Fill("#f-links", "incident:"+ddos)
	sec.Click("#decisions details form button[type=submit]")
	sec.Expect("#decisions", "CD-", "Adopted", ddos)
	sec.Click("#actions details summary")
	sec.Fill("#f-action-title", "Circulate the filtering guidance to the operators")
	sec.Select("#f-owner", s.OrgID("Telecom Sector CERT"))
	sec.SetValue("#f-due", clk.Now().AddDate(0, 0, 7).Format("2006-01-02"))
	sec.Click("#actions details form button[type=submit]")
	sec.Expect("#actions", "Circulate the filtering guidance", "Open")
	if sec.Count("#approve-form") != 0 {
		t.Error("the secretary may approve the minutes")
	}

	chair := browsertest.New(t, s.URL, 390, 844)
	apptest.SignIn(chair, "analyst@ncert.example", demo.Password)
	chair.Go(meeting)
	chair.Click("#approve-form button")
	chair.Expect(".flash", "Minutes approved")
	chair.Expect("#minutes-status", "approved", "Ayesha Analyst")
	if chair.Overflows() {
		t.Error("the meeting page is wider than a phone")
	}
	chair.Shot("a4-council-meeting-phone")

	telco := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(telco, "lead@telco-cert.example", demo.Password)
	var action string
	for _, a := range s.API("GET", "/api/v1/council/actions", s.Token("lead@telco-cert.example"), nil).JSON(t)["items"].([]any) {
		if a := a.(map[string]any); strings.HasPrefix(a["title"].(string), "Circulate the filtering guidance") {
			action = a["id"].(string)
		}
	}
	telco.Go("/console/council/actions")
	telco.Expect("#actions", "Circulate the filtering guidance")
	telco.Click("#a-" + action + " form button")
	telco.Expect(".flash", "Action updated")
	sec.Go(meeting)
	sec.Expect("#actions", "Circulate the filtering guidance", "Done")
	sec.Fill("#f-public_summary", "The council agreed that operators filter reflection traffic at the exchanges during a DDoS wave.")
	sec.Click("#summary-form button[type=submit]")
	sec.Expect("#summary", "Published on the website")
	sec.Shot("a5-council-meeting")

	public := browsertest.New(t, s.URL, 390, 844)
	public.Go("/council")
	public.Expect("main", "Extraordinary meeting on the DDoS wave", "filter reflection traffic")
	if strings.Contains(public.Text("main"), "Filtering at the exchanges: agreed") {
		t.Error("the website shows the minutes")
	}

	bank := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(bank, "ciso@firstbank.example", demo.Password)
	bank.Go(meeting)
	bank.Expect("main", "no such meeting")
}

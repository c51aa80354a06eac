package training_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/browsertest"
	"github.com/certhub/certhub/internal/demo"
	"github.com/certhub/certhub/internal/platform/db"
)

// In Chromium, with the server's clock in the test's hand: the center
// schedules a session of one seat (a bad seat count is refused beside its
// field); a bank's staff member asks for it from a phone; the bank's
// administrator approves it from the training page; after the session the
// center records the attendance; the staff member finds the course
// completed, downloads the certificate and opens its public page, which
// verifies it; anyone can check the code, typed as people type it.
// On both engines.
func TestBrowserTraining(t *testing.T) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) { browserTraining(t, engine) })
	}
}

func browserTraining(t *testing.T, engine db.Engine) {
	clk := apptest.NewClock()
	s := apptest.Start(t, apptest.Options{Demo: true, Engine: engine, Now: clk.Now})
	karachi, err := time.LoadLocation("Asia/Karachi") // the demo users' zone
	if err != nil {
		t.Fatal(err)
	}
	local := func(d time.Duration) string { return clk.Now().Add(d).In(karachi).Format("2006-01-02T15:04") }
	course := ""
	for _, c := range s.API("GET", "/api/v1/courses", s.Token("coordinator@cc.example"), nil).JSON(t)["items"].([]any) {
		if c := c.(map[string]any); c["title"] == "Incident handling foundations" {
			course = c["id"].(string)
		}
	}

	center := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(center, "coordinator@cc.example", demo.Password)
	center.Go("/console/training")
	center.Click(".actions a.button")
	center.Select("#f-course_id", course)
	center.SetValue("#f-starts_at", local(48*time.Hour))
	center.SetValue("#f-ends_at", local(56*time.Hour))
	center.Fill("#f-seats", "a few")
	center.Fill("#f-place", "BankCERT, Karachi")
	center.Click("main form button[type=submit]")
	center.Expect("main form .field-error", "a whole number of seats")
	center.Fill("#f-seats", "1")
	center.Click("main form button[type=submit]")
	center.Expect(".flash", "Session scheduled")
	center.Expect("#seats", "0 taken of 1")
	session := center.Path()

	staff := browsertest.New(t, s.URL, 390, 844)
	apptest.SignIn(staff, "soc@firstbank.example", demo.Password)
	staff.Go(session)
	staff.Click("#enrol button[type=submit]")
	staff.Expect(".flash", "your organisation's administrators approve it")
	staff.Expect("#my-status", "Awaiting approval")
	if staff.Overflows() {
		t.Error("the session page is wider than a phone")
	}

	bank := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(bank, "ciso@firstbank.example", demo.Password)
	bank.Go("/console/training")
	bank.Expect("#approvals", "Sara First Bank SOC")
	bank.Click("#approvals a")
	bank.Click("#enrolments form.inline button") // Approve, the row's first
	bank.Expect(".flash", "Decided")
	bank.Expect("#enrolments", "Sara First Bank SOC", "Enrolled")
	bank.Expect("#seats", "1 taken of 1")

	// The session is held; the center records who came.
	clk.Add(60 * time.Hour)
	center.Go(session)
	center.Expect("#enrolments", "Sara First Bank SOC")
	center.Click("#enrolments form.inline button")
	center.Expect(".flash", "Result recorded")
	center.Expect("#enrolments", "Completed", "attended")
	center.Shot("a1-training-session")

	staff.Go(session)
	staff.Expect("#my-status", "Completed")
	staff.Expect("#enrol", "Download the certificate")
	staff.Click("#enrol a[href$='certificate.pdf'] + a")
	staff.Expect("#verdict", "Valid")
	staff.Expect("#holder", "Sara First Bank SOC")
	staff.Expect("#course", "Incident handling foundations")
	if staff.Overflows() {
		t.Error("the certificate page is wider than a phone")
	}
	staff.Shot("a2-certificate-phone")
	code := strings.TrimPrefix(staff.Path(), "/certificates/")
	pdf := s.Client().Get("/certificates/" + code + "/certificate.pdf")
	if pdf.Status != http.StatusOK || !bytes.HasPrefix(pdf.Body, []byte("%PDF-")) {
		t.Fatalf("the certificate's PDF: %d", pdf.Status)
	}

	// Anyone checks a code, typed in lower case without dashes.
	public := browsertest.New(t, s.URL, 390, 844)
	public.Go("/certificates")
	public.Fill("#f-code", "not a code")
	public.Click("main form button[type=submit]")
	public.Expect("main form .field-error", "16 letters and digits")
	public.Fill("#f-code", strings.ToLower(strings.ReplaceAll(code, "-", "")))
	public.Click("main form button[type=submit]")
	public.Expect("#verdict", "Valid")
	public.Expect("#holder", "Sara First Bank SOC")
	if got := public.Text("main"); strings.Contains(got, "First Example Bank") || strings.Contains(got, "soc@firstbank.example") {
		t.Errorf("the public page says more than the certificate prints: %s", got)
	}
}

// In Chromium: the center gives First Example Bank a follow-up action on
// the demo's ransomware tabletop (a missing owner is refused beside its
// field); the bank's administrator records a lesson and marks the action
// done; the telecom operator is told there is no such exercise.
func TestBrowserExercise(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	center := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(center, "coordinator@cc.example", demo.Password)
	center.Go("/console/training/exercises")
	center.Click("#exercises tbody tr:last-child a") // the tabletop, held before the DDoS exercise to come
	page := center.Path()
	center.Expect("#injects", "The SOC calls at 23:10", "A second bank")
	center.Click("#actions details summary")
	center.Fill("#f-action-title", "Run the call tree drill with BankCERT")
	center.Click("#actions details form button[type=submit]")
	center.Expect("#actions .field-error", "the organisation that owns it")
	center.Select("#f-owner", s.OrgID("First Example Bank"))
	center.Click("#actions details form button[type=submit]")
	center.Expect(".flash", "Action added")
	center.Expect("#actions", "Run the call tree drill with BankCERT", "overdue")
	center.Shot("a3-exercise")

	bank := browsertest.New(t, s.URL, 390, 844)
	apptest.SignIn(bank, "ciso@firstbank.example", demo.Password)
	bank.Go(page)
	bank.Fill("#f-note-body", "The call tree reached only half the managers at night.")
	bank.Click("#note-form button[type=submit]")
	bank.Expect(".flash", "Recorded")
	bank.Expect("#notes", "half the managers")
	// The new action has no date: it is listed last, with the bank's Done button.
	bank.Expect("#actions tbody tr:last-child", "Run the call tree drill", "Open")
	bank.Click("#actions tbody tr:last-child form button")
	bank.Expect(".flash", "Action updated")
	bank.Expect("#actions tbody tr:last-child", "Done", "Reopen")
	if bank.Count("#actions button") != 2 {
		t.Error("the bank may move actions that are not its own") // its two: the demo's, done, and this one
	}
	if bank.Overflows() {
		t.Error("the exercise page is wider than a phone")
	}
	telco := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(telco, "noc@karakoram-telecom.example", demo.Password)
	telco.Go(page)
	telco.Expect("main", "no such exercise")
}

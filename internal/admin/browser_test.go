package admin_test

import (
	"testing"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/browsertest"
)

// The oversight pages of the console in a real browser: the audit log with
// its verification, the job queue.
func TestBrowserConsolePages(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	b := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(b, "admin@localhost", apptest.AdminPassword)

	b.Go("/console/audit?verify=1")
	b.Expect("#verify-ok", "The chain is intact")
	if b.Count("#audit tbody tr") < 50 {
		t.Fatal("audit log shows too few rows")
	}
	b.Shot("09-audit")

	b.Go("/console/jobs?state=completed")
	b.Shot("10-jobs")
	if got := b.Text("h1"); got != "Jobs" {
		t.Fatalf("jobs page: %q", got)
	}
}

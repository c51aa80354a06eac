package reports

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/seal"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/outbound"
)

// noOrgs is a directory without organisations: reports stay with the
// center's staff, unrouted.
type noOrgs struct{}

func (noOrgs) Get(context.Context, *auth.Identity, string) (directory.Org, error) {
	return directory.Org{}, errs.NotFound("no such organisation")
}

func (noOrgs) GetMany(context.Context, *auth.Identity, []string) ([]directory.Org, error) {
	return nil, nil
}

func (noOrgs) All(context.Context, *auth.Identity, directory.Filter) ([]directory.Summary, error) {
	return nil, nil
}

// newService is the intake alone on d, its files under dir; mail is
// queued, not sent.
func newService(t testing.TB, d *db.DB) (s *Service, dir string) {
	t.Helper()
	q, err := jobs.New(d, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := seal.Parse(strings.Repeat("7e", 32))
	dir = t.TempDir()
	return New(Options{DB: d, Orgs: noOrgs{}, Mail: outbound.New(notify.NewOutbox(q, key), nil, noOrgs{}, "CERT CC", ""),
		Files: files.NewStore(d, dir), Now: time.Now, BaseURL: "https://hub.example"}), dir
}

func goodReport() ReportInput {
	return ReportInput{Title: "SQL injection in the portal login", Description: "The username field is concatenated into SQL.",
		Vendor: "Examplesoft", Product: "NetBank Portal", Reporter: &model.Reporter{Name: "Ada", Email: "ada@researcher.example"}}
}

// TestReportAccess: who sees and who triages a report.
func TestReportAccess(t *testing.T) {
	t.Parallel()
	cert, bank := "cert", "bank"
	r := &model.Report{AssignedOrgID: &cert, SubmitterOrgID: &bank}
	member := func(org string, role auth.Role) *auth.Identity {
		return &auth.Identity{User: auth.User{ID: "u"}, Memberships: []auth.Membership{{OrgID: org, Role: role}}}
	}
	staff := &auth.Identity{User: auth.User{ID: "s", PlatformRole: auth.PlatformCoordinator}}
	for _, tt := range []struct {
		who         string
		id          *auth.Identity
		see, triage bool
	}{
		{"staff", staff, true, true},
		{"the system", auth.System("t"), true, true},
		{"the CERT's analyst", member(cert, auth.RoleAnalyst), true, true},
		{"the CERT's viewer", member(cert, auth.RoleViewer), true, false},
		{"the submitter's member", member(bank, auth.RoleMember), true, false},
		{"the submitter's admin", member(bank, auth.RoleAdmin), true, false},
		{"another organisation's admin", member("other", auth.RoleAdmin), false, false},
		{"anonymous", nil, false, false},
	} {
		see, triage := reportAccess(tt.id, r)
		if see != tt.see || triage != tt.triage {
			t.Errorf("%s: sees %v, triages %v; want %v, %v", tt.who, see, triage, tt.see, tt.triage)
		}
	}
	if see, _ := reportAccess(member(cert, auth.RoleAdmin), &model.Report{}); see {
		t.Error("an unassigned report was seen by a CERT")
	}
}

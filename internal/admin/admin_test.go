package admin

import (
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Staff read the audit log and the job queue; only platform administrators
// (with an admin-scoped credential) act on jobs.
func TestWhoReadsAndWhoActs(t *testing.T) {
	t.Parallel()
	person := func(role auth.PlatformRole, scopes ...auth.Scope) *auth.Identity {
		return &auth.Identity{User: auth.User{PlatformRole: role}, Scopes: scopes}
	}
	tests := []struct {
		name        string
		id          *auth.Identity
		read, admin errs.Kind // KindInternal: allowed
	}{
		{"nobody", nil, errs.KindUnauthenticated, errs.KindUnauthenticated},
		{"a constituent", person(auth.PlatformNone), errs.KindForbidden, errs.KindForbidden},
		{"a coordinator", person(auth.PlatformCoordinator), errs.KindInternal, errs.KindForbidden},
		{"an admin in a browser", person(auth.PlatformAdmin), errs.KindInternal, errs.KindInternal},
		{"an admin's read-write token", person(auth.PlatformAdmin, auth.ScopeRead, auth.ScopeWrite), errs.KindInternal, errs.KindForbidden},
		{"an admin's admin token", person(auth.PlatformAdmin, auth.ScopeRead, auth.ScopeAdmin), errs.KindInternal, errs.KindInternal},
		{"the system", auth.System("test"), errs.KindInternal, errs.KindInternal},
	}
	kind := func(err error) errs.Kind {
		if err == nil {
			return errs.KindInternal
		}
		if errs.As(err) == nil {
			t.Fatalf("unclassified refusal %v", err)
		}
		return errs.KindOf(err)
	}
	for _, tt := range tests {
		if got := kind(mustStaff(tt.id)); got != tt.read {
			t.Errorf("%s reading: %v, want %v", tt.name, got, tt.read)
		}
		if got := kind(mustAdmin(tt.id)); got != tt.admin {
			t.Errorf("%s acting on jobs: %v, want %v", tt.name, got, tt.admin)
		}
	}
}

func TestAuditFilterReadsTheQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query string
		want  audit.Filter
	}{
		{"", audit.Filter{Limit: 100}},
		{"actor_id=u1&action=org.&object_type=org&object_id=o1&org_id=o2&limit=500",
			audit.Filter{ActorID: "u1", Action: "org.", ObjectType: "org", ObjectID: "o1", OrgID: "o2", Limit: 500}},
		{"before=42", audit.Filter{Before: 42, Limit: 100}},
		// The cursor of an API page wins over the page's own before.
		{"before=42&cursor=7&limit=1", audit.Filter{Before: 7, Limit: 1}},
	}
	for _, tt := range tests {
		got, err := auditFilter(httptest.NewRequest("GET", "/api/v1/audit?"+tt.query, nil))
		if err != nil {
			t.Errorf("%q: %v", tt.query, err)
			continue
		}
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("%q (-want +got):\n%s", tt.query, d)
		}
	}
	for query, field := range map[string]string{"cursor=abc": "cursor", "before=0": "cursor", "limit=0": "limit", "limit=501": "limit", "limit=x": "limit"} {
		_, err := auditFilter(httptest.NewRequest("GET", "/api/v1/audit?"+query, nil))
		e := errs.As(err)
		if e == nil || e.Kind != errs.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != field {
			t.Errorf("%q: %v, want an invalid %s", query, err, field)
		}
	}
}

func TestJobIDIsANumberOrNotFound(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", "/api/v1/jobs/17", nil)
	r.SetPathValue("id", "17")
	if n, err := jobID(r); err != nil || n != 17 {
		t.Errorf("jobID(17) = %d, %v", n, err)
	}
	r.SetPathValue("id", "seventeen")
	if _, err := jobID(r); errs.KindOf(err) != errs.KindNotFound {
		t.Errorf("jobID(seventeen) = %v, want not found", err)
	}
}

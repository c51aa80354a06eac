package auth_test

import (
	"testing"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
)

func TestOrgScope(t *testing.T) {
	if _, ok := auth.ScopeOf(nil); ok {
		t.Error("a scope without an identity")
	}
	member := &auth.Identity{User: auth.User{ID: "u"}, Memberships: []auth.Membership{{UserID: "u", OrgID: "cert", Role: auth.RoleAnalyst}}}
	s, _ := auth.ScopeOf(member)
	if !s.Reads("bank", "cert") || !s.Reads("cert", "") || s.Reads("shop", "othercert") || !s.In("cert", auth.RoleMember) || s.In("cert", auth.RoleAdmin) {
		t.Errorf("a CERT analyst's scope: %+v", s)
	}
	var args db.Args
	if w := s.Where(&args, "f"); w != "(f.org_id IN ($1) OR f.cert_org_id IN ($2))" || len(args) != 2 {
		t.Errorf("where %q %v", w, args)
	}
	staff, _ := auth.ScopeOf(&auth.Identity{User: auth.User{ID: "s", PlatformRole: auth.PlatformCoordinator}})
	if !staff.Reads("shop", "othercert") || staff.Where(&args, "f") != "1 = 1" {
		t.Error("staff reach everything")
	}
	nobody, _ := auth.ScopeOf(&auth.Identity{User: auth.User{ID: "n"}})
	if nobody.Reads("bank", "cert") || nobody.Where(&args, "f") != "1 = 0" {
		t.Error("an identity of no organisation reaches something")
	}
}

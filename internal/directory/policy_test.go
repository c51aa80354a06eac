package directory

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/seal"
)

// world is a small directory with users in different places of it.
type world struct {
	svc   *Service
	users *auth.Service
	org   map[string]string         // short name → ID
	id    map[string]*auth.Identity // user name → identity
}

func newService(t testing.TB, d *db.DB) (*Service, *auth.Service) {
	t.Helper()
	q, err := jobs.New(d, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := seal.Parse(strings.Repeat("ab", 32))
	now := func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }
	users := auth.NewService(auth.Options{DB: d, Outbox: notify.NewOutbox(q, key), Key: key, Now: now, BaseURL: "http://hub.test"})
	return NewService(d, users, nil, now, nil), users
}

func ptr[T any](v T) *T { return &v }

func buildWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	ctx := context.Background()
	svc, users := newService(t, d)
	w := &world{svc: svc, users: users, org: map[string]string{}, id: map[string]*auth.Identity{}}
	sys := auth.System("test")
	mk := func(short string, kind Kind, parent string) {
		in := OrgInput{Name: ptr(short + " organisation"), ShortName: ptr(short), Kind: ptr(kind)}
		if parent != "" {
			in.ParentID = ptr(w.org[parent])
		}
		o, err := svc.Create(ctx, sys, in)
		if err != nil {
			t.Fatalf("create %s: %v", short, err)
		}
		w.org[short] = o.ID
	}
	mk("CC", KindCoordinationCenter, "")
	mk("NAT", KindNationalCERT, "CC")
	mk("BANKCERT", KindSectoralCERT, "NAT")
	mk("BANK1", KindConstituent, "BANKCERT")
	mk("TELCOCERT", KindSectoralCERT, "NAT")
	mk("TELCO1", KindConstituent, "TELCOCERT")
	mk("VENDOR", KindVendor, "")
	mk("LAB", KindLab, "")
	mk("MIN", KindMinistry, "")

	user := func(name string, pr auth.PlatformRole, memberships ...string) {
		u, err := users.CreateUser(ctx, auth.NewUser{Email: name + "@test.example", Name: name, PlatformRole: pr})
		if err != nil {
			t.Fatal(err)
		}
		err = d.Write(ctx, func(tx *db.Tx) error {
			for i := 0; i < len(memberships); i += 2 {
				if _, err := auth.PutMembership(ctx, tx, u.ID, w.org[memberships[i]], auth.Role(memberships[i+1]), time.Now()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		id, err := users.Identity(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		w.id[name] = id
	}
	user("admin", auth.PlatformAdmin)
	user("coord", auth.PlatformCoordinator)
	user("bankcert_admin", "", "BANKCERT", "admin")
	user("bankcert_analyst", "", "BANKCERT", "analyst")
	user("bank1_admin", "", "BANK1", "admin")
	user("bank1_viewer", "", "BANK1", "viewer")
	user("telco1_member", "", "TELCO1", "member")
	user("vendor_admin", "", "VENDOR", "admin")
	user("nobody", "")
	ro := *w.id["admin"]
	ro.Scopes = []auth.Scope{auth.ScopeRead}
	w.id["admin_readonly_token"] = &ro
	return w
}

// The access rule as a matrix: for each user and organisation, the actions
// allowed (v view, e edit, s structure, m members, c create child, d delete).
// Everything not listed is denied.
var matrix = map[string]map[string]string{
	"admin": {"CC": "vesmcd", "NAT": "vesmcd", "BANKCERT": "vesmcd", "BANK1": "vesmcd", "TELCOCERT": "vesmcd",
		"TELCO1": "vesmcd", "VENDOR": "vesmd", "LAB": "vesmd", "MIN": "vesmcd"},
	"admin_readonly_token": {"CC": "vesmc", "NAT": "vesmc", "BANKCERT": "vesmc", "BANK1": "vesmc", "TELCOCERT": "vesmc",
		"TELCO1": "vesmc", "VENDOR": "vesm", "LAB": "vesm", "MIN": "vesmc"},
	"coord": {"CC": "vesmc", "NAT": "vesmc", "BANKCERT": "vesmc", "BANK1": "vesmc", "TELCOCERT": "vesmc",
		"TELCO1": "vesmc", "VENDOR": "vesm", "LAB": "vesm", "MIN": "vesmc"},
	"bankcert_admin": {"CC": "v", "NAT": "v", "BANKCERT": "vemc", "BANK1": "vem", "TELCOCERT": "v",
		"VENDOR": "v", "LAB": "v", "MIN": "v"},
	"bankcert_analyst": {"CC": "v", "NAT": "v", "BANKCERT": "v", "BANK1": "v", "TELCOCERT": "v",
		"VENDOR": "v", "LAB": "v", "MIN": "v"},
	"bank1_admin":   {"CC": "v", "NAT": "v", "BANKCERT": "v", "BANK1": "vem", "TELCOCERT": "v", "MIN": "v"},
	"bank1_viewer":  {"CC": "v", "NAT": "v", "BANKCERT": "v", "BANK1": "v", "TELCOCERT": "v", "MIN": "v"},
	"telco1_member": {"CC": "v", "NAT": "v", "BANKCERT": "v", "TELCOCERT": "v", "TELCO1": "v", "MIN": "v"},
	"vendor_admin":  {"CC": "v", "NAT": "v", "BANKCERT": "v", "TELCOCERT": "v", "VENDOR": "vem", "MIN": "v"},
	"nobody":        {"CC": "v", "NAT": "v", "BANKCERT": "v", "TELCOCERT": "v", "MIN": "v"},
}

var letters = map[Action]byte{ActionView: 'v', ActionEdit: 'e', ActionStructure: 's', ActionMembers: 'm', ActionCreateChild: 'c', ActionDelete: 'd'}

func TestAccessMatrix(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := buildWorld(t, d)
		ctx := context.Background()
		for user, row := range matrix {
			id := w.id[user]
			for org, orgID := range w.org {
				perms, err := w.svc.Permissions(ctx, id, orgID)
				want := row[org]
				if want == "" {
					if err == nil {
						t.Errorf("%s sees %s, must not (not even its existence)", user, org)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s on %s: %v", user, org, err)
					continue
				}
				for _, a := range Actions {
					if got, exp := perms[a], strings.IndexByte(want, letters[a]) >= 0; got != exp {
						t.Errorf("%s × %s × %s = %v, want %v", user, a, org, got, exp)
					}
				}
			}
			// The SQL used for lists must agree with the rule.
			all, err := w.svc.All(ctx, id, Filter{})
			if err != nil {
				t.Fatal(err)
			}
			var got, exp []string
			for _, s := range all {
				got = append(got, s.ShortName)
			}
			for org := range row {
				exp = append(exp, org)
			}
			sort.Strings(got)
			sort.Strings(exp)
			if !slices.Equal(got, exp) {
				t.Errorf("%s lists %v, the rule allows %v", user, got, exp)
			}
		}
	})
}

func TestAnonymousSeesNothing(t *testing.T) {
	for _, a := range Actions {
		if Allowed(Viewer{}, a, Subject{ID: "x", Kind: KindNationalCERT}) {
			t.Errorf("anonymous allowed to %s", a)
		}
	}
	if MayCreate(Viewer{}, KindConstituent, &Subject{ID: "x", Kind: KindSectoralCERT}) {
		t.Error("anonymous may create")
	}
}

func TestWhoMayCreateWhat(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := buildWorld(t, d)
		ctx := context.Background()
		tests := []struct {
			user   string
			kind   Kind
			parent string
			ok     bool
		}{
			{"coord", KindSectoralCERT, "NAT", true},
			{"coord", KindVendor, "", true},
			{"bankcert_admin", KindConstituent, "BANKCERT", true},
			{"bankcert_admin", KindSectoralCERT, "BANKCERT", false},
			{"bankcert_admin", KindConstituent, "TELCOCERT", false},
			{"bankcert_admin", KindConstituent, "", false},
			{"bankcert_analyst", KindConstituent, "BANKCERT", false},
			{"bank1_admin", KindConstituent, "BANK1", false},
			{"nobody", KindVendor, "", false},
		}
		for i, tt := range tests {
			in := OrgInput{Name: ptr("New org " + string(rune('A'+i))), Kind: ptr(tt.kind)}
			if tt.parent != "" {
				in.ParentID = ptr(w.org[tt.parent])
			}
			_, err := w.svc.Create(ctx, w.id[tt.user], in)
			if (err == nil) != tt.ok {
				t.Errorf("%s creates %s under %q: err=%v, want ok=%v", tt.user, tt.kind, tt.parent, err, tt.ok)
			}
		}
	})
}

package account_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/certhub/certhub/internal/account"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/seal"
)

// namer names the organisations a viewer may see, as the directory does:
// the others it leaves out.
type namer map[string]string

func (n namer) Names(_ context.Context, _ *auth.Identity, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for _, id := range ids {
		if name, ok := n[id]; ok {
			out[id] = name
		}
	}
	return out, nil
}

// people are the accounts of the rule's test, by role, with their
// identities as a browser session has them.
type people struct {
	users                    *auth.Service
	admin, coord, alice, bob *auth.Identity
}

func setUp(t *testing.T, d *db.DB) people {
	t.Helper()
	ctx := context.Background()
	q, err := jobs.New(d, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	key, err := seal.Parse(strings.Repeat("42", 32))
	if err != nil {
		t.Fatal(err)
	}
	users := auth.NewService(auth.Options{DB: d, Outbox: notify.NewOutbox(q, key), Key: key, BaseURL: "https://hub.example"})
	identity := func(email string, role auth.PlatformRole) *auth.Identity {
		u, err := users.CreateUser(ctx, auth.NewUser{Email: email, Name: strings.Split(email, "@")[0], PlatformRole: role})
		if err != nil {
			t.Fatal(err)
		}
		id, err := users.Identity(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	p := people{users: users, admin: identity("admin@cc.example", auth.PlatformAdmin), coord: identity("coordinator@cc.example", auth.PlatformCoordinator),
		alice: identity("alice@bank.example", auth.PlatformNone), bob: identity("bob@telco.example", auth.PlatformNone)}
	if err := d.Write(ctx, func(tx *db.Tx) error {
		for _, org := range []string{"org-bank", "org-hidden"} {
			if _, err := auth.PutMembership(ctx, tx, p.alice.User.ID, org, auth.Role("analyst"), time.Now().UTC()); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return p
}

// kind is the kind of a refusal, "" when there was none.
func kind(err error) string {
	if err == nil {
		return ""
	}
	return errs.KindOf(err).String()
}

// The rule for accounts (service.go): everyone their own, staff see all,
// only platform administrators manage others — and a refusal to see
// another's account does not say it exists.
func TestWhoSeesAndChangesWhichAccount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		p := setUp(t, d)
		svc := account.NewService(p.users, namer{"org-bank": "First Example Bank"})
		name := func(s string) *string { return &s }
		yes := true
		admin := auth.PlatformAdmin

		got := map[string]string{}
		for label, call := range map[string]func() error{
			"alice reads her own":           func() error { _, err := svc.Get(ctx, p.alice, p.alice.User.ID); return err },
			"the coordinator reads alice's": func() error { _, err := svc.Get(ctx, p.coord, p.alice.User.ID); return err },
			"bob reads alice's":             func() error { _, err := svc.Get(ctx, p.bob, p.alice.User.ID); return err },
			"nobody reads alice's":          func() error { _, err := svc.Get(ctx, nil, p.alice.User.ID); return err },
			"bob lists users":               func() error { _, _, err := svc.List(ctx, p.bob, auth.UserFilter{}); return err },
			"the coordinator lists users":   func() error { _, _, err := svc.List(ctx, p.coord, auth.UserFilter{}); return err },
			"alice renames herself": func() error {
				_, err := svc.Update(ctx, p.alice, p.alice.User.ID, auth.UserChanges{Name: name("Alice A.")})
				return err
			},
			"alice makes herself admin": func() error {
				_, err := svc.Update(ctx, p.alice, p.alice.User.ID, auth.UserChanges{PlatformRole: &admin})
				return err
			},
			"alice renames bob": func() error {
				_, err := svc.Update(ctx, p.alice, p.bob.User.ID, auth.UserChanges{Name: name("B")})
				return err
			},
			"the coordinator renames bob": func() error {
				_, err := svc.Update(ctx, p.coord, p.bob.User.ID, auth.UserChanges{Name: name("B")})
				return err
			},
			"the admin disables herself": func() error {
				_, err := svc.Update(ctx, p.admin, p.admin.User.ID, auth.UserChanges{Disabled: &yes})
				return err
			},
			"the coordinator creates a user": func() error {
				_, err := svc.Create(ctx, p.coord, auth.NewUser{Email: "x@cc.example", Name: "X"})
				return err
			},
			"the coordinator unlocks alice":    func() error { return svc.Unlock(ctx, p.coord, p.alice.User.ID) },
			"bob resets alice's second factor": func() error { return svc.ResetTOTP(ctx, p.bob, p.alice.User.ID) },
			"nobody invites alice":             func() error { return svc.Invite(ctx, nil, p.alice.User.ID) },
			"the admin unlocks alice":          func() error { return svc.Unlock(ctx, p.admin, p.alice.User.ID) },
		} {
			got[label] = kind(call())
		}
		want := map[string]string{
			"alice reads her own": "", "the coordinator reads alice's": "", "bob reads alice's": "not found", "nobody reads alice's": "not found",
			"bob lists users": "forbidden", "the coordinator lists users": "",
			"alice renames herself": "", "alice makes herself admin": "forbidden", "alice renames bob": "not found",
			"the coordinator renames bob": "forbidden", "the admin disables herself": "conflict",
			"the coordinator creates a user": "forbidden", "the coordinator unlocks alice": "forbidden",
			"bob resets alice's second factor": "forbidden", "nobody invites alice": "unauthenticated", "the admin unlocks alice": "",
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("refusals (-want +got):\n%s", d)
		}

		// What was allowed happened; what was refused did not.
		alice, err := svc.Get(ctx, p.admin, p.alice.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		if alice.Name != "Alice A." || alice.PlatformRole != auth.PlatformNone {
			t.Errorf("alice is %q with role %q", alice.Name, alice.PlatformRole)
		}
		if bob, _ := svc.Get(ctx, p.admin, p.bob.User.ID); bob.Name != "bob" {
			t.Errorf("bob was renamed to %q", bob.Name)
		}
		if me, _ := svc.Get(ctx, p.admin, p.admin.User.ID); me.Disabled {
			t.Error("the admin disabled her own account")
		}
		if d, err := svc.Update(ctx, p.admin, p.bob.User.ID, auth.UserChanges{Disabled: &yes}); err != nil || !d.Disabled {
			t.Errorf("the admin disabling bob: %v", err)
		}
	})
}

// A user's memberships come named, and an organisation the viewer may
// not see is not named.
func TestAccountMembershipsAreNamedForTheViewer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		p := setUp(t, d)
		svc := account.NewService(p.users, namer{"org-bank": "First Example Bank"})
		got, err := svc.Get(context.Background(), p.alice, p.alice.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]string{}
		for _, m := range got.Memberships {
			names[m.OrgID] = m.OrgName + " (" + string(m.Role) + ")"
		}
		want := map[string]string{"org-bank": "First Example Bank (analyst)", "org-hidden": "an organisation you cannot see (analyst)"}
		if d := cmp.Diff(want, names); d != "" {
			t.Errorf("memberships (-want +got):\n%s", d)
		}
	})
}

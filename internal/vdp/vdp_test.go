package vdp

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/pgp"
	"github.com/certhub/certhub/internal/platform/seal"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/reports"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// world is a small directory with a disclosure program over it.
type world struct {
	t     testing.TB
	d     *db.DB
	svc   *Service
	dir   *directory.Service
	users *auth.Service
	q     *jobs.Queue
	key   *seal.Key
	clk   *clock
	org   map[string]string
	id    map[string]*auth.Identity
}

func newWorld(t testing.TB, d *db.DB) *world {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	q, err := jobs.New(d, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := seal.Parse(strings.Repeat("7e", 32))
	outbox := notify.NewOutbox(q, key)
	users := auth.NewService(auth.Options{DB: d, Outbox: outbox, Key: key, Now: clk.Now, BaseURL: "https://hub.example"})
	dir := directory.NewService(d, users, nil, clk.Now, nil)
	center, err := pgp.LoadOrCreateCenterKey(ctx, d, key, "CC", "cc@cc.example", clk.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	svc := NewService(Options{DB: d, Orgs: dir, People: users, Outbox: outbox, CenterKey: center, Now: clk.Now, BaseURL: "https://hub.example", CenterName: "CERT CC",
		Files: files.NewStore(d, t.TempDir())})
	w := &world{t: t, d: d, svc: svc, dir: dir, users: users, q: q, key: key, clk: clk, org: map[string]string{}, id: map[string]*auth.Identity{}}
	sys := auth.System("test")
	vendorPub, _, _ := pgp.GenerateKey("Examplesoft PSIRT", "psirt@examplesoft.example", 0, clk.Now().Add(-time.Hour))
	mk := func(key, name string, kind directory.Kind, parent string, extra func(*directory.OrgInput)) {
		in := directory.OrgInput{Name: ptr(name), Kind: ptr(kind),
			Contacts: &[]directory.Contact{{Role: "security", Email: "security@" + key + ".example"}}}
		if parent != "" {
			in.ParentID = ptr(w.org[parent])
		}
		if extra != nil {
			extra(&in)
		}
		o, err := dir.Create(ctx, sys, in)
		if err != nil {
			t.Fatalf("org %s: %v", name, err)
		}
		w.org[key] = o.ID
	}
	mk("cc", "CERT Coordination Center", directory.KindCoordinationCenter, "", nil)
	mk("bankcert", "Banking Sector CERT", directory.KindSectoralCERT, "cc", nil)
	mk("telcocert", "Telecom Sector CERT", directory.KindSectoralCERT, "cc", nil)
	mk("bank", "First Example Bank", directory.KindConstituent, "bankcert", nil)
	mk("examplesoft", "Examplesoft Ltd", directory.KindVendor, "", func(in *directory.OrgInput) { in.PGPKey = &vendorPub })
	mk("netforge", "NetForge Systems", directory.KindVendor, "", nil)
	user := func(name string, pr auth.PlatformRole, org string, role auth.Role) {
		u, err := users.CreateUser(ctx, auth.NewUser{Email: name + "@test.example", Name: name, PlatformRole: pr})
		if err != nil {
			t.Fatal(err)
		}
		if org != "" {
			if err := d.Write(ctx, func(tx *db.Tx) error {
				_, err := auth.PutMembership(ctx, tx, u.ID, w.org[org], role, clk.Now())
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		id, err := users.Identity(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		w.id[name] = id
	}
	user("coord", auth.PlatformCoordinator, "cc", auth.RoleAdmin)
	user("bank_analyst", "", "bankcert", auth.RoleAnalyst)
	user("bank_viewer", "", "bankcert", auth.RoleViewer)
	user("telco_analyst", "", "telcocert", auth.RoleAnalyst)
	user("bank_member", "", "bank", auth.RoleMember)
	user("vendor", "", "examplesoft", auth.RoleMember)
	user("other_vendor", "", "netforge", auth.RoleAdmin)
	user("nobody", "", "", "")
	return w
}

// mails returns the queued mail jobs (recipients, tag and the unsealed message).
func (w *world) mails() []notify.Mail {
	w.t.Helper()
	list, err := w.q.List(context.Background(), jobs.States, 500)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []notify.Mail
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Kind != "notify.mail" {
			continue
		}
		var a notify.MailArgs
		if err := json.Unmarshal(list[i].Args, &a); err != nil {
			w.t.Fatal(err)
		}
		m, err := notify.OpenMail(w.key, a)
		if err != nil {
			w.t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func (w *world) mailsTo(addr, tag string) []notify.Mail {
	var out []notify.Mail
	for _, m := range w.mails() {
		if m.To[0] == addr && (tag == "" || m.Tag == tag) {
			out = append(out, m)
		}
	}
	return out
}

func goodReport() reports.ReportInput {
	return reports.ReportInput{Title: "SQL injection in the Examplesoft banking portal login",
		Description: "The username field of /login is concatenated into SQL.", Vendor: "Examplesoft", Product: "NetBank Portal",
		Versions: "4.0 to 4.2", CWE: "89", Reproduction: "POST /login with username=' OR 1=1--",
		References: []string{"https://researcher.example/blog/netbank"}, Reporter: &model.Reporter{Name: "Ada", Email: "Ada@Researcher.example"},
		Credit: "Ada Researcher"}
}

func ptr[T any](v T) *T { return &v }

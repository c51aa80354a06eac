package coordination_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/coordination"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/pgp"
)

// orgs is a small directory: the center, a banking CERT with two banks
// below it, a telecom operator (CII) below the center, a vendor.
type orgs []directory.Summary

func ptr(s string) *string { return &s }

var dir = orgs{
	{ID: "cc", Name: "Coordination Center", Kind: directory.KindCoordinationCenter},
	{ID: "ncert", Name: "National CERT", Kind: directory.KindNationalCERT, ParentID: ptr("cc")},
	{ID: "bankcert", Name: "Banking CERT", Kind: directory.KindSectoralCERT, ParentID: ptr("cc"), Sector: "banking"},
	{ID: "bank1", Name: "First Bank", Kind: directory.KindConstituent, ParentID: ptr("bankcert"), Sector: "banking", CII: true},
	{ID: "bank2", Name: "Second Bank", Kind: directory.KindConstituent, ParentID: ptr("bankcert"), Sector: "banking"},
	{ID: "telco", Name: "Telco", Kind: directory.KindConstituent, ParentID: ptr("cc"), Sector: "telecom", CII: true},
	{ID: "vendor", Name: "Examplesoft", Kind: directory.KindVendor},
}

func (o orgs) All(context.Context, *auth.Identity, directory.Filter) ([]directory.Summary, error) {
	return o, nil
}

// GetMany gives every organisation but the telco a 24×7 contact.
func (o orgs) GetMany(_ context.Context, _ *auth.Identity, ids []string) ([]directory.Org, error) {
	var out []directory.Org
	for _, s := range o {
		if slices.Contains(ids, s.ID) {
			org := directory.Org{ID: s.ID, Name: s.Name, Kind: s.Kind, ParentID: s.ParentID}
			if s.ID != "telco" {
				org.Contacts = []directory.Contact{{Role: "general", Email: "info@" + s.ID + ".example"}, {Role: "24x7", Email: "SOC@" + s.ID + ".example"}}
			}
			if s.ID == "bankcert" {
				org.PGPKey = bankCERTKey
			}
			out = append(out, org)
		}
	}
	return out, nil
}

func (o orgs) Names(_ context.Context, _ *auth.Identity, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for _, s := range o {
		if slices.Contains(ids, s.ID) {
			out[s.ID] = s.Name
		}
	}
	return out, nil
}

// bankCERTKey is the banking CERT's public key: mail to it is encrypted.
var bankCERTKey = func() string {
	pub, _, err := pgp.GenerateKey("Banking CERT", "soc@bankcert.example", 365*24*time.Hour, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		panic(err)
	}
	return pub
}()

// pubs are the published publications.
type pubs map[string]coordination.Publication

func (p pubs) Published(_ context.Context, ref string) (coordination.Publication, error) {
	for _, x := range p {
		if x.ID == ref || strings.EqualFold(x.TrackingID, ref) {
			return x, nil
		}
	}
	return coordination.Publication{}, errs.NotFound("no such publication")
}

var published = pubs{
	"a1": {ID: "a1", TrackingID: "CH-2026-0001", Title: "Exploited VPN flaw", TLP: "CLEAR"},
	"a2": {ID: "a2", TrackingID: "CH-2026-0002", Title: "Banks targeted", TLP: "AMBER", Recipients: []string{"bankcert", "bank1", "bank2"}},
	"a3": {ID: "a3", TrackingID: "CH-2026-0003", Title: "For one person", TLP: "RED"},
}

var staff = &auth.Identity{User: auth.User{ID: "u-staff", Email: "coordinator@cc.example", PlatformRole: auth.PlatformCoordinator}}

func member(role auth.Role, orgs ...string) *auth.Identity {
	id := &auth.Identity{User: auth.User{ID: "u-" + strings.Join(orgs, "-"), Email: orgs[0] + "@example.org"}}
	for _, o := range orgs {
		id.Memberships = append(id.Memberships, auth.Membership{OrgID: o, Role: role})
	}
	return id
}

// setup writes the directory's organisations and answers a service over
// them; mail goes to out when given.
func setup(t *testing.T, d *db.DB, now *time.Time, out ...coordination.Outbox) *coordination.Service {
	t.Helper()
	for _, o := range dir {
		if _, err := d.Exec(context.Background(), `INSERT INTO orgs (id, name, name_key, kind, sector, created_at, updated_at)
			VALUES ($1, $2, $1, $3, $4, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, o.ID, o.Name, string(o.Kind), o.Sector); err != nil {
			t.Fatal(err)
		}
	}
	o := coordination.Options{DB: d, Orgs: dir, Publications: published, Now: func() time.Time { return *now }, BaseURL: "https://cc.example/"}
	if len(out) > 0 {
		o.Outbox = out[0]
	}
	return coordination.NewService(o)
}

func states(p coordination.Progress) string {
	var s []string
	for _, r := range p.Items {
		x := r.OrgID + "=" + r.State
		if r.Outcome != "" {
			x += "/" + r.Outcome
		}
		s = append(s, x)
	}
	return strings.Join(s, " ")
}

// An alert reaches exactly its audience: the organisations named, the
// CII operators, a CERT and those below it; each recipient reads and
// answers for itself; the sender sees every answer and silence as "no
// answer"; the banking CERT sees its banks'; nobody else sees anything.
func TestAlertAcknowledgements(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
		s := setup(t, d, &now)
		in := coordination.AlertInput{Advisory: "ch-2026-0001", Actions: "Patch the VPN gateways; report compromise.",
			ActBy: "2026-12-08", Audience: coordination.Audience{Constituents: []string{"bankcert"}, CII: true}}
		if _, err := s.Send(ctx, member(auth.RoleAdmin, "bankcert"), in); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("a sectoral CERT sent an alert: %v", err)
		}
		a, err := s.Send(ctx, staff, in)
		if err != nil || a.TrackingID != "CH-2026-0001" || a.ActBy == nil || !a.ActBy.Equal(time.Date(2026, 12, 8, 23, 59, 59, 0, time.UTC)) {
			t.Fatalf("send: %+v %v", a, err)
		}
		if _, err := s.Send(ctx, staff, in); errs.KindOf(err) != errs.KindConflict {
			t.Errorf("sent twice: %v", err)
		}
		p, err := s.Alert(ctx, staff, a.ID)
		if err != nil || states(p) != "bank1=delivered bank2=delivered bankcert=delivered telco=delivered" ||
			p.Counts.Recipients != 4 || p.Counts.NoAnswer != 4 || len(p.Events) != 1 || p.Items[0].Org != "First Bank" {
			t.Fatalf("the sender's view: %s %+v %v", states(p), p.Counts, err)
		}

		// A bank's analyst reads it (marked read for the bank), answers
		// affected, then again the same (nothing changes), then mitigated.
		bank1 := member(auth.RoleAnalyst, "bank1")
		mine, err := s.Acknowledgements(ctx, bank1, "a1")
		if err != nil || states(mine) != "bank1=read" || len(mine.Events) != 0 || !slices.Equal(mine.Mine, []string{"bank1"}) {
			t.Fatalf("the bank's view: %s %+v %v", states(mine), mine, err)
		}
		now = now.Add(time.Hour)
		r, err := s.Acknowledge(ctx, bank1, "a1", coordination.AckInput{Outcome: "affected", Note: "Two gateways; patching tonight."})
		if err != nil || r.State != "acknowledged" || r.Outcome != "affected" || r.AcknowledgedAt == nil || !r.AcknowledgedAt.Equal(now) {
			t.Fatalf("acknowledge: %+v %v", r, err)
		}
		if _, err := s.Acknowledge(ctx, bank1, "a1", coordination.AckInput{Outcome: "affected", Note: "Two gateways; patching tonight."}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Acknowledge(ctx, bank1, "a1", coordination.AckInput{Outcome: "eaten"}); !errs.HasField(err, "outcome") {
			t.Errorf("an unknown outcome: %v", err)
		}
		if _, err := s.Acknowledge(ctx, member(auth.RoleViewer, "bank2"), "a1", coordination.AckInput{}); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("a viewer answered: %v", err)
		}
		if _, err := s.Acknowledge(ctx, member(auth.RoleAdmin, "vendor"), "a1", coordination.AckInput{}); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("an organisation outside the audience answered: %v", err)
		}
		both := member(auth.RoleAdmin, "bank2", "telco")
		if _, err := s.Acknowledge(ctx, both, "a1", coordination.AckInput{}); !errs.HasField(err, "org_id") {
			t.Errorf("a member of two recipients answered without naming one: %v", err)
		}
		if _, err := s.Acknowledge(ctx, both, "a1", coordination.AckInput{OrgID: "bank1"}); !errs.HasField(err, "org_id") {
			t.Errorf("answered for another's organisation: %v", err)
		}
		if _, err := s.Acknowledge(ctx, both, "a1", coordination.AckInput{OrgID: "telco", Outcome: "not_affected"}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Hour)
		if r, err := s.Acknowledge(ctx, bank1, "a1", coordination.AckInput{Outcome: "mitigated", Note: "Patched."}); err != nil || r.Outcome != "mitigated" ||
			!r.AcknowledgedAt.Equal(now.Add(-time.Hour)) {
			t.Fatalf("a changed answer: %+v %v", r, err)
		}

		p, _ = s.Alert(ctx, staff, a.ID)
		c := p.Counts
		if states(p) != "bank1=acknowledged/mitigated bank2=delivered bankcert=delivered telco=acknowledged/not_affected" ||
			c.Acknowledged != 2 || c.NoAnswer != 2 || c.Read != 0 || c.Mitigated != 1 || c.NotAffected != 1 || !p.Items[1].NoAnswer {
			t.Errorf("the sender's view: %s %+v", states(p), c)
		}
		var kinds []string
		for _, e := range p.Events {
			kinds = append(kinds, e.Kind)
		}
		if strings.Join(kinds, " ") != "sent read acknowledged acknowledged answered" {
			t.Errorf("timeline: %v", kinds)
		}
		// The banking CERT sees its banks (and itself: it is a recipient);
		// the vendor and a stranger nothing.
		cert, err := s.Alert(ctx, member(auth.RoleViewer, "bankcert"), a.ID)
		if err != nil || states(cert) != "bank1=acknowledged/mitigated bank2=delivered bankcert=delivered" || len(cert.Events) != 0 {
			t.Errorf("the CERT's view: %s %v", states(cert), err)
		}
		for _, who := range []*auth.Identity{member(auth.RoleAdmin, "vendor"), {User: auth.User{ID: "u-x"}}} {
			if _, err := s.Alert(ctx, who, a.ID); errs.KindOf(err) != errs.KindNotFound {
				t.Errorf("%s read the alert: %v", who.User.ID, err)
			}
			if list, _, err := s.Alerts(ctx, who, 0, ""); err != nil || len(list) != 0 {
				t.Errorf("%s lists %d alerts (%v)", who.User.ID, len(list), err)
			}
		}
		if _, err := s.Alert(ctx, nil, a.ID); errs.KindOf(err) != errs.KindUnauthenticated {
			t.Errorf("anonymous: %v", err)
		}
		list, _, err := s.Alerts(ctx, member(auth.RoleViewer, "bankcert"), 0, "")
		if err != nil || len(list) != 1 || list[0].Counts.Recipients != 3 || list[0].Counts.Acknowledged != 1 {
			t.Errorf("the CERT's list: %+v %v", list, err)
		}
	})
}

// Each way an alert can be wrong is named by its field; a TLP:AMBER
// publication reaches only its own recipients, a TLP:RED one nobody.
func TestSendRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
		s := setup(t, d, &now)
		for _, tt := range []struct {
			name  string
			in    coordination.AlertInput
			field string
		}{
			{"no audience", coordination.AlertInput{Advisory: "a1"}, "audience"},
			{"unpublished", coordination.AlertInput{Advisory: "nope", Audience: coordination.Audience{CII: true}}, "advisory_id"},
			{"unknown org", coordination.AlertInput{Advisory: "a1", Audience: coordination.Audience{Orgs: []string{"bank1", "ghost"}}}, "audience.orgs[1]"},
			{"unknown kind", coordination.AlertInput{Advisory: "a1", Audience: coordination.Audience{Kinds: []string{"toaster"}}}, "audience.kinds[0]"},
			{"unknown sector", coordination.AlertInput{Advisory: "a1", Audience: coordination.Audience{Sectors: []string{"farming"}}}, "audience.sectors[0]"},
			{"not a CERT", coordination.AlertInput{Advisory: "a1", Audience: coordination.Audience{Constituents: []string{"bank1"}}}, "audience.constituents_of[0]"},
			{"nobody", coordination.AlertInput{Advisory: "a1", Audience: coordination.Audience{Sectors: []string{"water"}}}, "audience"},
			{"past", coordination.AlertInput{Advisory: "a1", ActBy: "2026-12-01T00:00:00Z", Audience: coordination.Audience{CII: true}}, "act_by"},
			{"not a time", coordination.AlertInput{Advisory: "a1", ActBy: "soon", Audience: coordination.Audience{CII: true}}, "act_by"},
			{"nul", coordination.AlertInput{Advisory: "a1", Actions: "a\x00b", Audience: coordination.Audience{CII: true}}, "actions"},
			{"amber beyond", coordination.AlertInput{Advisory: "a2", Audience: coordination.Audience{Sectors: []string{"banking", "telecom"}}}, "audience"},
			{"red", coordination.AlertInput{Advisory: "a3", Audience: coordination.Audience{CII: true}}, "advisory_id"},
		} {
			if _, err := s.Send(ctx, staff, tt.in); !errs.HasField(err, tt.field) {
				t.Errorf("%s: %v, want a problem with %s", tt.name, err, tt.field)
			}
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM coordination_alerts`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d alerts written by refused requests (%v)", n, err)
		}
		a, err := s.Send(ctx, staff, coordination.AlertInput{Advisory: "a2", Audience: coordination.Audience{Sectors: []string{"banking"}}})
		if err != nil {
			t.Fatalf("amber within its recipients: %v", err)
		}
		if p, _ := s.Alert(ctx, staff, a.ID); states(p) != "bank1=delivered bank2=delivered bankcert=delivered" {
			t.Errorf("amber: %s", states(p))
		}
	})
}

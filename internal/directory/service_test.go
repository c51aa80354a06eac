package directory

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/pgp"
)

func TestParseCIDR(t *testing.T) {
	tests := []struct{ in, want, problem string }{
		{"192.0.2.0/24", "192.0.2.0/24", ""},
		{" 2001:db8::/32 ", "2001:db8::/32", ""},
		{"10.0.0.0/8", "10.0.0.0/8", ""},
		{"192.0.2.1/24", "", "host bits set: the network is 192.0.2.0/24"},
		{"192.0.2.1", "", "write 192.0.2.1/32"},
		{"0.0.0.0/0", "", "too large"},
		{"2000::/3", "", "too large"},
		{"127.0.0.0/8", "", "loopback"},
		{"224.0.0.0/8", "", "loopback, link-local or multicast"},
		{"fe80::/64", "", "link-local"},
		{"192.0.2.0/33", "", "CIDR notation"},
		{"::ffff:192.0.2.0/120", "", "IPv4-mapped"},
		{"bank.example", "", "CIDR notation"},
	}
	for _, tt := range tests {
		p, problem := ParseCIDR(tt.in)
		if tt.problem == "" {
			if problem != "" || p.String() != tt.want {
				t.Errorf("ParseCIDR(%q) = %v, %q", tt.in, p, problem)
			}
		} else if !strings.Contains(problem, tt.problem) {
			t.Errorf("ParseCIDR(%q) problem %q, want it to mention %q", tt.in, problem, tt.problem)
		}
	}
}

func TestNormalizeDomain(t *testing.T) {
	tests := []struct{ in, want, problem string }{
		{"Bank.Example", "bank.example", ""},
		{"bank.example.", "bank.example", ""},
		{"Bücher.example", "xn--bcher-kva.example", ""},
		{"xn--bcher-kva.example", "xn--bcher-kva.example", ""},
		{"https://bank.example/", "", "only the name"},
		{"*.bank.example", "", "wildcard"},
		{"localhost", "", "single label"},
		{"192.0.2.1", "", "is an address"},
		{"example.123", "", "top-level domain"},
		{"bad_label.example", "", "not a valid domain"},
		{"-bad.example", "", "not a valid domain"},
		{strings.Repeat("a", 64) + ".example", "", "not a valid domain"},
		{"a b.example", "", "only the name"},
	}
	for _, tt := range tests {
		got, problem := NormalizeDomain(tt.in)
		if tt.problem == "" {
			if problem != "" || got != tt.want {
				t.Errorf("NormalizeDomain(%q) = %q, %q; want %q", tt.in, got, problem, tt.want)
			}
		} else if !strings.Contains(problem, tt.problem) {
			t.Errorf("NormalizeDomain(%q) problem %q, want it to mention %q", tt.in, problem, tt.problem)
		}
	}
	if DisplayDomain("xn--bcher-kva.example") != "bücher.example" {
		t.Error("DisplayDomain")
	}
}

func TestParseASN(t *testing.T) {
	for in, want := range map[string]int64{"64500": 64500, "AS64500": 64500, "as4200000000": 4200000000} {
		if got, p := ParseASN(in); got != want || p != "" {
			t.Errorf("ParseASN(%q) = %d, %q", in, got, p)
		}
	}
	for _, in := range []string{"0", "AS23456", "4294967295", "-1", "ASX", "65535"} {
		if _, p := ParseASN(in); p == "" {
			t.Errorf("ParseASN(%q) accepted", in)
		}
	}
}

// Every invalid field is reported at once, each under its JSON path.
func TestValidationNamesEachField(t *testing.T) {
	in := OrgInput{
		Name: ptr(""), Kind: ptr(Kind("bank")), Sector: ptr("finance"), Country: ptr("XX"), Website: ptr("ftp://x"),
		Contacts: &[]Contact{{Role: "24x7", Email: "not-mail"}, {Role: "boss", Phone: "12"}, {Role: "general"}},
		PGPKey:   ptr("-----BEGIN PGP PRIVATE KEY BLOCK-----\nxyz\n-----END PGP PRIVATE KEY BLOCK-----"),
		RFC2350:  &RFC2350{DocumentDate: "23/11/2026", Email: "nope"},
		Constituency: &Constituency{
			CIDRs:   []string{"192.0.2.0/24", "192.0.2.128/25", "300.1.1.0/24", "192.0.2.0/24"},
			ASNs:    []int64{64500, 0, 64500},
			Domains: []string{"bank.example", "not a domain", "BANK.example"},
		},
	}
	var o Org
	err := apply(&o, in, time.Now())
	e := errs.As(err)
	if e == nil || e.Kind != errs.KindInvalid {
		t.Fatalf("err = %v", err)
	}
	want := []string{"name", "kind", "sector", "country", "website", "contacts[0].email", "contacts[1].role",
		"contacts[1].phone", "contacts[2]", "pgp_key", "rfc2350.document_date", "rfc2350.email",
		"constituency.cidrs[1]", "constituency.cidrs[2]", "constituency.cidrs[3]", "constituency.asns[1]",
		"constituency.asns[2]", "constituency.domains[1]", "constituency.domains[2]"}
	got := map[string]bool{}
	for _, f := range e.Fields {
		got[f.Field] = true
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("no error reported for %s (got %v)", w, e.Fields)
		}
	}
	if len(e.Fields) != len(want) {
		t.Errorf("%d errors, want %d: %v", len(e.Fields), len(want), e.Fields)
	}
}

func TestCreateUpdateAndAudit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := buildWorld(t, d)
		ctx := context.Background()
		pub, _, err := pgp.GenerateKey("Bank One SOC", "soc@bank1.example", 0, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		admin := w.id["bank1_admin"]
		actx := auth.WithIdentity(ctx, admin)
		o, err := w.svc.Update(actx, admin, w.org["BANK1"], OrgInput{
			Contacts: &[]Contact{{Role: "24x7", Email: "SOC@Bank1.Example", Phone: "+92 51 1234567", Available24x7: true}},
			PGPKey:   &pub,
			Constituency: &Constituency{CIDRs: []string{"198.51.100.0/24", "2001:db8:100::/48"}, ASNs: []int64{64501},
				Domains: []string{"bank1.example", "Bücher.example"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if o.PGPFingerprint == "" || o.Contacts[0].Email != "soc@bank1.example" || o.Constituency.Domains[1] != "xn--bcher-kva.example" {
			t.Fatalf("updated org %+v", o)
		}
		got, err := w.svc.Get(ctx, admin, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.PGPFingerprint != o.PGPFingerprint || len(got.Constituency.CIDRs) != 2 || got.Constituency.ASNs[0] != 64501 ||
			!got.Contacts[0].Available24x7 || got.Name != "BANK1 organisation" {
			t.Fatalf("stored org %+v", got)
		}
		// A constituent's admin may not change its structure.
		if _, err := w.svc.Update(actx, admin, o.ID, OrgInput{CII: ptr(true)}); errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("constituent admin sets CII: %v", err)
		}
		if _, err := w.svc.Update(actx, admin, o.ID, OrgInput{ParentID: ptr(w.org["TELCOCERT"])}); errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("constituent admin moves org: %v", err)
		}
		// Names are unique, whatever their case.
		if _, err := w.svc.Update(actx, admin, o.ID, OrgInput{Name: ptr("nat ORGANISATION")}); errs.KindOf(err) != errs.KindConflict {
			t.Fatalf("duplicate name: %v", err)
		}
		// The center cannot make a cycle.
		coord := w.id["coord"]
		if _, err := w.svc.Update(ctx, coord, w.org["NAT"], OrgInput{ParentID: ptr(w.org["BANK1"])}); errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("cycle: %v", err)
		}
		entries, _, err := audit.List(ctx, d, audit.Filter{ObjectID: o.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || entries[0].Action != "org.update" || entries[0].ActorEmail != "bank1_admin@test.example" ||
			!strings.Contains(entries[0].Summary, "contacts, OpenPGP key, constituency") {
			t.Fatalf("audit %+v", entries)
		}
		if rep, err := audit.Verify(ctx, d); err != nil || rep.Problem != nil {
			t.Fatalf("audit chain: %+v %v", rep, err)
		}
	})
}

func TestOverlapsAreReportedWithoutLeakingOwners(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := buildWorld(t, d)
		ctx := context.Background()
		coord := w.id["coord"]
		if _, err := w.svc.Update(ctx, coord, w.org["TELCO1"], OrgInput{Constituency: &Constituency{CIDRs: []string{"203.0.113.0/24"}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Update(ctx, coord, w.org["BANK1"], OrgInput{Constituency: &Constituency{CIDRs: []string{"203.0.113.128/25", "198.51.100.0/24"}}}); err != nil {
			t.Fatal(err)
		}
		ov, err := w.svc.Overlaps(ctx, coord, w.org["BANK1"])
		if err != nil || len(ov) != 1 || ov[0].OrgName != "TELCO1 organisation" || ov[0].OtherCIDR != "203.0.113.0/24" {
			t.Fatalf("overlaps for the center: %+v %v", ov, err)
		}
		ov, err = w.svc.Overlaps(ctx, w.id["bank1_viewer"], w.org["BANK1"])
		if err != nil || len(ov) != 1 || ov[0].OrgID != "" || ov[0].OrgName != "another organisation" || ov[0].OtherCIDR != "" {
			t.Fatalf("overlaps for a bank member: %+v %v", ov, err)
		}
	})
}

func TestListFiltersAndPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := buildWorld(t, d)
		ctx := context.Background()
		admin := w.id["admin"]
		var names []string
		cursor := ""
		for range 10 {
			page, next, err := w.svc.List(ctx, admin, Filter{Limit: 4, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range page {
				names = append(names, s.ShortName)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if strings.Join(names, " ") != "BANK1 BANKCERT CC LAB MIN NAT TELCO1 TELCOCERT VENDOR" {
			t.Fatalf("paged through %v", names)
		}
		certs, _, err := w.svc.List(ctx, admin, Filter{Kind: KindSectoralCERT})
		if err != nil || len(certs) != 2 {
			t.Fatalf("kind filter: %v %v", certs, err)
		}
		q, _, _ := w.svc.List(ctx, admin, Filter{Query: "telco"})
		if len(q) != 2 {
			t.Fatalf("query: %v", q)
		}
		if _, _, err := w.svc.List(ctx, admin, Filter{Cursor: "garbage"}); errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("bad cursor: %v", err)
		}
		if _, _, err := w.svc.List(ctx, admin, Filter{Kind: "bank"}); errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("bad kind: %v", err)
		}
		if _, err := w.svc.Update(ctx, admin, w.org["BANK1"], OrgInput{Constituency: &Constituency{Domains: []string{"bank1.example"}}}); err != nil {
			t.Fatal(err)
		}
		byDomain, _, _ := w.svc.List(ctx, admin, Filter{Query: "BANK1.example"})
		if len(byDomain) != 1 || byDomain[0].ShortName != "BANK1" {
			t.Fatalf("by domain: %v", byDomain)
		}
		if host, _, _ := w.svc.List(ctx, admin, Filter{Query: "www.online.bank1.example"}); len(host) != 1 || host[0].ShortName != "BANK1" {
			t.Fatalf("by host name: %v", host)
		}
		// Vendors are found by package URL: a package, or any package under
		// a namespace they registered; versions and qualifiers don't matter.
		v, err := w.svc.Update(ctx, admin, w.org["VENDOR"], OrgInput{Packages: &[]string{"pkg:npm/@vendorco", "pkg:pypi/Vendor_Agent@2.0"}})
		if err != nil || !slices.Equal(v.Packages, []string{"pkg:npm/%40vendorco", "pkg:pypi/vendor-agent"}) {
			t.Fatalf("packages %q %v", v.Packages, err)
		}
		for _, q := range []string{"pkg:npm/%40vendorco/widget@1.2.3", "pkg:pypi/vendor-agent", "pkg:PYPI/Vendor_Agent@3.1?os=linux"} {
			if got, _, _ := w.svc.List(ctx, admin, Filter{Query: q}); len(got) != 1 || got[0].ShortName != "VENDOR" {
				t.Errorf("by purl %s: %v", q, got)
			}
		}
		if got, _, _ := w.svc.List(ctx, admin, Filter{Query: "pkg:npm/%40other/widget"}); len(got) != 0 {
			t.Errorf("another namespace: %v", got)
		}
		var fe *errs.Error
		if _, err := w.svc.Update(ctx, admin, w.org["VENDOR"], OrgInput{Packages: &[]string{"npm:widget"}}); !errors.As(err, &fe) || fe.Fields[0].Field != "packages[0]" {
			t.Fatalf("bad purl: %v", err)
		}
	})
}

func TestMembersAndDelete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := buildWorld(t, d)
		ctx := context.Background()
		ba := w.id["bankcert_admin"]
		m, created, err := w.svc.AddMember(ctx, ba, w.org["BANK1"], NewMember{Email: "new.analyst@bank1.example", Name: "New Analyst", Role: auth.RoleAnalyst})
		if err != nil || !created || m.Role != auth.RoleAnalyst {
			t.Fatalf("add member: %+v %v %v", m, created, err)
		}
		// Adding an existing user only adds the membership.
		if _, created, err := w.svc.AddMember(ctx, ba, w.org["BANKCERT"], NewMember{Email: "NEW.analyst@bank1.example", Role: auth.RoleViewer}); err != nil || created {
			t.Fatalf("add existing user: %v %v", created, err)
		}
		if _, _, err := w.svc.AddMember(ctx, ba, w.org["BANK1"], NewMember{Email: "x@bank1.example", Role: "boss"}); errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("bad role: %v", err)
		}
		if _, _, err := w.svc.AddMember(ctx, w.id["bank1_viewer"], w.org["BANK1"], NewMember{Email: "y@bank1.example", Name: "Y", Role: auth.RoleAdmin}); errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("viewer adds an admin: %v", err)
		}
		members, err := w.svc.Members(ctx, w.id["bank1_viewer"], w.org["BANK1"])
		if err != nil || len(members) != 3 {
			t.Fatalf("members seen by a member: %d %v", len(members), err)
		}
		if _, err := w.svc.Members(ctx, w.id["nobody"], w.org["NAT"]); errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("members seen by an outsider: %v", err)
		}
		if err := w.svc.SetRole(ctx, ba, w.org["BANK1"], m.UserID, auth.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.RemoveMember(ctx, ba, w.org["BANK1"], m.UserID); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.RemoveMember(ctx, ba, w.org["BANK1"], m.UserID); errs.KindOf(err) != errs.KindNotFound {
			t.Fatalf("remove twice: %v", err)
		}
		if err := w.svc.Delete(ctx, w.id["admin"], w.org["BANKCERT"]); errs.KindOf(err) != errs.KindConflict {
			t.Fatalf("delete with children: %v", err)
		}
		if err := w.svc.Delete(ctx, w.id["coord"], w.org["BANK1"]); errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("coordinator deletes: %v", err)
		}
		if _, err := d.Exec(ctx, `INSERT INTO webhooks (id, org_id, url, secret, created_at, updated_at)
			VALUES ('wh1', $1, 'https://soar.example/hook', 'sealed', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, w.org["BANK1"]); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `INSERT INTO webhook_events (webhook_id, event) VALUES ('wh1', '*')`); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.Delete(ctx, w.id["admin"], w.org["BANK1"]); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Get(ctx, w.id["admin"], w.org["BANK1"]); errs.KindOf(err) != errs.KindNotFound {
			t.Fatalf("deleted org: %v", err)
		}
		// Its memberships and webhooks (the kernel's, by an opaque id) go too.
		var left int
		if err := d.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM memberships WHERE org_id = $1) + (SELECT COUNT(*) FROM webhooks WHERE org_id = $1)
			+ (SELECT COUNT(*) FROM webhook_events)`,
			w.org["BANK1"]).Scan(&left); err != nil || left != 0 {
			t.Fatalf("%d memberships and webhooks of the deleted organisation left (%v)", left, err)
		}
		if _, _, err := w.svc.AddWebhook(ctx, w.id["admin"], w.org["BANK1"], "https://soar.example/hook", []string{"*"}); errs.KindOf(err) != errs.KindNotFound {
			t.Fatalf("a webhook for a deleted organisation: %v", err)
		}
	})
}

// GetMany loads whole organisations in bulk, in the order asked, for the
// platform's own work only.
func TestGetManyIsForThePlatform(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := buildWorld(t, d)
		ctx := context.Background()
		ids := []string{w.org["VENDOR"], "no-such-org", w.org["BANK1"]}
		got, err := w.svc.GetMany(ctx, auth.System("test"), ids)
		if err != nil || len(got) != 2 || got[0].ShortName != "VENDOR" || got[1].ShortName != "BANK1" || got[1].Contacts == nil {
			t.Fatalf("%+v %v", got, err)
		}
		if _, err := w.svc.GetMany(ctx, w.id["bank1_admin"], ids); errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("a constituent's admin: %v", err)
		}
	})
}

// Constituencies answers every organisation's networks, AS numbers and
// domains at once (threat intelligence routes by them), for the platform
// only.
func TestConstituenciesAreForThePlatform(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := buildWorld(t, d)
		ctx := context.Background()
		coord := w.id["coord"]
		if _, err := w.svc.Update(ctx, coord, w.org["BANK1"], OrgInput{Constituency: &Constituency{
			CIDRs: []string{"198.51.100.0/24", "2001:db8:100::/48"}, ASNs: []int64{64501, 4200000000}, Domains: []string{"bank1.example"}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Update(ctx, coord, w.org["TELCO1"], OrgInput{Constituency: &Constituency{Domains: []string{"telco1.example"}}}); err != nil {
			t.Fatal(err)
		}
		got, err := w.svc.Constituencies(ctx, auth.System("test"))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]Constituency{
			w.org["BANK1"]:  {CIDRs: []string{"198.51.100.0/24", "2001:db8:100::/48"}, ASNs: []int64{64501, 4200000000}, Domains: []string{"bank1.example"}},
			w.org["TELCO1"]: {CIDRs: []string{}, ASNs: []int64{}, Domains: []string{"telco1.example"}},
		}
		if len(got) != len(want) {
			t.Fatalf("constituencies of %d organisations, want %d: %+v", len(got), len(want), got)
		}
		for org, c := range want {
			g := got[org]
			if !slices.Equal(g.CIDRs, c.CIDRs) || !slices.Equal(g.ASNs, c.ASNs) || !slices.Equal(g.Domains, c.Domains) {
				t.Errorf("%s: %+v, want %+v", org, g, c)
			}
		}
		if _, err := w.svc.Constituencies(ctx, w.id["bankcert_admin"]); errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("a CERT's admin: %v", err)
		}
	})
}

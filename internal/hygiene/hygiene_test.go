package hygiene_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/hygiene"
	"github.com/certhub/certhub/internal/hygiene/probe"
	"github.com/certhub/certhub/internal/hygiene/probetest"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
)

func ptr(s string) *string { return &s }

// orgs is a directory: a banking CERT with a bank checked on good.test
// and the exposed host, a retail CERT with a shop on bad.test, and a power
// company with nothing to check.
type orgs struct {
	mu  sync.Mutex
	dir map[string]directory.Org
}

func newOrgs(goodKey string) *orgs {
	return &orgs{dir: map[string]directory.Org{
		"bankcert":   {ID: "bankcert", Name: "Banking CERT", Kind: directory.KindSectoralCERT},
		"retailcert": {ID: "retailcert", Name: "Retail CERT", Kind: directory.KindSectoralCERT},
		"bank": {ID: "bank", Name: "A Bank", Kind: directory.KindConstituent, Sector: "banking", ParentID: ptr("bankcert"), PGPKey: goodKey,
			Contacts:     []directory.Contact{{Role: "security", Email: "soc@bank.example"}},
			Constituency: directory.Constituency{Domains: []string{"good.test"}, CIDRs: []string{probetest.Exposed + "/32"}}},
		"shop": {ID: "shop", Name: "A Shop", Kind: directory.KindConstituent, Sector: "retail", ParentID: ptr("retailcert"),
			Contacts:     []directory.Contact{{Role: "security", Email: "it@shop.example"}},
			Constituency: directory.Constituency{Domains: []string{"bad.test"}}},
		"power": {ID: "power", Name: "Power Co", Kind: directory.KindConstituent, Sector: "energy"},
	}}
}

func (o *orgs) GetMany(_ context.Context, _ *auth.Identity, ids []string) ([]directory.Org, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []directory.Org
	for _, id := range ids {
		if v, ok := o.dir[id]; ok {
			out = append(out, v)
		}
	}
	return out, nil
}

func (o *orgs) Members(_ context.Context, _ *auth.Identity, org string) ([]auth.Member, error) {
	return []auth.Member{{Membership: auth.Membership{UserID: "a-" + org, OrgID: org, Role: auth.RoleAnalyst}, Name: "Analyst", Email: "analyst@" + org + ".example"}}, nil
}

func (o *orgs) Constituencies(_ context.Context, _ *auth.Identity) (map[string]directory.Constituency, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := map[string]directory.Constituency{}
	for id, v := range o.dir {
		out[id] = v.Constituency
	}
	return out, nil
}

type outbox struct {
	mu   sync.Mutex
	mail []notify.Mail
}

func (o *outbox) Send(_ context.Context, _ *db.Tx, m notify.Mail) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.mail = append(o.mail, m)
	return nil
}

func (o *outbox) take() []notify.Mail {
	o.mu.Lock()
	defer o.mu.Unlock()
	m := o.mail
	o.mail = nil
	return m
}

func person(role auth.Role, org string) *auth.Identity {
	return &auth.Identity{User: auth.User{ID: string(role) + "-" + org, Name: string(role) + " of " + org, Email: string(role) + "@" + org + ".example"},
		Memberships: []auth.Membership{{UserID: string(role) + "-" + org, OrgID: org, Role: role}}}
}

var staff = &auth.Identity{User: auth.User{ID: "staff", Name: "Staff", Email: "coordinator@cc.example", PlatformRole: auth.PlatformCoordinator}}

// runAll executes every queued run.
func runAll(t *testing.T, ctx context.Context, s *hygiene.Service, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if err := s.Execute(ctx, id); err != nil {
			t.Fatalf("run %s: %v", id, err)
		}
	}
}

func pending(t *testing.T, s *hygiene.Service, org string) string {
	t.Helper()
	rep, err := s.Report(context.Background(), staff, org)
	if err != nil || rep.Pending == nil {
		t.Fatalf("%s: no pending run (%v)", org, err)
	}
	return rep.Pending.ID
}

func checks(fs []hygiene.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Check+" "+f.Target)
	}
	slices.Sort(out)
	return out
}

// TestHygiene: the schedule spreads organisations over the week and
// queues them when due; checks that touch hosts run only with the
// permission recorded; failures open findings that close themselves once
// fixed; the digest reaches the organisation (encrypted to its key) and
// its CERT once; a check on request is queued once and not repeated at
// once; every reader sees only its own and its constituents'.
func TestHygiene(t *testing.T) {
	n := probetest.Start(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dir := newOrgs(n.GoodKey)
		now := time.Now().UTC()
		clock := func() time.Time { return now }
		out := &outbox{}
		po := n.Options()
		po.Now = time.Now // certificates are made for the real clock
		s := hygiene.NewService(hygiene.Options{DB: d, Orgs: dir, Outbox: out, Probe: po, Now: clock, BaseURL: "https://certhub.example"})

		// The schedule tracks the two organisations with something to check,
		// each in its own slot within the week: nothing is due yet.
		tracked, queued, err := s.Schedule(ctx)
		if err != nil || tracked != 2 || queued != 0 {
			t.Fatalf("schedule: %d tracked, %d queued, %v", tracked, queued, err)
		}
		now = now.Add(hygiene.DefaultInterval)
		if _, queued, err = s.Schedule(ctx); err != nil || queued != 2 {
			t.Fatalf("a week later: %d queued, %v", queued, err)
		}
		if _, queued, _ = s.Schedule(ctx); queued != 0 {
			t.Errorf("queued again in the same round: %d", queued)
		}

		// Permission: refused input named; the bank's admin grants it.
		if _, err := s.SetPermission(ctx, person(auth.RoleAdmin, "bank"), "bank", hygiene.PermissionInput{Categories: []string{"dns", "nmap"}}); !errs.HasField(err, "categories") {
			t.Errorf("an unknown category: %v", err)
		}
		if _, err := s.SetPermission(ctx, person(auth.RoleAdmin, "bank"), "bank", hygiene.PermissionInput{Categories: []string{"web"},
			GrantedOn: now.AddDate(0, 0, 3).Format(time.DateOnly)}); !errs.HasField(err, "granted_on") {
			t.Errorf("a permission granted in the future: %v", err)
		}
		if _, err := s.SetPermission(ctx, person(auth.RoleMember, "bank"), "bank", hygiene.PermissionInput{Categories: []string{"web"}}); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("a member granted the permission: %v", err)
		}
		if _, err := s.SetPermission(ctx, person(auth.RoleAdmin, "shop"), "bank", hygiene.PermissionInput{Categories: []string{"web"}}); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("another organisation granted the bank's permission: %v", err)
		}
		p, err := s.SetPermission(ctx, person(auth.RoleAdmin, "bank"), "bank", hygiene.PermissionInput{Categories: []string{"exposure", "dns", "web", "mail"},
			Reference: "letter 2026/14", DKIMSelectors: []string{"sel1"}, SignedSecurityTxt: true})
		if err != nil || strings.Join(p.Categories, ",") != "dns,mail,web,exposure" || p.GrantedBy != "admin@bank.example" {
			t.Fatalf("permission: %+v, %v", p, err)
		}

		runAll(t, ctx, s, pending(t, s, "bank"), pending(t, s, "shop"))
		bank, err := s.Report(ctx, person(auth.RoleMember, "bank"), "bank")
		if err != nil || bank.Latest == nil || bank.Score == nil {
			t.Fatalf("bank: %+v, %v", bank, err)
		}
		if got := checks(bank.Findings); strings.Join(got, ",") != "exposure.risky-service "+probetest.Exposed+":23,exposure.risky-service "+probetest.Exposed+":3389" {
			t.Errorf("bank findings: %v", got)
		}
		if *bank.Score >= 100 || *bank.Score < 80 {
			t.Errorf("bank score %v", *bank.Score)
		}
		for _, r := range bank.Results {
			if r.Status == probe.Fail && r.Fix == "" {
				t.Errorf("%s failed without its fix", r.Check)
			}
		}
		shop, err := s.Report(ctx, person(auth.RoleViewer, "shop"), "shop")
		if err != nil {
			t.Fatal(err)
		}
		var skipped int
		for _, r := range shop.Results {
			if r.Status == probe.Skipped && strings.Contains(r.Evidence, "no scanning permission") {
				skipped++
			}
		}
		if skipped == 0 || shop.Latest.Skipped == 0 {
			t.Errorf("the shop's active checks ran without permission")
		}
		if got := strings.Join(checks(shop.Findings), ","); !strings.Contains(got, "mail.spf.all bad.test") || !strings.Contains(got, "dns.dnssec.chain bad.test") ||
			strings.Contains(got, "web.") {
			t.Errorf("shop findings: %s", got)
		}
		if *shop.Score >= *bank.Score {
			t.Errorf("the shop (%v) scores no lower than the bank (%v)", *shop.Score, *bank.Score)
		}

		// Who reads what.
		if _, err := s.Report(ctx, person(auth.RoleAdmin, "power"), "bank"); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("another organisation read the bank's hygiene: %v", err)
		}
		if _, err := s.Report(ctx, person(auth.RoleAnalyst, "retailcert"), "bank"); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("another CERT read the bank's hygiene: %v", err)
		}
		for who, want := range map[*auth.Identity][]string{
			person(auth.RoleViewer, "bank"):        {"bank"},
			person(auth.RoleAnalyst, "bankcert"):   {"bank"},
			person(auth.RoleAnalyst, "retailcert"): {"shop"},
			person(auth.RoleAdmin, "power"):        nil,
			staff:                                  {"bank", "shop"},
		} {
			fs, total, err := s.Findings(ctx, who, hygiene.FindingFilter{})
			var got []string
			for _, f := range fs {
				if !slices.Contains(got, f.OrgID) {
					got = append(got, f.OrgID)
				}
			}
			slices.Sort(got)
			if err != nil || !slices.Equal(got, want) || total != len(fs) {
				t.Errorf("%s reads findings of %v (%d), want %v: %v", who.User.Email, got, total, want, err)
			}
		}
		if fs, _, _ := s.Findings(ctx, staff, hygiene.FindingFilter{Severity: "critical"}); len(fs) != 0 {
			t.Errorf("critical findings: %v", checks(fs))
		}
		if _, _, err := s.Findings(ctx, staff, hygiene.FindingFilter{Severity: "dire"}); !errs.HasField(err, "severity") {
			t.Errorf("an unknown severity: %v", err)
		}

		// The digest: each organisation's contacts once (the bank's encrypted
		// to its key), each CERT's analysts once; then nothing new.
		if n, err := s.Notify(ctx); err != nil || n == 0 {
			t.Fatalf("notify: %d, %v", n, err)
		}
		byTo := map[string]notify.Mail{}
		for _, m := range out.take() {
			byTo[strings.Join(m.To, ",")] = m
		}
		if m, ok := byTo["soc@bank.example"]; !ok || !strings.Contains(m.Text, "BEGIN PGP MESSAGE") {
			t.Errorf("the bank's digest: %+v", m)
		}
		if m, ok := byTo["it@shop.example"]; !ok || !strings.Contains(m.Text, "SPF does not let every host send") {
			t.Errorf("the shop's digest: %+v", m)
		}
		if m, ok := byTo["analyst@retailcert.example"]; !ok || !strings.Contains(m.Text, "A Shop") {
			t.Errorf("the retail CERT's digest: %+v", m)
		}
		if len(byTo) != 4 {
			t.Errorf("digests to %d addresses", len(byTo))
		}
		if n, _ := s.Notify(ctx); n != 0 {
			t.Errorf("told again of %d findings", n)
		}

		// On request: queued once; refused from outsiders and again too soon.
		if _, err := s.RequestCheck(ctx, person(auth.RoleViewer, "bank"), "bank"); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("a viewer asked for a check: %v", err)
		}
		if _, err := s.RequestCheck(ctx, person(auth.RoleAdmin, "shop"), "bank"); !errs.HasField(err, "org_id") {
			t.Errorf("another organisation asked for the bank's check: %v", err)
		}
		if _, err := s.RequestCheck(ctx, staff, "power"); !errs.HasField(err, "org_id") {
			t.Errorf("a check of nothing: %v", err)
		}
		// The bank closes telnet and RDP: its addresses move to a quiet host.
		dir.mu.Lock()
		b := dir.dir["bank"]
		b.Constituency.CIDRs = []string{"192.0.2.99/32"}
		dir.dir["bank"] = b
		dir.mu.Unlock()
		r1, err := s.RequestCheck(ctx, person(auth.RoleMember, "bank"), "bank")
		if err != nil || r1.State != hygiene.Queued {
			t.Fatalf("request: %+v, %v", r1, err)
		}
		if r2, err := s.RequestCheck(ctx, person(auth.RoleAnalyst, "bankcert"), "bank"); err != nil || r2.ID != r1.ID {
			t.Errorf("a second request queued another run: %+v, %v", r2, err)
		}
		runAll(t, ctx, s, r1.ID)
		if _, err := s.RequestCheck(ctx, person(auth.RoleMember, "bank"), "bank"); errs.KindOf(err) != errs.KindRateLimited {
			t.Errorf("a check asked for again at once: %v", err)
		}
		bank, _ = s.Report(ctx, staff, "bank")
		if len(bank.Findings) != 0 || len(bank.History) != 2 {
			t.Errorf("after the fix: findings %v, %d runs", checks(bank.Findings), len(bank.History))
		}
		fixed, _, _ := s.Findings(ctx, person(auth.RoleMember, "bank"), hygiene.FindingFilter{State: "fixed"})
		if len(fixed) != 2 || fixed[0].FixedAt == nil {
			t.Errorf("fixed findings: %v", checks(fixed))
		}
		run, results, err := s.Run(ctx, person(auth.RoleMember, "bank"), r1.ID)
		if err != nil || run.State != hygiene.Done || len(results) == 0 || run.Trigger != "request" {
			t.Errorf("run: %+v (%d results), %v", run, len(results), err)
		}
		if _, _, err := s.Run(ctx, person(auth.RoleMember, "shop"), r1.ID); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("another organisation read the run: %v", err)
		}

		// A periodic report's figures: the bank's two high findings opened
		// and fixed this week, none of the retail CERT's fixed.
		if opened, fixed, err := s.Figures(ctx, "bankcert", now.AddDate(0, 0, -1), now.Add(time.Hour)); err != nil || opened != 2 || fixed != 2 {
			t.Errorf("BankCERT's figures: %d opened, %d fixed, %v", opened, fixed, err)
		}
		if opened, fixed, _ := s.Figures(ctx, "retailcert", now.AddDate(0, 0, -1), now.Add(time.Hour)); opened < 4 || fixed != 0 {
			t.Errorf("the retail CERT's figures: %d opened, %d fixed", opened, fixed)
		}

		// The roll-up over what each reads.
		all, err := s.Rollup(ctx, staff, "")
		if err != nil || len(all.Sectors) != 2 || all.National == nil || len(all.Orgs) != 2 || all.Orgs[0].OrgID != "shop" {
			t.Fatalf("staff roll-up: %+v, %v", all, err)
		}
		if len(all.Trend) != 3 { // national, banking, retail this month
			t.Errorf("trend: %+v", all.Trend)
		}
		mine, err := s.Rollup(ctx, person(auth.RoleAnalyst, "bankcert"), "")
		if err != nil || len(mine.Sectors) != 1 || mine.Sectors[0].Sector != "banking" || len(mine.Orgs) != 1 || mine.OpenTotal != 0 {
			t.Errorf("the banking CERT's roll-up: %+v, %v", mine, err)
		}
		for _, m := range mine.Trend {
			if m.Sector == "retail" {
				t.Errorf("the banking CERT sees the retail trend")
			}
		}
	})
}

func TestScore(t *testing.T) {
	r := func(check string, st probe.Status) probe.Result { return probe.Result{Check: check, Status: st} }
	for _, c := range []struct {
		in   []probe.Result
		want float64
	}{
		{[]probe.Result{r("dns.resolve", probe.Pass), r("dns.caa", probe.Fail)}, 85.7},              // 6 of 7
		{[]probe.Result{r("web.certificate.valid", probe.Fail), r("web.headers", probe.Pass)}, 9.1}, // 1 of 11
		{[]probe.Result{r("mail.mx", probe.Fail), r("dns.caa", probe.Pass), r("web.https", probe.Skipped)}, 100},
	} {
		if got := hygiene.Score(c.in); got == nil || *got != c.want {
			t.Errorf("%v: %v, want %v", c.in, got, c.want)
		}
	}
	if hygiene.Score([]probe.Result{r("web.https", probe.Skipped)}) != nil {
		t.Error("a score of nothing")
	}
}

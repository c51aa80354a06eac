package advisory

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/certhub/certhub/internal/cvss"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/pgp"
	"github.com/certhub/certhub/internal/platform/seal"
	"github.com/certhub/certhub/internal/vdp"
	"github.com/certhub/certhub/internal/vdp/model"
)

// official holds the OASIS CSAF examples and test documents, copied into
// testdata/ (origins in testdata/README.md).
const official = "testdata/csaf"

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// world is a small directory with publication over it.
type world struct {
	t   testing.TB
	svc *Service
	q   *jobs.Queue
	key *seal.Key
	clk *clock
	org map[string]string
	id  map[string]*auth.Identity
	ran map[int64]bool // notify jobs run by deliver
}

func newWorld(t testing.TB, d *db.DB) *world {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	q, err := jobs.New(d, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := seal.Parse(strings.Repeat("5c", 32))
	outbox := notify.NewOutbox(q, key)
	users := auth.NewService(auth.Options{DB: d, Outbox: outbox, Key: key, Now: clk.Now, BaseURL: "https://hub.example"})
	dir := directory.NewService(d, users, nil, clk.Now, nil)
	center, err := pgp.LoadOrCreateCenterKey(ctx, d, key, "CC", "cc@cc.example", clk.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	svc := NewService(Options{DB: d, Orgs: dir, People: users, Queue: q, Outbox: outbox, CenterKey: center, Now: clk.Now,
		BaseURL: "https://hub.example", CenterName: "CERT CC", Contact: "security@hub.example"})
	w := &world{t: t, svc: svc, q: q, key: key, clk: clk, org: map[string]string{}, id: map[string]*auth.Identity{}, ran: map[int64]bool{}}
	sys := auth.System("test")
	mk := func(key, name string, kind directory.Kind, parent string) {
		in := directory.OrgInput{Name: &name, Kind: &kind}
		if parent != "" {
			p := w.org[parent]
			in.ParentID = &p
		}
		o, err := dir.Create(ctx, sys, in)
		if err != nil {
			t.Fatalf("org %s: %v", name, err)
		}
		w.org[key] = o.ID
	}
	mk("cc", "CERT Coordination Center", directory.KindCoordinationCenter, "")
	mk("bankcert", "Banking Sector CERT", directory.KindSectoralCERT, "cc")
	mk("telcocert", "Telecom Sector CERT", directory.KindSectoralCERT, "cc")
	mk("bank", "First Example Bank", directory.KindConstituent, "bankcert")
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
	user("coord2", auth.PlatformCoordinator, "cc", auth.RoleAnalyst)
	user("bank_analyst", "", "bankcert", auth.RoleAnalyst)
	user("bank_member", "", "bank", auth.RoleMember)
	user("telco_analyst", "", "telcocert", auth.RoleAnalyst)
	user("nobody", "", "", "")
	return w
}

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

// deliver runs the queued subscriber mailings (the test's queue does not work).
func (w *world) deliver() {
	w.t.Helper()
	list, err := w.q.List(context.Background(), jobs.States, 500)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, j := range list {
		if j.Kind != (NotifyArgs{}).Kind() || w.ran[j.ID] {
			continue
		}
		w.ran[j.ID] = true
		var a NotifyArgs
		if err := json.Unmarshal(j.Args, &a); err != nil {
			w.t.Fatal(err)
		}
		if _, err := w.svc.NotifySubscribers(context.Background(), a.AdvisoryID, a.Revision); err != nil {
			w.t.Fatal(err)
		}
	}
}

// sample is a security advisory with two products and a vulnerability.
func sample(title string) Input {
	return Input{Kind: KindAdvisory, TLP: "CLEAR", Content: Content{
		Title: title, Summary: "An authentication bypass in Acme SecureGate before 9.4.2.", Action: "Update to 9.4.2.",
		Sectors: []string{"banking"}, Acknowledgments: []string{"Ada Researcher"},
		Products: []Product{{Vendor: "Acme", Name: "SecureGate", Versions: "<9.4.2", PURL: "pkg:generic/acme/securegate"},
			{Vendor: "Acme", Name: "SecureGate", Versions: "9.4.2"}},
		Vulns: []Vuln{{CVE: "CVE-2026-41001", Title: "Authentication bypass", CWE: "CWE-287", Description: "A crafted request skips the password check.",
			CVSS3: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", CVSS4: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
			Exploited: true,
			Status:    map[string]string{"CSAFPID-0001": StatusKnownAffected, "CSAFPID-0002": StatusFixed},
			Remediations: []Remediation{{Category: "vendor_fix", Details: "Update to 9.4.2.", URL: "https://acme.example/sa",
				ProductIDs: []string{"CSAFPID-0001"}}}}},
		References: []Reference{{URL: "https://acme.example/sa", Summary: "Vendor advisory"}},
	}}
}

// publish takes a draft through review (coord writes, coord2 approves).
func (w *world) publish(in Input) Advisory {
	w.t.Helper()
	ctx := context.Background()
	a, err := w.svc.Create(ctx, w.id["coord"], in)
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.svc.Submit(ctx, w.id["coord"], a.ID); err != nil {
		w.t.Fatal(err)
	}
	a, err = w.svc.Approve(ctx, w.id["coord2"], a.ID, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	if a.Status != StatusPublished {
		w.t.Fatalf("status %s after approval without a date", a.Status)
	}
	return a
}

func TestReviewScheduleAndCorrection(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		coord, coord2 := w.id["coord"], w.id["coord2"]
		if _, err := w.svc.Create(ctx, w.id["bank_analyst"], sample("x")); errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("a sectoral analyst drafted a publication: %v", err)
		}
		a, err := w.svc.Create(ctx, coord, sample("Authentication bypass in Acme SecureGate"))
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^CC-SA-2026-\d{4}$`).MatchString(a.TrackingID) {
			t.Fatalf("tracking ID %q", a.TrackingID)
		}
		if _, err := w.svc.Approve(ctx, coord2, a.ID, nil); errs.KindOf(err) != errs.KindConflict {
			t.Fatalf("a draft was approved: %v", err)
		}
		if _, err := w.svc.Submit(ctx, coord, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Update(ctx, coord, a.ID, sample("changed")); errs.KindOf(err) != errs.KindConflict {
			t.Fatalf("edited under review: %v", err)
		}
		if _, err := w.svc.Approve(ctx, coord, a.ID, nil); errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("the author approved their own advisory: %v", err)
		}
		at := w.clk.Now().Add(48 * time.Hour)
		a, err = w.svc.Approve(ctx, coord2, a.ID, &at)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != StatusApproved || a.Published() {
			t.Fatalf("scheduled advisory is %s, published %d", a.Status, a.PublishedVersion)
		}
		if _, _, err := w.svc.Publication(ctx, nil, a.TrackingID); errs.KindOf(err) != errs.KindNotFound {
			t.Fatalf("a scheduled advisory is public: %v", err)
		}
		if n, err := w.svc.PublishDue(ctx); err != nil || n != 0 {
			t.Fatalf("published %d before the date: %v", n, err)
		}
		w.clk.Add(48*time.Hour + time.Second)
		if n, err := w.svc.PublishDue(ctx); err != nil || n != 1 {
			t.Fatalf("published %d at the date: %v", n, err)
		}
		p, rev, err := w.svc.Publication(ctx, nil, a.TrackingID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Version != 1 || p.Severity != "critical" || !p.FirstPublishedAt.Equal(at.Add(time.Second)) {
			t.Fatalf("publication %+v", p)
		}
		if problems := ValidateCSAF(rev.CSAF, FileName(a.TrackingID)); problems != nil {
			t.Fatalf("published document invalid: %v", problems)
		}
		sum := sha256.Sum256(rev.CSAF)
		if rev.SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatal("sha256 does not match the document")
		}
		if err := pgp.VerifyDetached(rev.CSAF, rev.Signature, w.svc.key.Public); err != nil {
			t.Fatal(err)
		}

		// A correction needs a note, stays private until approved, and
		// becomes revision 2 with the history.
		fix := sample("Authentication bypass in Acme SecureGate (updated)")
		if _, err := w.svc.Update(ctx, coord, a.ID, fix); errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("correction without a note: %v", err)
		}
		fix.RevisionNote = "Added the fixed version."
		if _, err := w.svc.Update(ctx, coord, a.ID, fix); err != nil {
			t.Fatal(err)
		}
		if p, _, _ := w.svc.Publication(ctx, nil, a.TrackingID); p.Content.Title != "Authentication bypass in Acme SecureGate" {
			t.Fatalf("the unapproved correction is public: %q", p.Content.Title)
		}
		w.clk.Add(time.Hour)
		if _, err := w.svc.Submit(ctx, coord, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Approve(ctx, coord2, a.ID, nil); err != nil {
			t.Fatal(err)
		}
		p, rev, err = w.svc.Publication(ctx, nil, a.TrackingID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Version != 2 || len(p.History) != 2 || p.Content.Title != fix.Content.Title {
			t.Fatalf("after the correction: version %d, %d revisions, %q", p.Version, len(p.History), p.Content.Title)
		}
		var doc struct {
			Document struct {
				Tracking struct {
					Version            string `json:"version"`
					InitialReleaseDate string `json:"initial_release_date"`
					RevisionHistory    []struct {
						Number  string `json:"number"`
						Summary string `json:"summary"`
					} `json:"revision_history"`
				} `json:"tracking"`
			} `json:"document"`
		}
		if err := json.Unmarshal(rev.CSAF, &doc); err != nil {
			t.Fatal(err)
		}
		tr := doc.Document.Tracking
		if tr.Version != "2" || len(tr.RevisionHistory) != 2 || tr.RevisionHistory[1].Summary != "Added the fixed version." ||
			tr.InitialReleaseDate != p.FirstPublishedAt.UTC().Format(time.RFC3339) {
			t.Fatalf("tracking %+v", tr)
		}
		if problems := ValidateCSAF(rev.CSAF, ""); problems != nil {
			t.Fatalf("revision 2 invalid: %v", problems)
		}
	})
}

func TestAnInvalidDocumentCannotBePublished(t *testing.T) {
	w := newWorld(t, dbtest.Open(t, db.SQLite))
	ctx := context.Background()
	// A security advisory without products or vulnerabilities fails the
	// profile tests (6.1.27.x): the editor is told why.
	a, err := w.svc.Create(ctx, w.id["coord"], Input{Kind: KindAdvisory, TLP: "CLEAR", Content: Content{Title: "Empty", Summary: "Nothing yet."}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := w.svc.Get(ctx, w.id["coord"], a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Problems) == 0 || !strings.HasPrefix(d.Problems[0].Test, "6.1.27") {
		t.Fatalf("problems %+v", d.Problems)
	}
	_, err = w.svc.Submit(ctx, w.id["coord"], a.ID)
	e := errs.As(err)
	if e == nil || e.Kind != errs.KindInvalid || len(e.Fields) == 0 || !strings.Contains(e.Fields[0].Message, "6.1.27") {
		t.Fatalf("submit of an invalid document: %v", err)
	}
	// Field validation answers per field.
	bad := sample("Bad")
	bad.Content.Vulns[0].CVSS3 = "CVSS:3.1/AV:X"
	bad.Content.Vulns[0].Status["CSAFPID-9999"] = StatusFixed
	bad.Content.References[0].URL = "javascript:alert(1)"
	_, err = w.svc.Create(ctx, w.id["coord"], bad)
	e = errs.As(err)
	if e == nil || !errs.Fields(e.Fields).Has("content.vulnerabilities[0].cvss3") || !errs.Fields(e.Fields).Has("content.vulnerabilities[0].status") ||
		!errs.Fields(e.Fields).Has("content.references[0].url") {
		t.Fatalf("field errors: %v", err)
	}
}

// TestAccessMatrix: who reads which published revision, in the listing,
// one by one and in the CSAF provider's folders.
func TestAccessMatrix(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		labels := []string{"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"}
		ids := map[string]string{}
		for _, l := range labels {
			in := sample("Marked " + l)
			in.TLP = l
			in.Recipients = []string{w.org["bankcert"]}
			// A person named reads whatever the label, RED included;
			// members of a recipient organisation never read RED.
			in.RecipientUsers = []string{"telco_analyst@test.example"}
			ids[l] = w.publish(in).TrackingID
		}
		// A correction that proposes other recipients changes nobody's access
		// until it is reviewed and published.
		fix := sample("Marked AMBER")
		fix.TLP, fix.Recipients, fix.RevisionNote = "AMBER", []string{w.org["telcocert"]}, "Other recipients."
		fix.RecipientUsers = []string{w.id["nobody"].User.ID}
		if _, err := w.svc.Update(ctx, w.id["coord"], ids["AMBER"], fix); err != nil {
			t.Fatal(err)
		}
		// An unpublished draft is nobody's outside the console.
		draft, err := w.svc.Create(ctx, w.id["coord"], sample("Draft"))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{
			"":              {"CLEAR"},
			"nobody":        {"CLEAR", "GREEN"},
			"telco_analyst": {"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"},
			"bank_member":   {"CLEAR", "GREEN", "AMBER"},
			"bank_analyst":  {"CLEAR", "GREEN", "AMBER", "AMBER+STRICT"},
			"coord":         {"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"},
		}
		for who, visible := range want {
			id := w.id[who]
			list, err := w.svc.Publications(ctx, id, PublicFilter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range list.Items {
				got = append(got, p.TLP)
			}
			if strings.Join(sortedLabels(got, labels), ",") != strings.Join(visible, ",") {
				t.Errorf("%q lists %v, want %v", who, got, visible)
			}
			for _, l := range labels {
				_, _, err := w.svc.Publication(ctx, id, ids[l])
				may := slices.Contains(visible, l)
				if may != (err == nil) {
					t.Errorf("%q reading TLP:%s: %v", who, l, err)
				}
				if !may && errs.KindOf(err) != errs.KindNotFound {
					t.Errorf("%q: a hidden publication answers %v, not 404", who, err)
				}
			}
			if _, _, err := w.svc.Publication(ctx, id, draft.TrackingID); errs.KindOf(err) != errs.KindNotFound {
				t.Errorf("%q reads an unpublished draft: %v", who, err)
			}
			for folder, fl := range map[string][]string{"white": {"CLEAR"}, "amber": {"AMBER", "AMBER+STRICT"}, "red": {"RED"}} {
				es, err := w.svc.entries(ctx, id, folder)
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, l := range fl {
					if slices.Contains(visible, l) {
						n++
					}
				}
				if len(es) != n {
					t.Errorf("%q sees %d documents in %s, want %d", who, len(es), folder, n)
				}
			}
		}
		// The people named are users, given by id or address; the
		// organisations exist.
		bad := sample("Named wrongly")
		bad.TLP, bad.Recipients = "RED", []string{w.org["bankcert"], "no-such-org"}
		bad.RecipientUsers = []string{w.id["bank_member"].User.ID, "ghost@test.example", "no-such-id"}
		_, err = w.svc.Create(ctx, w.id["coord"], bad)
		var fe errs.Fields
		if e := errs.As(err); e != nil {
			fe = e.Fields
		}
		if !fe.Has("recipients[1]") || !fe.Has("recipient_users[1]") || !fe.Has("recipient_users[2]") ||
			fe.Has("recipients[0]") || fe.Has("recipient_users[0]") {
			t.Errorf("bad recipients: %v", err)
		}
		bad.Recipients, bad.RecipientUsers = []string{w.org["bankcert"]}, []string{"BANK_MEMBER@test.example", w.id["bank_member"].User.ID}
		a, err := w.svc.Create(ctx, w.id["coord"], bad)
		if err != nil || !slices.Equal(a.RecipientUsers, []string{w.id["bank_member"].User.ID}) {
			t.Errorf("named by address and id: %v, %v", a.RecipientUsers, err)
		}
		// The console is staff's.
		if _, err := w.svc.Get(ctx, w.id["bank_analyst"], draft.ID); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("a CERT analyst opened a draft: %v", err)
		}
	})
}

func sortedLabels(got, order []string) []string {
	var out []string
	for _, l := range order {
		if slices.Contains(got, l) {
			out = append(out, l)
		}
	}
	if len(out) != len(got) {
		return got // duplicates or unknown labels: let the comparison fail
	}
	return out
}

// TestSearchAndFilters: the public listing's filters and its text search
// (whole words or their beginnings, from the index of words) on both
// engines.
func TestSearchAndFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) { searchAndFilters(t, d) })
}

func searchAndFilters(t *testing.T, d *db.DB) {
	w := newWorld(t, d)
	ctx := context.Background()
	a := w.publish(sample("Authentication bypass in Acme SecureGate"))
	other := sample("Heap overflow in Beta Corp ImageLib")
	other.Content.Products = []Product{{Vendor: "Beta Corp", Name: "ImageLib", Versions: "3.1"}}
	other.Content.Vulns[0] = Vuln{CVE: "CVE-2026-50000", Title: "Heap overflow", CVSS3: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:L",
		Status: map[string]string{"CSAFPID-0001": StatusKnownAffected}}
	other.Content.Sectors = nil
	w.clk.Add(time.Hour)
	b := w.publish(other)
	alert := Input{Kind: KindAlert, TLP: "CLEAR", Content: Content{Title: "Phishing wave", Summary: "Messages impersonate a bank.",
		References: []Reference{{URL: "https://bank.example/notice", Summary: "Notice"}}}}
	w.clk.Add(time.Hour)
	c := w.publish(alert)
	tests := []struct {
		f    PublicFilter
		want []string
	}{
		{PublicFilter{}, []string{c.TrackingID, b.TrackingID, a.TrackingID}},
		{PublicFilter{CVE: "cve-2026-41001"}, []string{a.TrackingID}},
		{PublicFilter{Vendor: "beta"}, []string{b.TrackingID}},
		{PublicFilter{Product: "securegate"}, []string{a.TrackingID}},
		{PublicFilter{Query: "heap imagelib"}, []string{b.TrackingID}},
		{PublicFilter{Query: "nothing-like-this"}, nil},
		{PublicFilter{Kind: "alert"}, []string{c.TrackingID}},
		{PublicFilter{Severity: "critical"}, []string{a.TrackingID}},
		{PublicFilter{Sector: "banking"}, []string{a.TrackingID}},
		{PublicFilter{Query: "100%_"}, nil},
		{PublicFilter{Query: "%%% heap"}, nil},
		{PublicFilter{Query: "imageli HEAP"}, []string{b.TrackingID}},
		{PublicFilter{Query: "magelib"}, nil},
		{PublicFilter{Query: "CVE-2026-50000"}, []string{b.TrackingID}},
		{PublicFilter{Query: "cve-2026-5"}, []string{b.TrackingID}},
		{PublicFilter{Query: `phishing "wave`}, []string{c.TrackingID}},
		{PublicFilter{Query: "it's:* & | !bank"}, nil},
		{PublicFilter{Query: "bank."}, []string{c.TrackingID}},
		{PublicFilter{Limit: 2, Page: 2}, []string{a.TrackingID}},
	}
	for _, tc := range tests {
		list, err := w.svc.Publications(ctx, nil, tc.f)
		if err != nil {
			t.Fatalf("%+v: %v", tc.f, err)
		}
		var got []string
		for _, p := range list.Items {
			got = append(got, p.TrackingID)
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%+v: got %v, want %v", tc.f, got, tc.want)
		}
	}
}

func TestDraftFromCase(t *testing.T) {
	w := newWorld(t, dbtest.Open(t, db.SQLite))
	ctx := context.Background()
	c3, _ := cvss.Parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N")
	h := vdp.Handoff{CaseID: "", CaseNumber: "CC-2026-0001", Title: "SQL injection in NetBank Portal", Summary: "An SQL injection in the login form.",
		TLP: "AMBER", References: []string{"https://examplesoft.example/sa-1", "not a url"}, Credits: []string{"Ada Researcher"},
		Vulns: []model.Vuln{{ID: "v1", Title: "SQL injection in /login", CWE: "CWE-89", CVEID: "CVE-2026-1000", CVSS3: &c3}},
		Products: []vdp.HandoffProduct{
			{VulnID: "v1", VendorOrgID: w.org["bank"], Vendor: "Examplesoft", Product: "NetBank Portal", Status: "fixed", FixedVersions: "4.2.1", Workaround: "Block /login from the internet."},
			{VulnID: "v1", VendorOrgID: w.org["telcocert"], Vendor: "OtherSoft", Product: "Gateway", Status: model.StatusUnknown},
		}}
	if _, err := w.svc.DraftFromCase(ctx, w.id["bank_analyst"], h); errs.KindOf(err) != errs.KindForbidden {
		t.Fatalf("a CERT analyst drafted: %v", err)
	}
	id, err := w.svc.DraftFromCase(ctx, w.id["coord"], h)
	if err != nil {
		t.Fatal(err)
	}
	d, err := w.svc.Get(ctx, w.id["coord"], id)
	if err != nil {
		t.Fatal(err)
	}
	c := d.Advisory.Content
	if d.Advisory.TLP != "CLEAR" || len(c.Products) != 2 || len(c.Vulns) != 1 || len(c.References) != 1 || c.Acknowledgments[0] != "Ada Researcher" {
		t.Fatalf("draft %+v", d.Advisory)
	}
	v := c.Vulns[0]
	if v.Status["CSAFPID-0001"] != StatusFixed || v.Status["CSAFPID-0002"] != StatusUnderInvestigation || v.CVSS3 != c3.Vector || v.CVE != "CVE-2026-1000" {
		t.Fatalf("vulnerability %+v", v)
	}
	if len(v.Remediations) != 2 || v.Remediations[0].Category != "vendor_fix" || v.Remediations[1].Category != "workaround" {
		t.Fatalf("remediations %+v", v.Remediations)
	}
	if len(d.Problems) != 0 {
		t.Fatalf("the drafted document is not valid: %+v", d.Problems)
	}
	if len(d.Advisory.Recipients) != 2 {
		t.Fatalf("recipients %v", d.Advisory.Recipients)
	}
}

// TestOfficialExamplesImport imports every official CSAF example
// and the official invalid documents are refused with reasons.
func TestOfficialExamplesImport(t *testing.T) {
	w := newWorld(t, dbtest.Open(t, db.SQLite))
	ctx := context.Background()
	files, _ := filepath.Glob(filepath.Join(official, "examples/*.json"))
	if len(files) != 6 {
		t.Fatalf("%d official examples found, want 6", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		a, problems, err := w.svc.Import(ctx, w.id["coord"], b, nil)
		if err != nil {
			t.Errorf("%s: %v %v", filepath.Base(f), err, problems)
			continue
		}
		if !a.Imported || a.Content.Title == "" || (a.Kind == KindAdvisory && len(a.Content.Vulns) == 0) {
			t.Errorf("%s: imported as %+v", filepath.Base(f), a)
		}
	}
	for _, name := range []string{"oasis_csaf_tc-csaf_2_0-2021-6-1-01-01.json", "oasis_csaf_tc-csaf_2_0-2021-6-1-08-01.json"} {
		b, err := os.ReadFile(filepath.Join(official, "mandatory", name))
		if err != nil {
			t.Fatal(err)
		}
		_, problems, err := w.svc.Import(ctx, w.id["coord"], b, nil)
		if err == nil || len(problems) == 0 {
			t.Errorf("%s was imported", name)
		}
	}
	if _, _, err := w.svc.Import(ctx, w.id["coord"], []byte("{not json"), nil); errs.KindOf(err) != errs.KindInvalid {
		t.Errorf("junk: %v", err)
	}
}

func TestSubscriptionDoubleOptIn(t *testing.T) {
	w := newWorld(t, dbtest.Open(t, db.SQLite))
	ctx := context.Background()
	if err := w.svc.Subscribe(ctx, "192.0.2.1", "not-an-address", nil); errs.KindOf(err) != errs.KindInvalid {
		t.Fatalf("bad address: %v", err)
	}
	if err := w.svc.Subscribe(ctx, "192.0.2.1", "soc@bank.example", []string{"advisory"}); err != nil {
		t.Fatal(err)
	}
	ms := w.mails()
	if len(ms) != 1 || ms[0].To[0] != "soc@bank.example" {
		t.Fatalf("mails %+v", ms)
	}
	token := regexp.MustCompile(`confirm\?token=(\S+)`).FindStringSubmatch(ms[0].Text)
	if token == nil {
		t.Fatalf("no confirmation link:\n%s", ms[0].Text)
	}
	w.publish(sample("Before confirmation"))
	w.deliver()
	if n := len(w.mails()); n != 1 {
		t.Fatalf("an unconfirmed address got %d messages", n-1)
	}
	if err := w.svc.Confirm(ctx, "wrong"); errs.KindOf(err) != errs.KindNotFound {
		t.Fatalf("wrong token: %v", err)
	}
	if err := w.svc.Confirm(ctx, token[1]); err != nil {
		t.Fatal(err)
	}
	// Someone asking in the subscriber's name changes nothing until the
	// address confirms again.
	if err := w.svc.Subscribe(ctx, "203.0.113.9", "soc@bank.example", []string{"news"}); err != nil {
		t.Fatal(err)
	}
	after := w.publish(sample("After confirmation"))
	alert := Input{Kind: KindAlert, TLP: "CLEAR", Content: Content{Title: "An alert", Summary: "Not subscribed to alerts.",
		References: []Reference{{URL: "https://x.example/", Summary: "x"}}}}
	w.publish(alert)
	amber := sample("Restricted")
	amber.TLP = "AMBER"
	w.publish(amber)
	w.deliver()
	// A job retried after a failure mails nobody twice.
	if n, err := w.svc.NotifySubscribers(ctx, after.ID, 1); err != nil || n != 0 {
		t.Fatalf("the mailing again: %d %v", n, err)
	}
	ms = w.mails()
	if len(ms) != 3 || !strings.Contains(ms[2].Subject, "After confirmation") || !strings.Contains(ms[1].Subject, "Confirm") {
		t.Fatalf("after confirming: %d messages (%v)", len(ms), ms)
	}
	unsub := regexp.MustCompile(`cancel\?token=(\S+)`).FindStringSubmatch(ms[2].Text)
	if unsub == nil {
		t.Fatalf("no unsubscribe link:\n%s", ms[2].Text)
	}
	if err := w.svc.Unsubscribe(ctx, unsub[1]); err != nil {
		t.Fatal(err)
	}
	w.publish(sample("After unsubscribing"))
	w.deliver()
	if n := len(w.mails()); n != 3 {
		t.Fatalf("mail after unsubscribing: %d", n)
	}
}

// TestSubscriptionKinds: a publication is mailed to those who confirmed
// its kind or every kind (no kind named), on both engines; confirming new
// kinds replaces the old ones.
func TestSubscriptionKinds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		confirm := func(email string, kinds []string) {
			t.Helper()
			if err := w.svc.Subscribe(ctx, "192.0.2.1", email, kinds); err != nil {
				t.Fatal(err)
			}
			ms := w.mails()
			token := regexp.MustCompile(`confirm\?token=(\S+)`).FindStringSubmatch(ms[len(ms)-1].Text)
			if token == nil {
				t.Fatalf("no confirmation link for %s", email)
			}
			if err := w.svc.Confirm(ctx, token[1]); err != nil {
				t.Fatal(err)
			}
		}
		confirm("all@bank.example", nil)
		confirm("alerts@bank.example", []string{"alert"})
		confirm("both@bank.example", []string{"advisory", "alert"})
		// got publishes one of kind and answers who was mailed it.
		got := func(kind Kind, title string) []string {
			t.Helper()
			before := len(w.mails())
			in := sample(title)
			in.Kind = kind
			w.publish(in)
			w.deliver()
			var to []string
			for _, m := range w.mails()[before:] {
				to = append(to, m.To...)
			}
			slices.Sort(to)
			return to
		}
		if diff := cmp.Diff([]string{"alerts@bank.example", "all@bank.example", "both@bank.example"}, got(KindAlert, "An alert")); diff != "" {
			t.Errorf("the alert went to (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"all@bank.example", "both@bank.example"}, got(KindAdvisory, "An advisory")); diff != "" {
			t.Errorf("the advisory went to (-want +got):\n%s", diff)
		}
		confirm("alerts@bank.example", []string{"advisory"})
		if diff := cmp.Diff([]string{"alerts@bank.example", "all@bank.example", "both@bank.example"}, got(KindAdvisory, "Another")); diff != "" {
			t.Errorf("after changing kinds, the advisory went to (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"all@bank.example", "both@bank.example"}, got(KindAlert, "Another alert")); diff != "" {
			t.Errorf("after changing kinds, the alert went to (-want +got):\n%s", diff)
		}
	})
}

// TestValidatorAgainstOfficialTests: the validator refuses the official
// invalid documents of some mandatory tests and accepts valid ones (the
// csafcheck package tests every one; this checks the schema is wired in).
func TestValidatorAgainstOfficialTests(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(official, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if p := ValidateCSAF(read("mandatory/oasis_csaf_tc-csaf_2_0-2021-6-1-01-11.json"), ""); p != nil {
		t.Errorf("a valid official document: %v", p)
	}
	if p := ValidateCSAF(read("mandatory/oasis_csaf_tc-csaf_2_0-2021-6-1-01-01.json"), ""); p == nil {
		t.Error("an invalid official document passed")
	}
	if p := ValidateCSAF([]byte(`{"document": {"category": 5}}`), ""); len(p) == 0 || p[0].Test != "schema" {
		t.Errorf("schema problems not reported: %v", p)
	}
	if p := ValidateCSAF(read("mandatory/oasis_csaf_tc-csaf_2_0-2021-6-1-01-11.json"), "wrong.json"); len(p) != 1 || p[0].Test != "filename" {
		t.Errorf("file name: %v", p)
	}
}

// The four-eyes rule counts everyone who changed the working copy since
// the last publication, not only the last editor.
func TestEveryEditorIsOneOfTheFourEyes(t *testing.T) {
	w := newWorld(t, dbtest.Open(t, db.SQLite))
	ctx := context.Background()
	a, err := w.svc.Create(ctx, w.id["coord"], sample("Drafted by coord"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Update(ctx, w.id["coord2"], a.ID, sample("Rewritten by coord2")); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Update(ctx, w.id["coord"], a.ID, sample("Touched again by coord")); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Submit(ctx, w.id["coord"], a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Approve(ctx, w.id["coord2"], a.TrackingID, nil); errs.KindOf(err) != errs.KindForbidden {
		t.Fatalf("an editor approved their own changes: %v", err)
	}
	// A page far beyond the end is an empty page, not an error.
	if l, err := w.svc.Publications(ctx, nil, PublicFilter{Page: 1 << 62}); err != nil || len(l.Items) != 0 {
		t.Fatalf("huge page: %v %v", l, err)
	}
}

// A weakness whose exact CWE name the center does not know goes into a
// note, so the document stays valid for any validator.
func TestUnknownCWEGoesToANote(t *testing.T) {
	in := sample("Odd weakness")
	in.Content.Vulns[0].CWE = "CWE-1236"
	a := Advisory{TrackingID: "CC-SA-2026-0042", Kind: KindAdvisory, Content: in.Content}
	if err := (&in).validate(); err != nil {
		t.Fatal(err)
	}
	a.Content = in.Content
	doc, err := buildCSAF(docInput{Advisory: a, Content: a.Content, TLP: "CLEAR", Version: 1, Date: time.Now(),
		Publisher: Publisher{Name: "CC", Namespace: "https://cc.example"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(doc), `"cwe"`) || !strings.Contains(string(doc), "CWE-1236") {
		t.Fatalf("document:\n%s", doc)
	}
	if p := ValidateCSAF(doc, FileName(a.TrackingID)); p != nil {
		t.Fatalf("invalid: %v", p)
	}
	in.Content.Vulns[0].CWE = "CWE-79"
	doc, _ = buildCSAF(docInput{Advisory: a, Content: in.Content, TLP: "CLEAR", Version: 1, Date: time.Now(),
		Publisher: Publisher{Name: "CC", Namespace: "https://cc.example"}})
	if !strings.Contains(string(doc), `"name": "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"`) {
		t.Fatalf("CWE-79 without its name:\n%s", doc)
	}
}

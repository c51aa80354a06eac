package intel

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/intel/index"
	"github.com/certhub/certhub/internal/intel/lookup"
	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/intel/sharing"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
)

// officialBundles are the STIX 2.1 bundles of stix/testdata/.
func officialBundles(t testing.TB) []string {
	files := []string{officialSTIX + "/attack/ics-attack.json"}
	for _, g := range []string{"/stix/examples/*.json", "/stix/examples/*/*.json"} {
		more, err := filepath.Glob(officialSTIX + g)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range more {
			var top struct {
				Type string `json:"type"`
			}
			if data, err := os.ReadFile(f); err == nil && json.Unmarshal(data, &top) == nil && top.Type == "bundle" {
				files = append(files, f) // some examples are single objects
			}
		}
	}
	if len(files) < 5 {
		t.Fatalf("the official bundles are missing: %v", files)
	}
	return files
}

// objectsOf reads a bundle's objects, each as a decoded JSON value, by id
// and version.
func objectsOf(t testing.TB, data []byte) map[string]any {
	var b struct {
		Type    string            `json:"type"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(data, &b); err != nil || b.Type != "bundle" {
		t.Fatalf("not a bundle (%v): %.200s", err, data)
	}
	out := map[string]any{}
	for _, raw := range b.Objects {
		var o map[string]any
		if err := json.Unmarshal(raw, &o); err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprint(o["id"], " ", o["modified"], o["created"])
		out[key] = o
	}
	return out
}

func TestOfficialBundlesRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newService(t, d)
		ctx := context.Background()
		src, err := s.EnsureSource(ctx, sys, "partners", "GREEN", nil)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{}
		for _, f := range officialBundles(t) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			in := objectsOf(t, data)
			res, err := s.Ingest(ctx, sys, src, bytes.NewReader(data), IngestOptions{})
			if err != nil || res.Objects != len(in) {
				t.Fatalf("%s: kept %d of %d objects: %+v %v", f, res.Objects, len(in), res.Errors, err)
			}
			for k, v := range in {
				want[k] = v
			}
		}
		// Loading the same bundles again keeps nothing twice.
		data, _ := os.ReadFile(officialSTIX + "/attack/ics-attack.json")
		if _, err := s.Ingest(ctx, sys, src, bytes.NewReader(data), IngestOptions{}); err != nil {
			t.Fatal(err)
		}
		v, _ := s.Viewer(ctx, sys)
		col, err := s.Access().Collection(ctx, "community")
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := s.Sharing().WriteBundle(ctx, v, col, &out); err != nil {
			t.Fatal(err)
		}
		got := objectsOf(t, out.Bytes())
		if len(got) != len(want) {
			t.Errorf("the bundle holds %d objects, the inputs %d", len(got), len(want))
		}
		for k, w := range want {
			if !reflect.DeepEqual(got[k], w) {
				t.Fatalf("%s came back different:\n got %v\nwant %v", k, got[k], w)
			}
		}
	})
}

// orgsForAccess registers a sectoral CERT, a bank in its constituency
// (owning 198.51.100.0/24) and an unrelated insurer.
func orgsForAccess(t testing.TB, d *db.DB) {
	ctx := context.Background()
	for _, o := range [][4]string{{"cert", "BankCERT", "", "banking"}, {"bank", "Bank", "cert", "banking"}, {"ins", "Insurer", "", "insurance"}} {
		var parent any
		if o[2] != "" {
			parent = o[2]
		}
		if _, err := d.Exec(ctx, `INSERT INTO orgs (id, name, name_key, kind, parent_id, sector, created_at, updated_at)
			VALUES ($1, $2, $3, 'constituent', $4, $5, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, o[0], o[1], strings.ToLower(o[1]), parent, o[3]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Exec(ctx, `INSERT INTO org_cidrs (org_id, cidr, position) VALUES ('bank', '198.51.100.0/24', 0)`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO org_domains (org_id, domain, position) VALUES ('bank', 'bank.example', 0)`); err != nil {
		t.Fatal(err)
	}
}

func member(org string, role auth.Role) *auth.Identity {
	return &auth.Identity{User: auth.User{ID: "u-" + org, Email: org + "@example.org"}, Method: auth.MethodToken,
		Memberships: []auth.Membership{{OrgID: org, Role: role}}}
}

// markedIndicators registers the organisations and loads one indicator
// per marking outside the bank (203.0.113.1–5) and the same markings
// inside its network (198.51.100.1–5), from the center's source.
func markedIndicators(t *testing.T, d *db.DB) (*Service, Source) {
	orgsForAccess(t, d)
	s := newService(t, d)
	ctx := context.Background()
	src, err := s.EnsureSource(ctx, sys, "partners", "AMBER", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, label := range []string{"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"} {
		in := fmt.Sprintf("203.0.113.%d\n198.51.100.%d\n", i+1, i+1)
		if _, err := s.Ingest(ctx, sys, src, strings.NewReader(in), IngestOptions{TLP: label}); err != nil {
			t.Fatal(err)
		}
	}
	return s, src
}

// TestAccessMatrix: what each organisation reads of the community's
// collection and of the bank's own, by TLP marking.
func TestAccessMatrix(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := markedIndicators(t, d)
		ctx := context.Background()
		// The insurer's own source: its AMBER is its own; its RED is for
		// the people named on it, not for every member of the insurer.
		own, err := s.EnsureSource(ctx, sys, "insurer's sensors", "AMBER", ptr("ins"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Ingest(ctx, member("ins", auth.RoleAnalyst), own, strings.NewReader("192.0.2.77\n"), IngestOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Ingest(ctx, member("ins", auth.RoleAnalyst), own, strings.NewReader("192.0.2.78\n"), IngestOptions{TLP: "RED"}); err != nil {
			t.Fatal(err)
		}
		ciso := &auth.Identity{User: auth.User{ID: "u-ins-ciso", Email: "ciso@ins.example"}, Method: auth.MethodToken,
			Memberships: []auth.Membership{{OrgID: "ins", Role: auth.RoleAdmin}}}
		s.people = testPeople{ciso.User}
		if _, err := s.UpdateSource(ctx, sys, own.ID, SourceInput{RecipientUsers: &[]string{"nobody@ins.example", "no-id"}}); !errs.Fields(fieldsOf(err)).Has("recipient_users[0]") ||
			!errs.Fields(fieldsOf(err)).Has("recipient_users[1]") {
			t.Errorf("unknown people named: %v", err)
		}
		named, err := s.UpdateSource(ctx, sys, own.ID, SourceInput{RecipientUsers: &[]string{"CISO@ins.example", "u-ins-ciso"}})
		if err != nil || !slices.Equal(named.RecipientUsers, []string{"u-ins-ciso"}) {
			t.Fatalf("naming the CISO: %v %v", named.RecipientUsers, err)
		}
		if got, err := s.GetSource(ctx, sys, own.ID); err != nil || !slices.Equal(got.RecipientUsers, []string{"u-ins-ciso"}) {
			t.Fatalf("the source read back names %v (%v)", got.RecipientUsers, err)
		}
		for who, id := range map[string]*auth.Identity{"the insurer's analyst": member("ins", auth.RoleAnalyst), "the CISO": ciso} {
			m, err := s.Lookup().Lookup(ctx, id, []string{"192.0.2.78", "192.0.2.77"})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, x := range m {
				got = append(got, x.Value+" "+x.TLP)
			}
			slices.Sort(got)
			want := []string{"192.0.2.77 AMBER"}
			if id == ciso {
				want = []string{"192.0.2.77 AMBER", "192.0.2.78 RED"}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s looks up %v, want %v", who, got, want)
			}
		}
		community, _ := s.Access().Collection(ctx, "community")
		bankCol, err := s.Access().Collection(ctx, "org-bank")
		if err != nil {
			t.Fatalf("the bank has no collection of routes: %v", err)
		}
		read := func(id *auth.Identity, c access.Collection) ([]string, error) {
			v, err := s.Viewer(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			page, _, err := s.Sharing().Page(ctx, v, c, sharing.Filter{})
			var got []string
			for _, o := range page {
				var body struct {
					Name string `json:"name"`
				}
				_ = json.Unmarshal(o.Body, &body)
				got = append(got, body.Name+" "+o.TLP)
			}
			slices.Sort(got)
			return got, err
		}
		tests := []struct {
			who  string
			id   *auth.Identity
			c    access.Collection
			want []string // nil with notFound: the collection is hidden
		}{
			{"staff, community", &auth.Identity{User: auth.User{PlatformRole: auth.PlatformCoordinator}}, community, []string{
				"192.0.2.77 AMBER", "192.0.2.78 RED",
				"198.51.100.1 CLEAR", "198.51.100.2 GREEN", "198.51.100.3 AMBER", "198.51.100.4 AMBER+STRICT", "198.51.100.5 RED",
				"203.0.113.1 CLEAR", "203.0.113.2 GREEN", "203.0.113.3 AMBER", "203.0.113.4 AMBER+STRICT", "203.0.113.5 RED"}},
			{"bank, community", member("bank", auth.RoleViewer), community, []string{
				"198.51.100.1 CLEAR", "198.51.100.2 GREEN", "203.0.113.1 CLEAR", "203.0.113.2 GREEN"}},
			{"insurer, community (its own AMBER too, not its RED)", member("ins", auth.RoleViewer), community, []string{
				"192.0.2.77 AMBER", "198.51.100.1 CLEAR", "198.51.100.2 GREEN", "203.0.113.1 CLEAR", "203.0.113.2 GREEN"}},
			{"insurer's CISO, named, community (its RED too)", ciso, community, []string{
				"192.0.2.77 AMBER", "192.0.2.78 RED", "198.51.100.1 CLEAR", "198.51.100.2 GREEN", "203.0.113.1 CLEAR", "203.0.113.2 GREEN"}},
			{"bank, its routes", member("bank", auth.RoleViewer), bankCol, []string{
				"198.51.100.1 CLEAR", "198.51.100.2 GREEN", "198.51.100.3 AMBER", "198.51.100.4 AMBER+STRICT"}},
			{"its sectoral CERT, the bank's routes", member("cert", auth.RoleViewer), bankCol, []string{
				"198.51.100.1 CLEAR", "198.51.100.2 GREEN", "198.51.100.3 AMBER"}},
			{"insurer, the bank's routes", member("ins", auth.RoleAdmin), bankCol, nil},
			{"anonymous, community", nil, community, nil},
		}
		for _, tt := range tests {
			got, err := read(tt.id, tt.c)
			if tt.want == nil {
				if errs.KindOf(err) != errs.KindNotFound {
					t.Errorf("%s: read %v (%v), want not found", tt.who, got, err)
				}
				continue
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("%s:\n got %v (%v)\nwant %v", tt.who, got, err, tt.want)
			}
		}
	})
}

// testPeople are the accounts a test names.
type testPeople []auth.User

func (p testPeople) GetUser(_ context.Context, id string) (auth.User, error) {
	for _, u := range p {
		if u.ID == id {
			return u, nil
		}
	}
	return auth.User{}, db.ErrNoRows
}

func (p testPeople) UserByEmail(_ context.Context, email string) (auth.User, error) {
	for _, u := range p {
		if strings.EqualFold(u.Email, email) {
			return u, nil
		}
	}
	return auth.User{}, db.ErrNoRows
}

func fieldsOf(err error) []errs.FieldError {
	if e := errs.As(err); e != nil {
		return e.Fields
	}
	return nil
}

func TestLookup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, src := markedIndicators(t, d)
		ctx := context.Background()
		if _, err := s.Ingest(ctx, sys, src, strings.NewReader("203.0.113.128/25\n"), IngestOptions{TLP: "GREEN"}); err != nil {
			t.Fatal(err)
		}
		values := []string{"203.0.113.1", "203.0.113.3", "198.51.100.3", "198.51.100.4", "198.51.100.5", "hxxp://nothing[.]example", "203.0.113.200", "not an indicator"}
		look := func(id *auth.Identity) []string {
			ms, err := s.Lookup().Lookup(ctx, id, values)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, m := range ms {
				out = append(out, fmt.Sprintf("%s %s %s %v", m.Value, m.TLP, m.Matched, m.Constituents))
				if m.Score <= 0 || m.Score > 100 || m.FirstSeen.IsZero() {
					t.Errorf("%+v: score or times", m)
				}
			}
			slices.Sort(out)
			return out
		}
		staff := look(&auth.Identity{User: auth.User{PlatformRole: auth.PlatformAdmin}})
		want := []string{"198.51.100.3 AMBER  [Bank]", "198.51.100.4 AMBER+STRICT  [Bank]", "198.51.100.5 RED  []",
			"203.0.113.1 CLEAR  []", "203.0.113.200 GREEN 203.0.113.128/25 []", "203.0.113.3 AMBER  []"}
		if !slices.Equal(staff, want) {
			t.Errorf("staff:\n got %v\nwant %v", staff, want)
		}
		if got, want := look(member("bank", auth.RoleViewer)), []string{"198.51.100.3 AMBER  [Bank]", "198.51.100.4 AMBER+STRICT  [Bank]",
			"203.0.113.1 CLEAR  []", "203.0.113.200 GREEN 203.0.113.128/25 []"}; !slices.Equal(got, want) {
			t.Errorf("the bank:\n got %v\nwant %v", got, want)
		}
		if got, want := look(member("cert", auth.RoleViewer)), []string{"198.51.100.3 AMBER  [Bank]",
			"203.0.113.1 CLEAR  []", "203.0.113.200 GREEN 203.0.113.128/25 []"}; !slices.Equal(got, want) {
			t.Errorf("the bank's CERT:\n got %v\nwant %v", got, want)
		}
		if got, want := look(member("ins", auth.RoleViewer)), []string{"203.0.113.1 CLEAR  []", "203.0.113.200 GREEN 203.0.113.128/25 []"}; !slices.Equal(got, want) {
			t.Errorf("the insurer:\n got %v\nwant %v", got, want)
		}
		if _, err := s.Lookup().Lookup(ctx, nil, values); errs.KindOf(err) != errs.KindUnauthenticated {
			t.Errorf("anonymous: %v", err)
		}
		if _, err := s.Lookup().Lookup(ctx, sys, make([]string, lookup.MaxLookup+1)); errs.KindOf(err) != errs.KindInvalid {
			t.Errorf("too many values: %v", err)
		}
	})
}

func BenchmarkLookupIndex(b *testing.B) {
	x := index.New()
	const n = 1_000_000
	for i := range n {
		o, err := observable.Normalize(benchValue(i))
		if err != nil {
			b.Fatal(err)
		}
		x.Add(int64(i+1), o)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	queries := make([]string, 100_000)
	for i := range queries {
		if i%2 == 0 {
			queries[i] = benchValue(rng.IntN(n))
		} else {
			queries[i] = fmt.Sprintf("unknown-%d.example", i)
		}
	}
	b.ResetTimer()
	for range b.N {
		obs := make([]observable.Observable, 0, len(queries))
		for _, q := range queries {
			o, err := observable.Normalize(q)
			if err != nil {
				b.Fatal(err)
			}
			obs = append(obs, o)
		}
		found := 0
		x.FindAll(obs, func(int, int64) { found++ })
		if found != len(queries)/2 {
			b.Fatalf("found %d of %d", found, len(queries)/2)
		}
	}
	b.ReportMetric(float64(b.N*len(queries))/b.Elapsed().Seconds(), "values/s")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

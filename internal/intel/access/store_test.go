package access_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
)

// directory: a bank under the banking CERT, and an insurer.
type directory map[string]access.Org

func (d directory) Orgs(context.Context) (map[string]access.Org, error) { return d, nil }

func (d directory) Org(_ context.Context, id string) (access.Org, bool, error) {
	o, ok := d[id]
	return o, ok, nil
}

func (d directory) SectorHasOrgs(_ context.Context, sector string) (bool, error) {
	for _, o := range d {
		if o.Sector == sector {
			return true, nil
		}
	}
	return false, nil
}

var orgs = directory{
	"cert": {Name: "BankCERT", Sector: "banking"},
	"bank": {Name: "Bank", Parent: "cert", Sector: "banking"},
	"ins":  {Name: "Insurer", Sector: "insurance"},
}

// register writes the directory's organisations where the collections'
// foreign keys look for them.
func register(t *testing.T, d *db.DB) {
	t.Helper()
	for id, o := range orgs {
		if _, err := d.Exec(context.Background(), `INSERT INTO orgs (id, name, name_key, kind, sector, created_at, updated_at)
			VALUES ($1, $2, $1, 'constituent', $3, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, id, o.Name, o.Sector); err != nil {
			t.Fatal(err)
		}
	}
}

func member(org string, role auth.Role) *auth.Identity {
	return &auth.Identity{User: auth.User{ID: "u-" + org, Email: org + "@example.org"}, Method: auth.MethodToken,
		Memberships: []auth.Membership{{OrgID: org, Role: role}}}
}

func aliases(cs []access.Collection) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Alias)
	}
	return out
}

// TestCollections: sources name their scope and the collection is made on
// first use (an organisation's or a sector's only when the directory has
// it); each caller lists and opens only the collections its audience holds.
func TestCollections(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		register(t, d)
		st := access.NewStore(d, time.Now, orgs)
		if err := d.Write(ctx, func(tx *db.Tx) error {
			for _, key := range []string{"org-bank", "sector-banking", "sector-banking", "community"} {
				if _, ok, err := st.Scope(ctx, tx, key); err != nil || !ok {
					t.Errorf("scope %s: %v %v", key, ok, err)
				}
			}
			for _, key := range []string{"org-nobody", "sector-farming", "public", ""} {
				if c, ok, err := st.Scope(ctx, tx, key); err != nil || ok {
					t.Errorf("scope %s made %+v (%v)", key, c, err)
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		// A collection made in a transaction that rolls back is not kept,
		// nor remembered.
		failed := errors.New("roll back")
		if err := d.Write(ctx, func(tx *db.Tx) error {
			if _, err := st.Ensure(ctx, tx, access.OrgCollection("ins", "Insurer")); err != nil {
				return err
			}
			return failed
		}); !errors.Is(err, failed) {
			t.Fatal(err)
		}
		if _, err := st.Collection(ctx, "org-ins"); !errors.Is(err, db.ErrNoRows) {
			t.Fatalf("a rolled-back collection exists: %v", err)
		}
		for _, tt := range []struct {
			id   *auth.Identity
			want []string
		}{
			{auth.System("t"), []string{"center", "community", "sector-banking", "org-bank"}},
			{member("bank", auth.RoleViewer), []string{"community", "sector-banking", "org-bank"}},
			{member("cert", auth.RoleViewer), []string{"community", "sector-banking", "org-bank"}},
			{member("ins", auth.RoleViewer), []string{"community"}},
			{nil, nil},
		} {
			v, err := st.Viewer(ctx, tt.id)
			if err != nil {
				t.Fatal(err)
			}
			cs, err := st.List(ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			if got := aliases(cs); !slices.Equal(got, tt.want) {
				t.Errorf("%v lists %v, want %v", tt.id, got, tt.want)
			}
			for _, c := range cs {
				if got, err := st.Readable(ctx, v, c.ID); err != nil || got != c {
					t.Errorf("open %s by id: %+v %v", c.Alias, got, err)
				}
				if got, err := st.ByNum(ctx, d, c.Num); err != nil || got != c {
					t.Errorf("%s by number: %+v %v", c.Alias, got, err)
				}
			}
			if !slices.Contains(tt.want, "org-bank") {
				if _, err := st.Readable(ctx, v, "org-bank"); errs.KindOf(err) != errs.KindNotFound {
					t.Errorf("%v opens the bank's collection: %v", tt.id, err)
				}
			}
		}
		if c, err := st.Collection(ctx, "org-bank"); err != nil || c.Title != "Routed to Bank" || c.OrgID != "bank" || !strings.Contains(c.Description, "Bank's networks") {
			t.Errorf("the bank's collection: %+v %v", c, err)
		}
	})
}

// TestViewerSources: a member reads its organisation's sources beyond the
// collection's audience, a person named on a source reads its RED.
func TestViewerSources(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := access.NewStore(d, time.Now, orgs)
		if err := st.EnsureBuiltins(ctx); err != nil {
			t.Fatal(err)
		}
		community, err := st.Collection(ctx, "community")
		if err != nil {
			t.Fatal(err)
		}
		register(t, d)
		var owned, named int64
		for _, src := range []struct {
			name  string
			owner any
			num   *int64
		}{{"bank feed", "bank", &owned}, {"partner", nil, &named}} {
			if err := d.Write(ctx, func(tx *db.Tx) error {
				return tx.QueryRow(ctx, `INSERT INTO intel_sources (id, name, owner_org_id, collection_num, created_at, updated_at)
					VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING num`, db.NewID(), src.name, src.owner, community.Num).Scan(src.num)
			}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := d.Exec(ctx, `INSERT INTO intel_source_readers (source_num, user_id) VALUES ($1, 'u-ins')`, named); err != nil {
			t.Fatal(err)
		}
		bank, _ := st.Viewer(ctx, member("bank", auth.RoleViewer))
		ins, _ := st.Viewer(ctx, member("ins", auth.RoleViewer))
		for _, tt := range []struct {
			v      *access.Viewer
			who    string
			source int64
			label  string
			want   bool
		}{
			{bank, "bank", owned, "AMBER+STRICT", true},
			{bank, "bank", owned, "RED", false},
			{bank, "bank", named, "AMBER", false},
			{ins, "insurer", named, "RED", true},
			{ins, "insurer", owned, "AMBER", false},
			{ins, "insurer", owned, "GREEN", true},
		} {
			if got := tt.v.Reads(community, tt.label, tt.source); got != tt.want {
				t.Errorf("%s reads %s of source %d: %v, want %v", tt.who, tt.label, tt.source, got, tt.want)
			}
		}
	})
}

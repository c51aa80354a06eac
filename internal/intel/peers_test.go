package intel

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/intel/sharing"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// A peer instance's account reads, of what its organisation may read, only
// what is within the link's ceiling and did not come from the peer; what
// the peer's collection sends above the ceiling is rejected, counted and
// said; once unlinked the peer's account reads nothing above CLEAR.
func TestPeer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := markedIndicators(t, d) // 198.51.100.1–5 routed to the bank, CLEAR…RED
		ctx := context.Background()
		// The fake peer listens on loopback.
		s.allowPrivate, s.client = true, &http.Client{Transport: notify.EgressTransport(true)}
		if _, err := d.Exec(ctx, `INSERT INTO users (id, email, name, sessions_valid_after, created_at, updated_at)
			VALUES ('u-bank', 'link@federation.invalid', 'Federation: Bank', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`); err != nil {
			t.Fatal(err)
		}
		peer := member("bank", auth.RoleViewer) // its User.ID is u-bank
		bankCol, err := s.Access().Collection(ctx, "org-bank")
		if err != nil {
			t.Fatal(err)
		}
		read := func() []string {
			t.Helper()
			v, err := s.Viewer(ctx, peer)
			if err != nil {
				t.Fatal(err)
			}
			page, _, err := s.Sharing().Page(ctx, v, bankCol, sharing.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range page {
				if !v.Reads(bankCol, o.TLP, 0) {
					t.Errorf("a page holds %s, which the viewer may not read", o.TLP)
				}
				got = append(got, o.TLP)
			}
			slices.Sort(got)
			return got
		}
		if got := strings.Join(read(), " "); got != "AMBER AMBER+STRICT CLEAR GREEN" {
			t.Fatalf("the bank's account before any link reads %s", got)
		}

		// The peer's collection: a fake TAXII server with one object per
		// marking, and one unmarked.
		var objects []string
		for i, l := range tlp.Labels {
			objects = append(objects, fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--0000000%d-0000-4000-8000-000000000000",
				"created":"2026-12-01T00:00:00.000Z","modified":"2026-12-01T00:00:00.000Z","pattern_type":"stix","valid_from":"2026-12-01T00:00:00Z",
				"pattern":"[ipv4-addr:value = '192.0.2.%d']","object_marking_refs":["%s"]}`, i+1, i+1, tlp.STIXMarking(l)))
		}
		objects = append(objects, `{"type":"indicator","spec_version":"2.1","id":"indicator--00000009-0000-4000-8000-000000000000",
			"created":"2026-12-01T00:00:00.000Z","modified":"2026-12-01T00:00:00.000Z","pattern_type":"stix","valid_from":"2026-12-01T00:00:00Z",
			"pattern":"[ipv4-addr:value = '192.0.2.9']"}`)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer peer-token" {
				http.Error(w, "who are you", http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", "application/taxii+json;version=2.1")
			fmt.Fprintf(w, `{"more":false,"objects":[%s]}`, strings.Join(objects, ","))
		}))
		defer srv.Close()
		src, err := s.LinkPeer(ctx, Peer{Key: "link-1", Name: "Bank", OwnerOrgID: "bank", UserID: "u-bank", URL: srv.URL + "/collections/x/",
			Token: "peer-token", Ceiling: tlp.Amber, Pull: true})
		if err != nil {
			t.Fatal(err)
		}
		if src.Name != "Federation: Bank" || src.Kind != KindTAXII || !src.HasCredentials || src.TLP != "AMBER" {
			t.Fatalf("the peer's source: %+v", src)
		}
		if got := strings.Join(read(), " "); got != "AMBER CLEAR GREEN" {
			t.Errorf("under an AMBER link the bank's account reads %s", got)
		}
		res, err := s.Pull(ctx, src.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		// Two objects above AMBER, each rejected as an object and as the
		// indicator read from it.
		if res.New != 4 || res.Rejected == 0 || !strings.Contains(fmt.Sprint(res.Errors), "marked TLP:AMBER+STRICT, above the link's ceiling TLP:AMBER") ||
			!strings.Contains(fmt.Sprint(res.Errors), "marked TLP:RED, above") {
			t.Errorf("pulling the peer: new %d, rejected %d: %v", res.New, res.Rejected, res.Errors)
		}
		m, err := s.Lookup().Lookup(ctx, sys, []string{"192.0.2.1", "192.0.2.3", "192.0.2.4", "192.0.2.5", "192.0.2.9"})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range m {
			got = append(got, x.Value+" "+x.TLP)
		}
		slices.Sort(got)
		if want := []string{"192.0.2.1 CLEAR", "192.0.2.3 AMBER", "192.0.2.9 AMBER"}; !slices.Equal(got, want) {
			t.Errorf("stored from the peer: %v, want %v", got, want)
		}
		// What the peer sent is not served back to it, even in a
		// collection it reads: its source shares into the community.
		v, err := s.Viewer(ctx, peer)
		if err != nil {
			t.Fatal(err)
		}
		community, _ := s.Access().Collection(ctx, "community")
		page, _, err := s.Sharing().Page(ctx, v, community, sharing.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page {
			if strings.Contains(string(o.Body), "192.0.2.") {
				t.Errorf("the peer is served back what it sent: %s", o.Body)
			}
		}
		if len(page) == 0 {
			t.Error("the peer reads nothing of the community")
		}
		if err := s.UnlinkPeer(ctx, "link-1"); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(read(), " "); got != "CLEAR" {
			t.Errorf("unlinked, the bank's account reads %s", got)
		}
		if st, ok, err := s.PeerSource(ctx, "link-1"); err != nil || !ok || st.Enabled || st.NextRunAt != nil {
			t.Errorf("the unlinked peer's source: %+v %v %v", st, ok, err)
		}
	})
}

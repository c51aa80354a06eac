package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

// TestThreeNodes starts three nodes on one fresh database behind a
// round-robin proxy and checks that a client cannot tell which node
// answered.
func TestThreeNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three servers")
	}
	c := &cluster{t: t, dsn: dbtest.EmptyDSN(t)}
	// The first migrates the empty database and loads the demo; the
	// other two start together on it.
	a := c.start("a", "--demo")
	var others [2]*node
	var errs [2]error
	var wg sync.WaitGroup
	for i, name := range []string{"b", "c"} {
		wg.Go(func() { others[i], errs[i] = c.startNode(name) })
	}
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		t.Fatal(err)
	}
	b, cc := others[0], others[1]
	c.nodes = []*node{a, b, cc}
	p := c.proxy()
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DSN: c.dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	staff := newClient(t)
	staff.token = c.command("token", "create", "--email", "coordinator@cc.example", "--name", "cluster test")

	t.Run("a session works on every node", func(t *testing.T) {
		u := newClient(t)
		u.login(a.URL, "analyst@bank-cert.example")
		for _, n := range c.nodes {
			r := u.get(n.URL + "/console/orgs")
			if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte("Fatima BankCERT Analyst")) {
				t.Fatalf("the console on node %s: %d %s", n.name, r.Status, r.Header.Get("Location"))
			}
		}
		// Signed out on C: signed out everywhere.
		if r := u.form(cc.URL+"/logout", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("logout: %s", r)
		}
		for _, n := range c.nodes {
			if r := u.get(n.URL + "/console"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
				t.Fatalf("after logout, node %s: %d %s", n.name, r.Status, r.Header.Get("Location"))
			}
		}
	})

	t.Run("the sign-in rate limit holds across nodes", func(t *testing.T) {
		u := newClient(t)
		u.ip = "198.51.100.250"
		refused := 0
		for i := range 12 {
			r := u.form(p.URL+"/login", url.Values{"email": {"nobody@example.org"}, "password": {"guess"}})
			switch {
			case r.Status == http.StatusTooManyRequests:
				refused++
				if i < 10 {
					t.Fatalf("attempt %d refused: the first ten are allowed", i+1)
				}
			case i >= 10:
				t.Fatalf("attempt %d got %d: the proxy spread eleven attempts over three nodes, each under the limit alone", i+1, r.Status)
			}
		}
		if refused != 2 {
			t.Fatalf("%d attempts refused, want 2", refused)
		}
	})

	t.Run("a directory change reaches every node's cache at once", func(t *testing.T) {
		u := newClient(t)
		u.login(cc.URL, "coordinator@cc.example")
		page := func() []byte {
			r := u.get(cc.URL + "/console/intel/sources/new")
			if r.Status != http.StatusOK {
				t.Fatalf("the source form on C: %d", r.Status)
			}
			return r.Body
		}
		if !bytes.Contains(page(), []byte(">First Example Bank<")) {
			t.Fatal("C does not offer First Bank")
		}
		orgs := decode[struct {
			Items []struct{ ID, Name string }
		}](t, staff.get(a.URL+"/api/v1/orgs?q=First+Example+Bank"))
		if len(orgs.Items) != 1 {
			t.Fatalf("orgs %+v", orgs)
		}
		if r := staff.json("PATCH", a.URL+"/api/v1/orgs/"+orgs.Items[0].ID, map[string]any{"name": "First Bank of the Indus"}); r.Status != http.StatusOK {
			t.Fatalf("rename on A: %s", r)
		}
		deadline := time.Now().Add(time.Second)
		for !bytes.Contains(page(), []byte(">First Bank of the Indus<")) {
			if time.Now().After(deadline) {
				t.Fatal("C still offers the old name a second after the change on A")
			}
			time.Sleep(50 * time.Millisecond)
		}
	})

	t.Run("a file uploaded to one node downloads from another", func(t *testing.T) {
		list := decode[struct {
			Items []struct{ ID string }
		}](t, staff.get(a.URL+"/api/v1/incidents"))
		if len(list.Items) == 0 {
			t.Fatal("no incidents in the demo")
		}
		inc := list.Items[0].ID
		content := bytes.Repeat([]byte("captured packet headers\n"), 40_000) // about 1 MB: several chunks
		r := staff.upload(a.URL+"/api/v1/incidents/"+inc+"/attachments", "capture.txt", content)
		if r.Status != http.StatusCreated {
			t.Fatalf("upload to A: %s", r)
		}
		f := decode[struct{ ID string }](t, r)
		got := staff.get(b.URL + "/api/v1/incidents/" + inc + "/attachments/" + f.ID)
		if got.Status != http.StatusOK || !bytes.Equal(got.Body, content) {
			t.Fatalf("download from B: %d, %d bytes (want %d)", got.Status, len(got.Body), len(content))
		}
		for _, n := range c.nodes {
			if left, _ := filepath.Glob(filepath.Join(n.data, "attachments", "*")); len(left) > 0 {
				t.Fatalf("node %s wrote the file to its disk: %v", n.name, left)
			}
		}
	})

	t.Run("a job runs once", func(t *testing.T) {
		u := newClient(t)
		u.ip = "198.51.100.251"
		reporter := fmt.Sprintf("r%d@researcher.example", time.Now().UnixNano())
		r := u.form(p.URL+"/report", url.Values{"title": {"Path traversal in the cluster test"}, "description": {"../../ reaches the config."},
			"vendor": {"Examplesoft"}, "reporter.email": {reporter}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("report: %s", r)
		}
		// The receipt is one job, run by whichever node claims it.
		count := func() int {
			n := 0
			for _, node := range c.nodes {
				files, _ := filepath.Glob(filepath.Join(node.data, "outbox", "*"))
				for _, f := range files {
					if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte(reporter)) {
						n++
					}
				}
			}
			return n
		}
		deadline := time.Now().Add(time.Minute)
		for count() == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the receipt was never sent")
			}
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(2 * time.Second)
		if n := count(); n != 1 {
			t.Fatalf("the receipt was sent %d times", n)
		}
		// A periodic job started on every node's start is run by the
		// leader alone.
		var periodic int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'auth.cleanup'`).Scan(&periodic); err != nil || periodic != 1 {
			t.Fatalf("auth.cleanup queued %d times (%v), want once", periodic, err)
		}
	})

	t.Run("TAXII pages across nodes are complete and without duplicates", func(t *testing.T) {
		u := newClient(t)
		u.basic = [2]string{"coordinator@cc.example", demoPassword}
		u.http.Transport = taxiiTransport{}
		cols := decode[struct {
			Collections []struct{ ID, Title string }
		}](t, u.get(a.URL+"/taxii2/api/collections/"))
		type envelope struct {
			More    bool
			Next    string
			Objects []struct{ ID, Modified string }
		}
		total := 0
		for _, col := range cols.Collections {
			base := "/taxii2/api/collections/" + col.ID + "/objects/"
			whole := decode[envelope](t, u.get(a.URL+base+"?limit=1000"))
			if whole.More {
				t.Fatalf("%s: more than 1000 objects", col.Title)
			}
			seen := map[string]bool{}
			next, pages := "", 0
			for {
				r := u.get(p.URL + base + "?limit=3" + next)
				if r.Status != http.StatusOK {
					t.Fatalf("%s page %d: %s", col.Title, pages, r)
				}
				page := decode[envelope](t, r)
				pages++
				for _, o := range page.Objects {
					k := o.ID + "|" + o.Modified
					if seen[k] {
						t.Fatalf("%s: %s twice", col.Title, k)
					}
					seen[k] = true
				}
				if !page.More {
					break
				}
				next = "&next=" + url.QueryEscape(page.Next)
			}
			if len(seen) != len(whole.Objects) {
				t.Fatalf("%s: %d objects over %d pages, %d in one", col.Title, len(seen), pages, len(whole.Objects))
			}
			total += len(seen)
		}
		if total < 10 {
			t.Fatalf("only %d objects in the demo's collections", total)
		}
	})

	t.Run("the proxy spread the requests", func(t *testing.T) {
		for i, n := range c.nodes {
			if p.served[i].Load() == 0 {
				t.Errorf("the proxy sent node %s nothing", n.name)
			}
		}
	})
}

// taxiiTransport asks for TAXII 2.1's media type.
type taxiiTransport struct{}

func (taxiiTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Accept", "application/taxii+json;version=2.1")
	return http.DefaultTransport.RoundTrip(r)
}

package cluster

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

// TestNodeKilledDuringReports kills one of two nodes (SIGKILL, as a crash
// or the OOM killer would) while clients file reports through the proxy:
// every report whose form was answered with success is in the database
// afterwards, and the other node takes reports all along.
func TestNodeKilledDuringReports(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	c := &cluster{t: t, dsn: dbtest.EmptyDSN(t)}
	a := c.start("a")
	b := c.start("b")
	p := c.proxy()

	var accepted sync.Map // title → true, for every report the server confirmed
	var before, after, failed atomic.Int64
	var killed atomic.Bool
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			u := newClient(t)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				title := fmt.Sprintf("Fault test report %d-%d", w, i)
				// Each from an address of its own: the intake's limit is per address.
				u.ip = fmt.Sprintf("198.51.%d.%d", 10+w, i%250+1)
				r, err := u.try("POST", p.URL+"/report", url.Values{"title": {title}, "description": {"Found while a node was killed."},
					"vendor": {"Examplesoft"}})
				switch {
				case err == nil && r.Status == http.StatusSeeOther && strings.HasPrefix(r.Header.Get("Location"), "/report/follow"):
					accepted.Store(title, true)
					if killed.Load() {
						after.Add(1)
					} else {
						before.Add(1)
					}
				default:
					failed.Add(1) // the killed node's requests in flight, and what the proxy still sends it
				}
			}
		})
	}
	waitFor(t, 30*time.Second, "reports before the kill", func() bool { return before.Load() >= 30 })
	a.kill()
	killed.Store(true)
	waitFor(t, 30*time.Second, "reports after the kill", func() bool { return after.Load() >= 30 })
	close(stop)
	wg.Wait()

	d := openDB(t, c.dsn)
	stored := map[string]bool{}
	rows, err := d.Query(context.Background(), `SELECT title FROM vdp_reports WHERE title LIKE 'Fault test report %'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var title string
		if err := rows.Scan(&title); err != nil {
			t.Fatal(err)
		}
		stored[title] = true
	}
	rows.Close()
	n := 0
	accepted.Range(func(k, _ any) bool {
		n++
		if !stored[k.(string)] {
			t.Errorf("%s was confirmed to its reporter but is not stored", k)
		}
		return true
	})
	t.Logf("%d reports confirmed (%d after the kill), %d refused or cut, %d stored", n, after.Load(), failed.Load(), len(stored))
	if r := newClient(t).get(b.URL + "/readyz"); r.Status != http.StatusOK {
		t.Fatalf("the surviving node: %s", r)
	}
}

// TestPostgresRestart stops the database under two nodes while clients
// read, then starts it again: each node says it is not ready while the
// database is away and recovers on its own (no restart of the node), its
// requests and its listening for other nodes' changes included.
func TestPostgresRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a database and servers")
	}
	if runtime.GOOS != "linux" {
		t.Skip("uses scripts/postgres.sh")
	}
	pg := startPostgres(t)
	c := &cluster{t: t, dsn: pg.dsn}
	a := c.start("a", "--demo")
	b := c.start("b")
	staff := newClient(t)
	staff.token = c.command("token", "create", "--email", "coordinator@cc.example", "--name", "restart test")
	p := c.proxy()

	var ok, failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			u := newClient(t)
			u.token = staff.token
			for {
				select {
				case <-stop:
					return
				default:
				}
				if r, err := u.try("GET", p.URL+"/api/v1/orgs?limit=5", nil); err == nil && r.Status == http.StatusOK {
					ok.Add(1)
				} else {
					failed.Add(1)
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	defer func() { close(stop); wg.Wait() }()
	waitFor(t, 30*time.Second, "requests before the restart", func() bool { return ok.Load() >= 50 })

	pg.halt()
	for _, n := range []*node{a, b} {
		waitFor(t, 15*time.Second, "node "+n.name+" reporting not ready", func() bool {
			r, err := newClient(t).try("GET", n.URL+"/readyz", nil)
			return err == nil && r.Status == http.StatusServiceUnavailable
		})
		if r := newClient(t).get(n.URL + "/healthz"); r.Status != http.StatusOK {
			t.Fatalf("node %s is not alive while the database is away: %s", n.name, r)
		}
	}
	time.Sleep(2 * time.Second)
	pg.resume()
	for _, n := range []*node{a, b} {
		waitFor(t, 60*time.Second, "node "+n.name+" ready again", func() bool {
			r, err := newClient(t).try("GET", n.URL+"/readyz", nil)
			return err == nil && r.Status == http.StatusOK
		})
		select {
		case <-n.done:
			t.Fatalf("node %s exited:\n%s", n.name, n.tail())
		default:
		}
	}
	before := ok.Load()
	waitFor(t, 30*time.Second, "requests after the restart", func() bool { return ok.Load() >= before+50 })
	// Writes, and announcements between the nodes, work again.
	orgs := decode[struct {
		Items []struct{ ID, Name string }
	}](t, staff.get(a.URL+"/api/v1/orgs?q=First+Example+Bank"))
	if len(orgs.Items) != 1 {
		t.Fatalf("orgs %+v", orgs)
	}
	u := newClient(t)
	u.login(b.URL, "coordinator@cc.example")
	if r := u.get(b.URL + "/console/intel/sources/new"); r.Status != http.StatusOK {
		t.Fatalf("B: %s", r)
	}
	if r := staff.json("PATCH", a.URL+"/api/v1/orgs/"+orgs.Items[0].ID, map[string]any{"name": "First Bank After The Restart"}); r.Status != http.StatusOK {
		t.Fatalf("rename on A: %s", r)
	}
	waitFor(t, time.Second, "B's cache dropped after the rename on A", func() bool {
		r := u.get(b.URL + "/console/intel/sources/new")
		return strings.Contains(string(r.Body), ">First Bank After The Restart<")
	})
	t.Logf("%d requests answered, %d failed while the database was away", ok.Load(), failed.Load())
}

// try is do without failing the test on a transport error (a node
// killed, a proxy's 502).
func (c *client) try(method, u string, form url.Values) (response, error) {
	var body *strings.Reader
	ct := ""
	if form != nil {
		body, ct = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return response{}, err
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.ip != "" {
		req.Header.Set("X-Forwarded-For", c.ip)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	var b strings.Builder
	if _, err := copyBody(&b, res); err != nil {
		return response{}, err
	}
	return response{res.StatusCode, res.Header, []byte(b.String())}, nil
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func openDB(t *testing.T, dsn string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), db.Options{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// postgres is a database server of the test's own, which it may stop.
type postgres struct {
	t   *testing.T
	dir string
	dsn string
}

func startPostgres(t *testing.T) *postgres {
	t.Helper()
	if os.Getenv("CERTHUB_TEST_POSTGRES") == "" && os.Getenv("CERTHUB_TEST_REQUIRE_POSTGRES") != "1" {
		t.Skip("no PostgreSQL for the tests (CERTHUB_TEST_POSTGRES)")
	}
	dir := t.TempDir()
	// The server runs as the postgres user: it must reach its folder.
	for p := dir; p != filepath.Dir(os.TempDir()) && p != "/"; p = filepath.Dir(p) {
		if strings.HasPrefix(p, os.TempDir()+"/") {
			_ = os.Chmod(p, 0o755)
		}
	}
	pg := &postgres{t: t, dir: filepath.Join(dir, "pg")}
	out, err := pg.script("start")
	if err != nil {
		t.Fatalf("start PostgreSQL: %v\n%s", err, out)
	}
	pg.dsn = strings.TrimSpace(out)
	t.Cleanup(func() { _, _ = pg.script("stop") })
	return pg
}

func (pg *postgres) script(cmd string) (string, error) {
	c := exec.Command(filepath.Join("..", "..", "scripts", "postgres.sh"), cmd, pg.dir)
	var out strings.Builder
	c.Stdout = &out
	c.Stderr = os.Stderr
	err := c.Run()
	return out.String(), err
}

func (pg *postgres) halt() {
	pg.t.Helper()
	if out, err := pg.script("halt"); err != nil {
		pg.t.Fatalf("halt PostgreSQL: %v\n%s", err, out)
	}
}

func (pg *postgres) resume() {
	pg.t.Helper()
	if out, err := pg.script("resume"); err != nil {
		pg.t.Fatalf("resume PostgreSQL: %v\n%s", err, out)
	}
}

// TestNodeKilledDuringIngest kills the node loading a large push (its
// 202 answered): the run reads as interrupted on the other node once the
// killed one has been silent for six heartbeats, is resumed there, and
// ends with every line of the input counted once — nothing lost from the
// batches the killed node had committed, nothing loaded twice.
func TestNodeKilledDuringIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	c := &cluster{t: t, dsn: dbtest.EmptyDSN(t)}
	a := c.start("a", "--demo", "--intel-heartbeat", "500ms")
	staff := newClient(t)
	staff.token = c.command("token", "create", "--email", "coordinator@cc.example", "--name", "ingest test")
	const lines = 300_000
	var body strings.Builder
	for i := range lines {
		fmt.Fprintf(&body, "%d.%d.%d.%d\n", 11+i>>16, i>>8&255, i&255, 7)
	}
	req, _ := http.NewRequest("POST", a.URL+"/api/v1/intel/ingest?source=kill-test&tlp=GREEN", strings.NewReader(body.String()))
	req.Header.Set("Authorization", "Bearer "+staff.token)
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Prefer", "respond-async")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("the push: %d", res.StatusCode)
	}
	runURL := res.Header.Get("Location")
	type run struct {
		Status                 string
		New, Updated, Rejected int
		Resumable              bool
	}
	get := func(n *node) run {
		t.Helper()
		return decode[run](t, staff.get(n.URL+runURL))
	}
	var seen run
	waitFor(t, time.Minute, "the load under way", func() bool {
		seen = get(a)
		return seen.Status == "running" && seen.New+seen.Updated > 0
	})
	a.kill()
	b := c.start("b", "--intel-heartbeat", "500ms")
	var r run
	waitFor(t, 30*time.Second, "the run seen as interrupted", func() bool {
		r = get(b)
		return r.Status == "interrupted"
	})
	if !r.Resumable || r.New+r.Updated < seen.New+seen.Updated || r.New+r.Updated >= lines {
		t.Fatalf("interrupted %+v (had %+v when the node was killed)", r, seen)
	}
	if rr := staff.do("POST", b.URL+runURL+"/resume", nil, ""); rr.Status != http.StatusAccepted {
		t.Fatalf("resume: %s", rr)
	}
	waitFor(t, 3*time.Minute, "the resumed load to end", func() bool {
		r = get(b)
		return r.Status == "ok" || r.Status == "failed"
	})
	if r.Status != "ok" || r.New != lines || r.Updated != 0 || r.Rejected != 0 {
		t.Fatalf("after the resume: %+v, want %d new", r, lines)
	}
	d := openDB(t, c.dsn)
	var sightings, observations int
	if err := d.QueryRow(context.Background(), `SELECT COALESCE(SUM(count), 0), COUNT(*) FROM intel_observations
		WHERE source_num = (SELECT num FROM intel_sources WHERE name = 'kill-test')`).Scan(&sightings, &observations); err != nil {
		t.Fatal(err)
	}
	if sightings != lines || observations != lines {
		t.Fatalf("%d observations with %d sightings stored, want %d each", observations, sightings, lines)
	}
}

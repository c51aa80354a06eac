package cluster

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

// loadKinds are what the load mixes, in turn: the public report form, a
// console page, the lookup API and a TAXII page.
var loadKinds = []string{"report form", "console page", "lookup API", "TAXII page"}

// loadSite is a cluster with the demo loaded and the credentials the load
// uses.
type loadSite struct {
	c          *cluster
	cookie     string // a coordinator's console session
	token      string // an analyst's API token
	basic      string // TAXII: HTTP Basic of the demo's coordinator
	collection string // TAXII: the largest collection
	values     []byte // the lookup's body
}

func newLoadSite(t testing.TB, nodes int) *loadSite {
	c := &cluster{t: t, dsn: dbtest.EmptyDSN(t)}
	c.start("a", "--demo")
	for i := 1; i < nodes; i++ {
		c.start(string(rune('a' + i)))
	}
	s := &loadSite{c: c}
	u := newClient(t)
	u.login(c.nodes[0].URL, "coordinator@cc.example")
	base, _ := url.Parse(c.nodes[0].URL)
	for _, ck := range u.http.Jar.Cookies(base) {
		s.cookie = ck.Name + "=" + ck.Value
	}
	s.token = c.command("token", "create", "--email", "analyst@bank-cert.example", "--name", "load")
	s.basic = "Basic " + base64.StdEncoding.EncodeToString([]byte("coordinator@cc.example:"+demoPassword))
	tx := newClient(t)
	tx.basic = [2]string{"coordinator@cc.example", demoPassword}
	tx.http.Transport = taxiiTransport{}
	cols := decode[struct {
		Collections []struct{ ID, Title string }
	}](t, tx.get(c.nodes[0].URL+"/taxii2/api/collections/"))
	most := -1
	for _, col := range cols.Collections {
		page := decode[struct{ Objects []struct{ ID string } }](t, tx.get(c.nodes[0].URL+"/taxii2/api/collections/"+col.ID+"/objects/?limit=100"))
		if len(page.Objects) > most {
			most, s.collection = len(page.Objects), col.ID
		}
	}
	s.values = []byte(`{"values":["192.0.2.200","198.51.100.23","evil-update.example","phish-login.example","203.0.113.99",` +
		`"44d88612fea8a8f36de82e1278abb02f","hxxp://bad[.]example/x","8.8.8.8","10.0.0.1","cdn.example.org"]}`)
	return s
}

// targeter mixes the four kinds through base; each report comes from an
// address of its own (the form's limit is per address).
func (s *loadSite) targeter(base string) vegeta.Targeter {
	var n atomic.Uint64
	return func(tgt *vegeta.Target) error {
		i := n.Add(1)
		*tgt = vegeta.Target{Header: http.Header{}}
		switch i % 4 {
		case 0:
			tgt.Method, tgt.URL = "POST", base+"/report"
			tgt.Body = []byte(url.Values{"title": {"Load test report " + strconv.FormatUint(i, 10)},
				"description": {"Filed by the load test."}, "vendor": {"Examplesoft"}}.Encode())
			tgt.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			tgt.Header.Set("Sec-Fetch-Site", "same-origin")
			tgt.Header.Set("X-Forwarded-For", fmt.Sprintf("100.%d.%d.%d", 64+i>>16&63, i>>8&255, i&255))
		case 1:
			tgt.Method, tgt.URL = "GET", base+"/console/orgs"
			tgt.Header.Set("Cookie", s.cookie)
		case 2:
			tgt.Method, tgt.URL, tgt.Body = "POST", base+"/api/v1/intel/lookup", s.values
			tgt.Header.Set("Content-Type", "application/json")
			tgt.Header.Set("Authorization", "Bearer "+s.token)
		case 3:
			tgt.Method, tgt.URL = "GET", base+"/taxii2/api/collections/"+s.collection+"/objects/?limit=100"
			tgt.Header.Set("Accept", "application/taxii+json;version=2.1")
			tgt.Header.Set("Authorization", s.basic)
		}
		return nil
	}
}

func kindOf(r *vegeta.Result) string {
	switch {
	case strings.HasSuffix(r.URL, "/report"):
		return loadKinds[0]
	case strings.Contains(r.URL, "/console/"):
		return loadKinds[1]
	case strings.Contains(r.URL, "/lookup"):
		return loadKinds[2]
	default:
		return loadKinds[3]
	}
}

// attack runs the load through a round-robin proxy over the first n
// nodes: at rate (0: as fast as workers allow) for d.
func (s *loadSite) attack(t testing.TB, n int, rate int, workers uint64, d time.Duration) (all vegeta.Metrics, byKind map[string]*vegeta.Metrics) {
	p := (&cluster{t: s.c.t, nodes: s.c.nodes[:n]}).proxy()
	opts := []func(*vegeta.Attacker){vegeta.Redirects(vegeta.NoFollow), vegeta.Timeout(30 * time.Second), vegeta.KeepAlive(true)}
	pacer := vegeta.Pacer(vegeta.Rate{Freq: rate, Per: time.Second})
	if rate == 0 {
		pacer = vegeta.ConstantPacer{} // as fast as the workers go
		opts = append(opts, vegeta.Workers(workers), vegeta.MaxWorkers(workers))
	}
	atk := vegeta.NewAttacker(opts...)
	byKind = map[string]*vegeta.Metrics{}
	for _, k := range loadKinds {
		byKind[k] = &vegeta.Metrics{}
	}
	for res := range atk.Attack(s.targeter(p.URL), pacer, d, "load") {
		all.Add(res)
		byKind[kindOf(res)].Add(res)
	}
	all.Close()
	for _, m := range byKind {
		m.Close()
	}
	return all, byKind
}

func describe(m *vegeta.Metrics) string {
	codes := make([]string, 0, len(m.StatusCodes))
	for c, n := range m.StatusCodes {
		codes = append(codes, fmt.Sprintf("%s×%d", c, n))
	}
	sort.Strings(codes)
	return fmt.Sprintf("%d requests, %.0f/s answered, p50 %s, p99 %s, success %.1f%% [%s]", m.Requests, m.Throughput,
		m.Latencies.P50.Round(100*time.Microsecond), m.Latencies.P99.Round(100*time.Microsecond), m.Success*100, strings.Join(codes, " "))
}

// TestLoad puts three nodes under a steady, bounded load of the four
// kinds through the proxy: every request is answered, and none with an
// error (the figures are BenchmarkLoad's).
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three servers")
	}
	s := newLoadSite(t, 3)
	all, byKind := s.attack(t, 3, 60, 0, 4*time.Second)
	for _, k := range loadKinds {
		t.Logf("%-12s %s", k, describe(byKind[k]))
	}
	if all.Success < 1 || len(all.Errors) > 0 {
		t.Fatalf("not every request succeeded: %s; %v", describe(&all), all.Errors)
	}
	if all.Requests < 200 {
		t.Fatalf("only %d requests in 4 s at 60/s", all.Requests)
	}
}

// BenchmarkLoad measures the most the four kinds get through one node and
// through three (CERTHUB_LOAD_SECONDS each, default 20; 32 clients at
// once), and reports both throughputs and their ratio:
//
//	go test ./internal/cluster -run '^$' -bench Load -benchtime 1x
func BenchmarkLoad(b *testing.B) {
	d := 20 * time.Second
	if v, err := strconv.Atoi(os.Getenv("CERTHUB_LOAD_SECONDS")); err == nil && v > 0 {
		d = time.Duration(v) * time.Second
	}
	for b.Loop() {
		s := newLoadSite(b, 3)
		var rates [2]float64
		for i, n := range []int{1, 3} {
			all, byKind := s.attack(b, n, 0, 32, d)
			for _, k := range loadKinds {
				b.Logf("%d node(s) %-12s %s", n, k, describe(byKind[k]))
			}
			b.Logf("%d node(s) all          %s", n, describe(&all))
			rates[i] = all.Throughput
			if all.Success < 1 {
				b.Errorf("%d node(s): errors under load: %v", n, all.Errors)
			}
		}
		b.ReportMetric(rates[0], "req/s-1node")
		b.ReportMetric(rates[1], "req/s-3nodes")
		b.ReportMetric(rates[1]/rates[0], "ratio")
	}
}

package intel

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/intel/ingest"
	"github.com/certhub/certhub/internal/intel/routing"
	"github.com/certhub/certhub/internal/intel/sharing"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
)

// BenchList loads n generated indicators (7 in 10 addresses, 2 host
// names, 1 SHA-256, all distinct) from a plain list written to dir into a
// new source, then the same list again (every value is then an update),
// and answers both rates, named with the store's engine: `certhub bench`
// runs it on both engines when it is given PostgreSQL.
func (s *Service) BenchList(ctx context.Context, n int, dir string, log io.Writer) ([]BenchResult, error) {
	id := auth.System("bench")
	listPath := filepath.Join(dir, "bench-list.txt")
	fmt.Fprintf(log, "generating %d indicators…\n", n)
	if err := writeFile(listPath, func(w *bufio.Writer) {
		for i := range n {
			w.WriteString(benchValue(i))
			w.WriteByte('\n')
		}
	}); err != nil {
		return nil, err
	}
	src, err := s.EnsureSource(ctx, id, "bench: list", "GREEN", nil)
	if err != nil {
		return nil, err
	}
	engine := map[db.Engine]string{db.SQLite: "SQLite", db.Postgres: "PostgreSQL"}[s.db.Engine()]
	var out []BenchResult
	for _, pass := range []string{"new", "again"} {
		res, err := s.ingestFile(ctx, id, src, listPath, ingest.Text)
		if err != nil {
			return nil, err
		}
		rate := float64(res.Total()) / res.Duration.Seconds()
		out = append(out, BenchResult{Name: fmt.Sprintf("ingest, plain list (%s, %s)", engine, pass), Value: rate, Unit: "indicators/s",
			Target: "≥ 100,000", Met: rate >= 100_000, Note: fmt.Sprintf("%d in %.1f s", res.Total(), res.Duration.Seconds())})
	}
	return out, nil
}

// BenchOptions size `certhub bench`.
type BenchOptions struct {
	Indicators int    // plain-list indicators loaded (the store's size)
	STIX       int    // STIX 2.1 indicators loaded as one bundle
	Lookups    int    // values per bulk lookup
	Pages      int    // TAXII pages read at random places
	Dir        string // where the generated inputs go
}

// BenchResult is one figure.
type BenchResult struct {
	Name   string
	Value  float64
	Unit   string
	Target string
	Met    bool
	Note   string
}

// Bench generates inputs, loads them and measures the threat-intelligence
// hot paths against the figures the center needs: list and STIX ingest
// rates, a TAXII page at random places of the collection, the lookup
// index's memory and speed, and routing an address. It writes progress
// to log and answers the figures.
func (s *Service) Bench(ctx context.Context, o BenchOptions, log io.Writer) ([]BenchResult, error) {
	id := auth.System("bench")
	var out []BenchResult
	add := func(r BenchResult) {
		out = append(out, r)
		fmt.Fprintf(log, "  %-44s %12.1f %-12s (target %s)\n", r.Name, r.Value, r.Unit, r.Target)
	}

	// 1. A plain list: addresses, host names and hashes, all distinct,
	// loaded into a new source and then again.
	list, err := s.BenchList(ctx, o.Indicators, o.Dir, log)
	if err != nil {
		return nil, err
	}
	for _, r := range list {
		add(r)
	}

	// 2. A STIX 2.1 bundle of indicators with patterns.
	stixPath := filepath.Join(o.Dir, "bench-bundle.json")
	fmt.Fprintf(log, "generating a STIX bundle of %d indicators…\n", o.STIX)
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01-02T15:04:05.000Z")
	if err := writeFile(stixPath, func(w *bufio.Writer) {
		w.WriteString(`{"type":"bundle","id":"bundle--6f2b2f5e-2a3b-4c4d-8e5f-0a1b2c3d4e5f","objects":[`)
		for i := range o.STIX {
			if i > 0 {
				w.WriteByte(',')
			}
			v := netip.AddrFrom4([4]byte{150 + byte(i>>24&63), byte(i >> 16), byte(i >> 8), byte(i)})
			fmt.Fprintf(w, `{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-0000-4000-8000-%012x","created":"%s","modified":"%s",`+
				`"name":"bench %d","indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '%s']","pattern_type":"stix","valid_from":"%s",`+
				`"object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}`,
				i, i, created, created, i, v, created)
		}
		w.WriteString("]}\n")
	}); err != nil {
		return nil, err
	}
	stixSrc, err := s.EnsureSource(ctx, id, "bench: STIX", "GREEN", nil)
	if err != nil {
		return nil, err
	}
	res, err := s.ingestFile(ctx, id, stixSrc, stixPath, ingest.STIX)
	if err != nil {
		return nil, err
	}
	rate := float64(res.Objects) / res.Duration.Seconds()
	add(BenchResult{Name: "ingest, STIX 2.1 bundle", Value: rate, Unit: "objects/s", Target: "≥ 50,000", Met: rate >= 50_000,
		Note: fmt.Sprintf("%d objects (%d indicators) in %.1f s", res.Objects, res.Total(), res.Duration.Seconds())})

	// 3. TAXII: a page of 1,000 at random places of the community collection.
	v, err := s.Viewer(ctx, id)
	if err != nil {
		return nil, err
	}
	col, err := s.access.Collection(ctx, "community")
	if err != nil {
		return nil, err
	}
	var lo, hi int64
	if err := s.db.QueryRow(ctx, `SELECT COALESCE(MIN(added), 0), COALESCE(MAX(added), 0) FROM intel_observations WHERE collection_num = $1 AND from_stix = FALSE`, col.Num).Scan(&lo, &hi); err != nil {
		return nil, err
	}
	var objects int64
	if err := s.db.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM intel_observations WHERE collection_num = $1 AND from_stix = FALSE) +
		(SELECT COUNT(*) FROM intel_objects WHERE collection_num = $1)`, col.Num).Scan(&objects); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var took []time.Duration
	for range o.Pages {
		after := lo + rng.Int64N(max(hi-lo, 1))
		start := time.Now()
		page, _, err := s.share.Page(ctx, v, col, sharing.Filter{After: after, Limit: sharing.MaxPage})
		if err != nil {
			return nil, err
		}
		took = append(took, time.Since(start))
		if len(page) == 0 && after < hi-int64(sharing.MaxPage) {
			return nil, fmt.Errorf("bench: an empty page after %d", after)
		}
	}
	slices.Sort(took)
	med := took[len(took)/2]
	add(BenchResult{Name: "TAXII page of 1,000 (median)", Value: float64(med.Microseconds()) / 1000, Unit: "ms", Target: "< 50",
		Met: med < 50*time.Millisecond, Note: fmt.Sprintf("collection of %d objects; p95 %.1f ms", objects,
			float64(took[len(took)*95/100].Microseconds())/1000)})

	// 4. The lookup index: its memory and its speed.
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	if err := s.look.Refresh(ctx); err != nil {
		return nil, err
	}
	built := time.Since(start)
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	n := s.look.Indexed()
	perEntry := float64(after.HeapAlloc-min(before.HeapAlloc, after.HeapAlloc)) / float64(max(n, 1))
	add(BenchResult{Name: "lookup index memory", Value: perEntry, Unit: "bytes/entry", Target: "≤ 150 (1.5 GB at 10 M)",
		Met: perEntry <= 150, Note: fmt.Sprintf("%d entries, built in %.1f s; process resident %d MB", n, built.Seconds(), rssMB())})

	values := make([]string, o.Lookups)
	for i := range values {
		if i%2 == 0 {
			values[i] = benchValue(rng.IntN(max(o.Indicators, 1)))
		} else {
			values[i] = fmt.Sprintf("unknown-%d.example", i)
		}
	}
	start = time.Now()
	known := s.look.Known(values)
	perCore := float64(len(values)) / time.Since(start).Seconds()
	add(BenchResult{Name: "bulk lookup, index (one core)", Value: perCore, Unit: "values/s", Target: "≥ 1,000,000", Met: perCore >= 1_000_000,
		Note: fmt.Sprintf("%d values normalised and looked up, %d found", len(values), known)})
	start = time.Now()
	matches, err := s.look.Lookup(ctx, id, values)
	if err != nil {
		return nil, err
	}
	whole := float64(len(values)) / time.Since(start).Seconds()
	add(BenchResult{Name: "bulk lookup, whole request", Value: whole, Unit: "values/s", Target: "(with the matches' rows)", Met: true,
		Note: fmt.Sprintf("%d matches with sources and constituents", len(matches))})

	// 5. Routing an address among 10,000 constituents' networks.
	var cs []routing.Constituency
	for i := range 10_000 {
		cs = append(cs, routing.Constituency{OrgID: "org" + strconv.Itoa(i),
			CIDRs: []netip.Prefix{netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24)}})
	}
	r := routing.New(cs)
	const routed = 2_000_000
	start = time.Now()
	hits := 0
	for i := range routed {
		if r.IP(netip.AddrFrom4([4]byte{10, byte(i >> 8 & 0x27), byte(i), byte(i >> 16)})) != nil {
			hits++
		}
	}
	ns := float64(time.Since(start).Nanoseconds()) / routed
	add(BenchResult{Name: "route an address", Value: ns, Unit: "ns", Target: "< 1,000", Met: ns < 1000,
		Note: fmt.Sprintf("among 10,000 networks; %d of %d routed", hits, routed)})
	return out, nil
}

// benchValue is the i-th generated indicator: seven in ten an address,
// two a host name, one a SHA-256.
func benchValue(i int) string {
	switch i % 10 {
	case 7, 8:
		return "host-" + strconv.Itoa(i) + ".bench.example"
	case 9:
		return fmt.Sprintf("%064x", uint64(i)*0x9e3779b97f4a7c15)
	}
	return netip.AddrFrom4([4]byte{11 + byte(i>>24&63), byte(i >> 16), byte(i >> 8), byte(i)}).String()
}

func writeFile(path string, fill func(*bufio.Writer)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fill(w)
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (s *Service) ingestFile(ctx context.Context, id *auth.Identity, src Source, path string, f ingest.Format) (Result, error) {
	file, err := os.Open(path)
	if err != nil {
		return Result{}, err
	}
	defer file.Close()
	return s.Ingest(ctx, id, src, file, IngestOptions{Format: f, Via: "cli"})
}

// rssMB is the process's resident memory in megabytes (Linux; 0 elsewhere).
func rssMB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			kb, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return kb / 1024
		}
	}
	return 0
}

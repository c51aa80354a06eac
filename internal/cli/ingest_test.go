package cli

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestIngest(t *testing.T) {
	dir := t.TempDir()
	data := migratedData(t)
	list := filepath.Join(dir, "list.txt")
	if err := os.WriteFile(list, []byte("198.51.100.7\nevil[.]example\nnot an indicator!\n198.51.100.7\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, nil, "", "ingest", "--data", data, "--source", "partner", "--tlp", "GREEN", list)
	if code != 0 || !regexp.MustCompile(`^ingested 3 indicators \(new 2, updated 0, rejected 1\) in [0-9.]+ s \([0-9]+/s\)\n$`).MatchString(out) {
		t.Fatalf("exit %d\nstdout %q\nstderr %q", code, out, errOut)
	}
	if !strings.Contains(errOut, "list.txt:3: ") {
		t.Fatalf("the rejected line is not named: %q", errOut)
	}
	code, out, _ = run(t, nil, "", "ingest", "--data", data, "--source", "partner", list)
	if code != 0 || !strings.HasPrefix(out, "ingested 3 indicators (new 0, updated 2, rejected 1)") {
		t.Fatalf("again: exit %d %q", code, out)
	}
	shadow := filepath.Join("testdata", "intelmq", "shadowserver", "scan_adb.csv")
	if code, out, errOut := run(t, nil, "", "ingest", "--data", data, shadow); code != 0 || !strings.Contains(out, "rejected 0") {
		t.Fatalf("Shadowserver: exit %d %q %q", code, out, errOut)
	}
	if code, _, errOut := run(t, nil, "", "ingest", "--data", data, "--format", "yaml", list); code != 1 || !strings.Contains(errOut, "unknown format") {
		t.Fatalf("yaml: exit %d %q", code, errOut)
	}
	misp := filepath.Join("testdata", "misp", "mispevent_testfiles", "existing_event.json")
	if code, out, errOut := run(t, nil, "", "ingest", "--data", data, misp); code != 0 || !strings.Contains(out, "ingested 66 indicators (new 66") {
		t.Fatalf("MISP: exit %d %q %q", code, out, errOut)
	}
	if code, _, _ := run(t, nil, "", "ingest", "--data", data); code != 2 {
		t.Fatalf("no file: exit %d", code)
	}
}

// TestBench: certhub bench generates its data, measures every figure and
// prints it beside its target (at this tiny size the rates may miss them:
// the exit code then says so).
func TestBench(t *testing.T) {
	profile := filepath.Join(t.TempDir(), "cpu.pprof")
	code, out, errOut := run(t, map[string]string{"CERTHUB_DATA": ""}, "", "bench", "--indicators", "3000", "--stix", "1000", "--lookups", "2000", "--pages", "3", "--cpuprofile", profile)
	if code != 0 && !strings.Contains(errOut, "missed their targets") {
		t.Fatalf("exit %d: %s\n%s", code, out, errOut)
	}
	for _, figure := range []string{"ingest, plain list", "ingest, STIX 2.1 bundle", "TAXII page of 1,000", "lookup index memory",
		"bulk lookup, index", "bulk lookup, whole request", "route an address"} {
		if !strings.Contains(out, figure) {
			t.Errorf("no %q in:\n%s", figure, out)
		}
	}
	if !strings.Contains(out, "3000 in") || !strings.Contains(out, "1000 objects") {
		t.Errorf("the counts loaded are not reported:\n%s", out)
	}
	if st, err := os.Stat(profile); err != nil || st.Size() == 0 {
		t.Errorf("no CPU profile written: %v", err)
	}
	if code, _, _ := run(t, nil, "", "bench", "--indicators", "10"); code != 2 {
		t.Errorf("too few indicators: exit %d", code)
	}
}

// TestIngestMISPFeedDir: a directory is read as a MISP feed — the events its
// manifest names (PyMISP's test events, written as MISP writes a feed), and
// nothing the manifest does not name.
func TestIngestMISPFeedDir(t *testing.T) {
	dir := t.TempDir()
	feed := filepath.Join(dir, "feed")
	if err := os.Mkdir(feed, 0o700); err != nil {
		t.Fatal(err)
	}
	manifest := map[string]any{}
	for _, name := range []string{"existing_event.json", "shadow.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "misp", "mispevent_testfiles", name))
		if err != nil {
			t.Fatal(err)
		}
		var e struct {
			UUID      string `json:"uuid"`
			Timestamp string `json:"timestamp"`
		}
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatal(err)
		}
		manifest[e.UUID] = map[string]string{"timestamp": e.Timestamp}
		if err := os.WriteFile(filepath.Join(feed, e.UUID+".json"), append(append([]byte(`{"Event":`), b...), '}'), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// An event file the manifest does not name is not read.
	if err := os.WriteFile(filepath.Join(feed, "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d.json"),
		[]byte(`{"Event":{"Attribute":[{"type":"ip-dst","value":"198.51.100.99"}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	m, _ := json.Marshal(manifest)
	if err := os.WriteFile(filepath.Join(feed, "manifest.json"), m, 0o600); err != nil {
		t.Fatal(err)
	}
	single := filepath.Join(dir, "single.json")
	b, _ := os.ReadFile(filepath.Join("testdata", "misp", "mispevent_testfiles", "existing_event.json"))
	if err := os.WriteFile(single, b, 0o600); err != nil {
		t.Fatal(err)
	}
	data := migratedData(t)
	code, want, errOut := run(t, nil, "", "ingest", "--data", migratedData(t), single)
	if code != 0 {
		t.Fatalf("the event alone: %d %s", code, errOut)
	}
	code, out, errOut := run(t, nil, "", "ingest", "--data", data, feed)
	if code != 0 || !strings.HasPrefix(out, strings.SplitN(want, " in ", 2)[0]) {
		t.Fatalf("the feed: exit %d\n%s\n(the event alone: %s)\n%s", code, out, want, errOut)
	}
	if code, _, errOut := run(t, nil, "", "ingest", "--data", data, dir); code != 1 || !strings.Contains(errOut, "manifest.json") {
		t.Fatalf("a directory without a manifest: %d %s", code, errOut)
	}
}

// TestWarninglist: the command line lists, loads, switches, checks and
// deletes warninglists, and ingest follows.
func TestWarninglist(t *testing.T) {
	dir := t.TempDir()
	data := migratedData(t)
	list := filepath.Join(dir, "cdn.json")
	if err := os.WriteFile(list, []byte(`{"name": "Partner CDN", "version": 7, "type": "cidr", "list": ["192.0.2.128/25"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, nil, "", "warninglist", "--data", data, "load", list)
	if code != 0 || !regexp.MustCompile(`^loaded Partner CDN \([0-9a-f-]{36}, 1 values\)\n$`).MatchString(out) {
		t.Fatalf("load: exit %d %q %q", code, out, errOut)
	}
	if code, out, _ := run(t, nil, "", "warninglist", "--data", data, "load", list); code != 0 || !strings.HasPrefix(out, "replaced the values of Partner CDN") {
		t.Fatalf("load again: exit %d %q", code, out)
	}
	code, out, _ = run(t, nil, "", "warninglist", "--data", data, "list")
	if code != 0 || !regexp.MustCompile(`(?m)^public-resolvers +on +cidr +13 +public DNS resolvers$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^[0-9a-f-]{36} +on +cidr +1 +Partner CDN$`).MatchString(out) {
		t.Fatalf("list: exit %d\n%s", code, out)
	}
	if code, out, _ := run(t, nil, "", "warninglist", "--data", data, "disable", "public-resolvers"); code != 0 || out != "disabled public DNS resolvers\n" {
		t.Fatalf("disable: exit %d %q", code, out)
	}
	code, out, _ = run(t, nil, "", "warninglist", "--data", data, "check", "192.0.2[.]200", "8.8.8.8", "bad!")
	if code != 0 || !strings.Contains(out, "192.0.2[.]200\tipv4 192.0.2.200: benign (Partner CDN)") ||
		!strings.Contains(out, "8.8.8.8\tipv4 8.8.8.8: on no list") || !strings.Contains(out, "bad!\tnot an indicator") {
		t.Fatalf("check: exit %d\n%s", code, out)
	}
	values := filepath.Join(dir, "values.txt")
	if err := os.WriteFile(values, []byte("192.0.2.200\n8.8.8.8\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := run(t, nil, "", "ingest", "--data", data, values); code != 0 || !strings.Contains(out, "(new 1, updated 0, rejected 1)") ||
		!strings.Contains(errOut, "known benign (Partner CDN)") {
		t.Fatalf("ingest: exit %d %q %q", code, out, errOut)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"name": "x", "type": "cidr", "list": ["nope"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run(t, nil, "", "warninglist", "--data", data, "load", bad); code != 1 || !strings.Contains(errOut, `list[0]: "nope" is not a network`) {
		t.Fatalf("a bad list: exit %d %q", code, errOut)
	}
	if code, _, errOut := run(t, nil, "", "warninglist", "--data", data, "delete", "largest-sites"); code != 1 || !strings.Contains(errOut, "cannot be deleted") {
		t.Fatalf("delete a built-in list: exit %d %q", code, errOut)
	}
	for _, args := range [][]string{{}, {"frobnicate"}, {"enable"}, {"load"}, {"delete", "a", "b"}} {
		if code, _, _ := run(t, nil, "", append([]string{"warninglist", "--data", data}, args...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// TestASN: `certhub asn` loads a table in pyasn's format (gzip: the first
// lines of RouteViews' table of 13 May 2014, which internal/intel loads
// whole), shows it, looks addresses up, refuses a broken dump naming its
// line, deletes.
func TestASN(t *testing.T) {
	dir := t.TempDir()
	data := migratedData(t)
	if code, _, errOut := run(t, nil, "", "asn", "--data", data, "show"); code != 1 || !strings.Contains(errOut, "no AS table is loaded") {
		t.Fatalf("show before loading: exit %d %q", code, errOut)
	}
	table := filepath.Join(dir, "ipasn_20140513.dat.gz")
	writeGzip(t, table, "; IP-ASN32-DAT file\n; \n1.0.0.0/24\t15169\n1.0.4.0/24\t56203\n1.0.5.0/24\t56203\n"+
		"1.0.6.0/24\t56203\n1.0.7.0/24\t56203\n1.0.20.0/23\t2519\n1.0.22.0/23\t2519\n")
	code, out, errOut := run(t, nil, "", "asn", "--data", data, "load", table)
	if code != 0 || out != "loaded ipasn_20140513.dat.gz: 7 prefixes, 3 origin ASes\n" {
		t.Fatalf("load: exit %d %q %q", code, out, errOut)
	}
	if code, out, _ := run(t, nil, "", "asn", "--data", data, "show"); code != 0 ||
		!regexp.MustCompile(`^ipasn_20140513\.dat\.gz: 7 prefixes, 3 origin ASes, loaded \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ by command line\n$`).MatchString(out) {
		t.Fatalf("show: exit %d %q", code, out)
	}
	code, out, _ = run(t, nil, "", "asn", "--data", data, "lookup", "1.0.4[.]200", "10.1.2.3", "evil.example")
	if code != 0 || out != "1.0.4[.]200\tAS56203\t1.0.4.0/24\n10.1.2.3\tnot announced\nevil.example\tnot an address or network\n" {
		t.Fatalf("lookup: exit %d %q", code, out)
	}
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("192.0.2.0/24\t64500\n192.0.2.0/24\tAS64500x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run(t, nil, "", "asn", "--data", data, "load", bad); code != 1 || !strings.Contains(errOut, "body: line 2: not an AS number") {
		t.Fatalf("a broken dump: exit %d %q", code, errOut)
	}
	if code, _, errOut := run(t, nil, "", "asn", "--data", data, "lookup"); code != 2 || !strings.Contains(errOut, "name at least one address") {
		t.Fatalf("lookup of nothing: exit %d %q", code, errOut)
	}
	if code, out, _ := run(t, nil, "", "asn", "--data", data, "delete"); code != 0 || out != "deleted the AS table\n" {
		t.Fatalf("delete: exit %d %q", code, out)
	}
	if code, _, _ := run(t, nil, "", "asn", "--data", data, "lookup", "1.0.4.200"); code != 1 {
		t.Fatalf("lookup after delete: exit %d", code)
	}
}

// TestIngestProgress: --progress shows how far a load is on standard
// error (not a terminal here, so only when asked), --quiet nothing.
func TestIngestProgress(t *testing.T) {
	dir := t.TempDir()
	data := migratedData(t)
	list := filepath.Join(dir, "big.txt")
	var b strings.Builder
	for i := range 20_500 { // one batch and some
		fmt.Fprintf(&b, "10%d.%d.%d.%d\n", i>>24&1, i>>16&255, i>>8&255, i&255)
	}
	if err := os.WriteFile(list, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, nil, "", "ingest", "--data", data, "--progress", list)
	if code != 0 || !strings.HasPrefix(out, "ingested 20500 indicators (new 20500") {
		t.Fatalf("exit %d %q %q", code, out, errOut)
	}
	if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(list) + ` \(run [0-9a-f-]{36}\): \d+% read, 20000 indicators \(new 20000, updated 0, rejected 0\), \d+/s$`).MatchString(errOut) {
		t.Fatalf("no progress after the first batch: %q", errOut)
	}
	small := filepath.Join(dir, "small.txt")
	if err := os.WriteFile(small, []byte(b.String()[:strings.LastIndexByte(b.String()[:1000], '\n')+1]), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run(t, nil, "", "ingest", "--data", data, "--progress", "--quiet", small); code != 0 || errOut != "" {
		t.Fatalf("--quiet: exit %d %q", code, errOut)
	}
	if code, _, errOut := run(t, nil, "", "ingest", "--data", data, small); code != 0 || errOut != "" {
		t.Fatalf("not a terminal, not asked: exit %d %q", code, errOut)
	}
}

// writeGzip writes text to a gzip file.
func writeGzip(t *testing.T, path, text string) {
	t.Helper()
	var b bytes.Buffer
	z := gzip.NewWriter(&b)
	if _, err := z.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

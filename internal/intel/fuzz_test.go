package intel

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/errs"
)

// Fuzz targets for the readers of outside input: plain lists, CSV and
// Shadowserver reports, STIX bundles, MISP events and feed manifests, AS
// tables, warninglists, and the normalisation they all share. Each is
// seeded with the public samples of testdata/ and with the corpus in
// testdata/fuzz/<name>/; each checks a property that can fail, not only
// that nothing panics.

// fuzzRecords collects what a reader hands on.
type fuzzRecords struct {
	recs []Record
	rejs []Rejection
}

func (c *fuzzRecords) sink(r Record) error { c.recs = append(c.recs, r); return nil }
func (c *fuzzRecords) reject(r Rejection)  { c.rejs = append(c.rejs, r) }

// addFiles seeds f with the files matching pattern under testdata/.
func addFiles(f *testing.F, pattern string, maxSize int) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join(official, pattern))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files %s: %v", pattern, err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) <= maxSize {
			f.Add(b)
		}
	}
}

// checkCanonical fails unless o is an observable in its one canonical
// form: normalising its value again, as its type or (detected) by itself,
// gives it back. Lookups and de-duplication rest on that.
func checkCanonical(t *testing.T, o Observable, detected bool) {
	t.Helper()
	if !o.Type.Valid() || o.Value == "" || !utf8.ValidString(o.Value) || len(o.Value) > MaxLength+16 {
		t.Fatalf("not an observable: %+v", o)
	}
	again, err := NormalizeAs(o.Type, o.Value)
	if err != nil || again != o {
		t.Fatalf("%+v normalised as its type gives %+v, %v", o, again, err)
	}
	if detected {
		if again, err := Normalize(o.Value); err != nil || again != o {
			t.Fatalf("%+v normalised again gives %+v, %v", o, again, err)
		}
	}
}

// checkRejections fails unless every rejection names a line of the input
// (1 to lines) and says why.
func checkRejections(t *testing.T, rejs []Rejection, first, lines int) {
	t.Helper()
	for _, r := range rejs {
		if r.Line < first || r.Line > lines || strings.TrimSpace(r.Message) == "" {
			t.Fatalf("rejection %+v: want a line from %d to %d and a reason", r, first, lines)
		}
	}
}

// FuzzNormalize: a value recognised (or read as a given type) is in its
// canonical form, and a value refused says why.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"198.51.100.7", "hxxps://Evil[.]Example:443/a#x", "evil[.]example", "2001:DB8::1", "::ffff:192.0.2.1",
		"192.0.2.0/24", "10.0.0.1/32", "soc@Bank-CERT.example", "AS64500", "cve-2024-3094", "Bücher.example",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "http://[::1]:8080", "evil.example/path?q=1",
		"not an indicator!", "",
	} {
		f.Add(s, uint8(0))
	}
	f.Add("xn--bcher-kva.example", uint8(4))
	f.Add("203.0.113.9", uint8(4))
	f.Add("::ffff:192.0.2.0/120", uint8(3))
	f.Fuzz(func(t *testing.T, raw string, as uint8) {
		var o Observable
		var err error
		detected := int(as)%(len(Types)+1) == 0
		if detected {
			o, err = Normalize(raw)
		} else {
			o, err = NormalizeAs(Types[int(as)%(len(Types)+1)-1], raw)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Reason == "" {
				t.Fatalf("%q: error %v does not say why", raw, err)
			}
			return
		}
		checkCanonical(t, o, detected)
	})
}

// FuzzParseText: a plain list gives, for each line, at most one indicator
// or one rejection naming the line; every indicator is canonical.
func FuzzParseText(f *testing.F) {
	f.Add([]byte("198.51.100.7\nevil[.]example\nnot an indicator!\n# comment\n\n198.51.100.7 seen twice\n"))
	f.Add([]byte("hxxp://evil[.]example/login\tphishing\r\nsoc@bank.example;\nAS64500,transit\n"))
	f.Add([]byte("evil dot example\n  \t\n;x\n"))
	addFiles(f, "ipasn/LICENSE", 1<<20) // prose: many refusals
	f.Fuzz(func(t *testing.T, data []byte) {
		var c fuzzRecords
		err := ParseText(bytes.NewReader(data), c.sink, c.reject)
		if err != nil {
			t.Fatalf("a list of %d bytes: %v", len(data), err)
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		checkRejections(t, c.rejs, 1, lines)
		seen := map[int]bool{}
		for _, r := range c.recs {
			checkCanonical(t, r.Observable, true)
			seen[r.Line] = true
		}
		for _, r := range c.rejs {
			if seen[r.Line] {
				t.Fatalf("line %d gave an indicator and a rejection", r.Line)
			}
			seen[r.Line] = true
		}
		if len(seen) != len(c.recs)+len(c.rejs) {
			t.Fatalf("%d indicators and %d rejections on %d lines: a line gave two", len(c.recs), len(c.rejs), len(seen))
		}
		for _, r := range c.recs {
			if r.Line < 1 || r.Line > lines {
				t.Fatalf("record %+v of line %d; the input has %d", r.Observable, r.Line, lines)
			}
		}
	})
}

// FuzzParseCSV reads a CSV as an upload does: the format and mapping
// settled from the header (a Shadowserver report's, or one guessed from
// the column names), then the records. A line gives indicators or one
// rejection, never both; a header that cannot be used is refused as the
// client's mistake, never as the server's.
func FuzzParseCSV(f *testing.F) {
	addFiles(f, "intelmq/shadowserver/*.csv", 64<<10)
	f.Add([]byte("indicator,type,first_seen\n198.51.100.7,c2,2024-01-02\nevil[.]example,phishing,bad time\n,,\n"))
	f.Add([]byte("ip;domain;port\n192.0.2.1;evil.example;443\n\"x\"y;;\n"))
	f.Add([]byte("\ufefftimestamp,ip,url,tag\n2024-01-01 00:00:00,203.0.113.5,hxxp://x[.]example/,mirai\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReader(bytes.NewReader(data))
		format, m, err := detectFormat(br, IngestOptions{Format: FormatCSV, Report: "fuzz"})
		if err != nil {
			if errs.KindOf(err) != errs.KindInvalid {
				t.Fatalf("the header is refused as a server error: %v", err)
			}
			return
		}
		var c fuzzRecords
		if err := ParseCSV(br, *m, c.sink, c.reject); err != nil {
			t.Fatalf("%s mapping %+v: %v", format, m, err)
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		checkRejections(t, c.rejs, 2, lines)
		recordLines := map[int]bool{}
		last := 0
		for _, r := range c.recs {
			checkCanonical(t, r.Observable, false)
			if r.Line < 2 || r.Line > lines || r.Line < last {
				t.Fatalf("record %+v of line %d after line %d (the input has %d)", r.Observable, r.Line, last, lines)
			}
			if format == FormatShadowserver && !slices.Contains(r.Tags, "shadowserver:fuzz") {
				t.Fatalf("a Shadowserver record without its report's tag: %v", r.Tags)
			}
			last = r.Line
			recordLines[r.Line] = true
		}
		for _, r := range c.rejs {
			if recordLines[r.Line] {
				t.Fatalf("line %d gave indicators and a rejection (%s)", r.Line, r.Message)
			}
		}
	})
}

// FuzzParseSTIX: every object kept has an identifier of its type and a
// version in the one form versions take; its body is the object as it
// came; records and rejections name an object of the bundle.
func FuzzParseSTIX(f *testing.F) {
	addFiles(f, "stix/examples/*.json", 64<<10)
	addFiles(f, "stix/examples/threat-reports/*.json", 128<<10)
	f.Add([]byte(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[` +
		`{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48Z",` +
		`"pattern":"[ipv4-addr:value = '198.51.100.1/32' OR domain-name:value IN ('evil.example', 'x[.]example')]","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z",` +
		`"object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]},` +
		`{"type":"file","id":"file--6d7a6c6b-e1c4-4e4a-9a7a-2d5e3c1f0a11","hashes":{"SHA-256":"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855","md5":"x"}},` +
		`{"type":"autonomous-system","id":"autonomous-system--f720c34b-98ae-597f-ade5-27ef2fa0b1a3","number":64500},` +
		`{"type":"url","id":"url--x","value":"http://evil.example/"},5,[],{"type":"ipv4-addr","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":17}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var c fuzzRecords
		var kept []Object
		keep := func(o Object) error { kept = append(kept, o); return nil }
		err := ParseSTIX(bytes.NewReader(data), c.sink, c.reject, keep)
		if err != nil && !strings.HasPrefix(err.Error(), "intel: STIX") {
			t.Fatalf("an error that does not say it is the bundle's: %v", err)
		}
		n := 0 // objects handed on by number
		for _, o := range kept {
			m := idPattern.FindStringSubmatch(o.ID)
			if m == nil || m[1] != o.Type || o.Line <= n {
				t.Fatalf("kept object %d %q of type %q (after object %d)", o.Line, o.ID, o.Type, n)
			}
			n = o.Line
			if o.Version != "" {
				if _, err := parseVersion(o.Version); err != nil {
					t.Fatalf("%s: version %q is not in the one form: %v", o.ID, o.Version, err)
				}
			}
			var again fuzzRecords
			if err := ParseSTIX(strings.NewReader(`{"objects":[`+string(o.Body)+`]}`), again.sink, again.reject, func(Object) error { return nil }); err != nil {
				t.Fatalf("%s: the kept body does not read again: %v", o.ID, err)
			}
		}
		for _, r := range c.recs {
			checkCanonical(t, r.Observable, false)
			if r.Line < 1 || r.FromObject && !slices.ContainsFunc(kept, func(o Object) bool { return o.Line == r.Line }) {
				t.Fatalf("record %+v of object %d, which was not kept", r.Observable, r.Line)
			}
		}
		for _, r := range c.rejs {
			if r.Line < 1 || r.Message == "" {
				t.Fatalf("rejection %+v", r)
			}
		}
	})
}

// parseVersion reads a version as VersionString writes it, and only so.
func parseVersion(v string) (time.Time, error) {
	t, err := time.Parse("2006-01-02T15:04:05.000000Z", v)
	if err == nil && VersionString(t) != v {
		err = errors.New("not written as VersionString writes it")
	}
	return t, err
}

// FuzzParseMISP: a MISP event's records are canonical, its event-wide
// marking is carried, and what cannot be read says where.
func FuzzParseMISP(f *testing.F) {
	addFiles(f, "misp/mispevent_testfiles/*.json", 16<<10)
	f.Add([]byte(`{"Event": {"info": "phishing", "uuid": "5f0e7f5c-1a2b-4c3d-8e9f-000000000001", "Attribute": [
	  {"type": "ip-dst|port", "value": "198.51.100.7|443", "to_ids": true, "timestamp": "1700000000", "Tag": [{"name": "tlp:red"}]},
	  {"type": "domain|ip", "value": "evil.example|198.51.100.8", "to_ids": false},
	  {"type": "filename|sha256", "value": "a.exe|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	  {"type": "url", "value": "hxxp://evil[.]example/x", "deleted": true},
	  {"type": "ip-src", "value": "not-an-ip!"}, {"type": "AS", "value": 64500}, {"type": "vulnerability", "value": "CVE-2024-3094"}],
	 "Object": [{"name": "domain-ip", "Attribute": [{"type": "domain", "value": "c2.evil.example"}], "Tag": [{"name": "tlp:amber+strict"}]}],
	 "Tag": [{"name": "tlp:green"}, {"name": "type:OSINT"}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var c fuzzRecords
		err := ParseMISP(bytes.NewReader(data), c.sink, c.reject)
		if err != nil && !strings.HasPrefix(err.Error(), "intel: MISP") {
			t.Fatalf("an error that does not say it is the event's: %v", err)
		}
		for _, r := range c.recs {
			checkCanonical(t, r.Observable, false)
			if r.TLP != "" && !slices.Contains([]string{"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"}, r.TLP) {
				t.Fatalf("record %+v marked %q", r.Observable, r.TLP)
			}
		}
		for _, r := range c.rejs {
			if r.Message == "" {
				t.Fatalf("rejection %+v", r)
			}
		}
	})
}

// FuzzReadMISPManifest: a feed's manifest lists only events whose names
// are UUIDs (no other name becomes a file to fetch), oldest first, and
// never more than it holds.
func FuzzReadMISPManifest(f *testing.F) {
	f.Add([]byte(`{"5f0e7f5c-1a2b-4c3d-8e9f-000000000001": {"timestamp": "1700000000", "info": "x"},
	  "5F0E7F5C-1A2B-4C3D-8E9F-000000000002": {"timestamp": 1600000000}, "../../etc/passwd": {"timestamp": 1},
	  "5f0e7f5c-1a2b-4c3d-8e9f-000000000003": {}}`))
	f.Add([]byte(`{"5f0e7f5c-1a2b-4c3d-8e9f-000000000001": {"timestamp": "x"}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		events, listed, err := readMISPManifest(bytes.NewReader(data))
		if err != nil {
			return
		}
		if len(events) > listed {
			t.Fatalf("%d events of %d entries", len(events), listed)
		}
		for i, e := range events {
			if !mispUUID.MatchString(e.uuid) || strings.ContainsAny(e.uuid, "/.\\") {
				t.Fatalf("event %q would be fetched", e.uuid)
			}
			if i > 0 && e.ts < events[i-1].ts {
				t.Fatalf("events out of order: %v", events)
			}
		}
	})
}

// FuzzLoadASNTable: a table that loads writes out (as the store keeps it)
// and loads again to the same table; a line that cannot be read is named.
func FuzzLoadASNTable(f *testing.F) {
	f.Add([]byte("; IP-ASN32-DAT file\n; \n1.0.0.0/24\t15169\n1.0.4.0/24\t56203\n1.0.4.0/22\t56203\n1.0.20.0/23\t2519\n"))
	f.Add([]byte("# pfx2as\n198.51.100.0\t24\t64501_64502\n203.0.113.0/24 {64503,64504}\n2001:db8::/32\t64505\n"))
	f.Add([]byte("192.0.2.0/24\t64500\n192.0.2.0/24\tAS64500x\n"))
	if head, err := gunzipHead(filepath.Join(official, "ipasn", "ipasn_20140513.dat.gz"), 200); err == nil {
		f.Add(head)
	} else {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var stored bytes.Buffer
		tab, err := readASNTable(bytes.NewReader(data), func(p netip.Prefix, asn uint32) error {
			stored.WriteString(p.String() + "\t" + strconv.FormatUint(uint64(asn), 10) + "\n")
			return nil
		})
		if err != nil {
			var le *ASNTableError
			if !errors.As(err, &le) || le.Line < 1 || le.Line > bytes.Count(data, []byte("\n"))+1 || le.Message == "" {
				t.Fatalf("an error that names no line of the dump: %v", err)
			}
			return
		}
		again, err := LoadASNTable(bytes.NewReader(stored.Bytes()))
		if err != nil {
			t.Fatalf("the table as stored does not load: %v\n%s", err, stored.Bytes())
		}
		if again.Len() != tab.Len() || again.ASNs() != tab.ASNs() {
			t.Fatalf("%d prefixes of %d ASes, as stored %d of %d", tab.Len(), tab.ASNs(), again.Len(), again.ASNs())
		}
		for line := range strings.SplitSeq(strings.TrimSpace(stored.String()), "\n") {
			if line == "" {
				continue
			}
			pfx, _, _ := strings.Cut(line, "\t")
			p := netip.MustParsePrefix(pfx)
			a1, p1, ok1 := tab.LookupPrefix(p)
			a2, p2, ok2 := again.LookupPrefix(p)
			if !ok1 || p1 != p || a1 != a2 || p1 != p2 || ok1 != ok2 {
				t.Fatalf("%s: AS%d %s %v, as stored AS%d %s %v", p, a1, p1, ok1, a2, p2, ok2)
			}
		}
	})
}

// gunzipHead answers the first lines of a gzip file.
func gunzipHead(path string, lines int) ([]byte, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	z, err := gzip.NewReader(file)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	sc := bufio.NewScanner(io.LimitReader(z, 1<<20))
	for i := 0; i < lines && sc.Scan(); i++ {
		b.Write(sc.Bytes())
		b.WriteByte('\n')
	}
	return b.Bytes(), sc.Err()
}

// FuzzLoadWarninglist: a list in MISP's format that loads matches each of
// its networks and host names; one that is refused says which field.
func FuzzLoadWarninglist(f *testing.F) {
	f.Add([]byte(`{"name": "Partner CDN", "version": 7, "type": "cidr", "list": ["192.0.2.128/25", "2001:db8::/32", "198.51.100.7"]}`))
	f.Add([]byte(`{"name": "Top sites", "description": "x", "type": "hostname", "list": ["Example.COM.", "bücher.example", "203.0.113.9", "fe80::1%eth0", "not a host"], "matching_attributes": ["hostname"]}`))
	f.Add([]byte(`{"name": "x", "type": "string", "list": ["a\nb"]}`))
	f.Add([]byte(`{"name": "x", "type": "regex", "list": ["."]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := LoadWarninglist(bytes.NewReader(data))
		if err != nil {
			e := errs.As(err)
			if e == nil || e.Kind != errs.KindInvalid {
				t.Fatalf("refused as a server error: %v", err)
			}
			return
		}
		w, err := NewWarninglists(l)
		if err != nil {
			t.Fatalf("a checked list does not build: %v", err)
		}
		for _, v := range l.List {
			var o Observable
			if l.Type == "cidr" {
				p, err := netip.ParsePrefix(strings.TrimSpace(v))
				if err != nil {
					a := netip.MustParseAddr(strings.TrimSpace(v))
					p = netip.PrefixFrom(a, a.BitLen())
				}
				p = p.Masked()
				if p.Addr().Is4In6() || p.Addr().Zone() != "" {
					continue // the same network written otherwise; ingest never sees it so
				}
				o = Observable{Type: CIDR, Value: p.String()}
				if p.IsSingleIP() {
					o = Observable{Type: IPv4, Value: p.Addr().String()}
					if p.Addr().Is6() {
						o.Type = IPv6
					}
				}
			} else if o, err = Normalize(v); err != nil || (o.Type != Domain && o.Type != IPv4 && o.Type != IPv6) {
				continue
			}
			if got := w.Match(o); got == "" {
				t.Fatalf("%q (%+v) is on list %q but matches none", v, o, l.Name)
			}
		}
	})
}

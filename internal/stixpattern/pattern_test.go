package stixpattern

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Patterns from the STIX 2.1 specification's examples (section 9.9 and the
// operators' sections), and the comparisons each makes.
func TestParseValid(t *testing.T) {
	tests := []struct {
		pattern string
		want    []string // object:path op values, NOT-prefixed when negated
	}{
		{"[ipv4-addr:value = '198.51.100.1/32']", []string{"ipv4-addr:value = '198.51.100.1/32'"}},
		{"[ ipv4-addr:value = '10.0.0.0' ]", []string{"ipv4-addr:value = '10.0.0.0'"}},
		{"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
			[]string{"file:hashes.SHA-256 = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f'"}},
		{"[file:hashes.MD5 == 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:name = 'x.exe']",
			[]string{"file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'", "file:name = 'x.exe'"}},
		{"[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
			[]string{`email-message:from_ref.value MATCHES '.+\@example\.com$'`, `email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\.exe$'`}},
		{"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] OR [domain-name:value = 'example.com'] WITHIN 300 SECONDS",
			[]string{"file:hashes.SHA-256 = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f'", "file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'", "domain-name:value = 'example.com'"}},
		{"([ipv4-addr:value = '198.51.100.1/32'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.2/32']) REPEATS 5 TIMES WITHIN 1800 SECONDS",
			[]string{"ipv4-addr:value = '198.51.100.1/32'", "ipv4-addr:value = '198.51.100.2/32'"}},
		{"[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value ISSUBSET '198.51.100.0/24']",
			[]string{"network-traffic:dst_ref.type = 'ipv4-addr'", "network-traffic:dst_ref.value ISSUBSET '198.51.100.0/24'"}},
		{"[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
			[]string{"x509-certificate:issuer = 'CN=WEBMAIL'", "x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28'"}},
		{"[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\System\\\\Foo\\\\Bar'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00.123Z'",
			[]string{`windows-registry-key:key = 'HKEY_LOCAL_MACHINE\System\Foo\Bar'`}},
		{"[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [process:pid < 1000 AND process:name NOT IN ('sshd', 'init')]",
			[]string{"user-account:account_type = 'unix'", "user-account:user_id = '1007'", "user-account:account_login = 'Peter'", "process:pid < 1000", "NOT process:name IN ('sshd' 'init')"}},
		{"[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']",
			[]string{"artifact:mime_type = 'application/vnd.tcpdump.pcap'", `artifact:payload_bin MATCHES '\xd4\xc3\xb2\xa1\x02\x00\x04\x00'`}},
		{"[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]", []string{"file:extensions.windows-pebinary-ext.sections[*].entropy > 7.0"}},
		{"[file:content_ref.payload_bin = b'dGhpcyBpcyBhIHRlc3Q=' AND file:magic_number_hex = h'ffd8']",
			[]string{"file:content_ref.payload_bin = dGhpcyBpcyBhIHRlc3Q=", "file:magic_number_hex = ffd8"}},
		{"[NOT EXISTS windows-registry-key:values[0].name] /* a comment */ // and another", []string{"NOT windows-registry-key:values[0].name EXISTS"}},
		{"[x-acme:flag = true AND x-acme:n != -3 AND x-acme:l[+1] <> 'it\\'s']", []string{"x-acme:flag = true", "x-acme:n != -3", "x-acme:l[+1] != 'it's'"}},
		{"[((url:value LIKE 'http://%.example/%'))]", []string{"url:value LIKE 'http://%.example/%'"}},
		{"[x:y IN ()]", []string{"x:y IN ()"}},
	}
	for _, tt := range tests {
		p, err := Parse(tt.pattern)
		if err != nil {
			t.Errorf("%s: %v", tt.pattern, err)
			continue
		}
		var got []string
		for _, c := range p.Comparisons {
			got = append(got, describe(c))
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s:\n got %q\nwant %q", tt.pattern, got, tt.want)
		}
	}
}

func describe(c Comparison) string {
	var vals []string
	for _, v := range c.Values {
		if v.Kind == String {
			vals = append(vals, "'"+v.Text+"'")
		} else {
			vals = append(vals, v.Text)
		}
	}
	s := c.Object + ":" + c.PathString() + " " + c.Op
	if c.Op == "IN" {
		s += " (" + strings.Join(vals, " ") + ")"
	} else if len(vals) > 0 {
		s += " " + vals[0]
	}
	if c.Negated {
		s = "NOT " + s
	}
	return s
}

// TestParseInvalid: each mistake is found where it is, and said plainly.
func TestParseInvalid(t *testing.T) {
	tests := []struct {
		pattern string
		pos     int
		msg     string
	}{
		{"", 1, "expected an observation expression"},
		{"ipv4-addr:value = '1.2.3.4'", 1, "expected an observation expression"},
		{"[ipv4-addr:value = '1.2.3.4'", 29, "expected ] closing the observation expression, found the end"},
		{"[ipv4-addr:value = '1.2.3.4]", 20, "string that is not closed"},
		{"[ipv4-addr:value == 1.2.3.4]", 24, "found the number .3"}, // "1.2" then ".3"
		{"[ipv4-addr value = '1.2.3.4']", 12, "expected : after the object type"},
		{"[ipv4-addr:value =]", 19, "expected a constant"},
		{"[ipv4-addr:value = '1.2.3.4'] AND", 34, "expected an observation expression"},
		{"[ipv4-addr:value = '1.2.3.4'] WITHIN -1 SECONDS", 38, "without a minus sign"},
		{"[ipv4-addr:value = '1.2.3.4'] WITHIN 5 MINUTES", 40, "expected SECONDS"},
		{"[ipv4-addr:value = '1.2.3.4'] REPEATS 2.5 TIMES", 39, "whole number"},
		{"[a:b = 'x'] START t'2016-13-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'", 19, "not a timestamp"},
		{"[a:b = 'x'] START t'2016-08-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z' START t'2016-08-01T00:00:00Z' STOP t'2016-09-01T00:00:00Z'", 72, "a second START…STOP"},
		{"[a:b = 'x'] START t'2016-08-01 00:00:00Z' STOP t'2016-09-01T00:00:00Z'", 19, "not a timestamp"},
		{"[a:b-c = 'x']", 4, "property name"},
		{"[a:b.c-d = 'x']", 6, "property name"},
		{"[a:b = 'x\\y']", 10, `only \' and \\`},
		{"[a:b > true]", 8, "cannot be ordered"},
		{"[a:b LIKE 5]", 11, "LIKE needs a string"},
		{"[a:b IN ('x', 'y']", 18, ", or ) in the set"},
		{"[a:b[x] = 1]", 6, "list index"},
		{"[a:b = 007]", 8, "does not start with 0"},
		{"[a:b = h'abc']", 8, "even number"},
		{"[a:b = b'abc']", 8, "not base64"},
		{"[a:b = 'x'] /* open", 13, "comment that is not closed"},
		{"[a:b = 'x'] extra", 13, `unexpected "extra"`},
		{"[a:b NOT EXISTS]", 10, "expected a comparison operator"},
		{"[NOT a:b = 'x']", 6, "expected EXISTS after NOT"},
		{"[a:b = 'é'] OR [c:d ~ 'x']", 21, "unexpected character '~'"},
		{strings.Repeat("(", 200) + "[a:b = 1]" + strings.Repeat(")", 200), 101, "nested more than 100"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.pattern)
		e, ok := err.(*Error)
		if !ok || e.Pos != tt.pos || !strings.Contains(e.Msg, tt.msg) {
			t.Errorf("%q: %v, want at character %d: …%s…", tt.pattern, err, tt.pos, tt.msg)
		}
	}
}

// TestStandardsPatterns: every STIX pattern of an indicator in the
// standards' example data (OASIS's examples, the TAXII reference server's
// data; copies in testdata, see its README) parses.
func TestStandardsPatterns(t *testing.T) {
	n := 0
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		walk(doc, func(m map[string]any) {
			if m["type"] != "indicator" {
				return
			}
			pattern, _ := m["pattern"].(string)
			if pt, _ := m["pattern_type"].(string); pattern == "" || pt != "" && pt != "stix" {
				return
			}
			n++
			if p, err := Parse(pattern); err != nil || len(p.Comparisons) == 0 {
				t.Errorf("%s: %s: %v", path, pattern, err)
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 47 {
		t.Fatalf("%d patterns in testdata, want the 47 of its README's files", n)
	}
}

func walk(v any, fn func(map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		fn(v)
		for _, x := range v {
			walk(x, fn)
		}
	case []any:
		for _, x := range v {
			walk(x, fn)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	for range b.N {
		if _, err := Parse("[ipv4-addr:value = '198.51.100.7']"); err != nil {
			b.Fatal(err)
		}
	}
}

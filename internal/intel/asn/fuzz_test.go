package asn

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// FuzzLoadASNTable: a table that loads writes out (as the store keeps it)
// and loads again to the same table; a line that cannot be read is named.
func FuzzLoadASNTable(f *testing.F) {
	f.Add([]byte("; IP-ASN32-DAT file\n; \n1.0.0.0/24\t15169\n1.0.4.0/24\t56203\n1.0.4.0/22\t56203\n1.0.20.0/23\t2519\n"))
	f.Add([]byte("# pfx2as\n198.51.100.0\t24\t64501_64502\n203.0.113.0/24 {64503,64504}\n2001:db8::/32\t64505\n"))
	f.Add([]byte("192.0.2.0/24\t64500\n192.0.2.0/24\tAS64500x\n"))
	if head, err := gunzipHead(filepath.Join("testdata", "ipasn", "ipasn_20140513.dat.gz"), 200); err == nil {
		f.Add(head)
	} else {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var stored bytes.Buffer
		tab, err := Read(bytes.NewReader(data), func(p netip.Prefix, asn uint32) error {
			stored.WriteString(p.String() + "\t" + strconv.FormatUint(uint64(asn), 10) + "\n")
			return nil
		})
		if err != nil {
			var le *LineError
			if !errors.As(err, &le) || le.Line < 1 || le.Line > bytes.Count(data, []byte("\n"))+1 || le.Message == "" {
				t.Fatalf("an error that names no line of the dump: %v", err)
			}
			return
		}
		again, err := Load(bytes.NewReader(stored.Bytes()))
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

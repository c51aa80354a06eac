package vulns_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/procurement/proctest"
	"github.com/certhub/certhub/internal/procurement/vulns"
)

// BenchmarkSBOMCheck matches an SBOM of 5,000 components against 100,000
// known vulnerable package versions (10,000 OSV records of ten versions
// each, plus a SEMVER range), on SQLite: issue 16 asks for under a second.
//
//	go test ./internal/procurement/vulns -run '^$' -bench SBOMCheck
func BenchmarkSBOMCheck(b *testing.B) {
	ctx := context.Background()
	d := dbtest.Open(b, db.SQLite)
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	s := vulns.New(d, func() time.Time { return now })
	const records, perRecord = 10_000, 10
	for start := 0; start < records; start += 1000 {
		var buf strings.Builder
		buf.WriteString("[")
		for i := start; i < start+1000; i++ {
			if i > start {
				buf.WriteString(",")
			}
			versions := make([]string, perRecord)
			for v := range versions {
				versions[v] = fmt.Sprintf(`"1.%d.%d"`, v, i%7)
			}
			fmt.Fprintf(&buf, `{"id": "GHSA-bench-%05d", "modified": "2026-01-01T00:00:00Z", "summary": "flaw %d",
				"affected": [{"package": {"ecosystem": "npm", "name": "pkg%d"}, "versions": [%s],
				"ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.9.0"}]}]}]}`, i, i, i%(records/2), strings.Join(versions, ","))
		}
		buf.WriteString("]")
		if _, err := s.Load(ctx, proctest.Staff, []byte(buf.String())); err != nil {
			b.Fatal(err)
		}
	}
	var bom bytes.Buffer
	bom.WriteString(`{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [`)
	for i := range 5000 {
		if i > 0 {
			bom.WriteByte(',')
		}
		fmt.Fprintf(&bom, `{"type": "library", "bom-ref": "c%d", "name": "pkg%d", "version": "1.%d.%d", "purl": "pkg:npm/pkg%d@1.%d.%d"}`,
			i, i, i%12, i%7, i, i%12, i%7)
	}
	bom.WriteString(`]}`)
	data := bom.Bytes()
	b.ResetTimer()
	for b.Loop() {
		c, err := s.CheckSBOM(ctx, proctest.Staff, bytes.NewReader(data))
		if err != nil || c.Components != 5000 || len(c.Vulnerable) == 0 {
			b.Fatal(c.Components, len(c.Vulnerable), err)
		}
	}
}

package sbom_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/procurement/sbom"
)

func parseFile(t *testing.T, name string) sbom.SBOM {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := sbom.Parse(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

func find(s sbom.SBOM, name string) (sbom.Component, bool) {
	for _, c := range s.Components {
		if c.Name == name {
			return c, true
		}
	}
	return sbom.Component{}, false
}

// TestOfficialSamples: the formats' own examples read, with their
// identifiers; what has none is listed as unchecked.
func TestOfficialSamples(t *testing.T) {
	t.Parallel()
	cdx := parseFile(t, "cyclonedx-valid-bom-1.6.json")
	if cdx.Format != sbom.CycloneDX || cdx.SpecVersion != "1.6" || len(cdx.Components) == 0 {
		t.Fatalf("CycloneDX: %+v", cdx)
	}
	var withPURL int
	for _, c := range cdx.Components {
		if c.PURL != "" {
			withPURL++
			if !strings.HasPrefix(c.PURL, "pkg:") {
				t.Errorf("purl %q", c.PURL)
			}
		}
	}
	if withPURL == 0 {
		t.Error("no component of the CycloneDX sample kept its purl")
	}
	asm := parseFile(t, "cyclonedx-valid-assembly-1.6.json")
	if _, ok := find(asm, "acme-library-b"); !ok || len(asm.Components) != 2 || len(asm.Unchecked()) != 2 {
		t.Errorf("nested components: %+v, unchecked %d", asm.Components, len(asm.Unchecked()))
	}
	spdx := parseFile(t, "SPDXJSONExample-v2.3.spdx.json")
	if spdx.Format != sbom.SPDX || spdx.SpecVersion != "2.3" || spdx.Product != "SPDX-Tools-v2.0" {
		t.Fatalf("SPDX: %+v", spdx)
	}
	glibc, ok := find(spdx, "glibc")
	if !ok || glibc.CPE != "cpe:2.3:a:pivotal_software:spring_framework:4.1.0:*:*:*:*:*:*:*" || glibc.Ref != "SPDXRef-Package" || glibc.Version != "2.11.1" {
		t.Errorf("glibc: %+v", glibc)
	}
	if jena, ok := find(spdx, "Jena"); !ok || !strings.HasPrefix(jena.PURL, "pkg:maven/org.apache.jena/apache-jena@") {
		t.Errorf("Jena: %+v", jena)
	}
	if saxon, ok := find(spdx, "Saxon"); !ok || saxon.Checked() {
		t.Errorf("Saxon has no purl or CPE and must be unchecked: %+v", saxon)
	}
}

// TestHostileInput: every kind of bad or hostile SBOM is refused with a
// field error saying why.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	deep := `{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [` + strings.Repeat(`{"type": "library", "name": "x", "components": [`, 70) +
		`{"type": "library", "name": "leaf"}` + strings.Repeat(`]}`, 70) + `]}`
	for _, tt := range []struct{ name, in, want string }{
		{"not JSON", `<bom/>`, "not a CycloneDX or SPDX document"},
		{"another JSON", `{"hello": "world"}`, "neither CycloneDX"},
		{"an old CycloneDX", `{"bomFormat": "CycloneDX", "specVersion": "1.2", "components": []}`, "1.4 to 1.6"},
		{"an unknown SPDX", `{"spdxVersion": "SPDX-3.0"}`, "2.2 and 2.3"},
		{"duplicate bom-refs", `{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"type": "library", "name": "a", "bom-ref": "r1"}, {"type": "library", "name": "b", "bom-ref": "r1"}]}`, "two components"},
		{"a nameless component", `{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"type": "library", "bom-ref": "r1"}]}`, "no name"},
		{"wrong types", `{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": {"name": 7}}`, "not a CycloneDX 1.6 document"},
		{"nested too deep", deep, "nested more than"},
		{"duplicate SPDX IDs", `{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "d", "dataLicense": "CC0-1.0", "documentNamespace": "https://example.org/d",
			"creationInfo": {"created": "2026-01-01T00:00:00Z", "creators": ["Tool: x"]},
			"packages": [{"name": "a", "SPDXID": "SPDXRef-a", "downloadLocation": "NONE"}, {"name": "b", "SPDXID": "SPDXRef-a", "downloadLocation": "NONE"}]}`, "two packages"},
	} {
		_, err := sbom.Parse(strings.NewReader(tt.in))
		if e := errs.As(err); e == nil || !errs.Fields(e.Fields).Has("sbom") || !strings.Contains(e.Fields[0].Message, tt.want) {
			t.Errorf("%s: %v, want …%s…", tt.name, err, tt.want)
		}
	}
	big := bytes.Repeat([]byte(" "), sbom.MaxBytes+1)
	if _, err := sbom.Parse(bytes.NewReader(big)); err == nil || !strings.Contains(errs.As(err).Fields[0].Message, "larger than") {
		t.Errorf("an oversized SBOM: %v", err)
	}
	// A bad purl or CPE is not a match key: the component is unchecked.
	s, err := sbom.Parse(strings.NewReader(`{"bomFormat": "CycloneDX", "specVersion": "1.4", "components": [
		{"type": "library", "name": "a", "purl": "not a purl", "cpe": "cpe:nonsense"},
		{"type": "library", "name": "b", "purl": "pkg:golang/example.org/b@v1.2.3"}]}`))
	if err != nil || len(s.Unchecked()) != 1 || s.Unchecked()[0].Name != "a" || s.Components[1].PURL != "pkg:golang/example.org/b@v1.2.3" {
		t.Errorf("bad identifiers: %+v %v", s, err)
	}
}

// FuzzParse: any input is read or refused with a field error, never a
// panic; what is read has named components within the bounds.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"cyclonedx-valid-assembly-1.6.json", "SPDXJSONExample-v2.3.spdx.json"} {
		if b, err := os.ReadFile("testdata/" + name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := sbom.Parse(bytes.NewReader(data))
		if err != nil {
			if e := errs.As(err); e == nil || !errs.Fields(e.Fields).Has("sbom") {
				t.Fatalf("refused without saying why: %v", err)
			}
			return
		}
		if len(s.Components) > sbom.MaxComponents {
			t.Fatalf("%d components", len(s.Components))
		}
		for _, c := range s.Components {
			if c.Name == "" || strings.ContainsRune(c.Name+c.Version+c.PURL+c.CPE, 0) {
				t.Fatalf("component %+v", c)
			}
		}
		if _, err := json.Marshal(s); err != nil {
			t.Fatal(err)
		}
	})
}

// BenchmarkParse5000 reads a CycloneDX SBOM of 5,000 components (each
// with a purl), the size issue 16 names for an evaluation's check.
//
//	go test ./internal/procurement/sbom -run '^$' -bench Parse5000
func BenchmarkParse5000(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString(`{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": [`)
	for i := range 5000 {
		if i > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, `{"type": "library", "bom-ref": "c%d", "name": "lib%d", "version": "1.%d.0", "purl": "pkg:npm/lib%d@1.%d.0"}`, i, i, i%50, i, i%50)
	}
	buf.WriteString(`]}`)
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		s, err := sbom.Parse(bytes.NewReader(data))
		if err != nil || len(s.Components) != 5000 {
			b.Fatal(len(s.Components), err)
		}
	}
}

package proctest_test

import (
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/procurement/proctest"
	"github.com/certhub/certhub/internal/procurement/sbom"
)

// The shared fixtures are what they say: the SBOM parses with its three
// components (one without purl or CPE), the report is a PDF to the end.
func TestFixtures(t *testing.T) {
	b, err := sbom.Parse(strings.NewReader(proctest.GateBOM))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Components) != 3 || b.Components[2].PURL != "" || b.Components[2].CPE != "" {
		t.Errorf("components: %+v", b.Components)
	}
	if !strings.HasPrefix(proctest.PDF, "%PDF-") || !strings.HasSuffix(proctest.PDF, "%%EOF\n") {
		t.Errorf("not a PDF: %q", proctest.PDF)
	}
}

package routing

import (
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/intel/asn"
)

// TestDigestText: the lines are defanged and carry their AS; unencrypted,
// TLP:AMBER+STRICT lines are held back and counted.
func TestDigestText(t *testing.T) {
	origins, err := asn.Load(strings.NewReader("198.51.100.0/24\t64497\n"))
	if err != nil {
		t.Fatal(err)
	}
	lines := []DigestLine{
		{Type: "ipv4", Value: "198.51.100.7", TLP: "GREEN", First: 1_700_000_000, Last: 1_700_003_600},
		{Type: "url", Value: "https://login.firstbank.example/x", TLP: "AMBER", First: 1_700_000_000, Last: 1_700_000_000},
		{Type: "domain", Value: "c2.firstbank.example", TLP: "AMBER+STRICT", First: 1_700_000_000, Last: 1_700_000_000},
	}
	text := DigestText("The CC", "https://cc.example", "First Bank", "firstbank", lines, false, origins)
	for _, want := range []string{"Dear First Bank,", "The CC has received", "198[.]51[.]100[.]7", "AS64497", "hxxps://login[.]firstbank[.]example/x",
		"1 TLP:AMBER+STRICT indicators are not listed", `collection "org-firstbank" at https://cc.example/taxii2/api/`} {
		if !strings.Contains(text, want) {
			t.Errorf("the digest lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "c2[.]firstbank") {
		t.Errorf("an AMBER+STRICT line in unencrypted mail:\n%s", text)
	}
	if text := DigestText("The CC", "https://cc.example", "First Bank", "firstbank", lines, true, nil); !strings.Contains(text, "c2[.]firstbank[.]example") {
		t.Errorf("the encrypted digest lacks the AMBER+STRICT line:\n%s", text)
	}
}

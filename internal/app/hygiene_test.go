package app

import (
	"testing"

	goversion "github.com/hashicorp/go-version"
)

func TestHygieneVersions(t *testing.T) {
	for _, c := range []struct {
		version, versions string
		want              bool
	}{
		{"2.4.49", "2.4.49", true},
		{"2.4.50", "2.4.49", false},
		{"2.4.49", "<2.4.51", true},
		{"2.4.51", "<2.4.51", false},
		{"2.2.0", "vers:generic/>=2.0|<2.3.1", true},
		{"2.3.1", "vers:generic/>=2.0|<2.3.1", false},
		{"1.9", "vers:generic/>=2.0|<2.3.1", false},
		{"2.2", "all versions before 3", false}, // words are not a range this can judge
		{"2.2", "", false},
	} {
		v := goversion.Must(goversion.NewVersion(c.version))
		if got := inVersions(v, c.versions); got != c.want {
			t.Errorf("%s in %q: %v", c.version, c.versions, got)
		}
	}
	if !sameProduct("Apache", "Apache", "HTTP Server") || !sameProduct("DocumentVault", "Examplesoft", "Document Vault") || sameProduct("nginx", "Apache", "HTTP Server") {
		t.Error("product names")
	}
}

package directory

import (
	"slices"
	"testing"
)

func TestNormalizePackage(t *testing.T) {
	for _, c := range []struct{ in, want, problem string }{
		{"pkg:npm/%40examplesoft/widget@1.2.3?arch=x#lib", "pkg:npm/%40examplesoft/widget", ""},
		{" pkg:npm/@examplesoft ", "pkg:npm/%40examplesoft", ""},
		{"pkg:github/ExampleSoft", "pkg:github/examplesoft", ""},
		{"pkg:pypi/Example_Soft", "pkg:pypi/example-soft", ""},
		{"pkg:maven/com.examplesoft/core@1.0", "pkg:maven/com.examplesoft/core", ""},
		{"https://examplesoft.example", "", "is not a package URL (it starts with pkg:, such as pkg:npm/%40examplesoft/widget)"},
		{"pkg:npm", "", "is not a valid package URL: is missing type or name"},
	} {
		got, problem := NormalizePackage(c.in)
		if got != c.want || problem != c.problem {
			t.Errorf("NormalizePackage(%q) = %q, %q; want %q, %q", c.in, got, problem, c.want, c.problem)
		}
	}
}

func TestPackagePrefixes(t *testing.T) {
	got := packagePrefixes("pkg:golang/github.com/examplesoft/agent@v1.2.0")
	want := []string{"pkg:golang/github.com/examplesoft/agent", "pkg:golang/github.com/examplesoft", "pkg:golang/github.com"}
	if !slices.Equal(got, want) {
		t.Fatalf("%q", got)
	}
	if packagePrefixes("widget") != nil {
		t.Fatal("a word is not a purl")
	}
	if got := domainParents("www.portal.examplesoft.example"); !slices.Equal(got, []string{"www.portal.examplesoft.example", "portal.examplesoft.example", "examplesoft.example"}) {
		t.Fatalf("%q", got)
	}
}

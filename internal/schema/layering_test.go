package schema_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/certhub/certhub/"

// domains are the packages that own a part of the center's work; each
// reaches another only through the other's root package (its service) or
// its model package (plain types, no SQL), never a sub-package such as its
// store.
var domains = []string{"directory", "vdp", "advisory", "intel", "procurement", "coordination", "training", "governance", "hygiene", "telemetry", "situation"}

// wiring are the packages that put the rest together: no domain or kernel
// package may import them.
var wiring = []string{"app", "cli", "demo", "schema"}

// wirers may import the wiring: the command line, the wiring itself, and
// apptest, the tests' harness that starts the whole server.
var wirers = []string{"cli", "app", "demo", "apptest"}

type goPackage struct {
	ImportPath   string
	Imports      []string
	Deps         []string
	GoFiles      []string
	TestGoFiles  []string
	XTestGoFiles []string
}

// packages lists the repository's packages with their imports, as the go
// command sees them.
func packages(t *testing.T) []goPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps=false", "-json", "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []goPackage
	d := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p goPackage
		if err := d.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 20 {
		t.Fatalf("go list found %d packages", len(pkgs))
	}
	return pkgs
}

// part is the first path element of an internal package ("vdp" of
// internal/vdp/cases), and the rest.
func part(path string) (first, rest string, ok bool) {
	p, ok := strings.CutPrefix(path, module+"internal/")
	if !ok {
		return "", "", false
	}
	first, rest, _ = strings.Cut(p, "/")
	return first, rest, true
}

// TestLayers: the kernel (internal/platform) depends on no other part of
// certhub, directly or not; a domain imports another domain's root package
// only; nothing but the command imports the wiring.
func TestLayers(t *testing.T) {
	var problems []string
	for _, p := range packages(t) {
		first, rest, ok := part(p.ImportPath)
		if !ok {
			continue
		}
		if first == "platform" && rest != "db/dbtest" && rest != "migrations" {
			// dbtest builds the whole schema for tests; it is no
			// production code.
			for _, dep := range p.Deps {
				if f, _, ok := part(dep); ok && f != "platform" {
					problems = append(problems, p.ImportPath+" depends on "+dep+": the kernel knows no domain")
				}
			}
		}
		isDomain := contains(domains, first)
		if isDomain && rest == "model" {
			// A model is what other domains may read: plain types that
			// reach no store.
			for _, dep := range p.Deps {
				if strings.HasPrefix(dep, module+"internal/platform/db") || strings.HasSuffix(dep, "/store") {
					problems = append(problems, p.ImportPath+" depends on "+dep+": a model holds plain types")
				}
			}
		}
		for _, imp := range p.Imports {
			f, r, ok := part(imp)
			if !ok || f == first {
				continue
			}
			switch {
			case contains(wiring, f) && !contains(wirers, first) && p.ImportPath != module+"internal/platform/db/dbtest":
				problems = append(problems, p.ImportPath+" imports "+imp+", which wires the rest")
			case isDomain && contains(domains, f) && r != "" && r != "model":
				problems = append(problems, p.ImportPath+" imports "+imp+": another domain is reached through its root package")
			}
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		t.Errorf("layering broken:\n  %s", strings.Join(problems, "\n  "))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// untested are the packages with code but no test of their own, and why.
var untested = map[string]string{
	"cmd/certhub": "main only calls cli.Main, whose commands cli's tests run",
}

// TestEveryPackageHasTests: a package with code has tests beside it (unit
// or end to end), but the command's main and the owners' migrations
// packages, which only embed SQL that this package's tests run.
func TestEveryPackageHasTests(t *testing.T) {
	var missing []string
	for _, p := range packages(t) {
		rel := strings.TrimPrefix(p.ImportPath, module)
		if len(p.GoFiles) == 0 || len(p.TestGoFiles)+len(p.XTestGoFiles) > 0 || untested[rel] != "" ||
			strings.HasSuffix(rel, "/migrations") {
			continue
		}
		missing = append(missing, rel)
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("packages without tests beside them:\n  %s", strings.Join(missing, "\n  "))
	}
}

package advisory_test

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocsaf/csaf/v3/csaf"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/platform/pgp"
)

// checkerReport is the part of csaf_checker's JSON report the test reads.
type checkerReport struct {
	Domains []struct {
		Name         string `json:"name"`
		Passed       bool   `json:"passed"`
		Requirements []struct {
			Num         int    `json:"num"`
			Description string `json:"description"`
			Messages    []struct {
				Type int    `json:"type"` // 0 info, 1 warning, 2 error
				Text string `json:"text"`
			} `json:"messages"`
		} `json:"requirements"`
	} `json:"domains"`
}

// TestCSAFTrustedProvider serves the demo over TLS on loopback and lets the
// gocsaf tools judge it: csaf_checker must find no error in any requirement
// and csaf_downloader must fetch every public document with good hashes and
// signatures. Neither tool may reach a TLP:AMBER document.
func TestCSAFTrustedProvider(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the gocsaf tools")
	}
	dir := t.TempDir()
	cert, key := apptest.SelfSignedCert(t, dir)
	s := apptest.Start(t, apptest.Options{Demo: true, Configure: func(c *app.Config) { c.TLSCert, c.TLSKey = cert, key }})
	host := strings.TrimPrefix(s.URL, "https://")

	// The metadata is valid against the provider schema and names the key.
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // the test's own certificate
	get := func(path string) (int, []byte) {
		t.Helper()
		resp, err := client.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	status, body := get("/.well-known/csaf/provider-metadata.json")
	if status != 200 {
		t.Fatalf("provider-metadata.json: %d", status)
	}
	var pmd any
	if err := json.Unmarshal(body, &pmd); err != nil {
		t.Fatal(err)
	}
	if msgs, err := csaf.ValidateProviderMetadata(pmd); err != nil || len(msgs) > 0 {
		t.Fatalf("provider metadata invalid: %v %v", err, msgs)
	}
	if !strings.Contains(string(body), s.CenterKey.Fingerprint) {
		t.Fatal("the metadata does not name the center's key")
	}
	if status, _ := get("/.well-known/csaf/amber/csaf-feed-tlp-amber.json"); status != http.StatusUnauthorized {
		t.Fatalf("the TLP:AMBER feed answered %d without credentials", status)
	}

	out := filepath.Join(dir, "report.json")
	cmd := exec.Command("go", "tool", "csaf_checker", "--insecure", "-f", "json", "-o", out, host)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("csaf_checker: %v\n%s", err, b)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep checkerReport
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, raw)
	}
	if len(rep.Domains) != 1 {
		t.Fatalf("report has %d domains:\n%s", len(rep.Domains), raw)
	}
	d := rep.Domains[0]
	if !d.Passed {
		t.Errorf("csaf_checker: the domain did not pass")
	}
	passed := map[int]bool{}
	for _, r := range d.Requirements {
		ok := true
		for _, m := range r.Messages {
			if m.Type >= 2 {
				ok = false
				// Requirements 9 and 10 are alternatives to 8 (the well-known
				// URL and DNS path); loopback has no DNS name.
				if r.Num != 9 && r.Num != 10 {
					t.Errorf("requirement %d (%s): %s", r.Num, r.Description, m.Text)
				}
			}
		}
		passed[r.Num] = ok
		t.Logf("requirement %d %s: ok=%v %d messages", r.Num, r.Description, ok, len(r.Messages))
	}
	for _, n := range []int{1, 2, 3, 4, 5, 6, 7, 8, 15, 18, 19, 20} {
		if !passed[n] {
			t.Errorf("requirement %d did not pass", n)
		}
	}
	if t.Failed() {
		t.Logf("report:\n%s", raw)
	}

	// The downloader fetches every public document and checks hashes and signatures.
	dl := filepath.Join(dir, "download")
	cmd = exec.Command("go", "tool", "csaf_downloader", "--insecure", "--directory", dl, host)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("csaf_downloader: %v\n%s", err, b)
	} else if strings.Contains(strings.ToLower(string(b)), "level=error") {
		t.Errorf("csaf_downloader reported errors:\n%s", b)
	}
	var files []string
	_ = filepath.WalkDir(dl, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() && strings.HasSuffix(p, ".json") {
			files = append(files, filepath.ToSlash(strings.TrimPrefix(p, dl)))
		}
		return nil
	})
	_, index := get("/.well-known/csaf/white/index.txt")
	want := strings.Fields(string(index))
	if len(want) < 4 {
		t.Fatalf("index.txt lists %d documents, the demo publishes at least 4:\n%s", len(want), index)
	}
	for _, w := range want {
		found := false
		for _, f := range files {
			if strings.HasSuffix(f, "/"+w) {
				found = true
			}
		}
		if !found {
			t.Errorf("the downloader did not save %s (saved %v)", w, files)
		}
	}
	for _, f := range files {
		if strings.Contains(f, "amber") || strings.Contains(f, "red") {
			t.Errorf("a protected document reached the downloader: %s", f)
		}
	}
	// And the signature of one document verifies with the published key.
	_, doc := get("/.well-known/csaf/white/" + want[0])
	_, sig := get("/.well-known/csaf/white/" + want[0] + ".asc")
	_, pub := get("/.well-known/csaf/openpgp/" + url.PathEscape(s.CenterKey.Fingerprint) + ".asc")
	if err := pgp.VerifyDetached(doc, string(sig), string(pub)); err != nil {
		t.Fatal(err)
	}
}

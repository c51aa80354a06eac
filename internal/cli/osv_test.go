package cli

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOSVLoad: records load from a file, a directory and a zip archive as
// osv.dev publishes them; a second load keeps what did not change; a bad
// record names its file and loads nothing of it.
func TestOSVLoad(t *testing.T) {
	dir, data := t.TempDir(), migratedData(t)
	rec := func(id, modified string) string {
		return `{"id": "` + id + `", "modified": "` + modified + `", "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"},
			"ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.3.0"}]}]}]}`
	}
	one := filepath.Join(dir, "one.json")
	if err := os.WriteFile(one, []byte(rec("GHSA-0001", "2024-01-01T00:00:00Z")), 0o644); err != nil {
		t.Fatal(err)
	}
	tree := filepath.Join(dir, "tree", "npm")
	if err := os.MkdirAll(tree, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"GHSA-0002", "GHSA-0003"} {
		if err := os.WriteFile(filepath.Join(tree, id+".json"), []byte(rec(id, "2024-01-01T00:00:00Z")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	archive := filepath.Join(dir, "all.zip")
	zf, err := os.Create(archive)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(zf)
	for _, id := range []string{"GHSA-0001", "GHSA-0004"} {
		w, _ := zw.Create(id + ".json")
		modified := "2024-01-01T00:00:00Z"
		if id == "GHSA-0001" {
			modified = "2025-01-01T00:00:00Z"
		}
		_, _ = w.Write([]byte(rec(id, modified)))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zf.Close()
	code, out, errOut := run(t, nil, "", "osv", "--data", data, "load", one, filepath.Join(dir, "tree"), archive)
	if code != 0 || out != "loaded 5 OSV records: 4 new, 1 updated, 0 unchanged\n" {
		t.Fatalf("load: exit %d %q %q", code, out, errOut)
	}
	if code, out, _ := run(t, nil, "", "osv", "--data", data, "load", filepath.Join(dir, "tree")); code != 0 || out != "loaded 2 OSV records: 0 new, 0 updated, 2 unchanged\n" {
		t.Fatalf("again: exit %d %q", code, out)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"id": "GHSA-0009"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run(t, nil, "", "osv", "--data", data, "load", bad); code != 1 || !strings.Contains(errOut, "bad.json") || !strings.Contains(errOut, "modified") {
		t.Fatalf("a bad record: exit %d %q", code, errOut)
	}
	if code, _, errOut := run(t, nil, "", "osv", "--data", data, "load"); code != 2 || !strings.Contains(errOut, "name at least one") {
		t.Fatalf("no file: exit %d %q", code, errOut)
	}
}

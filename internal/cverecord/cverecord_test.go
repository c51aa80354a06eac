package cverecord

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// official holds the official example records, copied into testdata/
// (origins in testdata/README.md).
const official = "testdata/cve"

// schemaSHA256 is the SHA-256 of CVE_Record_Format_bundled.json of
// CVEProject/cve-schema at commit 30f59c7 (schema/docs/), which the package
// embeds: a hash rather than a second copy of the 128 KB file.
const schemaSHA256 = "aacc07fff0c7c8a5b606a8516dc2f412d5fcf8d23a47afa051dd18fe84c14fd0"

func TestEmbeddedSchemaIsTheOfficialOne(t *testing.T) {
	if got := fmt.Sprintf("%x", sha256.Sum256(schemaJSON)); got != schemaSHA256 {
		t.Fatalf("the embedded CVE Record Format schema differs from the official file: SHA-256 %s, want %s", got, schemaSHA256)
	}
}

// The official examples validate; a broken one does not.
func TestOfficialExamplesValidate(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(official, "examples", "*.json"))
	if len(files) != 2 {
		t.Fatalf("%d official examples found, want the basic and the advanced one", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := Validate(b); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
		broken := bytes.Replace(b, []byte(`"CVE-1900-1234"`), []byte(`"CVE-19-1"`), 1)
		if err := Validate(broken); err == nil {
			t.Errorf("%s with a malformed CVE ID validated", filepath.Base(f))
		}
	}
	if err := Validate([]byte(`{"dataType": "CVE_RECORD"}`)); err == nil {
		t.Error("an empty record validated")
	}
}

// The real records (CVE JSON 5.1 and 5.2, with CVSS 2.0 to 4.0 metrics and
// CISA's ADP container) follow the format.
func TestRealRecordsValidate(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(official, "records", "*.json"))
	if len(files) != 4 {
		t.Fatalf("%d real records, want 4", len(files))
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := Validate(b); err != nil {
			t.Errorf("%s: %v", filepath.Base(file), err)
		}
	}
}

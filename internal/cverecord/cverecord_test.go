package cverecord

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

const official = "../../../shared/standards/cve"

func TestEmbeddedSchemaIsTheOfficialOne(t *testing.T) {
	want, err := os.ReadFile(filepath.Join(official, "CVE_Record_Format_bundled.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(schemaJSON, want) {
		t.Fatal("the embedded CVE Record Format schema differs from the official file")
	}
}

// The official examples validate; a broken one does not.
func TestOfficialExamplesValidate(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(official, "examples", "*.json"))
	if len(files) == 0 {
		t.Fatal("no official examples found")
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

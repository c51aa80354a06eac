package cverecord

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzValidate: the validator answers every input, with a reason that
// says it is a CVE record's; a record it accepts is still accepted when
// written out again (the verdict is about the record, not its spelling).
func FuzzValidate(f *testing.F) {
	for _, pattern := range []string{"examples/*.json", "records/*.json"} {
		files, err := filepath.Glob(filepath.Join(official, pattern))
		if err != nil || len(files) == 0 {
			f.Fatalf("no seeds %s: %v", pattern, err)
		}
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte(`{"dataType": "CVE_RECORD", "dataVersion": "5.1"}`))
	f.Add([]byte(`{"dataType": "CVE_RECORD", "dataVersion": 5.1e400}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := Validate(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "cverecord: ") || strings.TrimSpace(strings.TrimPrefix(err.Error(), "cverecord: ")) == "" {
				t.Fatalf("error without a reason: %q", err)
			}
			return
		}
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatalf("a record that is not JSON was accepted: %v", err)
		}
		again, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := Validate(again); err != nil {
			t.Fatalf("accepted as written, refused when written out again: %v", err)
		}
	})
}

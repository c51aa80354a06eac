package cverecord

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed CVE_Record_Format_bundled.json
var schemaJSON []byte

const schemaURL = "https://cveproject.github.io/cve-schema/schema/docs/CVE_Record_Format_bundled.json"

var (
	once     sync.Once
	compiled *jsonschema.Schema
	compErr  error
)

func schema() (*jsonschema.Schema, error) {
	once.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
		if err != nil {
			compErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource(schemaURL, doc); err != nil {
			compErr = err
			return
		}
		compiled, compErr = c.Compile(schemaURL)
	})
	return compiled, compErr
}

// Validate checks a CVE record (JSON) against the CVE Record Format.
func Validate(record []byte) error {
	sch, err := schema()
	if err != nil {
		return fmt.Errorf("cverecord: schema: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(record))
	if err != nil {
		return fmt.Errorf("cverecord: not JSON: %w", err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("cverecord: the record does not follow the CVE Record Format: %s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return nil
}

package app

import (
	"bytes"
	_ "embed"
	"net/http"
)

// openapiJSON documents the JSON API; a test holds it to the registered routes.
//
//go:embed openapi.json
var openapiJSON []byte

// OpenAPIDocument is openapi.json as the server serves it, for the tests
// that hold the server's answers to it (a copy: the caller may change it).
func OpenAPIDocument() []byte { return bytes.Clone(openapiJSON) }

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openapiJSON)
}

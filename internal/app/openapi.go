package app

import (
	_ "embed"
	"net/http"
)

// openapiJSON documents the JSON API; a test holds it to the registered routes.
//
//go:embed openapi.json
var openapiJSON []byte

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openapiJSON)
}

package apptest

import (
	"encoding/json"
	"net/http"
	"testing"
)

// Problem checks that r is a problem+json answer with the status and
// answers its members; anything else fails the test.
func Problem(t testing.TB, r Response, status int) map[string]any {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	p := r.JSON(t)
	if p["status"] != float64(status) || p["title"] == "" || p["type"] == "" {
		t.Fatalf("problem %v", p)
	}
	return p
}

// FieldNamed checks that the problem p (see Problem) names the field in its
// errors, with a message.
func FieldNamed(t testing.TB, p map[string]any, field string) {
	t.Helper()
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		if m, _ := e.(map[string]any); m["field"] == field && m["message"] != "" {
			return
		}
	}
	t.Fatalf("no error for field %q in %v", field, p)
}

// InvalidFields checks that r is a 422 problem and lists the fields it
// names, in order; a field without a message fails the test.
func InvalidFields(t testing.TB, r Response) []string {
	t.Helper()
	if r.Status != http.StatusUnprocessableEntity || r.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("want a 422 problem, got %d %s\n%s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	var p struct {
		Errors []struct{ Field, Message string }
	}
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range p.Errors {
		if e.Message == "" {
			t.Errorf("field %s has no message", e.Field)
		}
		out = append(out, e.Field)
	}
	return out
}

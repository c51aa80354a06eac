package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/errs"
)

// fuzzInput has a field of every kind the API's inputs use, nested, with
// pointers (the PATCH style), a map, a time and a type that checks itself.
type fuzzInput struct {
	Name     *string           `json:"name"`
	Count    int               `json:"count"`
	Small    uint8             `json:"small"`
	Score    float64           `json:"score"`
	On       *bool             `json:"on"`
	Tags     []string          `json:"tags"`
	ASNs     *[]int64          `json:"asns"`
	Inputs   map[string]string `json:"inputs"`
	When     *time.Time        `json:"when"`
	Raw      json.RawMessage   `json:"raw"`
	Any      any               `json:"any"`
	Level    level             `json:"level"`
	Contacts []struct {
		Role  string `json:"role"`
		Email string `json:"email"`
	} `json:"contacts"`
	Sub *struct {
		Deep struct {
			N int `json:"n"`
		} `json:"deep"`
	} `json:"sub"`
}

// level is a value that refuses what it does not know, as enums do.
type level string

func (l *level) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s != "low" && s != "high" {
		return &errs.Error{Kind: errs.KindInvalid, Message: "the input is not valid", Fields: []errs.FieldError{{Field: "level", Message: "low or high"}}}
	}
	*l = level(s)
	return nil
}

var fuzzContentTypes = []string{"application/json", "application/json; charset=utf-8", "application/merge-patch+json", "", "text/plain",
	"application/json; charset", "multipart/form-data; boundary=x", "APPLICATION/JSON"}

// FuzzDecodeJSON sends bodies to a handler that decodes with DecodeJSON,
// through API as every JSON endpoint is served: no body is the server's
// fault (5xx); each refusal is a problem+json of the status DecodeJSON
// promises, and a 422 names the field.
func FuzzDecodeJSON(f *testing.F) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	for _, body := range []string{
		`{"name": "Bank One", "count": 3, "small": 7, "score": 9.8, "on": true, "tags": ["a"], "asns": [64500], "inputs": {"RP": "Y"},
		  "when": "2026-11-23T09:00:00Z", "raw": {"x": [1]}, "any": null, "level": "low", "contacts": [{"role": "security", "email": "a@b.example"}],
		  "sub": {"deep": {"n": 1}}}`,
		`{"small": 300}`, `{"count": "3"}`, `{"when": "yesterday"}`, `{"level": "mid"}`, `{"sub": {"deep": {"n": 1.5}}}`,
		`{"nope": 1}`, `{"name": "x"} {"name": "y"}`, `{"name": "x"} trailing`, `[1, 2]`, `"a string"`, `{"name": `, ``, `{"raw": 1e999}`,
		`{"score": 1e999}`, `{"tags": [1]}`, `{"contacts": {"role": 1}}`, "{\"name\": \"\xff\"}",
	} {
		f.Add([]byte(body), uint8(0), int64(0))
	}
	f.Add([]byte(`{"name": "too long for the limit"}`), uint8(0), int64(8))
	f.Add([]byte(`{"name": "x"}`), uint8(3), int64(0))
	f.Add([]byte(`{"name": "x"}`), uint8(4), int64(0))
	h := API(func(w http.ResponseWriter, r *http.Request) error {
		var in fuzzInput
		max, _ := r.Context().Value(maxKey{}).(int64)
		if err := DecodeJSON(w, r, &in, max); err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, in)
		return nil
	})
	f.Fuzz(func(t *testing.T, body []byte, ct uint8, max int64) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/things", strings.NewReader(string(body)))
		if c := fuzzContentTypes[int(ct)%len(fuzzContentTypes)]; c != "" {
			req.Header.Set("Content-Type", c)
		}
		req = req.WithContext(context.WithValue(req.Context(), maxKey{}, max%4096))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		res := rec.Result()
		if res.StatusCode >= 500 {
			t.Fatalf("%d for %q", res.StatusCode, body)
		}
		if res.StatusCode == http.StatusOK {
			return
		}
		switch res.StatusCode {
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
		default:
			t.Fatalf("status %d for %q", res.StatusCode, body)
		}
		var p Problem
		b, _ := io.ReadAll(res.Body)
		if res.Header.Get("Content-Type") != "application/problem+json" || json.Unmarshal(b, &p) != nil || p.Status != res.StatusCode || p.Detail == "" {
			t.Fatalf("%d: not a problem: %s", res.StatusCode, b)
		}
		if res.StatusCode == http.StatusUnprocessableEntity {
			if len(p.Errors) == 0 {
				t.Fatalf("a 422 that names no field: %s", b)
			}
			for _, fe := range p.Errors {
				// A member named "" is an unknown field named "".
				if fe.Field == "" && !bytes.Contains(body, []byte(`""`)) || fe.Message == "" {
					t.Fatalf("a field error without its field or reason: %s", b)
				}
			}
		}
	})
}

// maxKey carries the body limit the handler passes to DecodeJSON (0: the
// default).
type maxKey struct{}

package app_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/platform/auth"
)

// Every exchange with /api/ that a test makes through apptest is held to
// openapi.json. TestContractCatchesDrift checks the checker;
// TestOpenAPIDocumentsTheCommonRefusals sends every operation the refusals
// no other test would.

// The checker itself: openapi.json loads as valid OpenAPI 3.1, and an
// exchange that breaks it, in either direction, fails — made by hand here,
// against real operations, so the check does not depend on a handler's bugs.
func TestContractCatchesDrift(t *testing.T) {
	v, err := apptest.LoadContract()
	if err != nil {
		t.Fatal(err)
	}
	const (
		problem  = "application/problem+json"
		unauthed = `{"type": "about:blank", "title": "Unauthorized", "status": 401, "detail": "sign in"}`
		me       = `{"id": "u1", "email": "a@cert.example", "name": "A", "platform_role": "", "totp_enabled": false,
			"disabled": false, "has_password": true, "time_zone": "UTC", "created_at": "2026-01-02T03:04:05Z", "updated_at": "2026-01-02T03:04:05Z",
			"memberships": [{"user_id": "u1", "org_id": "o1", "role": "admin", "created_at": "2026-01-02T03:04:05Z", "org_name": "CERT"}],
			"auth_method": "token", "scopes": ["read"]}`
		badRequest = `{"type": "about:blank", "title": "Bad Request", "status": 400, "detail": "malformed JSON"}`
	)
	tests := []struct {
		name               string
		method, target     string
		reqType, reqBody   string
		malformed          bool
		anonymous          bool   // no Authorization header
		noChallenge        bool   // a 401 without WWW-Authenticate
		location           string // the Location header
		status             int
		respType, respBody string
		want               string // in the errors; empty: the exchange is valid
	}{
		{name: "a documented error answer", method: "GET", target: "/api/v1/me",
			status: 401, respType: problem, respBody: unauthed},
		{name: "a field of the wrong type", method: "GET", target: "/api/v1/me",
			status: 401, respType: problem, respBody: `{"type": "about:blank", "title": "Unauthorized", "status": "401"}`,
			want: "$.status"},
		{name: "a required field missing", method: "GET", target: "/api/v1/me",
			status: 401, respType: problem, respBody: `{"type": "about:blank", "status": 401}`,
			want: "title"},
		{name: "a property the schema does not declare", method: "GET", target: "/api/v1/me",
			status: 401, respType: problem, respBody: `{"type": "about:blank", "title": "Unauthorized", "status": 401, "hint": "x"}`,
			want: "hint"},
		{name: "an undocumented status", method: "GET", target: "/api/v1/me",
			status: http.StatusTeapot, respType: problem, respBody: unauthed,
			want: "418"},
		{name: "an undocumented content type", method: "GET", target: "/api/v1/me",
			status: 401, respType: "text/plain", respBody: "sign in",
			want: "text/plain"},
		{name: "a documented header missing", method: "GET", target: "/api/v1/me",
			status: 401, respType: problem, respBody: unauthed, noChallenge: true,
			want: "WWW-Authenticate"},
		{name: "an undeclared Location", method: "POST", target: "/api/v1/reports/r1/messages",
			reqType: "application/json", reqBody: `{"body": "Thanks."}`,
			status: 200, respType: "application/json", respBody: `{}`, location: "/api/v1/reports/r1",
			want: "'Location' is not declared"},
		{name: "an empty body where one is documented", method: "GET", target: "/api/v1/me",
			status: 401, respType: problem,
			want: "body"},
		{name: "a request body of the wrong type", method: "POST", target: "/api/v1/orgs",
			reqType: "application/json", reqBody: `{"name": 5, "kind": "constituent"}`,
			status: 400, respType: problem, respBody: badRequest,
			want: "$.name"},
		{name: "a request with an undocumented content type", method: "POST", target: "/api/v1/orgs",
			reqType: "text/plain", reqBody: "Examplia Bank",
			status: 400, respType: problem, respBody: badRequest,
			want: "text/plain"},
		{name: "a body where the operation takes none", method: "DELETE", target: "/api/v1/orgs/o1",
			reqType: "application/json", reqBody: `{"force": true}`,
			status: 204,
			want:   "not declared"},
		{name: "an undocumented query parameter", method: "GET", target: "/api/v1/orgs?colour=red",
			status: 401, respType: problem, respBody: unauthed,
			want: "colour"},
		{name: "an undocumented path", method: "GET", target: "/api/v1/nowhere",
			status: 404, respType: problem, respBody: `{"type": "about:blank", "title": "Not Found", "status": 404}`,
			want: "/api/v1/nowhere"},
		{name: "a malformed request, marked so", method: "POST", target: "/api/v1/orgs",
			reqType: "application/json", reqBody: `{"name": `, malformed: true,
			status: 400, respType: problem, respBody: badRequest},
		{name: "a malformed request still gets its answer checked", method: "POST", target: "/api/v1/orgs",
			reqType: "application/json", reqBody: `{"name": `, malformed: true,
			status: 400, respType: problem, respBody: `{"title": "Bad Request", "status": 400}`,
			want: "type"},
		{name: "a malformed request the server accepts", method: "GET", target: "/api/v1/orgs?limit=0", malformed: true,
			status: 200, respType: "application/json", respBody: `{"items": []}`,
			want: "accepted a request openapi.json forbids"},
		{name: "no credentials, refused", method: "GET", target: "/api/v1/me", anonymous: true,
			status: 401, respType: problem, respBody: unauthed},
		{name: "no credentials, served", method: "GET", target: "/api/v1/me", anonymous: true,
			status: 200, respType: "application/json", respBody: me,
			want: "Authorization header"},
		{name: "a public operation", method: "GET", target: "/api/v1/openapi.json", anonymous: true,
			status: 200, respType: "application/json", respBody: `{"openapi": "3.1.0"}`},
		{name: "an object composed with allOf", method: "GET", target: "/api/v1/me",
			status: 200, respType: "application/json", respBody: me},
		{name: "a property undeclared in an object composed with allOf", method: "GET", target: "/api/v1/me",
			status: 200, respType: "application/json", respBody: strings.Replace(me, `"scopes"`, `"colour": "blue", "scopes"`, 1),
			want: "$.colour"},
		{name: "a property undeclared in a nested allOf member", method: "GET", target: "/api/v1/me",
			status: 200, respType: "application/json", respBody: strings.Replace(me, `"org_name"`, `"colour": "blue", "org_name"`, 1),
			want: "colour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, "http://127.0.0.1:8080"+tt.target, nil)
			if err != nil {
				t.Fatal(err)
			}
			var reqBody []byte
			if tt.reqBody != "" {
				reqBody = []byte(tt.reqBody)
				req.Header.Set("Content-Type", tt.reqType)
			}
			if !tt.anonymous {
				req.Header.Set("Authorization", "Bearer chub_test")
			}
			resp := &http.Response{StatusCode: tt.status, Header: http.Header{}, Request: req}
			if tt.respType != "" {
				resp.Header.Set("Content-Type", tt.respType)
			}
			if tt.location != "" {
				resp.Header.Set("Location", tt.location)
			}
			if tt.status == http.StatusUnauthorized && !tt.noChallenge {
				resp.Header.Set("WWW-Authenticate", `Bearer realm="certhub"`)
			}
			err = v.Check(req, reqBody, resp, []byte(tt.respBody), tt.malformed)
			got := ""
			if err != nil {
				got = err.Error()
			}
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("a valid exchange failed:\n%s", got)
			case tt.want != "" && err == nil:
				t.Errorf("the exchange passed; want an error naming %q", tt.want)
			case tt.want != "" && !strings.Contains(got, tt.want):
				t.Errorf("the errors do not name %q:\n%s", tt.want, got)
			}
		})
	}
}

// Some refusals come from the middleware or the JSON decoder, on behalf of
// every operation: a bad bearer token (401, even on public operations), a
// token without write scope on an unsafe method (403), and a body that is
// malformed, of another media type or with an unknown field. Each operation
// is sent each of them; the harness holds every answer to openapi.json, so
// an operation that does not document them fails here.
func TestOpenAPIDocumentsTheCommonRefusals(t *testing.T) {
	s := apptest.Start(t, apptest.Options{})
	admin, readOnly := s.Token("admin@localhost"), s.Token("admin@localhost", auth.ScopeRead)
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]json.RawMessage `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(app.OpenAPIDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`\{[a-z_]+\}`)
	for path, ops := range doc.Paths {
		target := param.ReplaceAllString(path, "x") // refused before the object is looked up, or not found
		for method, op := range ops {
			if method == "parameters" {
				continue
			}
			method = strings.ToUpper(method)
			probe := func(what, token, contentType, body string, want ...int) {
				t.Helper()
				req, err := http.NewRequest(method, s.URL+target, strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if contentType != "" {
					req.Header.Set("Content-Type", contentType)
				}
				req.Header.Set("Authorization", "Bearer "+token)
				r := s.Malformed().Do(http.DefaultClient, req)
				if r.Status < 400 || r.Status >= 500 || (len(want) > 0 && !slices.Contains(want, r.Status)) {
					t.Errorf("%s %s, %s: %d, want a refusal %v\n%.300s", method, path, what, r.Status, want, r.Body)
				}
			}
			probe("a bad token", "chub_"+strings.Repeat("a", 52), "", "", http.StatusUnauthorized)
			if method != http.MethodGet {
				probe("a read-only token", readOnly, "", "", http.StatusForbidden)
			}
			if _, ok := op.RequestBody.Content["application/json"]; ok && len(op.RequestBody.Content) == 1 {
				probe("malformed JSON", admin, "application/json", `{"name": `)
				probe("another media type", admin, "text/plain", "name")
				probe("an unknown field", admin, "application/json", `{"zz_unknown": 1}`)
			}
		}
	}
}

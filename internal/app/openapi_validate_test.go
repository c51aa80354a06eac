package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	vErrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"
	"github.com/pb33f/libopenapi-validator/paths"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// The harness holds every request the tests send to /api/ and every answer to
// openapi.json (see contractTransport), so the document clients read cannot
// drift from the server. TestContractCatchesDrift checks the checker;
// TestOpenAPIDocumentsTheCommonRefusals sends every operation the refusals
// no other test would.

// apiContract is openapi.json as a validator, built once per test binary:
// compiling its schemas takes a while, and the validator is safe for
// concurrent use.
var apiContract = sync.OnceValues(func() (*contract, error) {
	spec, err := os.ReadFile("openapi.json")
	if err != nil {
		return nil, err
	}
	// The document as served must be valid OpenAPI 3.1 ...
	served, err := libopenapi.NewDocument(spec)
	if err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	if ok, errs := schema_validation.ValidateOpenAPIDocument(served); !ok {
		return nil, fmt.Errorf("openapi.json is not a valid OpenAPI document:\n%s", formatContractErrors(errs))
	}
	// ... and the tests hold the server to it with its objects closed.
	closed, err := closeObjects(spec)
	if err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	doc, err := libopenapi.NewDocument(closed)
	if err != nil {
		return nil, fmt.Errorf("openapi.json, closed: %w", err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("openapi.json, closed: %w", err)
	}
	v := validator.NewValidatorFromV3Model(&model.Model, config.WithFormatAssertions(),
		config.WithRejectUndeclaredRequestBody()) // a body sent to an operation that takes none
	return &contract{Validator: v, model: &model.Model, opts: config.NewValidationOptions()}, nil
})

// contract is the validator with the document it holds exchanges to.
type contract struct {
	validator.Validator
	model *v3.Document
	opts  *config.ValidationOptions // for finding operations; read only
}

// operation is the operation documented for req, if any.
func (c *contract) operation(req *http.Request) (*v3.PathItem, *v3.Operation) {
	item, errs, _ := paths.FindPath(req, c.model, c.opts)
	if item == nil || len(errs) > 0 {
		return nil, nil
	}
	return item, helpers.ExtractOperation(req, item)
}

// undeclaredQuery lists the query parameters of req its operation does not
// declare: the validator checks only the declared ones.
func (c *contract) undeclaredQuery(req *http.Request) []*vErrors.ValidationError {
	item, op := c.operation(req)
	if op == nil {
		return nil
	}
	declared := map[string]bool{}
	for _, p := range append(append([]*v3.Parameter(nil), item.Parameters...), op.Parameters...) {
		if p.In == "query" {
			declared[p.Name] = true
		}
	}
	var errs []*vErrors.ValidationError
	for name := range req.URL.Query() {
		if !declared[name] {
			errs = append(errs, &vErrors.ValidationError{ValidationType: helpers.ParameterValidation,
				Message: fmt.Sprintf("query parameter '%s' is not declared", name),
				Reason:  "openapi.json does not document it for this operation"})
		}
	}
	return errs
}

// response is the answer documented for the request and status, if any.
func (c *contract) response(req *http.Request, status int) *v3.Response {
	_, op := c.operation(req)
	if op == nil || op.Responses == nil {
		return nil
	}
	if r := op.Responses.FindResponseByCode(status); r != nil {
		return r
	}
	return op.Responses.Default
}

// checkAnswer adds what the validator leaves out: it skips an empty body
// where content is documented, and ignores headers the answer does not
// declare, such as the Location of what was made.
func (c *contract) checkAnswer(req *http.Request, resp *http.Response, body []byte) []*vErrors.ValidationError {
	doc := c.response(req, resp.StatusCode)
	if doc == nil {
		return nil // the validator says so
	}
	var errs []*vErrors.ValidationError
	if len(body) == 0 && req.Method != http.MethodHead && doc.Content != nil && doc.Content.Len() > 0 {
		errs = append(errs, &vErrors.ValidationError{ValidationType: helpers.ResponseBodyValidation,
			Message: fmt.Sprintf("%d response body is empty", resp.StatusCode),
			Reason:  "openapi.json documents content for this answer"})
	}
	if resp.Header.Get("Location") != "" && (doc.Headers == nil || doc.Headers.GetOrZero("Location") == nil) {
		errs = append(errs, &vErrors.ValidationError{ValidationType: helpers.ResponseBodyValidation,
			Message: fmt.Sprintf("%d response header 'Location' is not declared", resp.StatusCode),
			Reason:  "the server sends it; openapi.json does not say so"})
	}
	return errs
}

// contractTransport validates each exchange with /api/ against openapi.json:
// the request (parameters, content type, body, credentials) unless the test
// sends it malformed on purpose, and always the response (status documented,
// content type, headers, body). A mismatch fails the test.
type contractTransport struct {
	base      http.RoundTripper
	t         testing.TB
	malformed bool // the request breaks the document on purpose
}

func (c contractTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := c.base
	if base == nil {
		base = http.DefaultTransport
	}
	if !strings.HasPrefix(req.URL.Path, "/api/") {
		return base.RoundTrip(req)
	}
	v, err := apiContract()
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	var reqBody []byte
	if req.Body != nil {
		reqBody, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	resp, err := base.RoundTrip(withRequestBody(req, reqBody))
	if err != nil {
		return nil, err
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	if errs := checkExchange(v, req, reqBody, resp, respBody, c.malformed); len(errs) > 0 {
		hint := ""
		if !c.malformed && resp.StatusCode >= 400 && hasRequestErrors(errs) {
			hint = "\n  (a test that sends this request bad on purpose says so with s.malformed())"
		}
		c.t.Errorf("%s %s → %d does not match openapi.json:\n%s%s", req.Method, req.URL.RequestURI(), resp.StatusCode,
			formatContractErrors(errs), hint)
	}
	return resp, nil
}

func hasRequestErrors(errs []*vErrors.ValidationError) bool {
	for _, e := range errs {
		if e.ValidationType != helpers.ResponseBodyValidation {
			return true
		}
	}
	return false
}

// checkExchange validates one request and its response. A request marked
// malformed is validated only if the server accepted it (then the document
// forbids what the server takes), and may even miss the documented paths
// (there is then no operation to hold its answer to).
func checkExchange(v *contract, req *http.Request, reqBody []byte, resp *http.Response, respBody []byte, malformed bool) []*vErrors.ValidationError {
	var errs []*vErrors.ValidationError
	accepted := resp.StatusCode >= 200 && resp.StatusCode < 300
	if !malformed || accepted {
		var reqErrs []*vErrors.ValidationError
		if ok, e := v.ValidateHttpRequestSync(withRequestBody(req, reqBody)); !ok {
			for _, err := range e {
				// A request without (valid) credentials that is refused is a
				// test of the refusal; one that is served is a public
				// operation the document must say is one (security: []).
				if err.ValidationType == helpers.SecurityValidation && resp.StatusCode == http.StatusUnauthorized {
					continue
				}
				reqErrs = append(reqErrs, err)
			}
		}
		reqErrs = append(reqErrs, v.undeclaredQuery(req)...)
		if malformed && len(reqErrs) > 0 {
			errs = append(errs, &vErrors.ValidationError{ValidationType: helpers.RequestBodyValidation,
				Message: "the server accepted a request openapi.json forbids", Reason: "the document is stricter than the server"})
		}
		errs = append(errs, reqErrs...)
	}
	errs = append(errs, v.checkAnswer(req, resp, respBody)...)
	r := *resp
	r.Body = io.NopCloser(bytes.NewReader(respBody))
	if ok, e := v.ValidateHttpResponse(withRequestBody(req, reqBody), &r); !ok {
		for _, err := range e {
			if malformed && (err.IsPathMissingError() || err.IsOperationMissingError()) {
				continue
			}
			if !containsError(errs, err) {
				errs = append(errs, err)
			}
		}
	}
	return errs
}

func containsError(errs []*vErrors.ValidationError, e *vErrors.ValidationError) bool {
	for _, x := range errs {
		if x.Message == e.Message && x.Reason == e.Reason {
			return true
		}
	}
	return false
}

// withRequestBody is a copy of req that reads body.
func withRequestBody(req *http.Request, body []byte) *http.Request {
	r := req.Clone(req.Context())
	if req.Body == nil && body == nil {
		return r
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return r // ContentLength as it was: a streamed body stays streamed
}

func formatContractErrors(errs []*vErrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		// SpecLine would point into closeObjects' one-line copy: left out.
		fmt.Fprintf(&b, "  - %s: %s\n", e.Message, e.Reason)
		// "false schema" is unevaluatedProperties: false (see closeObjects):
		// a property not declared, or one of an object whose schema failed
		// otherwise. Those follow from the other failures, if any: left out.
		undeclaredOnly := true
		for _, f := range e.SchemaValidationErrors {
			undeclaredOnly = undeclaredOnly && f.Reason == "false schema"
		}
		for _, f := range e.SchemaValidationErrors {
			switch {
			case f.Reason != "false schema":
				fmt.Fprintf(&b, "      %s: %s\n", f.FieldPath, f.Reason)
			case undeclaredOnly:
				fmt.Fprintf(&b, "      %s: not declared\n", f.FieldPath)
			}
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// The checker itself: openapi.json loads as valid OpenAPI 3.1, and an
// exchange that breaks it, in either direction, fails — made by hand here,
// against real operations, so the check does not depend on a handler's bugs.
func TestContractCatchesDrift(t *testing.T) {
	v, err := apiContract()
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
			errs := checkExchange(v, req, reqBody, resp, []byte(tt.respBody), tt.malformed)
			got := formatContractErrors(errs)
			switch {
			case tt.want == "" && len(errs) > 0:
				t.Errorf("a valid exchange failed:\n%s", got)
			case tt.want != "" && len(errs) == 0:
				t.Errorf("the exchange passed; want an error naming %q", tt.want)
			case tt.want != "" && !strings.Contains(got, tt.want):
				t.Errorf("the errors do not name %q:\n%s", tt.want, got)
			}
		})
	}
}

// closeObjects returns the document with its object schemas closed: a
// property a schema does not declare becomes an error. The served document
// leaves most objects open, so that a field added later does not break a
// client; the tests hold the server (and themselves) to the fields it names,
// in requests and in responses.
//
// Every schema with properties or allOf gets unevaluatedProperties: false,
// which, unlike additionalProperties, sees the properties of allOf members.
// An allOf member stays open (its parent is closed), and so does a component
// that some allOf extends; where such a component is used on its own, the use
// is wrapped as {allOf: [ref], unevaluatedProperties: false}. Maps
// (additionalProperties: schema) and bare {type: object} stay as they are.
func closeObjects(spec []byte) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(spec, &doc); err != nil {
		return nil, err
	}
	const prefix = "#/components/schemas/"
	extended := map[string]bool{}
	var findExtended func(any)
	findExtended = func(n any) {
		switch n := n.(type) {
		case map[string]any:
			if all, ok := n["allOf"].([]any); ok {
				for _, m := range all {
					if ref, ok := m.(map[string]any)["$ref"].(string); ok {
						extended[strings.TrimPrefix(ref, prefix)] = true
					}
				}
			}
			for _, v := range n {
				findExtended(v)
			}
		case []any:
			for _, v := range n {
				findExtended(v)
			}
		}
	}
	findExtended(doc)

	var closeSchema func(n any, open bool) any
	closeSchema = func(n any, open bool) any {
		s, ok := n.(map[string]any)
		if !ok {
			return n
		}
		if ref, ok := s["$ref"].(string); ok {
			if !open && extended[strings.TrimPrefix(ref, prefix)] {
				return map[string]any{"allOf": []any{s}, "unevaluatedProperties": false}
			}
			return s
		}
		if props, ok := s["properties"].(map[string]any); ok {
			for k, p := range props {
				props[k] = closeSchema(p, false)
			}
		}
		for _, k := range []string{"items", "additionalProperties", "not", "contains"} {
			if _, ok := s[k]; ok {
				s[k] = closeSchema(s[k], false)
			}
		}
		for _, k := range []string{"oneOf", "anyOf", "allOf", "prefixItems"} {
			if list, ok := s[k].([]any); ok {
				for i := range list {
					list[i] = closeSchema(list[i], k == "allOf")
				}
			}
		}
		_, hasProps := s["properties"]
		_, hasAllOf := s["allOf"]
		_, hasAdditional := s["additionalProperties"]
		_, hasUnevaluated := s["unevaluatedProperties"]
		if !open && (hasProps || hasAllOf) && !hasAdditional && !hasUnevaluated {
			s["unevaluatedProperties"] = false
		}
		return s
	}

	// Schemas sit under components.schemas and under every "schema" key of
	// parameters, headers and media types.
	var walk func(any)
	walk = func(n any) {
		switch n := n.(type) {
		case map[string]any:
			for k, v := range n {
				if k == "schema" {
					n[k] = closeSchema(v, false)
					continue
				}
				walk(v)
			}
		case []any:
			for _, v := range n {
				walk(v)
			}
		}
	}
	components, _ := doc["components"].(map[string]any)
	schemas, _ := components["schemas"].(map[string]any)
	for name, s := range schemas {
		schemas[name] = closeSchema(s, extended[name])
	}
	walk(doc["paths"])
	for k, v := range components {
		if k != "schemas" {
			walk(v)
		}
	}
	return json.Marshal(doc)
}

// Some refusals come from the middleware or the JSON decoder, on behalf of
// every operation: a bad bearer token (401, even on public operations), a
// token without write scope on an unsafe method (403), and a body that is
// malformed, of another media type or with an unknown field. Each operation
// is sent each of them; the harness holds every answer to openapi.json, so
// an operation that does not document them fails here.
func TestOpenAPIDocumentsTheCommonRefusals(t *testing.T) {
	s := start(t, options{})
	admin, readOnly := s.token("admin@localhost"), s.token("admin@localhost", auth.ScopeRead)
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]json.RawMessage `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	spec, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(spec, &doc); err != nil {
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
				r := s.malformed().do(http.DefaultClient, req)
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

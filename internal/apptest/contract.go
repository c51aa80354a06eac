package apptest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	vErrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"
	"github.com/pb33f/libopenapi-validator/paths"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/certhub/certhub/internal/app"
)

// A Server holds every request its tests send to /api/ and every answer to
// openapi.json (see contractTransport), so the document clients read cannot
// drift from the server. In internal/app, TestContractCatchesDrift checks
// the checker (through LoadContract and Check) and
// TestOpenAPIDocumentsTheCommonRefusals sends every operation the refusals
// no other test would.

// LoadContract is openapi.json, as the server embeds it, ready to check
// exchanges against. It is built once per test binary: compiling its
// schemas takes a while, and the result is safe for concurrent use.
func LoadContract() (*Contract, error) { return contract() }

var contract = sync.OnceValues(func() (*Contract, error) {
	spec := app.OpenAPIDocument()
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
	// Matching a request to its path compiles a regular expression per
	// path segment of every path tried, each time, unless they are kept:
	// under the race detector that was a tenth of an API test's time.
	regexes := config.WithRegexCache(&sync.Map{})
	v := validator.NewValidatorFromV3Model(&model.Model, config.WithFormatAssertions(),
		config.WithRejectUndeclaredRequestBody(), regexes) // a body sent to an operation that takes none
	return &Contract{v: v, model: &model.Model, opts: config.NewValidationOptions(regexes)}, nil
})

// Contract is openapi.json as a validator, its objects closed (see
// closeObjects): a Server holds each exchange with /api/ to it.
type Contract struct {
	v     validator.Validator
	model *v3.Document
	opts  *config.ValidationOptions // for finding operations; read only
}

// operation is the operation documented for req, if any.
func (c *Contract) operation(req *http.Request) (*v3.PathItem, *v3.Operation) {
	item, errs, _ := paths.FindPath(req, c.model, c.opts)
	if item == nil || len(errs) > 0 {
		return nil, nil
	}
	return item, helpers.ExtractOperation(req, item)
}

// undeclaredQuery lists the query parameters of req its operation does not
// declare: the validator checks only the declared ones.
func (c *Contract) undeclaredQuery(req *http.Request) []*vErrors.ValidationError {
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
func (c *Contract) response(req *http.Request, status int) *v3.Response {
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
func (c *Contract) checkAnswer(req *http.Request, resp *http.Response, body []byte) []*vErrors.ValidationError {
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
	v, err := LoadContract()
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
			hint = "\n  (a test that sends this request bad on purpose says so with s.Malformed())"
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

// Check validates one exchange — req with its body, and resp with its body —
// and answers every way it breaks the document, nil if none. A request
// marked malformed is validated only if the server accepted it (then the
// document forbids what the server takes), and may even miss the documented
// paths (there is then no operation to hold its answer to).
func (c *Contract) Check(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte, malformed bool) error {
	if errs := checkExchange(c, req, reqBody, resp, respBody, malformed); len(errs) > 0 {
		return errors.New(formatContractErrors(errs))
	}
	return nil
}

func checkExchange(v *Contract, req *http.Request, reqBody []byte, resp *http.Response, respBody []byte, malformed bool) []*vErrors.ValidationError {
	var errs []*vErrors.ValidationError
	accepted := resp.StatusCode >= 200 && resp.StatusCode < 300
	if !malformed || accepted {
		var reqErrs []*vErrors.ValidationError
		if ok, e := v.v.ValidateHttpRequestSync(withRequestBody(req, reqBody)); !ok {
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
	if ok, e := v.v.ValidateHttpResponse(withRequestBody(req, reqBody), &r); !ok {
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

package catalogue

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/errs"
)

// Categories of products, each with its criteria catalogue; a lab is
// accredited for some of them, an evaluation is of one.
var Categories = []string{"network_device", "firewall", "vpn_gateway", "endpoint_software", "web_application",
	"mobile_app", "iot_ot_device", "cloud_service", "crypto_module"}

// ValidCategory reports whether c is one of Categories.
func ValidCategory(c string) bool { return slices.Contains(Categories, c) }

// Severities of a requirement, from least to most.
var Severities = []string{"low", "medium", "high", "critical"}

// Methods are how a requirement is tested.
var Methods = []string{"document_review", "functional_test", "vulnerability_scan", "penetration_test", "source_review", "sbom_review"}

// Catalogue is one version of a category's criteria: what a lab tests a
// product against. Its JSON is also the import and export format
// (docs/procurement-catalogue.md).
type Catalogue struct {
	Category       string          `json:"category"`
	Version        int             `json:"version"`
	Title          string          `json:"title"`
	Notes          string          `json:"notes,omitempty"`
	PublishedAt    time.Time       `json:"published_at"`
	PublishedBy    string          `json:"published_by,omitempty"`
	Requirements   []Requirement   `json:"requirements"`
	Clarifications []Clarification `json:"clarifications"`
}

// Requirement is one criterion.
type Requirement struct {
	ID            string   `json:"id"`
	Title         string   `json:"title"`
	Text          string   `json:"text"`
	Severity      string   `json:"severity"`
	Methods       []string `json:"methods"`
	Applicability string   `json:"applicability,omitempty"`
}

// Clarification is a technical decision issued against a version: how a
// requirement (or the whole catalogue, Requirement "") is to be read by
// the evaluations still open against it.
type Clarification struct {
	ID          string    `json:"id"`
	Requirement string    `json:"requirement,omitempty"`
	Text        string    `json:"text"`
	IssuedAt    time.Time `json:"issued_at"`
	IssuedBy    string    `json:"issued_by,omitempty"`
}

// Summary is a version without its requirements.
type Summary struct {
	Category     string    `json:"category"`
	Version      int       `json:"version"`
	Title        string    `json:"title"`
	PublishedAt  time.Time `json:"published_at"`
	Requirements int       `json:"requirements"`
}

// Bounds of a catalogue.
const (
	MaxBytes        = 4 << 20
	maxRequirements = 1000
	maxReqText      = 20000
	maxReqTitle     = 300
)

var reqIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`)

// Parse reads a catalogue to publish from its JSON (the export
// format; category, version and the published fields are the server's and
// ignored), naming each bad field. It never panics on any input.
func Parse(data []byte) (Catalogue, error) {
	if len(data) > MaxBytes {
		return Catalogue{}, errs.InvalidField("catalogue", "at most %d MB", MaxBytes>>20)
	}
	var in struct {
		Title        string        `json:"title"`
		Notes        string        `json:"notes"`
		Requirements []Requirement `json:"requirements"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&in); err != nil {
		return Catalogue{}, errs.InvalidField("catalogue", "not a catalogue in JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return Catalogue{}, errs.InvalidField("catalogue", "one JSON object, nothing after it")
	}
	var f errs.Fields
	// text checks a text field: its length, and no NUL (PostgreSQL
	// stores none).
	text := func(field, s string, required bool, max int, what string) {
		if (required && s == "") || utf8.RuneCountInString(s) > max || strings.ContainsRune(s, 0) {
			f.Add(field, "%s", what)
		}
	}
	c := Catalogue{Title: strings.TrimSpace(in.Title), Notes: strings.TrimSpace(in.Notes), Requirements: []Requirement{}, Clarifications: []Clarification{}}
	text("title", c.Title, true, maxReqTitle, fmt.Sprintf("a title of 1 to %d characters", maxReqTitle))
	text("notes", c.Notes, false, maxReqText, fmt.Sprintf("at most %d characters of text", maxReqText))
	switch {
	case len(in.Requirements) == 0:
		f.Add("requirements", "at least one requirement")
	case len(in.Requirements) > maxRequirements:
		f.Add("requirements", "at most %d requirements", maxRequirements)
	}
	seen := map[string]bool{}
	for i, r := range in.Requirements {
		if i >= maxRequirements {
			break
		}
		at := fmt.Sprintf("requirements[%d].", i)
		r.ID, r.Title, r.Text, r.Severity, r.Applicability = strings.TrimSpace(r.ID), strings.TrimSpace(r.Title), strings.TrimSpace(r.Text),
			strings.TrimSpace(r.Severity), strings.TrimSpace(r.Applicability)
		switch {
		case !reqIDRE.MatchString(r.ID):
			f.Add(at+"id", "an ID of letters, digits, '.', '_' or '-' (up to 40), such as FW-01")
		case seen[strings.ToUpper(r.ID)]:
			f.Add(at+"id", "%s appears twice", r.ID)
		}
		seen[strings.ToUpper(r.ID)] = true
		text(at+"title", r.Title, true, maxReqTitle, fmt.Sprintf("a title of 1 to %d characters", maxReqTitle))
		text(at+"text", r.Text, true, maxReqText, fmt.Sprintf("the requirement's text, 1 to %d characters", maxReqText))
		text(at+"applicability", r.Applicability, false, maxReqText, fmt.Sprintf("at most %d characters of text", maxReqText))
		if !slices.Contains(Severities, r.Severity) {
			f.Add(at+"severity", "one of %s", strings.Join(Severities, ", "))
		}
		var methods []string
		for _, m := range r.Methods {
			m = strings.TrimSpace(m)
			if !slices.Contains(Methods, m) {
				f.Add(at+"methods", "%q is not a method; the methods are %s", m, strings.Join(Methods, ", "))
				continue
			}
			if !slices.Contains(methods, m) {
				methods = append(methods, m)
			}
		}
		if len(r.Methods) == 0 {
			f.Add(at+"methods", "how it is tested: one or more of %s", strings.Join(Methods, ", "))
		}
		slices.Sort(methods)
		r.Methods = methods
		c.Requirements = append(c.Requirements, r)
	}
	if err := f.Err(); err != nil {
		return Catalogue{}, err
	}
	return c, nil
}

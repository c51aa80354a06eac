// Package catalogue keeps versioned catalogues of requirements and the
// verdicts given on them: procurement's criteria a lab tests a product
// against, governance's control baselines an assessor checks a
// constituent against. The mechanism is one (the JSON format and its
// parser, versions never changed once published, clarifications of a
// version, a verdict with notes and severity per requirement); each owner
// keeps it in tables of its own, named by Tables and ResultTable.
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

// Severities of a requirement, from least to most.
var Severities = []string{"low", "medium", "high", "critical"}

// Catalogue is one version of a catalogue. Its JSON is also the import and
// export format; an owner's type embeds it beside the key naming the
// catalogue (a procurement category, a baseline).
type Catalogue struct {
	Key            string          `json:"-"`
	Version        int             `json:"version"`
	Title          string          `json:"title"`
	Notes          string          `json:"notes,omitempty"`
	PublishedAt    time.Time       `json:"published_at"`
	PublishedBy    string          `json:"published_by,omitempty"`
	Requirements   []Requirement   `json:"requirements"`
	Clarifications []Clarification `json:"clarifications"`
}

// Requirement is one criterion or control.
type Requirement struct {
	ID string `json:"id"`
	// Family groups requirements (a baseline's control family); scores
	// roll up by it.
	Family        string   `json:"family,omitempty"`
	Title         string   `json:"title"`
	Text          string   `json:"text"`
	Severity      string   `json:"severity"`
	Methods       []string `json:"methods"`
	Applicability string   `json:"applicability,omitempty"`
}

// Find answers the requirement of c named id (case aside) and whether
// there is one.
func (c Catalogue) Find(id string) (Requirement, bool) {
	for _, r := range c.Requirements {
		if strings.EqualFold(r.ID, strings.TrimSpace(id)) {
			return r, true
		}
	}
	return Requirement{}, false
}

// Families answers the families of c's requirements in their first order.
func (c Catalogue) Families() []string {
	var out []string
	for _, r := range c.Requirements {
		if r.Family != "" && !slices.Contains(out, r.Family) {
			out = append(out, r.Family)
		}
	}
	return out
}

// Clarification is a decision issued against a version: how a requirement
// (or the whole catalogue, Requirement "") is to be read by the work still
// open against it.
type Clarification struct {
	ID          string    `json:"id"`
	Requirement string    `json:"requirement,omitempty"`
	Text        string    `json:"text"`
	IssuedAt    time.Time `json:"issued_at"`
	IssuedBy    string    `json:"issued_by,omitempty"`
}

// Summary is a version without its requirements.
type Summary struct {
	Key          string    `json:"-"`
	Version      int       `json:"version"`
	Title        string    `json:"title"`
	PublishedAt  time.Time `json:"published_at"`
	Requirements int       `json:"requirements"`
}

// Rules are an owner's demands on its catalogues.
type Rules struct {
	// Methods are the ways a requirement is checked; RequireMethods
	// demands at least one per requirement.
	Methods        []string
	RequireMethods bool
	// RequireFamily demands a family of every requirement.
	RequireFamily bool
}

// Bounds of a catalogue.
const (
	MaxBytes        = 4 << 20
	maxRequirements = 1000
	MaxText         = 20000
	maxTitle        = 300
)

var reqIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`)

// Parse reads a catalogue to publish from its JSON (the export format;
// the key, version and published fields are the server's and ignored),
// naming each bad field. It never panics on any input.
func Parse(data []byte, rules Rules) (Catalogue, error) {
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
	text("title", c.Title, true, maxTitle, fmt.Sprintf("a title of 1 to %d characters", maxTitle))
	text("notes", c.Notes, false, MaxText, fmt.Sprintf("at most %d characters of text", MaxText))
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
		r.ID, r.Family, r.Title, r.Text, r.Severity, r.Applicability = strings.TrimSpace(r.ID), strings.TrimSpace(r.Family), strings.TrimSpace(r.Title),
			strings.TrimSpace(r.Text), strings.TrimSpace(r.Severity), strings.TrimSpace(r.Applicability)
		switch {
		case !reqIDRE.MatchString(r.ID):
			f.Add(at+"id", "an ID of letters, digits, '.', '_' or '-' (up to 40), such as FW-01")
		case seen[strings.ToUpper(r.ID)]:
			f.Add(at+"id", "%s appears twice", r.ID)
		}
		seen[strings.ToUpper(r.ID)] = true
		text(at+"family", r.Family, rules.RequireFamily, maxTitle, fmt.Sprintf("the control family, 1 to %d characters", maxTitle))
		text(at+"title", r.Title, true, maxTitle, fmt.Sprintf("a title of 1 to %d characters", maxTitle))
		text(at+"text", r.Text, true, MaxText, fmt.Sprintf("the requirement's text, 1 to %d characters", MaxText))
		text(at+"applicability", r.Applicability, false, MaxText, fmt.Sprintf("at most %d characters of text", MaxText))
		if !slices.Contains(Severities, r.Severity) {
			f.Add(at+"severity", "one of %s", strings.Join(Severities, ", "))
		}
		methods := []string{}
		for _, m := range r.Methods {
			m = strings.TrimSpace(m)
			if !slices.Contains(rules.Methods, m) {
				f.Add(at+"methods", "%q is not a method; the methods are %s", m, strings.Join(rules.Methods, ", "))
				continue
			}
			if !slices.Contains(methods, m) {
				methods = append(methods, m)
			}
		}
		if len(r.Methods) == 0 && rules.RequireMethods {
			f.Add(at+"methods", "how it is tested: one or more of %s", strings.Join(rules.Methods, ", "))
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

// CheckClarification tidies a clarification of c: requirement "" or one of
// c's (answered as c names it), a text of 1 to MaxText characters.
func (c Catalogue) CheckClarification(requirement, text string) (string, string, error) {
	var f errs.Fields
	requirement, text = strings.TrimSpace(requirement), strings.TrimSpace(text)
	if requirement != "" {
		r, ok := c.Find(requirement)
		if !ok {
			f.Add("requirement", "version %d has no requirement %s", c.Version, requirement)
		}
		requirement = r.ID
	}
	if text == "" || utf8.RuneCountInString(text) > MaxText || strings.ContainsRune(text, 0) {
		f.Add("text", "the clarification, 1 to %d characters", MaxText)
	}
	return requirement, text, f.Err()
}

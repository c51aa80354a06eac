package intel

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/tlp"
	"github.com/certhub/certhub/internal/stixpattern"
)

// The STIX 2.1 bundle reader: it streams the "objects" array one object at
// a time (a bundle of a gigabyte never has to fit in memory) and hands on
// the observables the objects state: the equality comparisons (and IN
// sets, and networks an address is ISSUBSET of) of indicator patterns on
// supported properties, and the values of cyber-observable objects.
// Comparisons that describe rather than name a value (MATCHES, LIKE, a
// NOT, …) give no observable. Each
// object itself is handed to keep, unchanged, to be stored and shared as
// received. An indicator whose STIX pattern breaks the grammar is
// rejected, with where.

// stixObject holds what the reader needs of any STIX object.
type stixObject struct {
	Type           string            `json:"type"`
	ID             string            `json:"id"`
	Pattern        string            `json:"pattern"`
	PatternType    string            `json:"pattern_type"`
	ValidFrom      string            `json:"valid_from"`
	Modified       string            `json:"modified"`
	Created        string            `json:"created"`
	SpecVersion    string            `json:"spec_version"`
	IndicatorTypes []string          `json:"indicator_types"`
	Labels         []string          `json:"labels"`
	Markings       []string          `json:"object_marking_refs"`
	Value          json.RawMessage   `json:"value"`
	Number         json.Number       `json:"number"`
	Hashes         map[string]string `json:"hashes"`
}

// stixTypes are the cyber-observable properties the reader understands.
var stixTypes = map[string]Type{
	"ipv4-addr:value": "", "ipv6-addr:value": "", "domain-name:value": Domain, "url:value": URL,
	"email-addr:value": Email, "autonomous-system:number": ASN,
	"file:hashes.md5": MD5, "file:hashes.sha-1": SHA1, "file:hashes.sha1": SHA1, "file:hashes.sha-256": SHA256,
	"file:hashes.sha256": SHA256, "file:hashes.sha-512": SHA512, "file:hashes.sha512": SHA512,
}

// Object is a STIX object as received, with what storing it needs.
type Object struct {
	ID          string
	Type        string
	Version     string // modified, else created, as VersionString; "" for objects without either (SCOs)
	SpecVersion string
	TLP         string // its most restrictive TLP marking, if any
	Body        json.RawMessage
	Line        int
}

// ParseSTIX reads a STIX 2.1 bundle. Records carry the object's TLP marking
// (when it has one), and its indicator types as tags. keep, when not nil,
// receives every well-formed object, and the records read from an object
// it keeps are marked FromObject.
func ParseSTIX(r io.Reader, sink Sink, reject Reject, keep func(Object) error) error {
	d := json.NewDecoder(r)
	d.UseNumber()
	if err := expectDelim(d, '{'); err != nil {
		return fmt.Errorf("intel: STIX: a bundle is a JSON object: %w", err)
	}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("intel: STIX: %w", err)
		}
		key, _ := tok.(string)
		if key != "objects" {
			var skip json.RawMessage
			if err := d.Decode(&skip); err != nil {
				return fmt.Errorf("intel: STIX: %s: %w", key, err)
			}
			continue
		}
		if err := expectDelim(d, '['); err != nil {
			return fmt.Errorf("intel: STIX: objects is a list: %w", err)
		}
		n := 0
		for d.More() {
			n++
			var raw json.RawMessage
			if err := d.Decode(&raw); err != nil {
				return fmt.Errorf("intel: STIX object %d: %w", n, err)
			}
			var o stixObject
			if err := json.Unmarshal(raw, &o); err != nil {
				if err := decodeError(err, "STIX object", n, reject); err != nil {
					return err
				}
				continue
			}
			var pattern *stixpattern.Pattern
			if o.Type == "indicator" && (o.PatternType == "" || o.PatternType == "stix") {
				if pattern, err = stixpattern.Parse(o.Pattern); err != nil {
					reject(Rejection{Line: n, Message: o.ID + ": pattern: " + err.Error(), ID: cmp.Or(o.ID, "?")})
					continue
				}
			}
			kept := false
			if keep != nil {
				obj, msg := storable(o, raw, n)
				if msg != "" {
					reject(Rejection{Line: n, Message: msg, ID: cmp.Or(o.ID, "?")})
					continue
				}
				if err := keep(obj); err != nil {
					return err
				}
				kept = true
			}
			if err := stixRecords(o, pattern, n, kept, sink, reject); err != nil {
				return err
			}
		}
		if _, err := d.Token(); err != nil {
			return fmt.Errorf("intel: STIX: %w", err)
		}
	}
	return nil
}

// decodeError sorts a failure to decode one element of a stream: a value
// of the wrong type is one bad element — the decoder has read past it, so
// it is rejected and reading goes on; anything else (bad JSON, the end of
// the input) leaves nothing to read on and is returned.
func decodeError(err error, what string, n int, reject Reject) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		reject(Rejection{Line: n, Message: "not a " + what + ": " + err.Error()})
		return nil
	}
	return fmt.Errorf("intel: %s %d: %w", what, n, err)
}

func expectDelim(d *json.Decoder, want json.Delim) error {
	tok, err := d.Token()
	if err != nil {
		return err
	}
	if got, ok := tok.(json.Delim); !ok || got != want {
		return fmt.Errorf("found %v", tok)
	}
	return nil
}

// idPattern is a STIX identifier: object type, "--", a UUID.
var idPattern = regexp.MustCompile(`^([a-z0-9][a-z0-9-]*[a-z0-9])--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// storable checks what keeping an object needs (an id of its type, a
// version that is a timestamp) and answers it, or why it cannot be kept.
func storable(o stixObject, raw json.RawMessage, n int) (Object, string) {
	m := idPattern.FindStringSubmatch(o.ID)
	switch {
	case m == nil:
		return Object{}, fmt.Sprintf("object %d: %q is not a STIX identifier (type--UUID)", n, o.ID)
	case m[1] != o.Type:
		return Object{}, fmt.Sprintf("%s: the identifier does not name the object's type %q", o.ID, o.Type)
	}
	obj := Object{ID: o.ID, Type: o.Type, Version: cmp.Or(o.Modified, o.Created), SpecVersion: cmp.Or(o.SpecVersion, "2.1"),
		TLP: string(objectMarking(o)), Body: raw, Line: n}
	if obj.Version != "" {
		t, err := time.Parse(time.RFC3339Nano, obj.Version)
		if err != nil {
			return Object{}, o.ID + ": modified/created is not an RFC 3339 timestamp"
		}
		obj.Version = VersionString(t) // one form, so versions compare as text
	}
	if o.Type == "marking-definition" {
		obj.TLP = string(tlp.Clear) // markings are what everyone needs to read the rest
	}
	return obj, ""
}

// objectMarking is the most restrictive TLP marking of an object.
func objectMarking(o stixObject) tlp.Label {
	var marking tlp.Label
	for _, m := range o.Markings {
		if l, ok := tlp.FromSTIX(m); ok && (marking == "" || l.MoreRestrictive(marking)) {
			marking = l
		}
	}
	return marking
}

// stixRecords hands on the observables of an object; pattern is an
// indicator's, parsed (nil for other objects and other pattern languages).
func stixRecords(o stixObject, pattern *stixpattern.Pattern, n int, kept bool, sink Sink, reject Reject) error {
	var tags []string
	marking := objectMarking(o)
	for _, t := range append(o.IndicatorTypes, o.Labels...) {
		tags = append(tags, "type:"+t)
	}
	at := parseSTIXTime(o.ValidFrom, o.Modified)
	emit := func(t Type, raw string) error {
		var obs Observable
		var err error
		if t == "" {
			obs, err = Normalize(raw)
		} else {
			obs, err = NormalizeAs(t, raw)
		}
		if err != nil {
			reject(Rejection{Line: n, Message: o.ID + ": " + reason(err)})
			return nil
		}
		return sink(Record{Observable: obs, Line: n, Time: at, Tags: tags, TLP: string(marking), FromObject: kept})
	}
	switch o.Type {
	case "indicator":
		if pattern == nil {
			return nil // Snort, YARA, Sigma…: not observables
		}
		for _, c := range pattern.Comparisons {
			path := strings.ToLower(c.Object + ":" + c.PathString())
			t, ok := stixTypes[path]
			// An address ISSUBSET a network names the network (certhub
			// writes networks so).
			subset := c.Op == "ISSUBSET" && (path == "ipv4-addr:value" || path == "ipv6-addr:value")
			if !ok || c.Negated || c.Op != "=" && c.Op != "IN" && !subset {
				continue
			}
			for _, v := range c.Values {
				if v.Kind != stixpattern.String && v.Kind != stixpattern.Int {
					continue
				}
				if err := emit(addressType(path, v.Text, t), v.Text); err != nil {
					return err
				}
			}
		}
	case "ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr":
		var v string
		if err := json.Unmarshal(o.Value, &v); err != nil || v == "" {
			reject(Rejection{Line: n, Message: o.ID + ": no value"})
			return nil
		}
		return emit(addressType(o.Type+":value", v, stixTypes[o.Type+":value"]), v)
	case "autonomous-system":
		if o.Number != "" {
			return emit(ASN, o.Number.String())
		}
	case "file":
		for alg, h := range o.Hashes {
			if t, ok := stixTypes["file:hashes."+strings.ToLower(alg)]; ok {
				if err := emit(t, h); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// addressType: an ipv4-addr or ipv6-addr value is an address or, with a
// length, a network — never a host name, whatever it looks like.
func addressType(path, value string, t Type) Type {
	switch path {
	case "ipv4-addr:value", "ipv6-addr:value":
		if strings.Contains(value, "/") {
			return CIDR
		}
		if path == "ipv6-addr:value" {
			return IPv6
		}
		return IPv4
	}
	return t
}

func parseSTIXTime(vals ...string) time.Time {
	for _, v := range vals {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// VersionString is the one form versions and TAXII's timestamps take:
// UTC, microseconds, so they sort as text.
func VersionString(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

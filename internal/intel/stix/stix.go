package stix

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/intel/observable"
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
var stixTypes = map[string]observable.Type{
	"ipv4-addr:value": "", "ipv6-addr:value": "", "domain-name:value": observable.Domain, "url:value": observable.URL,
	"email-addr:value": observable.Email, "autonomous-system:number": observable.ASN,
	"file:hashes.md5": observable.MD5, "file:hashes.sha-1": observable.SHA1, "file:hashes.sha1": observable.SHA1, "file:hashes.sha-256": observable.SHA256,
	"file:hashes.sha256": observable.SHA256, "file:hashes.sha-512": observable.SHA512, "file:hashes.sha512": observable.SHA512,
}

// Parse reads a STIX 2.1 bundle. Records carry the object's TLP marking
// (when it has one), and its indicator types as tags. keep, when not nil,
// receives every well-formed object, and the records read from an object
// it keeps are marked FromObject.
func Parse(r io.Reader, sink observable.Sink, reject observable.Reject, keep func(observable.Object) error) error {
	d := json.NewDecoder(r)
	d.UseNumber()
	if err := observable.ExpectDelim(d, '{'); err != nil {
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
		if err := observable.ExpectDelim(d, '['); err != nil {
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
				if err := observable.DecodeError(err, "STIX object", n, reject); err != nil {
					return err
				}
				continue
			}
			var pattern *stixpattern.Pattern
			if o.Type == "indicator" && (o.PatternType == "" || o.PatternType == "stix") {
				if pattern, err = stixpattern.Parse(o.Pattern); err != nil {
					reject(observable.Rejection{Line: n, Message: o.ID + ": pattern: " + err.Error(), ID: cmp.Or(o.ID, "?")})
					continue
				}
			}
			kept := false
			if keep != nil {
				obj, msg := storable(o, raw, n)
				if msg != "" {
					reject(observable.Rejection{Line: n, Message: msg, ID: cmp.Or(o.ID, "?")})
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

// idPattern is a STIX identifier: object type, "--", a UUID.
var idPattern = regexp.MustCompile(`^([a-z0-9][a-z0-9-]*[a-z0-9])--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// ValidID reports whether id is a STIX identifier: an object type, "--",
// a UUID.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// storable checks what keeping an object needs (an id of its type, a
// version that is a timestamp) and answers it, or why it cannot be kept.
func storable(o stixObject, raw json.RawMessage, n int) (observable.Object, string) {
	m := idPattern.FindStringSubmatch(o.ID)
	switch {
	case m == nil:
		return observable.Object{}, fmt.Sprintf("object %d: %q is not a STIX identifier (type--UUID)", n, o.ID)
	case m[1] != o.Type:
		return observable.Object{}, fmt.Sprintf("%s: the identifier does not name the object's type %q", o.ID, o.Type)
	}
	obj := observable.Object{ID: o.ID, Type: o.Type, Version: cmp.Or(o.Modified, o.Created), SpecVersion: cmp.Or(o.SpecVersion, "2.1"),
		TLP: string(objectMarking(o)), Body: raw, Line: n}
	if obj.Version != "" {
		t, err := time.Parse(time.RFC3339Nano, obj.Version)
		if err != nil {
			return observable.Object{}, o.ID + ": modified/created is not an RFC 3339 timestamp"
		}
		obj.Version = observable.VersionString(t) // one form, so versions compare as text
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
func stixRecords(o stixObject, pattern *stixpattern.Pattern, n int, kept bool, sink observable.Sink, reject observable.Reject) error {
	var tags []string
	marking := objectMarking(o)
	for _, t := range append(o.IndicatorTypes, o.Labels...) {
		tags = append(tags, "type:"+t)
	}
	at := parseSTIXTime(o.ValidFrom, o.Modified)
	emit := func(t observable.Type, raw string) error {
		var obs observable.Observable
		var err error
		if t == "" {
			obs, err = observable.Normalize(raw)
		} else {
			obs, err = observable.NormalizeAs(t, raw)
		}
		if err != nil {
			reject(observable.Rejection{Line: n, Message: o.ID + ": " + observable.Reason(err)})
			return nil
		}
		return sink(observable.Record{Observable: obs, Line: n, Time: at, Tags: tags, TLP: string(marking), FromObject: kept})
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
			reject(observable.Rejection{Line: n, Message: o.ID + ": no value"})
			return nil
		}
		return emit(addressType(o.Type+":value", v, stixTypes[o.Type+":value"]), v)
	case "autonomous-system":
		if o.Number != "" {
			return emit(observable.ASN, o.Number.String())
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
func addressType(path, value string, t observable.Type) observable.Type {
	switch path {
	case "ipv4-addr:value", "ipv6-addr:value":
		if strings.Contains(value, "/") {
			return observable.CIDR
		}
		if path == "ipv6-addr:value" {
			return observable.IPv6
		}
		return observable.IPv4
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

package misp

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// The MISP event reader: an event as MISP exports it ({"Event": {…}} or
// the event object itself), its attributes and its objects' attributes.
// The event's tags come after its attributes in MISP's key order, and an
// event-wide TLP tag applies to every attribute, so one event's records are
// held until the event ends (events are the unit MISP shares; a feed is
// many small ones).

type mispTag struct {
	Name string `json:"name"`
}

type mispAttribute struct {
	Type      string          `json:"type"`
	Value     string          `json:"value"`
	ToIDS     json.RawMessage `json:"to_ids"`
	Deleted   json.RawMessage `json:"deleted"`
	Timestamp json.RawMessage `json:"timestamp"`
	Category  string          `json:"category"`
	Tag       []mispTag       `json:"Tag"`
}

type mispObject struct {
	Name      string          `json:"name"`
	Attribute []mispAttribute `json:"Attribute"`
	Tag       []mispTag       `json:"Tag"`
}

// mispTypes are the attribute types that carry observables; a composite
// type ("domain|ip") lists the type of each part.
var mispTypes = map[string][]observable.Type{
	"ip-src": {""}, "ip-dst": {""}, "ip-src|port": {"", "-"}, "ip-dst|port": {"", "-"},
	"domain": {observable.Domain}, "hostname": {observable.Domain}, "domain|ip": {observable.Domain, ""}, "hostname|port": {observable.Domain, "-"},
	"url": {observable.URL}, "email": {observable.Email}, "email-src": {observable.Email}, "email-dst": {observable.Email},
	"md5": {observable.MD5}, "sha1": {observable.SHA1}, "sha256": {observable.SHA256}, "sha512": {observable.SHA512},
	"filename|md5": {"-", observable.MD5}, "filename|sha1": {"-", observable.SHA1}, "filename|sha256": {"-", observable.SHA256}, "filename|sha512": {"-", observable.SHA512},
	"AS": {observable.ASN}, "vulnerability": {observable.CVE},
}

// Parse reads MISP event JSON. keep, when not nil, receives the event's
// galaxy clusters of actors, campaigns and software as STIX 2.1 objects
// (galaxy.go).
func Parse(r io.Reader, sink observable.Sink, reject observable.Reject, keep func(observable.Object) error) error {
	return ParseFor(r, "", sink, reject, keep)
}

// ParseFor is Parse for the source named source: the objects made of its
// galaxy clusters are its own (their ids are made from its name too), so
// two sources sharing a collection each keep their claim of a cluster.
func ParseFor(r io.Reader, source string, sink observable.Sink, reject observable.Reject, keep func(observable.Object) error) error {
	d := json.NewDecoder(r)
	d.UseNumber()
	n := 0
	if err := observable.ExpectDelim(d, '{'); err != nil {
		return fmt.Errorf("intel: MISP: an event is a JSON object: %w", err)
	}
	return mispEvent(d, &n, source, sink, reject, keep, true)
}

// mispEvent reads an event object whose "{" has been read, up to its "}".
func mispEvent(d *json.Decoder, n *int, source string, sink observable.Sink, reject observable.Reject, keep func(observable.Object) error, top bool) error {
	var held []observable.Record
	var eventTLP tlp.Label
	var eventTags []string
	var event observable.EventRef
	var galaxies []galaxy
	var stamp string // the event's timestamp (Unix seconds), for the clusters' version
	hold := func(rec observable.Record) error { held = append(held, rec); return nil }
	// keys counts the object's keys, known those MISP's events have: an
	// object with keys but none of them is not an event (an empty one is).
	keys, known := 0, false
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("intel: MISP: %w", err)
		}
		key, _ := tok.(string)
		keys++
		known = known || mispEventKeys[key]
		switch key {
		case "Event":
			if !top {
				return fmt.Errorf("intel: MISP: an event inside an event")
			}
			if err := observable.ExpectDelim(d, '{'); err != nil {
				return fmt.Errorf("intel: MISP: Event is an object: %w", err)
			}
			if err := mispEvent(d, n, source, sink, reject, keep, false); err != nil {
				return err
			}
		case "Attribute":
			if err := mispArray(d, func() error {
				*n++
				var a mispAttribute
				if err := d.Decode(&a); err != nil {
					return observable.DecodeError(err, "MISP attribute", *n, reject)
				}
				return mispRecords(a, nil, *n, hold, reject)
			}); err != nil {
				return err
			}
		case "Object":
			if err := mispArray(d, func() error {
				var o mispObject
				if err := d.Decode(&o); err != nil {
					*n++
					return observable.DecodeError(err, "MISP object", *n, reject)
				}
				for _, a := range o.Attribute {
					*n++
					if err := mispRecords(a, o.Tag, *n, hold, reject); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				return err
			}
		case "Tag":
			var tags []mispTag
			if err := d.Decode(&tags); err != nil {
				return fmt.Errorf("intel: MISP: event tags: %w", err)
			}
			for _, t := range tags {
				if l, ok := mispTLP(t.Name); ok {
					if eventTLP == "" || l.MoreRestrictive(eventTLP) {
						eventTLP = l
					}
				} else if t.Name != "" {
					eventTags = append(eventTags, t.Name)
				}
			}
		case "Galaxy":
			if err := d.Decode(&galaxies); err != nil {
				*n++
				if err := observable.DecodeError(err, "MISP galaxy", *n, reject); err != nil {
					return err
				}
				galaxies = nil
			}
		case "timestamp":
			var v any
			if err := d.Decode(&v); err != nil {
				return fmt.Errorf("intel: MISP: %s: %w", key, err)
			}
			switch t := v.(type) {
			case string:
				stamp = t
			case json.Number:
				stamp = t.String()
			}
		case "uuid", "info", "date":
			var v any
			if err := d.Decode(&v); err != nil {
				return fmt.Errorf("intel: MISP: %s: %w", key, err)
			}
			s, _ := v.(string)
			switch key {
			case "uuid":
				event.UUID = strings.ToLower(s)
			case "info":
				event.Info = observable.Truncate(s, 500)
			default:
				event.Date = observable.Truncate(s, 20)
			}
		default:
			var skip json.RawMessage
			if err := d.Decode(&skip); err != nil {
				return fmt.Errorf("intel: MISP: %s: %w", key, err)
			}
		}
	}
	if _, err := d.Token(); err != nil { // the closing "}"
		return fmt.Errorf("intel: MISP: %w", err)
	}
	if top && keys > 0 && !known {
		return fmt.Errorf("intel: MISP: not a MISP event: none of the object's keys is an event's (Event, Attribute, Object, info, uuid, …); a STIX bundle says \"type\": \"bundle\"")
	}
	var ev *observable.EventRef
	if !top && IsUUID(event.UUID) {
		ev = &event
	}
	if keep != nil {
		for _, obj := range clusterObjects(galaxies, source, eventTLP, event.Date, stamp, *n) {
			if err := keep(obj); err != nil {
				return err
			}
		}
	}
	for _, rec := range held {
		rec.Event = ev
		if rec.TLP == "" {
			rec.TLP = string(eventTLP)
		}
		if len(eventTags) > 0 {
			rec.Tags = append(append([]string{}, rec.Tags...), eventTags...)
		}
		if err := sink(rec); err != nil {
			return err
		}
	}
	return nil
}

// mispEventKeys are keys of MISP's event objects (and of the envelopes
// MISP's API and feeds wrap them in).
var mispEventKeys = map[string]bool{"Event": true, "Attribute": true, "Object": true, "Tag": true, "Galaxy": true, "Org": true,
	"Orgc": true, "ShadowAttribute": true, "RelatedEvent": true, "EventReport": true, "uuid": true, "info": true, "date": true,
	"analysis": true, "distribution": true, "threat_level_id": true, "published": true, "timestamp": true, "response": true,
	"attribute_count": true, "id": true, "org_id": true, "orgc_id": true}

// mispArray calls each for every element of the array that comes next.
func mispArray(d *json.Decoder, each func() error) error {
	if err := observable.ExpectDelim(d, '['); err != nil {
		return fmt.Errorf("intel: MISP: want a list: %w", err)
	}
	for d.More() {
		if err := each(); err != nil {
			return err
		}
	}
	if _, err := d.Token(); err != nil { // the closing "]"
		return fmt.Errorf("intel: MISP: %w", err)
	}
	return nil
}

// mispTLP reads MISP's TLP tags: tlp:white, tlp:clear, tlp:green,
// tlp:amber, tlp:amber+strict, tlp:red.
func mispTLP(name string) (tlp.Label, bool) {
	v, ok := strings.CutPrefix(strings.ToLower(strings.TrimSpace(name)), "tlp:")
	if !ok {
		return "", false
	}
	l, err := tlp.Parse(strings.Trim(v, `"`))
	return l, err == nil
}

func isTrue(raw json.RawMessage) bool {
	s := strings.Trim(string(raw), `"`)
	return s == "true" || s == "1"
}

func mispRecords(a mispAttribute, objectTags []mispTag, n int, sink observable.Sink, reject observable.Reject) error {
	if isTrue(a.Deleted) {
		return nil
	}
	types, ok := mispTypes[a.Type]
	if !ok {
		return nil // filenames, text, links, …: context, not observables
	}
	var marking tlp.Label
	var tags []string
	for _, t := range append(append([]mispTag{}, a.Tag...), objectTags...) {
		if l, ok := mispTLP(t.Name); ok {
			if marking == "" || l.MoreRestrictive(marking) {
				marking = l
			}
		} else if t.Name != "" {
			tags = append(tags, t.Name)
		}
	}
	if a.Category != "" {
		tags = append(tags, "category:"+a.Category)
	}
	if len(a.ToIDS) > 0 && !isTrue(a.ToIDS) {
		tags = append(tags, "to_ids:false")
	}
	var at time.Time
	if ts := strings.Trim(string(a.Timestamp), `"`); ts != "" {
		if sec, err := strconv.ParseInt(ts, 10, 64); err == nil {
			at = time.Unix(sec, 0).UTC()
		}
	}
	parts := strings.Split(a.Value, "|")
	if len(parts) != len(types) {
		reject(observable.Rejection{Line: n, Message: fmt.Sprintf("%s %q: want %d parts separated by |", a.Type, a.Value, len(types))})
		return nil
	}
	for i, t := range types {
		if t == "-" {
			continue // the port or file name of a composite
		}
		var o observable.Observable
		var err error
		if t == "" {
			o, err = observable.Normalize(parts[i])
		} else {
			o, err = observable.NormalizeAs(t, parts[i])
		}
		if err != nil {
			reject(observable.Rejection{Line: n, Message: a.Type + ": " + observable.Reason(err)})
			continue
		}
		if err := sink(observable.Record{Observable: o, Line: n, Time: at, Tags: tags, TLP: string(marking)}); err != nil {
			return err
		}
	}
	return nil
}

package sharing

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/intel/stix"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// A collection's objects come from three places, each ordered by its
// date_added ("added", Unix microseconds, unique within the collection):
// STIX objects kept as received, the observations of sources sharing into
// it (each an indicator certhub writes), and, in an organisation's own
// collection, the routes to it (indicators too). A page merges the three.

// Stored is one object of a collection, in one version.
type Stored struct {
	Added       int64 // Unix microseconds
	ID          string
	Type        string
	Version     string // VersionString; for an object without one, its date_added
	SpecVersion string
	TLP         string
	Body        json.RawMessage
}

// DateAdded is Added as TAXII writes it.
func (o Stored) DateAdded() string { return observable.VersionString(time.UnixMicro(o.Added)) }

// Filter is what a page asks for (TAXII's match[...] and limits).
type Filter struct {
	After    int64    // only objects added after this (Unix µs): added_after or the cursor
	IDs      []string // match[id]
	Types    []string // match[type]
	Versions []string // match[version]: "last" (default), "first", "all" or versions
	Specs    []string // match[spec_version]
	Limit    int
}

// MaxPage bounds a page.
const MaxPage = 1000

// kinds of generated indicator, in the top bits of their ids.
const (
	kindObservation = 1
	kindRoute       = 2
)

// Page answers up to f.Limit objects of c the viewer reads, in date_added
// order, and whether more follow.
func (s *Service) Page(ctx context.Context, v *access.Viewer, c access.Collection, f Filter) ([]Stored, bool, error) {
	if !v.ReadsCollection(c) {
		return nil, false, errs.NotFound("no such collection")
	}
	f.Limit = min(cmp.Or(f.Limit, MaxPage), MaxPage)
	if len(f.Versions) == 0 {
		f.Versions = []string{"last"}
	}
	if len(f.Specs) > 0 && !slices.Contains(f.Specs, "2.1") {
		return nil, false, nil // everything here is STIX 2.1
	}
	var all []Stored
	for _, src := range []func(context.Context, *access.Viewer, access.Collection, Filter) ([]Stored, error){
		s.pageObjects, s.pageObservations, s.pageRoutes,
	} {
		part, err := src(ctx, v, c, f)
		if err != nil {
			return nil, false, err
		}
		all = append(all, part...)
	}
	slices.SortFunc(all, func(a, b Stored) int { return cmp.Compare(a.Added, b.Added) })
	more := len(all) > f.Limit
	if more {
		all = all[:f.Limit]
	}
	return all, more, nil
}

// where collects a query's conditions and arguments.
type where struct {
	conds []string
	args  db.Args
}

func (w *where) arg(v any) string { return w.args.Add(v) }

func (w *where) add(cond string) { w.conds = append(w.conds, cond) }

func (w *where) in(col string, vals []string) {
	w.add(col + " IN (" + db.In(&w.args, vals) + ")")
}

// readable keeps the rows of c the viewer may read (Viewer.Reads), whose
// label is in tlpCol and source number in sourceCol ("" for routes).
func (w *where) readable(v *access.Viewer, c access.Collection, tlpCol, sourceCol string) {
	if cond := v.Where(c, tlpCol, sourceCol, &w.args); cond != "" {
		w.add(cond)
	}
}

func (w *where) sql() string { return strings.Join(w.conds, " AND ") }

func (s *Service) pageObjects(ctx context.Context, v *access.Viewer, c access.Collection, f Filter) ([]Stored, error) {
	var w where
	w.add("o.collection_num = " + w.arg(c.Num))
	w.add("o.added > " + w.arg(f.After))
	w.readable(v, c, "o.tlp", "o.source_num")
	if len(f.IDs) > 0 {
		w.in("o.stix_id", f.IDs)
	}
	if len(f.Types) > 0 {
		w.in("o.stix_type", f.Types)
	}
	var exact []string
	for _, ver := range f.Versions {
		switch ver {
		case "all":
			exact = nil
		case "last":
			w.add(`NOT EXISTS (SELECT 1 FROM intel_objects n WHERE n.collection_num = o.collection_num AND n.stix_id = o.stix_id AND n.version > o.version)`)
		case "first":
			w.add(`NOT EXISTS (SELECT 1 FROM intel_objects n WHERE n.collection_num = o.collection_num AND n.stix_id = o.stix_id AND n.version < o.version)`)
		default:
			if t, err := time.Parse(time.RFC3339Nano, ver); err == nil {
				exact = append(exact, observable.VersionString(t))
			}
		}
	}
	if len(exact) > 0 && !slices.Contains(f.Versions, "all") {
		w.in("o.version", exact)
	}
	rows, err := s.db.Query(ctx, `SELECT o.added, o.stix_id, o.stix_type, o.version, o.spec_version, o.tlp, o.body
		FROM intel_objects o WHERE `+w.sql()+` ORDER BY o.added LIMIT `+strconv.Itoa(f.Limit+1), w.args...)
	if err != nil {
		return nil, fmt.Errorf("intel: objects: %w", err)
	}
	defer rows.Close()
	var out []Stored
	for rows.Next() {
		var o Stored
		var body string
		if err := rows.Scan(&o.Added, &o.ID, &o.Type, &o.Version, &o.SpecVersion, &o.TLP, &body); err != nil {
			return nil, err
		}
		o.Body = json.RawMessage(body)
		if o.Version == "" {
			o.Version = o.DateAdded()
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// generated is an observable as an indicator of a collection.
type generated struct {
	added, observable, key  int64
	typ, value, label, tags string
	first, confidence       int64
}

// wantsGenerated answers whether a filter can match indicators certhub
// writes: the ids it names must be of ours, the types include indicator
// (or vulnerability, for CVE IDs), and they have one version.
func (s *Service) wantsGenerated(ctx context.Context, f Filter, kind int) (ids []idParts, ok bool, err error) {
	if len(f.Types) > 0 && !slices.Contains(f.Types, "indicator") && !slices.Contains(f.Types, "vulnerability") {
		return nil, false, nil
	}
	for _, ver := range f.Versions {
		if ver != "last" && ver != "first" && ver != "all" {
			return nil, false, nil // exact versions name kept objects
		}
	}
	if len(f.IDs) == 0 {
		return nil, true, nil
	}
	salt, err := s.idSalt(ctx)
	if err != nil {
		return nil, false, err
	}
	for _, id := range f.IDs {
		if p, ok := parseGeneratedID(id, salt); ok && p.kind == kind {
			ids = append(ids, p)
		}
	}
	return ids, len(ids) > 0, nil
}

func (s *Service) pageObservations(ctx context.Context, v *access.Viewer, c access.Collection, f Filter) ([]Stored, error) {
	ids, ok, err := s.wantsGenerated(ctx, f, kindObservation)
	if err != nil || !ok {
		return nil, err
	}
	q, args := observationsPage(v, c, f, ids)
	return s.generate(ctx, c, f, kindObservation, q, args)
}

// observationsPage is the query of a page of a collection's observations
// that are indicators of their own.
func observationsPage(v *access.Viewer, c access.Collection, f Filter, ids []idParts) (string, []any) {
	var w where
	w.add("b.collection_num = " + w.arg(c.Num))
	w.add("b.from_stix = FALSE") // the index's own range (migration 0009)
	w.add("b.added > " + w.arg(f.After))
	w.readable(v, c, "b.tlp", "b.source_num")
	if len(ids) > 0 {
		var or []string
		for _, p := range ids {
			or = append(or, "(b.observable_id = "+w.arg(p.observable)+" AND b.source_num = "+w.arg(p.key)+")")
		}
		w.add("(" + strings.Join(or, " OR ") + ")")
	}
	w.typeFilter(f.Types, "v.type")
	return `SELECT b.added, b.observable_id, b.source_num, v.type, v.value, b.tlp, b.tags, b.first_seen, b.confidence
		FROM intel_observations b JOIN intel_observables v ON v.id = b.observable_id WHERE ` + w.sql() + ` ORDER BY b.added LIMIT ` + strconv.Itoa(f.Limit+1), w.args
}

func (s *Service) pageRoutes(ctx context.Context, v *access.Viewer, c access.Collection, f Filter) ([]Stored, error) {
	if c.Audience != access.AudienceOrg {
		return nil, nil
	}
	ids, ok, err := s.wantsGenerated(ctx, f, kindRoute)
	if err != nil || !ok {
		return nil, err
	}
	var w where
	w.add("r.collection_num = " + w.arg(c.Num))
	w.add("r.added > " + w.arg(f.After))
	w.readable(v, c, "r.tlp", "")
	if len(ids) > 0 {
		var or []string
		for _, p := range ids {
			if p.key == c.Num {
				or = append(or, "r.observable_id = "+w.arg(p.observable))
			}
		}
		if len(or) == 0 {
			return nil, nil
		}
		w.add("(" + strings.Join(or, " OR ") + ")")
	}
	w.typeFilter(f.Types, "v.type")
	return s.generate(ctx, c, f, kindRoute, `SELECT r.added, r.observable_id, r.collection_num, v.type, v.value, r.tlp, '', r.first_seen, 0
		FROM intel_routes r JOIN intel_observables v ON v.id = r.observable_id WHERE `+w.sql()+` ORDER BY r.added LIMIT `+strconv.Itoa(f.Limit+1), w.args)
}

// typeFilter: a filter of STIX types keeps CVE IDs (vulnerabilities) or
// the rest (indicators).
func (w *where) typeFilter(types []string, col string) {
	if len(types) == 0 || (slices.Contains(types, "indicator") && slices.Contains(types, "vulnerability")) {
		return
	}
	if slices.Contains(types, "vulnerability") {
		w.add(col + " = " + w.arg(string(observable.CVE)))
	} else {
		w.add(col + " <> " + w.arg(string(observable.CVE)))
	}
}

func (s *Service) generate(ctx context.Context, c access.Collection, f Filter, kind int, query string, args []any) ([]Stored, error) {
	salt, err := s.idSalt(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("intel: indicators: %w", err)
	}
	defer rows.Close()
	var out []Stored
	for rows.Next() {
		var g generated
		if err := rows.Scan(&g.added, &g.observable, &g.key, &g.typ, &g.value, &g.label, &g.tags, &g.first, &g.confidence); err != nil {
			return nil, err
		}
		out = append(out, g.stix(kind, salt))
	}
	return out, rows.Err()
}

// stix writes the indicator (or, for a CVE ID, the vulnerability).
func (g generated) stix(kind int, salt [5]byte) Stored {
	ts := observable.VersionString(time.UnixMicro(g.added))
	o := Stored{Added: g.added, Version: ts, SpecVersion: "2.1", TLP: g.label}
	m := map[string]any{"spec_version": "2.1", "created": ts, "modified": ts}
	if l := tlp.Label(g.label); l.Valid() {
		m["object_marking_refs"] = []string{tlp.STIXMarking(l)}
	}
	if observable.Type(g.typ) == observable.CVE {
		o.Type = "vulnerability"
		m["name"] = g.value
		m["external_references"] = []map[string]string{{"source_name": "cve", "external_id": g.value}}
	} else {
		o.Type = "indicator"
		m["name"] = g.value
		m["pattern"] = stix.Pattern(observable.Observable{Type: observable.Type(g.typ), Value: g.value})
		m["pattern_type"] = "stix"
		m["pattern_version"] = "2.1"
		m["valid_from"] = observable.VersionString(time.Unix(g.first, 0))
		m["indicator_types"] = []string{"malicious-activity"}
		if g.confidence > 0 {
			m["confidence"] = g.confidence
		}
		if g.tags != "" {
			m["labels"] = strings.Fields(g.tags)
		}
	}
	o.ID = o.Type + "--" + generatedID(kind, g.observable, g.key, salt)
	m["type"], m["id"] = o.Type, o.ID
	o.Body, _ = json.Marshal(m)
	return o
}

// Generated indicators are not stored: their ids carry where they come
// from. The UUID has version 4's layout (STIX asks for versions 1–5) with
// bits of ours: 48 bits of observable, the kind, 40 bits of source or
// collection number, and 30 bits of this installation's salt, so ids of two
// installations do not meet.
type idParts struct {
	kind       int
	observable int64
	key        int64
}

func generatedID(kind int, oid, key int64, salt [5]byte) string {
	var u [16]byte
	binary.BigEndian.PutUint64(u[0:8], uint64(oid)<<16) // bytes 0–5
	u[6] = 0x40 | byte(kind&0x0f)
	u[7] = salt[0]
	u[8] = 0x80 | salt[1]&0x3f
	u[9], u[10] = salt[2], salt[3]
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], uint64(key))
	copy(u[11:16], k[3:8])
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func parseGeneratedID(id string, salt [5]byte) (idParts, bool) {
	_, uuid, ok := strings.Cut(id, "--")
	if !ok || len(uuid) != 36 {
		return idParts{}, false
	}
	b, err := hex.DecodeString(strings.ReplaceAll(uuid, "-", ""))
	if err != nil || len(b) != 16 || b[6]&0xf0 != 0x40 || b[7] != salt[0] || b[8] != 0x80|salt[1]&0x3f || b[9] != salt[2] || b[10] != salt[3] {
		return idParts{}, false
	}
	var k [8]byte
	copy(k[3:8], b[11:16])
	return idParts{kind: int(b[6] & 0x0f), observable: int64(binary.BigEndian.Uint64(append(b[0:6:6], 0, 0)) >> 16),
		key: int64(binary.BigEndian.Uint64(k[:]))}, true
}

// idSalt is this installation's: from the community collection's id,
// which is made once, at random.
func (s *Service) idSalt(ctx context.Context) ([5]byte, error) {
	var salt [5]byte
	if err := s.access.EnsureBuiltins(ctx); err != nil {
		return salt, err
	}
	c, err := s.access.Collection(ctx, access.AudienceCommunity)
	if err != nil {
		return salt, fmt.Errorf("intel: community collection: %w", err)
	}
	sum := sha256.Sum256([]byte("certhub generated STIX ids\x00" + c.ID))
	copy(salt[:], sum[:5])
	return salt, nil
}

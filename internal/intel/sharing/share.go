package sharing

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Versions lists the versions of an object of c the viewer reads, oldest
// first.
func (s *Service) Versions(ctx context.Context, v *access.Viewer, c access.Collection, stixID string) ([]Stored, error) {
	page, _, err := s.Page(ctx, v, c, Filter{IDs: []string{stixID}, Versions: []string{"all"}, Limit: MaxPage})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// DeleteObject removes an object of c (the versions named, or all): kept
// STIX objects are deleted; an indicator certhub wrote takes its
// observation or route with it. Staff only.
func (s *Service) DeleteObject(ctx context.Context, id *auth.Identity, c access.Collection, stixID string, versions []string) error {
	v, err := s.access.Viewer(ctx, id)
	if err != nil {
		return err
	}
	if !v.ReadsCollection(c) {
		return errs.NotFound("no such collection")
	}
	if !v.All() {
		return errs.Forbidden("only the coordination center's staff delete objects")
	}
	existing, err := s.Versions(ctx, v, c, stixID)
	if err != nil {
		return err
	}
	if len(existing) == 0 {
		return errs.NotFound("no such object in this collection")
	}
	salt, err := s.idSalt(ctx)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		var n int64
		var err error
		if p, ok := parseGeneratedID(stixID, salt); ok {
			switch p.kind {
			case kindObservation:
				n, err = tx.Exec(ctx, `DELETE FROM intel_observations WHERE observable_id = $1 AND source_num = $2 AND collection_num = $3`,
					p.observable, p.key, c.Num)
			case kindRoute:
				n, err = tx.Exec(ctx, `DELETE FROM intel_routes WHERE observable_id = $1 AND collection_num = $2`, p.observable, c.Num)
			}
		} else {
			var w where
			w.add("collection_num = " + w.arg(c.Num))
			w.add("stix_id = " + w.arg(stixID))
			var exact []string
			for _, ver := range versions {
				for _, e := range existing {
					if ver == e.Version || (ver == "first" && e.Version == existing[0].Version) || (ver == "last" && e.Version == existing[len(existing)-1].Version) {
						exact = append(exact, e.Version)
					}
				}
			}
			if len(versions) > 0 && !slices.Contains(versions, "all") {
				if len(exact) == 0 {
					return errs.NotFound("no such version of the object")
				}
				w.in("version", exact)
			}
			n, err = tx.Exec(ctx, `DELETE FROM intel_objects WHERE `+w.sql(), w.args...)
		}
		if err != nil {
			return fmt.Errorf("intel: delete object: %w", err)
		}
		return audit.Record(ctx, tx, s.now(), audit.Event{Action: "intel.object.delete", ObjectType: "intel_collection", ObjectID: c.ID,
			Summary: fmt.Sprintf("deleted %s from %s (%d rows)", stixID, c.Title, n)})
	})
}

// WriteBundle writes every object of c the viewer reads (each object's
// latest version) as one STIX 2.1 bundle, page by page: memory stays at a
// page whatever the collection's size.
func (s *Service) WriteBundle(ctx context.Context, v *access.Viewer, c access.Collection, w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := fmt.Fprintf(bw, `{"type":"bundle","id":"bundle--%s","objects":[`, db.NewID()); err != nil {
		return err
	}
	var after int64
	var buf bytes.Buffer
	first := true
	for {
		page, more, err := s.Page(ctx, v, c, Filter{After: after, Limit: MaxPage})
		if err != nil {
			return err
		}
		for _, o := range page {
			if !first {
				if err := bw.WriteByte(','); err != nil {
					return err
				}
			}
			first = false
			buf.Reset()
			if err := json.Compact(&buf, o.Body); err != nil {
				return fmt.Errorf("intel: bundle: %s: %w", o.ID, err)
			}
			if _, err := bw.Write(buf.Bytes()); err != nil {
				return err
			}
			after = o.Added
		}
		if !more {
			break
		}
	}
	if _, err := bw.WriteString("]}\n"); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteCSV writes the observables of c the viewer reads, one line per
// report of one (observation or route), page by page.
func (s *Service) WriteCSV(ctx context.Context, v *access.Viewer, c access.Collection, w io.Writer) error {
	if !v.ReadsCollection(c) {
		return errs.NotFound("no such collection")
	}
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"type", "value", "first_seen", "last_seen", "tlp", "confidence", "tags", "source"}); err != nil {
		return err
	}
	queries := []struct {
		sql               string
		tlpCol, sourceCol string
	}{
		// Observations in the two ranges of their index (migration 0009).
		{`SELECT b.added, v.type, v.value, b.first_seen, b.last_seen, b.tlp, b.confidence, b.tags, src.name
			FROM intel_observations b JOIN intel_observables v ON v.id = b.observable_id JOIN intel_sources src ON src.num = b.source_num
			WHERE b.collection_num = $1 AND b.from_stix = FALSE AND b.added > $2`, "b.tlp", "b.source_num"},
		{`SELECT b.added, v.type, v.value, b.first_seen, b.last_seen, b.tlp, b.confidence, b.tags, src.name
			FROM intel_observations b JOIN intel_observables v ON v.id = b.observable_id JOIN intel_sources src ON src.num = b.source_num
			WHERE b.collection_num = $1 AND b.from_stix = TRUE AND b.added > $2`, "b.tlp", "b.source_num"},
		{`SELECT r.added, v.type, v.value, r.first_seen, r.last_seen, r.tlp, 0, '', 'routed by the center'
			FROM intel_routes r JOIN intel_observables v ON v.id = r.observable_id
			WHERE r.collection_num = $1 AND r.added > $2`, "r.tlp", ""},
	}
	for _, q := range queries {
		var after int64
		for {
			wh := where{args: []any{c.Num, after}}
			wh.readable(v, c, q.tlpCol, q.sourceCol)
			sqlText := q.sql
			if len(wh.conds) > 0 {
				sqlText += " AND " + wh.sql()
			}
			rows, err := s.db.Query(ctx, sqlText+` ORDER BY 1 LIMIT 5000`, wh.args...)
			if err != nil {
				return fmt.Errorf("intel: export: %w", err)
			}
			n := 0
			for rows.Next() {
				var added, first, last, conf int64
				var typ, value, label, tags, source string
				if err := rows.Scan(&added, &typ, &value, &first, &last, &label, &conf, &tags, &source); err != nil {
					rows.Close()
					return err
				}
				n, after = n+1, added
				if err := cw.Write([]string{typ, value, time.Unix(first, 0).UTC().Format(time.RFC3339), time.Unix(last, 0).UTC().Format(time.RFC3339),
					label, strconv.FormatInt(conf, 10), tags, source}); err != nil {
					rows.Close()
					return err
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("intel: export: %w", err)
			}
			if n < 5000 {
				break
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

package sharing

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/intel/misp"
	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// A collection is also served as a MISP feed, so a MISP instance can
// subscribe to it (Sync → Feeds, with an "Authorization: Bearer TOKEN"
// header): manifest.json lists one event per UTC day on which indicators
// were added, and {uuid}.json is that day's event, its attributes the
// observations and routes the caller may read, each tagged with its TLP.
// Kept STIX objects other than what they reported are not MISP attributes
// and stay in the STIX exports.

const microsPerDay = int64(24 * time.Hour / time.Microsecond)

// mispUnion selects what a viewer reads of a collection as rows of
// (added, observable id, key, type, value, tlp), optionally one day's.
func (s *Service) mispUnion(ctx context.Context, v *access.Viewer, c access.Collection, day int64) (string, []any, error) {
	var w where
	w.add("b.collection_num = " + w.arg(c.Num))
	w.add("b.from_stix IN (FALSE, TRUE)") // both ranges of the index (migration 0009)
	if day >= 0 {
		w.add("b.added >= " + w.arg(day*microsPerDay) + " AND b.added < " + w.arg((day+1)*microsPerDay))
	}
	w.readable(v, c, "b.tlp", "b.source_num")
	q := `SELECT b.added, b.observable_id, b.source_num AS k, ` + fmt.Sprint(kindObservation) + ` AS kind, v.type, v.value, b.tlp
		FROM intel_observations b JOIN intel_observables v ON v.id = b.observable_id WHERE ` + w.sql()
	if c.Audience == access.AudienceOrg {
		var r where
		r.args = w.args
		r.add("r.collection_num = " + r.arg(c.Num))
		if day >= 0 {
			r.add("r.added >= " + r.arg(day*microsPerDay) + " AND r.added < " + r.arg((day+1)*microsPerDay))
		}
		r.readable(v, c, "r.tlp", "")
		w.args = r.args
		q += ` UNION ALL SELECT r.added, r.observable_id, r.collection_num, ` + fmt.Sprint(kindRoute) + `, v.type, v.value, r.tlp
			FROM intel_routes r JOIN intel_observables v ON v.id = r.observable_id WHERE ` + r.sql()
	}
	return q, w.args, nil
}

// WriteMISPManifest writes the feed's manifest.json.
func (s *Service) WriteMISPManifest(ctx context.Context, v *access.Viewer, c access.Collection, w io.Writer) error {
	q, args, err := s.mispUnion(ctx, v, c, -1)
	if err != nil {
		return err
	}
	rows, err := s.db.Query(ctx, `SELECT added / `+strconv.FormatInt(microsPerDay, 10)+` AS day, MAX(added), COUNT(*) FROM (`+q+`) u
		GROUP BY added / `+strconv.FormatInt(microsPerDay, 10)+` ORDER BY day`, args...)
	if err != nil {
		return fmt.Errorf("intel: MISP manifest: %w", err)
	}
	defer rows.Close()
	bw := bufio.NewWriter(w)
	bw.WriteString("{")
	n := 0
	for rows.Next() {
		var day, last, count int64
		if err := rows.Scan(&day, &last, &count); err != nil {
			return err
		}
		date := time.UnixMicro(day * microsPerDay).UTC().Format(time.DateOnly)
		entry, _ := json.Marshal(map[string]any{
			"info": fmt.Sprintf("%s: %s (%d indicators)", c.Title, date, count), "date": date,
			"timestamp": strconv.FormatInt(last/1_000_000, 10), "analysis": "2", "threat_level_id": "4",
			"Orgc": map[string]string{"name": s.centerName}, "Tag": []map[string]string{}})
		if n > 0 {
			bw.WriteString(",")
		}
		fmt.Fprintf(bw, "\n%q:%s", misp.EventUUID(c.ID, day), entry)
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	bw.WriteString("\n}\n")
	return bw.Flush()
}

// WriteMISPEvent writes the event of that UUID, streamed attribute by
// attribute; one that names no day of the collection is missing.
func (s *Service) WriteMISPEvent(ctx context.Context, v *access.Viewer, c access.Collection, uuid string, w io.Writer) error {
	day, err := strconv.ParseInt(strings.SplitN(uuid, "-", 2)[0], 16, 64)
	if err != nil || len(uuid) != 36 || misp.EventUUID(c.ID, day) != strings.ToLower(uuid) {
		return errs.NotFound("no such event in this feed")
	}
	salt, err := s.idSalt(ctx)
	if err != nil {
		return err
	}
	q, args, err := s.mispUnion(ctx, v, c, day)
	if err != nil {
		return err
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY 1`, args...)
	if err != nil {
		return fmt.Errorf("intel: MISP event: %w", err)
	}
	defer rows.Close()
	bw := bufio.NewWriterSize(w, 64<<10)
	date := time.UnixMicro(day * microsPerDay).UTC().Format(time.DateOnly)
	head, _ := json.Marshal(map[string]any{"uuid": strings.ToLower(uuid), "info": c.Title + ": " + date, "date": date,
		"analysis": "2", "threat_level_id": "4", "published": true, "Orgc": map[string]string{"name": s.centerName}})
	bw.WriteString(`{"Event":`)
	bw.Write(head[:len(head)-1])
	bw.WriteString(`,"Attribute":[`)
	n, last := 0, int64(0)
	for rows.Next() {
		var added, oid, key int64
		var kind int
		var typ, value, label string
		if err := rows.Scan(&added, &oid, &key, &kind, &typ, &value, &label); err != nil {
			return err
		}
		mtype, category, ok := misp.AttributeType(observable.Type(typ))
		if !ok {
			continue
		}
		tag := "tlp:" + strings.ToLower(label)
		if l := tlp.Label(label); !l.Valid() {
			tag = "tlp:amber"
		}
		ts := strconv.FormatInt(added/1_000_000, 10)
		a, _ := json.Marshal(map[string]any{"uuid": generatedID(kind, oid, key, salt), "type": mtype, "category": category,
			"value": value, "to_ids": observable.Type(typ) != observable.CVE, "timestamp": ts, "distribution": "5", "Tag": []map[string]string{{"name": tag}}})
		if n > 0 {
			bw.WriteByte(',')
		}
		bw.Write(a)
		n++
		last = max(last, added)
		if bw.Buffered() > 48<<10 {
			if err := bw.Flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n == 0 {
		return errs.NotFound("no such event in this feed")
	}
	fmt.Fprintf(bw, "],\"timestamp\":\"%d\"}}\n", last/1_000_000)
	return bw.Flush()
}

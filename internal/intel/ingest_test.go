package intel

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
)

var sys = auth.System("test")

func newService(t testing.TB, d *db.DB) *Service {
	clk := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { return clk }
	return NewService(Options{DB: d, Now: now, Directory: directory.NewService(d, nil, nil, now, nil)})
}

func TestIngestText(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newService(t, d)
		ctx := context.Background()
		if _, err := s.EnsureSource(ctx, &auth.Identity{}, "x", "", nil); errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("a stranger created a source: %v", err)
		}
		src, err := s.EnsureSource(ctx, sys, "partner list", "GREEN", nil)
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.EnsureSource(ctx, sys, "partner list", "RED", nil)
		if err != nil || again.ID != src.ID || again.TLP != "GREEN" {
			t.Fatalf("the source again: %+v %v", again, err)
		}
		in := "# list\n198.51.100.7\nevil[.]example\n198.51.100.7\nnot valid!\nhxxp://evil.example/x\n"
		res, err := s.Ingest(ctx, sys, src, strings.NewReader(in), IngestOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.New != 3 || res.Updated != 0 || res.Rejected != 1 || len(res.Errors) != 1 || res.Errors[0].Line != 5 {
			t.Fatalf("first ingest: %+v", res)
		}
		res, err = s.Ingest(ctx, sys, src, strings.NewReader("198.51.100.7\n203.0.113.5\n"), IngestOptions{})
		if err != nil || res.New != 1 || res.Updated != 1 {
			t.Fatalf("second ingest: %+v %v", res, err)
		}
		other, err := s.EnsureSource(ctx, sys, "constituent sensor", "AMBER", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Ingest(ctx, sys, other, strings.NewReader("198.51.100.7\n"), IngestOptions{TLP: "RED"}); err != nil {
			t.Fatal(err)
		}
		var sightings, sources int64
		var tlps string
		if err := d.QueryRow(ctx, `SELECT o.sightings, COUNT(*), MIN(b.tlp) || ' ' || MAX(b.tlp) FROM intel_observables o
			JOIN intel_observations b ON b.observable_id = o.id WHERE o.value = '198.51.100.7' GROUP BY o.sightings`).Scan(&sightings, &sources, &tlps); err != nil {
			t.Fatal(err)
		}
		if sightings != 4 || sources != 2 || tlps != "GREEN RED" {
			t.Fatalf("198.51.100.7: %d sightings, %d sources, %s", sightings, sources, tlps)
		}
		counts, err := s.Count(ctx)
		if err != nil || counts[observable.IPv4] != 2 || counts[observable.Domain] != 1 || counts[observable.URL] != 1 {
			t.Fatalf("counts %v %v", counts, err)
		}
		if _, err := s.Ingest(ctx, sys, src, strings.NewReader("x"), IngestOptions{Format: "yaml"}); errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("an unknown format: %v", err)
		}
	})
}

func TestIngestCSVAndShadowserver(t *testing.T) {
	s := newService(t, dbtest.Open(t, db.SQLite))
	ctx := context.Background()
	src, err := s.EnsureSource(ctx, sys, "feeds", "AMBER", nil)
	if err != nil {
		t.Fatal(err)
	}
	csvIn := "first_seen,indicator,family\n2026-11-20 10:00:00,198.51.100.9,mirai\n2026-11-21,evil.example,\n"
	res, err := s.Ingest(ctx, sys, src, strings.NewReader(csvIn), IngestOptions{})
	if err != nil || res.New != 2 {
		t.Fatalf("CSV: %+v %v", res, err)
	}
	var first int64
	var tags string
	if err := s.db.QueryRow(ctx, `SELECT o.first_seen, b.tags FROM intel_observables o JOIN intel_observations b ON b.observable_id = o.id
		WHERE o.value = '198.51.100.9'`).Scan(&first, &tags); err != nil {
		t.Fatal(err)
	}
	if first != time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC).Unix() || tags != "family:mirai" {
		t.Fatalf("first seen %v, tags %q", first, tags)
	}
	if _, err := s.Ingest(ctx, sys, src, strings.NewReader("a,b\n1,2\n"), IngestOptions{}); errs.KindOf(err) != errs.KindInvalid {
		t.Fatalf("a CSV without indicator columns: %v", err)
	}
	// A STIX bundle: its own TLP marking wins over the ingest's.
	bundle := `{"type": "bundle", "objects": [{"type": "indicator", "id": "indicator--0b7e9c3d-6d0e-4f7c-9a57-0a3c1c2d9e11",
		"pattern": "[ipv4-addr:value = '192.0.2.99']", "object_marking_refs": ["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]},
		{"type": "indicator", "id": "indicator--1", "pattern": "[ipv4-addr:value = '192.0.2.98']"}]}`
	res, err = s.Ingest(ctx, sys, src, strings.NewReader(bundle), IngestOptions{TLP: "GREEN"})
	if err != nil || res.New != 1 || res.Objects != 1 || res.Rejected != 1 || !strings.Contains(res.Errors[0].Message, "not a STIX identifier") {
		t.Fatalf("STIX: %+v %v", res, err)
	}
	var label string
	if err := s.db.QueryRow(ctx, `SELECT b.tlp FROM intel_observations b JOIN intel_observables o ON o.id = b.observable_id
		WHERE o.value = '192.0.2.99'`).Scan(&label); err != nil || label != "RED" {
		t.Fatalf("the bundle's marking: %q %v", label, err)
	}
	f, err := os.Open(officialCSV + "/intelmq/shadowserver/scan_adb.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err = s.Ingest(ctx, sys, src, f, IngestOptions{Report: "scan_adb"})
	if err != nil || res.New == 0 || res.Rejected != 0 {
		t.Fatalf("Shadowserver scan_adb: %+v %v", res, err)
	}
}

// BenchmarkIngestText: a list of distinct addresses and domains into the
// embedded database, per indicator (normalise, de-duplicate, store).
func BenchmarkIngestText(b *testing.B) {
	b.Run("new", func(b *testing.B) { benchmarkIngestText(b, false) })
	b.Run("known", func(b *testing.B) { benchmarkIngestText(b, true) })
}

// benchmarkIngestText loads a fresh list into a fresh database each round
// or, known, the same list again into a database that holds it.
func benchmarkIngestText(b *testing.B, known bool) {
	s := newService(b, dbtest.Open(b, db.SQLite))
	ctx := context.Background()
	src, err := s.EnsureSource(ctx, sys, "bench", "AMBER", nil)
	if err != nil {
		b.Fatal(err)
	}
	const n = 200_000
	var sb strings.Builder
	for i := range n {
		if i%2 == 0 {
			fmt.Fprintf(&sb, "11.%d.%d.%d\n", i>>16&255, i>>8&255, i&255)
		} else {
			fmt.Fprintf(&sb, "host%d.evil.example\n", i)
		}
	}
	data := sb.String()
	if known {
		if _, err := s.Ingest(ctx, sys, src, strings.NewReader(data), IngestOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	total := 0
	for range b.N {
		if !known && b.N > 1 {
			b.StopTimer()
			s = newService(b, dbtest.Open(b, db.SQLite))
			if src, err = s.EnsureSource(ctx, sys, "bench", "AMBER", nil); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		res, err := s.Ingest(ctx, sys, src, strings.NewReader(data), IngestOptions{})
		if err != nil {
			b.Fatal(err)
		}
		total += res.Total()
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "indicators/s")
}

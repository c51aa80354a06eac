package advisory

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
)

// fuzzEngine is PostgreSQL when the tests have one, for it refuses what
// SQLite stores (NUL in text), else SQLite.
func fuzzEngine() db.Engine {
	if os.Getenv("CERTHUB_TEST_POSTGRES") != "" {
		return db.Postgres
	}
	return db.SQLite
}

// FuzzImport imports CSAF documents as the center's staff upload them: a
// document is either refused as invalid, every problem naming its test
// and saying what is wrong, or becomes a draft with a title and summary.
// No document is the server's fault.
func FuzzImport(f *testing.F) {
	for _, pattern := range []string{"examples/*.json", "mandatory/*.json"} {
		files, err := filepath.Glob(filepath.Join(official, pattern))
		if err != nil || len(files) == 0 {
			f.Fatalf("no seeds %s: %v", pattern, err)
		}
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte(`{"document": {"category": 5}}`))
	f.Add([]byte(`{not json`))
	w := newWorld(f, dbtest.Open(f, fuzzEngine()))
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, document []byte) {
		a, problems, err := w.svc.Import(ctx, w.id["coord"], document, nil)
		if err != nil {
			if errs.KindOf(err) != errs.KindInvalid {
				t.Fatalf("refused as the server's fault: %v", err)
			}
			for _, p := range problems {
				if p.Test == "" || p.Message == "" {
					t.Fatalf("a problem without its test or reason: %+v", p)
				}
			}
			return
		}
		if len(problems) != 0 || !a.Imported || a.Content.Title == "" || a.Content.Summary == "" {
			t.Fatalf("imported %+v with problems %v", a, problems)
		}
	})
}

// FuzzPublicSearch: whatever a visitor types into the public listing's
// search and filters, the listing answers (maybe nothing) and never fails:
// the words reach the index of words as data, never as its query syntax.
func FuzzPublicSearch(f *testing.F) {
	for _, s := range []string{"heap imagelib", "CVE-2026-50000", `"unbalanced`, "a* OR b NEAR(c)", "x:* & !y | (z", "100%_",
		"-", "'; DROP TABLE advisories; --", "phraseto_tsquery", "é ü ß 漏洞", "\x00", "NOT AND OR"} {
		f.Add(s)
	}
	w := newWorld(f, dbtest.Open(f, fuzzEngine()))
	w.publish(sample("Heap overflow in ImageLib"))
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, q string) {
		if !utf8.ValidString(q) || strings.IndexByte(q, 0) >= 0 {
			return // the server refuses such a query string first (httpx.CheckQuery)
		}
		for _, pf := range []PublicFilter{{Query: q}, {Vendor: q}, {Product: q}, {CVE: q}} {
			if _, err := w.svc.Publications(ctx, nil, pf); err != nil {
				t.Fatalf("%+v: %v", pf, err)
			}
		}
	})
}

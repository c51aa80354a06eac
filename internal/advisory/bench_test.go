package advisory

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

// BenchmarkPublish: one advisory through create, review and publication
// (CSAF document built, validated against the schema and the mandatory
// tests, hashed, signed, stored).
func BenchmarkPublish(b *testing.B) {
	w := newWorld(b, dbtest.Open(b, db.SQLite))
	b.ResetTimer()
	for i := range b.N {
		w.publish(sample(fmt.Sprintf("Advisory %d", i)))
	}
}

// BenchmarkPublicReads: the website's and the provider's reads over 5,000
// published advisories on the embedded database.
func BenchmarkPublicReads(b *testing.B) {
	w := newWorld(b, dbtest.Open(b, db.SQLite))
	ctx := context.Background()
	const n = 5000
	var last string
	for i := range n {
		in := sample(fmt.Sprintf("Advisory %d about product %d", i, i%97))
		in.Content.Products[0].Name = fmt.Sprintf("Product %d", i%97)
		in.Content.Vulns[0].CVE = fmt.Sprintf("CVE-2026-%05d", 10000+i)
		if i%10 == 0 {
			in.TLP = "AMBER"
			in.Recipients = []string{w.org["bankcert"]}
		}
		last = w.publish(in).TrackingID
		w.clk.Add(time.Minute)
	}
	member := w.id["bank_member"]
	b.ResetTimer()
	b.Run("listing page 1", func(b *testing.B) {
		for range b.N {
			if _, err := w.svc.Publications(ctx, nil, PublicFilter{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("listing page 100, constituent", func(b *testing.B) {
		for range b.N {
			if _, err := w.svc.Publications(ctx, member, PublicFilter{Page: 100}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("search words", func(b *testing.B) {
		for range b.N {
			if _, err := w.svc.Publications(ctx, nil, PublicFilter{Query: "product 42"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("search a rare word", func(b *testing.B) {
		for range b.N {
			if _, err := w.svc.Publications(ctx, nil, PublicFilter{Query: "4321"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("search CVE", func(b *testing.B) {
		for range b.N {
			if _, err := w.svc.Publications(ctx, nil, PublicFilter{CVE: "CVE-2026-14321"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("publication with history", func(b *testing.B) {
		for range b.N {
			if _, _, err := w.svc.Publication(ctx, nil, last); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ROLIE feed white (4,500 entries)", func(b *testing.B) {
		for range b.N {
			es, err := w.svc.entries(ctx, nil, "white")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := w.svc.rolieFeed("white", es); err != nil {
				b.Fatal(err)
			}
		}
	})
}

package procurement_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/procurement"
	"github.com/certhub/certhub/internal/procurement/catalogue"
)

// BenchmarkApprovedProductsPage answers a filtered page of a public list
// of 10,000 entries, on SQLite: issue 16 asks for under 50 ms.
//
//	go test ./internal/procurement -run '^$' -bench ApprovedProductsPage
func BenchmarkApprovedProductsPage(b *testing.B) {
	ctx := context.Background()
	d := dbtest.Open(b, db.SQLite)
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	s := procurement.NewService(procurement.Options{DB: d, Orgs: dir, Now: func() time.Time { return now }})
	vendors := []string{"Acme Networks", "Examplesoft Ltd", "NetForge Systems", "Gatekeeper AG", "Polaris Devices"}
	states := procurement.ProductStates
	err := d.Write(ctx, func(tx *db.Tx) error {
		for i := range 10_000 {
			vendor, product := vendors[i%len(vendors)], fmt.Sprintf("Gate %d", i)
			until := now.AddDate(0, 0, i%900-100)
			if _, err := tx.Exec(ctx, `INSERT INTO procurement_products (id, product, vendor, versions, category, state, scheme,
				certificate_id, lab, decided_at, valid_until, product_key, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, 'certhub', $7, 'Lab', $8, $9, $10, $8, $8)`,
				fmt.Sprintf("p%05d", i), product, vendor, "1."+fmt.Sprint(i%10), catalogue.Categories[i%len(catalogue.Categories)],
				states[(i/len(catalogue.Categories))%len(states)], fmt.Sprintf("CH-2026-%05d", i), now.AddDate(-1, 0, 0), until,
				strings.ToLower(vendor)+"|"+strings.ToLower(product)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	valid := now
	for b.Loop() {
		list, _, err := s.ApprovedProducts(ctx, procurement.ProductFilter{Category: "firewall", State: "approved", ValidOn: &valid,
			Query: "gate", Limit: 50})
		if err != nil || len(list) == 0 {
			b.Fatal(len(list), err)
		}
	}
}

package directory

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

// BenchmarkListPage lists the first page of 50 of a 5,000-organisation
// directory for a sector CERT's analyst: the visibility CTE, the page and its
// contacts and constituency.
func BenchmarkListPage(b *testing.B) {
	d := dbtest.Open(b, db.SQLite)
	svc, users := newService(b, d)
	ctx := context.Background()
	sys := auth.System("bench")
	cert, err := svc.Create(ctx, sys, OrgInput{Name: ptr("Sector CERT"), Kind: ptr(KindSectoralCERT)})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 5000 {
		in := OrgInput{Name: ptr(fmt.Sprintf("Constituent %05d", i)), Kind: ptr(KindConstituent),
			Contacts:     &[]Contact{{Role: "24x7", Email: fmt.Sprintf("soc%d@c%d.example", i, i)}},
			Constituency: &Constituency{CIDRs: []string{fmt.Sprintf("10.%d.%d.0/24", i/256, i%256)}, Domains: []string{fmt.Sprintf("c%d.example", i)}}}
		if i%2 == 0 {
			in.ParentID = &cert.ID
		}
		if _, err := svc.Create(ctx, sys, in); err != nil {
			b.Fatal(err)
		}
	}
	u, _ := users.CreateUser(ctx, auth.NewUser{Email: "analyst@cert.example", Name: "Analyst"})
	if err := d.Write(ctx, func(tx *db.Tx) error {
		_, err := auth.PutMembership(ctx, tx, u.ID, cert.ID, auth.RoleAnalyst, time.Now())
		return err
	}); err != nil {
		b.Fatal(err)
	}
	id, _ := users.Identity(ctx, u.ID)
	for b.Loop() {
		page, _, err := svc.List(ctx, id, Filter{Limit: 50})
		if err != nil || len(page) != 50 {
			b.Fatal(err, len(page))
		}
	}
}

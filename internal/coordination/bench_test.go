package coordination_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/coordination"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

// BenchmarkSendAlert sends an alert to 2,000 recipient organisations
// (a CERT's constituents), each mailed its own acknowledgement link (the
// mail made and handed to the outbox, not encrypted: the directory here
// has no keys), then reads its progress as the sender, on SQLite: issue
// 17 asks for the sending in under 5 s and the progress page in under
// 100 ms.
//
//	go test ./internal/coordination -run '^$' -bench SendAlert
func BenchmarkSendAlert(b *testing.B) {
	ctx := context.Background()
	d := dbtest.Open(b, db.SQLite)
	big := orgs{{ID: "cert", Name: "Big CERT", Kind: directory.KindSectoralCERT}}
	for i := range 2000 {
		big = append(big, directory.Summary{ID: fmt.Sprintf("org%04d", i), Name: fmt.Sprintf("Constituent %d", i), Kind: directory.KindConstituent,
			ParentID: ptr("cert"), Sector: "banking"})
	}
	err := d.Write(ctx, func(tx *db.Tx) error {
		for _, o := range big {
			if _, err := tx.ExecRepeated(ctx, `INSERT INTO orgs (id, name, name_key, kind, sector, created_at, updated_at)
				VALUES ($1, $2, $1, $3, $4, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, o.ID, o.Name, string(o.Kind), o.Sector); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	many := pubs{}
	mail := &outbox{}
	s := coordination.NewService(coordination.Options{DB: d, Orgs: big, Publications: many, Outbox: mail, Now: func() time.Time { return now }})
	b.Run("send", func(b *testing.B) {
		n := 0
		for b.Loop() {
			n++
			id := fmt.Sprintf("adv%d", n)
			many[id] = coordination.Publication{ID: id, TrackingID: "CH-2026-" + id, Title: "Alert", TLP: "CLEAR"}
			mail.mails = nil
			if _, err := s.Send(ctx, staff, coordination.AlertInput{Advisory: id, Audience: coordination.Audience{Constituents: []string{"cert"}}}); err != nil {
				b.Fatal(err)
			}
			if len(mail.mails) != 2001 {
				b.Fatalf("%d mails", len(mail.mails))
			}
		}
	})
	// The same with every recipient holding a key: each mail encrypted
	// to its organisation before the transaction.
	keyed := coordination.NewService(coordination.Options{DB: d, Orgs: keyedOrgs{big}, Publications: many, Outbox: mail, Now: func() time.Time { return now }})
	b.Run("send-encrypted", func(b *testing.B) {
		n := 0
		for b.Loop() {
			n++
			id := fmt.Sprintf("enc%d", n)
			many[id] = coordination.Publication{ID: id, TrackingID: "CH-2026-" + id, Title: "Alert", TLP: "CLEAR"}
			mail.mails = nil
			if _, err := keyed.Send(ctx, staff, coordination.AlertInput{Advisory: id, Audience: coordination.Audience{Constituents: []string{"cert"}}}); err != nil {
				b.Fatal(err)
			}
			if len(mail.mails) != 2001 || !strings.Contains(mail.mails[0].Text, "BEGIN PGP MESSAGE") {
				b.Fatalf("%d mails", len(mail.mails))
			}
		}
	})
	list, _, err := s.Alerts(ctx, staff, 1, "")
	if err != nil || len(list) != 1 {
		b.Fatal(list, err)
	}
	b.Run("progress", func(b *testing.B) {
		for b.Loop() {
			p, err := s.Alert(ctx, staff, list[0].ID)
			if err != nil || p.Counts.Recipients != 2001 {
				b.Fatal(p.Counts, err)
			}
		}
	})
}

// keyedOrgs gives every organisation the banking CERT's key.
type keyedOrgs struct{ orgs }

func (k keyedOrgs) GetMany(ctx context.Context, id *auth.Identity, ids []string) ([]directory.Org, error) {
	list, err := k.orgs.GetMany(ctx, id, ids)
	for i := range list {
		list[i].PGPKey = bankCERTKey
		if len(list[i].Contacts) == 0 {
			list[i].Contacts = []directory.Contact{{Role: "24x7", Email: "soc@" + list[i].ID + ".example"}}
		}
	}
	return list, err
}

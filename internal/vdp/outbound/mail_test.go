package outbound_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/notify/smtptest"
	"github.com/certhub/certhub/internal/platform/pgp"
	"github.com/certhub/certhub/internal/platform/seal"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/outbound"
)

type orgs map[string]directory.Org

func (o orgs) Get(_ context.Context, _ *auth.Identity, id string) (directory.Org, error) {
	return o[id], nil
}

func (o orgs) GetMany(_ context.Context, _ *auth.Identity, ids []string) ([]directory.Org, error) {
	var out []directory.Org
	for _, id := range ids {
		out = append(out, o[id])
	}
	return out, nil
}

// TestMail: what each kind of message looks like when it arrives over
// SMTP: the reporter's threaded and answerable, an organisation's to its
// contacts (no members yet), encrypted to its key, each address once.
func TestMail(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	srv := smtptest.Start(t)
	key, _ := seal.Parse(strings.Repeat("5a", 32))
	q, err := jobs.New(d, jobs.Options{Work: true, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	relay, err := notify.NewMailer(notify.MailConfig{URL: srv.URL(), From: "CC <cc@cert.example>"}, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	jobs.AddWorker(q, relay)
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		q.Stop(ctx)
	})
	public, _, err := pgp.GenerateKey("Vendor PSIRT", "psirt@vendor.example", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := orgs{
		"vendor": {ID: "vendor", PGPKey: public, Contacts: []directory.Contact{{Role: "vulnerability", Email: "psirt@vendor.example"}}},
		"cert": {ID: "cert", Contacts: []directory.Contact{{Role: "general", Email: "Info@Cert.example"}, {Role: "security", Email: "info@cert.example"},
			{Role: "phone", Phone: "+1 555"}}},
	}
	m := outbound.New(notify.NewOutbox(q, key), nil, dir, "National CERT CC", "Reports@CC.example")
	ctx := context.Background()
	if m.ReplyTo() != "reports@cc.example" || m.CenterName() != "National CERT CC" {
		t.Fatalf("reply-to %q, name %q", m.ReplyTo(), m.CenterName())
	}
	if err := d.Write(ctx, func(tx *db.Tx) error {
		if to, err := m.Recipients(ctx, tx, "cert", auth.RoleAnalyst); err != nil || !slices.Equal(to, []string{"Info@Cert.example", "info@cert.example"}) {
			t.Errorf("recipients without members: %v %v", to, err)
		}
		r := model.Report{TrackingID: "VR-2026-000007", Reporter: model.Reporter{Email: "ada@example.org"}}
		if err := m.Reporter(ctx, tx, r, "We received your report", "Thank you.", "report.receipt"); err != nil {
			return err
		}
		if err := m.Reporter(ctx, tx, model.Report{TrackingID: "VR-2026-000008"}, "nobody", "x", "report.receipt"); err != nil {
			return err
		}
		if err := m.Orgs(ctx, tx, []string{"vendor", "cert"}, "Case CC-2026-0001", "A new case.", "case.new"); err != nil {
			return err
		}
		return m.Mail(ctx, tx, []string{"not an address", ""}, "x", "y", "z", "")
	}); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Wait(t, 3)
	time.Sleep(100 * time.Millisecond) // anything more would have come with them
	msgs = srv.Messages()
	byTo := map[string]smtptest.Message{}
	for _, msg := range msgs {
		byTo[strings.Join(msg.To, ",")] = msg
	}
	if len(msgs) != 3 || len(byTo) != 3 {
		t.Fatalf("%d messages to %v, want the reporter, the vendor and the CERT once each", len(msgs), byTo)
	}
	ada := byTo["ada@example.org"]
	if ada.Header.Get("Subject") != "[VR-2026-000007] We received your report" || !strings.Contains(ada.Header.Get("Reply-To"), "reports@cc.example") ||
		!strings.Contains(ada.Body, "Thank you.") || !strings.Contains(ada.Body, "-- \r\nNational CERT CC") && !strings.Contains(ada.Body, "-- \nNational CERT CC") {
		t.Errorf("to the reporter: %v\n%s", ada.Header, ada.Body)
	}
	if v := byTo["psirt@vendor.example"]; !pgp.IsMessage(v.Body) || strings.Contains(v.Body, "A new case.") {
		t.Errorf("to the vendor, not encrypted:\n%s", v.Body)
	}
	if c := byTo["info@cert.example"]; !strings.Contains(c.Body, "A new case.") || c.Header.Get("X-Certhub-Tag") != "case.new" {
		t.Errorf("to the CERT: %v\n%s", c.Header, c.Body)
	}
}

package coordination_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/coordination"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
)

// outbox keeps the mail queued.
type outbox struct{ mails []notify.Mail }

func (o *outbox) Send(_ context.Context, _ *db.Tx, m notify.Mail) error {
	o.mails = append(o.mails, m)
	return nil
}

var keyRE = regexp.MustCompile(`/alerts/ack\?key=([A-Za-z0-9_-]+)`)

// Each recipient with a contact is mailed its own acknowledgement link
// (its 24×7 desk first); the link shows and answers for that organisation
// alone, only after the page posts, until it expires; a TLP:AMBER alert
// mailed without encryption says only that something awaits.
func TestAcknowledgementLinks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
		mail := &outbox{}
		s := setup(t, d, &now, mail)
		a, err := s.Send(ctx, staff, coordination.AlertInput{Advisory: "a1", ActBy: "2026-12-08", Actions: "Patch now.",
			Audience: coordination.Audience{Orgs: []string{"bank1", "bank2", "telco"}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(mail.mails) != 2 {
			t.Fatalf("%d mails, want one to each recipient with a contact (the telco has none)", len(mail.mails))
		}
		keys := map[string]string{}
		for _, m := range mail.mails {
			if len(m.To) != 2 || !strings.HasPrefix(m.To[0], "soc@") || !strings.Contains(m.Subject, "Please acknowledge: Exploited VPN flaw") ||
				!strings.Contains(m.Text, "Patch now.") || !strings.Contains(m.Text, "until 2026-12-22") {
				t.Errorf("mail: %+v", m)
			}
			k := keyRE.FindStringSubmatch(m.Text)
			if k == nil {
				t.Fatalf("no link in %q", m.Text)
			}
			keys[strings.TrimPrefix(strings.SplitN(m.To[0], "@", 2)[1], "")] = k[1]
		}
		bank1 := keys["bank1.example"]
		la, err := s.ByLink(ctx, bank1)
		if err != nil || la.Recipient.OrgID != "bank1" || la.Recipient.Org != "First Bank" || la.Alert.ID != a.ID || la.Recipient.State != "delivered" {
			t.Fatalf("the link: %+v %v", la, err)
		}
		if _, err := s.ByLink(ctx, "not-a-key"); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("an unknown key: %v", err)
		}
		if _, err := s.AcknowledgeByLink(ctx, bank1, coordination.AckInput{Outcome: "burnt"}); !errs.HasField(err, "outcome") {
			t.Errorf("a bad outcome: %v", err)
		}
		r, err := s.AcknowledgeByLink(ctx, bank1, coordination.AckInput{Outcome: "affected", Note: "One gateway."})
		if err != nil || r.OrgID != "bank1" || r.State != "acknowledged" || r.AnsweredBy != "the link mailed to First Bank" {
			t.Fatalf("acknowledge by link: %+v %v", r, err)
		}
		if _, err := s.AcknowledgeByLink(ctx, bank1, coordination.AckInput{Outcome: "affected", Note: "One gateway."}); err != nil {
			t.Fatal(err)
		}
		p, _ := s.Alert(ctx, staff, a.ID)
		if states(p) != "bank1=acknowledged/affected bank2=delivered telco=delivered" || len(p.Events) != 2 {
			t.Errorf("after the link: %s, %d events", states(p), len(p.Events))
		}
		// Past the act-by time and the fortnight after it, the link is dead.
		now = time.Date(2026, 12, 23, 0, 0, 0, 0, time.UTC)
		if _, err := s.AcknowledgeByLink(ctx, keys["bank2.example"], coordination.AckInput{}); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("an expired link: %v", err)
		}

		// TLP:AMBER: to an organisation without a key no details in the
		// mail; to one with a key they are in the encrypted body, and
		// never in the subject, which travels in the clear.
		mail.mails = nil
		now = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
		if _, err := s.Send(ctx, staff, coordination.AlertInput{Advisory: "a2", Audience: coordination.Audience{Orgs: []string{"bank1", "bankcert"}}}); err != nil {
			t.Fatal(err)
		}
		if len(mail.mails) != 2 {
			t.Fatalf("%d mails", len(mail.mails))
		}
		for _, m := range mail.mails {
			if strings.Contains(m.Subject, "Banks targeted") || !strings.Contains(m.Subject, "An alert awaits your acknowledgement") {
				t.Errorf("the AMBER mail's subject: %q", m.Subject)
			}
			switch {
			case strings.HasPrefix(m.To[0], "soc@bankcert"):
				if !strings.HasPrefix(m.Text, "-----BEGIN PGP MESSAGE-----") {
					t.Errorf("the mail to the CERT with a key is not encrypted:\n%s", m.Text)
				}
			case strings.Contains(m.Text, "Banks targeted") || keyRE.FindString(m.Text) == "":
				t.Errorf("the mail to the bank without a key: %q", m.Text)
			}
		}
	})
}

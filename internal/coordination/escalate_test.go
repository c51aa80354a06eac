package coordination_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/coordination"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
)

// A silent recipient climbs the ladder on the clock: reminded (a fresh
// link replaces the first), then its CERT told, then the national CERT;
// each step once, on the timeline; a recipient that answered never
// climbs.
func TestEscalationLadder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		start := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
		now := start
		mail := &outbox{}
		s := setup(t, d, &now, mail)
		if _, err := s.Send(ctx, staff, coordination.AlertInput{Advisory: "a1", RemindAfter: 5, EscalateAfter: 5,
			Audience: coordination.Audience{Orgs: []string{"bank1"}}}); !errs.HasField(err, "escalate_after_hours") {
			t.Errorf("escalation no later than the reminder: %v", err)
		}
		a, err := s.Send(ctx, staff, coordination.AlertInput{Advisory: "a1", RemindAfter: 2, EscalateAfter: 5,
			Audience: coordination.Audience{Orgs: []string{"bank1", "bank2"}}})
		if err != nil {
			t.Fatal(err)
		}
		first := keyRE.FindStringSubmatch(mail.mails[1].Text)[1] // bank2's
		now = start.Add(time.Hour)
		if _, err := s.Acknowledge(ctx, member(auth.RoleAnalyst, "bank1"), "a1", coordination.AckInput{}); err != nil {
			t.Fatal(err)
		}
		mail.mails = nil
		run := func(at time.Duration, want int, subject string) {
			t.Helper()
			now = start.Add(at)
			mail.mails = nil
			n, err := s.Escalate(ctx)
			if err != nil || n != want {
				t.Fatalf("at +%s: %d steps (%v), want %d", at, n, err, want)
			}
			if subject == "" {
				if len(mail.mails) != 0 {
					t.Errorf("at +%s: mailed %+v", at, mail.mails)
				}
				return
			}
			if len(mail.mails) != 1 || !strings.Contains(mail.mails[0].Subject, subject) {
				t.Errorf("at +%s: mailed %+v, want %q", at, mail.mails, subject)
			}
		}
		run(time.Hour, 0, "")
		run(2*time.Hour, 1, "Reminder: [CH-2026-0001] Please acknowledge")
		if !strings.HasPrefix(mail.mails[0].To[0], "soc@bank2") {
			t.Errorf("the reminder went to %v", mail.mails[0].To)
		}
		fresh := keyRE.FindStringSubmatch(mail.mails[0].Text)[1]
		if _, err := s.ByLink(ctx, first); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("the first link still works after the reminder's: %v", err)
		}
		if la, err := s.ByLink(ctx, fresh); err != nil || la.Recipient.OrgID != "bank2" {
			t.Errorf("the reminder's link: %+v %v", la, err)
		}
		run(3*time.Hour, 0, "")
		run(5*time.Hour, 1, "Second Bank has not acknowledged the alert")
		if !strings.HasPrefix(mail.mails[0].To[0], "soc@bankcert") {
			t.Errorf("the escalation went to %v, want the banking CERT", mail.mails[0].To)
		}
		run(10*time.Hour, 1, "Second Bank has not acknowledged the alert")
		if !strings.HasPrefix(mail.mails[0].To[0], "soc@ncert") {
			t.Errorf("the last step went to %v, want the national CERT", mail.mails[0].To)
		}
		run(100*time.Hour, 0, "")

		p, _ := s.Alert(ctx, staff, a.ID)
		var kinds []string
		for _, e := range p.Events {
			kinds = append(kinds, e.Kind)
		}
		if strings.Join(kinds, " ") != "sent acknowledged reminded escalated escalated" {
			t.Errorf("timeline: %v", kinds)
		}
		for _, r := range p.Items {
			switch {
			case r.OrgID == "bank1" && (r.Escalation != 0 || r.NextStepAt != nil):
				t.Errorf("the bank that answered climbed: %+v", r)
			case r.OrgID == "bank2" && (r.Escalation != 3 || r.NextStepAt != nil || coordination.LadderStep(r.Escalation) != "the national CERT told"):
				t.Errorf("the silent bank: %+v", r)
			}
		}
	})
}

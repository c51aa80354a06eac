package config_test

import (
	"context"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/vdp/config"
	"github.com/certhub/certhub/internal/vdp/model"
)

// TestSettings: the defaults until changed; only platform administrators
// change them, each field checked; a change is kept and audited.
func TestSettings(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
		if st, err := config.Load(ctx, d); err != nil || st != config.DefaultSettings {
			t.Fatalf("fresh: %+v %v", st, err)
		}
		analyst := &auth.Identity{User: auth.User{ID: "u1"}, Memberships: []auth.Membership{{OrgID: "cert", Role: auth.RoleAdmin}}}
		if err := config.Save(ctx, d, now, analyst, config.DefaultSettings); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("an organisation's admin changed the policy: %v", err)
		}
		bad := config.Settings{AckHours: 0, TriageHours: 24, PublicationDays: 90, ReminderDays: 7, EscalateAfter: 3, DeadlineDays: 400,
			CNAOrgID: "not-a-uuid", CNAShortName: "has space"}
		err := config.Save(ctx, d, now, auth.System("t"), bad)
		e := errs.As(err)
		for _, f := range []string{"ack_hours", "deadline_days", "cna_org_id", "cna_short_name"} {
			if e == nil || !errs.Fields(e.Fields).Has(f) {
				t.Errorf("%s not refused: %v", f, err)
			}
		}
		good := config.Settings{AckHours: 24, TriageHours: 72, PublicationDays: 45, ReminderDays: 3, EscalateAfter: 2, DeadlineDays: 0,
			CNAOrgID: " 0F2D5E4A-1B3C-4D5E-8F90-A1B2C3D4E5F6 ", CNAShortName: "natcert"}
		if err := config.Save(ctx, d, now, auth.System("t"), good); err != nil {
			t.Fatal(err)
		}
		want := good
		want.CNAOrgID = "0f2d5e4a-1b3c-4d5e-8f90-a1b2c3d4e5f6"
		if st, err := config.Load(ctx, d); err != nil || st != want {
			t.Errorf("saved %+v, read %+v (%v)", want, st, err)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'vdp.settings'`).Scan(&n); err != nil || n != 1 {
			t.Errorf("audited %d times (%v)", n, err)
		}
	})
}

// TestClock: the acknowledgement and triage clocks run from receipt;
// waiting for the reporter pauses triage, not acknowledgement.
func TestClock(t *testing.T) {
	t.Parallel()
	st := config.Settings{AckHours: 48, TriageHours: 168}
	received := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	r := model.Report{Status: model.ReportReceived, ReceivedAt: received}
	if c := st.Clock(r, received.Add(47*time.Hour)); c.AckOverdue || c.TriageOverdue || !c.AckDue.Equal(received.Add(48*time.Hour)) {
		t.Errorf("within both: %+v", c)
	}
	if c := st.Clock(r, received.Add(169*time.Hour)); !c.AckOverdue || !c.TriageOverdue {
		t.Errorf("past both: %+v", c)
	}
	waiting := received.Add(24 * time.Hour)
	r.Status, r.WaitingSince, r.PausedSeconds = model.ReportNeedInfo, &waiting, 3600
	c := st.Clock(r, received.Add(200*time.Hour))
	if !c.Paused || c.TriageOverdue || !c.AckOverdue || !c.TriageDue.Equal(received.Add((168+1+176)*time.Hour)) {
		t.Errorf("waiting: %+v", c)
	}
	acked := received.Add(time.Hour)
	r.AcknowledgedAt, r.Status, r.WaitingSince = &acked, model.ReportAccepted, nil
	if c := st.Clock(r, received.Add(1000*time.Hour)); c.AckOverdue || c.TriageOverdue {
		t.Errorf("acknowledged and closed: %+v", c)
	}
}

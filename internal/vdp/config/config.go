package config

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/settings"
	"github.com/certhub/certhub/internal/vdp/model"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// Settings are the program's policies, kept in the settings table.
type Settings struct {
	AckHours        int `json:"ack_hours"`        // time to acknowledge a report
	TriageHours     int `json:"triage_hours"`     // time to triage it (paused while waiting for the reporter)
	PublicationDays int `json:"publication_days"` // publication date after the first vendor contact
	ReminderDays    int `json:"reminder_days"`    // remind a silent vendor this often
	EscalateAfter   int `json:"escalate_after"`   // reminders before escalating to the case owner
	DeadlineDays    int `json:"deadline_days"`    // warn this long before the publication date
	// The center as a CVE Numbering Authority, for CVE records.
	CNAOrgID     string `json:"cna_org_id"` // the UUID CVE Services gave the CNA
	CNAShortName string `json:"cna_short_name"`
}

// DefaultSettings follow common practice: acknowledge within two days,
// triage within a week, publish 90 days after the vendor was first told.
var DefaultSettings = Settings{AckHours: 48, TriageHours: 168, PublicationDays: 90, ReminderDays: 7, EscalateAfter: 3, DeadlineDays: 7}

var settingKeys = map[string]func(*Settings) *int{
	"vdp.ack_hours":        func(s *Settings) *int { return &s.AckHours },
	"vdp.triage_hours":     func(s *Settings) *int { return &s.TriageHours },
	"vdp.publication_days": func(s *Settings) *int { return &s.PublicationDays },
	"vdp.reminder_days":    func(s *Settings) *int { return &s.ReminderDays },
	"vdp.escalate_after":   func(s *Settings) *int { return &s.EscalateAfter },
	"vdp.deadline_days":    func(s *Settings) *int { return &s.DeadlineDays },
}

// Load answers the current policies (the defaults where none is set).
func Load(ctx context.Context, q db.Querier) (Settings, error) {
	out := DefaultSettings
	kv, err := settings.Prefixed(ctx, q, "vdp.")
	if err != nil {
		return out, fmt.Errorf("vdp: settings: %w", err)
	}
	for k, v := range kv {
		if f, ok := settingKeys[k]; ok {
			if n, err := strconv.Atoi(v); err == nil {
				*f(&out) = n
			}
		}
	}
	out.CNAOrgID, out.CNAShortName = kv["vdp.cna_org_id"], kv["vdp.cna_short_name"]
	return out, nil
}

// Save changes the policies (platform administrators), audited.
func Save(ctx context.Context, d *db.DB, now time.Time, id *auth.Identity, in Settings) error {
	if !id.IsSystem() && !id.IsPlatformAdmin() {
		return errs.Forbidden("only platform administrators change the disclosure policy")
	}
	var f errs.Fields
	check := func(field string, v, min, max int) {
		if v < min || v > max {
			f.Add(field, "must be from %d to %d", min, max)
		}
	}
	check("ack_hours", in.AckHours, 1, 24*30)
	check("triage_hours", in.TriageHours, 1, 24*90)
	check("publication_days", in.PublicationDays, 1, 3650)
	check("reminder_days", in.ReminderDays, 1, 365)
	check("escalate_after", in.EscalateAfter, 1, 50)
	check("deadline_days", in.DeadlineDays, 0, 365)
	in.CNAOrgID, in.CNAShortName = strings.ToLower(strings.TrimSpace(in.CNAOrgID)), strings.TrimSpace(in.CNAShortName)
	if in.CNAOrgID != "" && !uuidRE.MatchString(in.CNAOrgID) {
		f.Add("cna_org_id", "must be the UUID of the CNA in CVE Services")
	}
	if in.CNAOrgID != "" && (in.CNAShortName == "" || len(in.CNAShortName) > 32 || strings.ContainsAny(in.CNAShortName, " \t\r\n")) {
		f.Add("cna_short_name", "give the CNA's short name (2–32 characters, no spaces)")
	}
	if err := f.Err(); err != nil {
		return err
	}
	before, err := Load(ctx, d)
	if err != nil {
		return err
	}
	return d.Write(ctx, func(tx *db.Tx) error {
		for k, v := range map[string]string{"vdp.cna_org_id": in.CNAOrgID, "vdp.cna_short_name": in.CNAShortName} {
			if err := settings.Put(ctx, tx, k, v, now); err != nil {
				return fmt.Errorf("vdp: save settings: %w", err)
			}
		}
		for k, get := range settingKeys {
			if err := settings.Put(ctx, tx, k, strconv.Itoa(*get(&in)), now); err != nil {
				return fmt.Errorf("vdp: save settings: %w", err)
			}
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "vdp.settings", ObjectType: "settings", ObjectID: "vdp",
			Summary: "changed the disclosure policy", Before: before, After: in})
	})
}

// SLA is a report's clocks against the policy.
type SLA struct {
	AckDue        time.Time `json:"ack_due"`
	TriageDue     time.Time `json:"triage_due"`
	AckOverdue    bool      `json:"ack_overdue"`
	TriageOverdue bool      `json:"triage_overdue"`
	Paused        bool      `json:"paused"`
}

// Clock works out r's SLA at now. Time spent waiting for the reporter does
// not count against triage.
func (st Settings) Clock(r model.Report, now time.Time) SLA {
	paused := time.Duration(r.PausedSeconds) * time.Second
	if r.WaitingSince != nil {
		paused += now.Sub(*r.WaitingSince)
	}
	c := SLA{AckDue: r.ReceivedAt.Add(time.Duration(st.AckHours) * time.Hour),
		TriageDue: r.ReceivedAt.Add(time.Duration(st.TriageHours)*time.Hour + paused), Paused: r.WaitingSince != nil}
	c.AckOverdue = r.AcknowledgedAt == nil && now.After(c.AckDue)
	c.TriageOverdue = r.TriagedAt == nil && r.Status.Open() && !c.Paused && now.After(c.TriageDue)
	return c
}

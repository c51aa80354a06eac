package intel

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// DigestSchedules are how often a constituent may want its digest (the
// job that sends them is intel/digest's).
var DigestSchedules = []string{"hourly", "daily", "weekly", "never"}

// DigestSetting is a constituent's digest schedule.
type DigestSetting struct {
	OrgID      string     `json:"org_id"`
	Schedule   string     `json:"schedule"`
	LastSentAt *time.Time `json:"last_sent_at,omitempty"`
	UpdatedAt  *time.Time `json:"updated_at,omitempty"`
}

// MayManageDigest answers whether the caller may change an organisation's
// digest schedule: staff, and the admins of the organisation or of its
// parent CERT.
func (s *Service) MayManageDigest(ctx context.Context, id *auth.Identity, org string) (bool, error) {
	if id.IsStaff() {
		return true, nil
	}
	orgs, err := s.orgs(ctx)
	if err != nil {
		return false, err
	}
	o, ok := orgs[org]
	if !ok {
		return false, nil
	}
	return id.RoleIn(org).AtLeast(auth.RoleAdmin) || (o.Parent != "" && id.RoleIn(o.Parent).AtLeast(auth.RoleAdmin)), nil
}

// DigestSettingOf answers an organisation's digest schedule, for its
// members, its parent CERT and staff.
func (s *Service) DigestSettingOf(ctx context.Context, id *auth.Identity, org string) (DigestSetting, error) {
	v, err := s.Viewer(ctx, id)
	if err != nil {
		return DigestSetting{}, err
	}
	if !v.Covers(org) {
		return DigestSetting{}, errs.NotFound("no such organisation")
	}
	out := DigestSetting{OrgID: org, Schedule: "hourly"}
	err = s.db.QueryRow(ctx, `SELECT schedule, last_sent_at, updated_at FROM intel_digest_settings WHERE org_id = $1`, org).
		Scan(&out.Schedule, &out.LastSentAt, &out.UpdatedAt)
	if err != nil && !errors.Is(err, db.ErrNoRows) {
		return DigestSetting{}, fmt.Errorf("intel: digest setting: %w", err)
	}
	return out, nil
}

// SetDigestSchedule changes how often an organisation gets its digest.
func (s *Service) SetDigestSchedule(ctx context.Context, id *auth.Identity, org, schedule string) (DigestSetting, error) {
	before, err := s.DigestSettingOf(ctx, id, org)
	if err != nil {
		return DigestSetting{}, err
	}
	ok, err := s.MayManageDigest(ctx, id, org)
	if err != nil {
		return DigestSetting{}, err
	}
	if !ok {
		return DigestSetting{}, errs.Forbidden("only the organisation's admins, its CERT's and the center's staff change its digest")
	}
	if !slices.Contains(DigestSchedules, schedule) {
		var f errs.Fields
		f.Add("schedule", "hourly, daily, weekly or never")
		return DigestSetting{}, f.Err()
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		now := s.now()
		if _, err := tx.Exec(ctx, `INSERT INTO intel_digest_settings (org_id, schedule, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (org_id) DO UPDATE SET schedule = $2, updated_at = $3`, org, schedule, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "intel.digest.schedule", ObjectType: "org", ObjectID: org, OrgID: org,
			Summary: "threat-intelligence digest: " + schedule, Before: before.Schedule, After: schedule})
	})
	if err != nil {
		return DigestSetting{}, err
	}
	return s.DigestSettingOf(ctx, id, org)
}

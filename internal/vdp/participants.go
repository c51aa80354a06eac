package vdp

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/store"
	"github.com/certhub/certhub/internal/vdp/threads"
	"github.com/certhub/certhub/internal/vdp/timeline"
)

// tellParticipants mails every participant (all, or those in only), each
// encrypted to its key when it has one.
func (s *Service) tellParticipants(ctx context.Context, tx *db.Tx, c model.Case, parts []model.Participant, only []string, subject, body, tag string) error {
	var ids []string
	for _, p := range parts {
		if only == nil || slices.Contains(only, p.OrgID) {
			ids = append(ids, p.OrgID)
		}
	}
	return s.out.Orgs(ctx, tx, ids, subject, body, tag)
}

// tellOrg mails an organisation, encrypted to its OpenPGP key when it has one.
func (s *Service) tellOrg(ctx context.Context, tx *db.Tx, orgID, subject, body, tag string) error {
	return s.out.Orgs(ctx, tx, []string{orgID}, subject, body, tag)
}

// ParticipantInput adds an organisation to a case.
type ParticipantInput struct {
	OrgID string                `json:"org_id"`
	Role  model.ParticipantRole `json:"role"`
}

// AddParticipant adds an organisation to a case (without telling it yet).
func (s *Service) AddParticipant(ctx context.Context, id *auth.Identity, caseID string, in ParticipantInput) (model.Case, error) {
	// The input is checked here but reported inside the change, after the
	// caller's right to run the case: who may not, learns nothing more.
	var invalid error
	o, err := s.orgs.Get(ctx, system, in.OrgID)
	switch {
	case !slices.Contains(model.ParticipantRoles, in.Role):
		invalid = errs.InvalidField("role", "must be vendor, cert, constituent or coordinator")
	case err != nil:
		invalid = errs.InvalidField("org_id", "is not an organisation of the directory")
	case in.Role == model.RoleVendor && o.Kind != directory.KindVendor:
		invalid = errs.InvalidField("org_id", "%s is not a vendor", o.Name)
	case (in.Role == model.RoleCERT || in.Role == model.RoleCoordinator) && !o.Kind.IsCERT():
		invalid = errs.InvalidField("org_id", "%s is not a CERT", o.Name)
	}
	return s.caseChange(ctx, id, caseID, "participant", func(tx *db.Tx, c *model.Case, parts []model.Participant) (string, string, error) {
		if invalid != nil {
			return "", "", invalid
		}
		for _, p := range parts {
			if p.OrgID == o.ID {
				return "", "", errs.Conflict("%s takes part already", o.Name)
			}
		}
		if o.ID == c.OwnerOrgID {
			return "", "", errs.Conflict("%s runs the case", o.Name)
		}
		err := store.SaveParticipant(ctx, tx, model.Participant{CaseID: c.ID, OrgID: o.ID, Role: in.Role, AddedAt: s.now()})
		return "added " + o.Name + " as " + string(in.Role), model.VisibleParticipants, err
	})
}

// RemoveParticipant takes an organisation out of a case.
func (s *Service) RemoveParticipant(ctx context.Context, id *auth.Identity, caseID, orgID string) (model.Case, error) {
	return s.caseChange(ctx, id, caseID, "participant", func(tx *db.Tx, c *model.Case, parts []model.Participant) (string, string, error) {
		for _, p := range parts {
			if p.OrgID == orgID {
				if _, err := tx.Exec(ctx, `DELETE FROM vdp_participants WHERE case_id = $1 AND org_id = $2`, c.ID, orgID); err != nil {
					return "", "", err
				}
				name, err := s.OrgName(ctx, orgID)
				return "removed " + name, model.VisibleParticipants, err
			}
		}
		return "", "", errs.NotFound("the organisation does not take part in the case")
	})
}

// NotifyVendor tells a vendor about the case by e-mail (encrypted when it
// has a key) and in its portal. The first vendor contact starts the clock of
// the publication date policy and the embargo.
func (s *Service) NotifyVendor(ctx context.Context, id *auth.Identity, caseID, orgID string) (model.Case, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return model.Case{}, err
	}
	return s.caseChange(ctx, id, caseID, "notify", func(tx *db.Tx, c *model.Case, parts []model.Participant) (string, string, error) {
		i := slices.IndexFunc(parts, func(p model.Participant) bool { return p.OrgID == orgID && p.Role == model.RoleVendor })
		if i < 0 {
			return "", "", errs.InvalidField("org_id", "is not a vendor in this case")
		}
		p := parts[i]
		name, err := s.OrgName(ctx, p.OrgID)
		if err != nil {
			return "", "", err
		}
		p.OrgName = name
		now := s.now()
		p.NotifiedAt = &now
		if err := store.SaveParticipant(ctx, tx, p); err != nil {
			return "", "", err
		}
		if c.FirstVendorContactAt == nil {
			c.FirstVendorContactAt = &now
			if c.PublicationAt == nil {
				at := now.Add(time.Duration(st.PublicationDays) * 24 * time.Hour).Truncate(time.Second)
				c.PublicationAt = &at
				if _, err := tx.Exec(ctx, `INSERT INTO vdp_date_changes (id, case_id, old_at, new_at, reason, by_user_id, created_at)
					VALUES ($1, $2, NULL, $3, $4, $5, $6)`, db.NewID(), c.ID, at, fmt.Sprintf("policy: %d days after the first vendor contact", st.PublicationDays),
					id.User.ID, now); err != nil {
					return "", "", err
				}
			}
		}
		if c.Facts.VendorAware == nil {
			c.Facts.VendorAware = &now
		}
		if c.Embargo == "none" {
			c.Embargo = "active"
		}
		if c.Status == model.CaseOpen {
			c.Status = model.CaseCoordinating
		}
		if err := threads.EnsureVendor(ctx, tx, c.ID, p.OrgID, p.OrgName, s.now()); err != nil {
			return "", "", err
		}
		pub := "to be agreed"
		if c.PublicationAt != nil {
			pub = c.PublicationAt.Format("2006-01-02 15:04 UTC")
		}
		body := fmt.Sprintf("%s coordinates the disclosure of a vulnerability that may affect your products.\n\n"+
			"Case: %s — %s\nExpected publication: %s\n\nPlease sign in to read the details, tell us which products are affected, "+
			"and agree on a fix and the publication date:\n%s\n\nThe details are under embargo until publication: do not share them.\n",
			s.out.CenterName(), c.Number, c.Title, pub, s.link("/console/cases/"+c.ID))
		if err := s.tellOrg(ctx, tx, p.OrgID, "["+c.Number+"] Vulnerability report for "+p.OrgName, body, "case.vendor"); err != nil {
			return "", "", err
		}
		return "notified " + p.OrgName, model.VisibleParticipants, nil
	})
}

// participantChange lets a member of a participating organisation change
// its own standing in the case (acknowledge, tracking ID).
func (s *Service) participantChange(ctx context.Context, id *auth.Identity, caseID, orgID string, fn func(p *model.Participant) (string, error)) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		c, parts, v, err := s.loadCase(ctx, tx, id, caseID)
		if err != nil {
			return err
		}
		if _, mine := v.Orgs[orgID]; !mine && !v.Run {
			return errs.Forbidden("only members of the organisation (or the coordinators) change its standing in the case")
		}
		if !id.IsSystem() && !id.IsStaff() && v.Orgs[orgID] != "" && !id.RoleIn(orgID).AtLeast(auth.RoleMember) {
			return errs.Forbidden("viewers of the organisation cannot change its standing")
		}
		i := slices.IndexFunc(parts, func(p model.Participant) bool { return p.OrgID == orgID })
		if i < 0 {
			return errs.NotFound("the organisation does not take part in the case")
		}
		p := parts[i]
		if p.OrgName, err = s.OrgName(ctx, p.OrgID); err != nil {
			return err
		}
		summary, err := fn(&p)
		if err != nil {
			return err
		}
		if err := store.SaveParticipant(ctx, tx, p); err != nil {
			return err
		}
		now := s.now()
		if err := timeline.Add(ctx, tx, c.ID, "participant", p.OrgName+" "+summary, model.VisibleInternal, &p.OrgID, id.User.Name, "vendors", now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "case.participant.update", ObjectType: "case", ObjectID: c.ID,
			OrgID: orgID, Summary: c.Number + ": " + p.OrgName + " " + summary})
	})
}

// AcknowledgeCase records that a participant (a vendor) acknowledged the case.
func (s *Service) AcknowledgeCase(ctx context.Context, id *auth.Identity, caseID, orgID string) error {
	return s.participantChange(ctx, id, caseID, orgID, func(p *model.Participant) (string, error) {
		if p.AcknowledgedAt != nil {
			return "", errs.Conflict("acknowledged already")
		}
		now := s.now()
		p.AcknowledgedAt = &now
		if p.SeenAt == nil {
			p.SeenAt = &now
		}
		return "acknowledged the case", nil
	})
}

// SetTrackingID records a participant's own tracking ID for the case.
func (s *Service) SetTrackingID(ctx context.Context, id *auth.Identity, caseID, orgID, tracking string) error {
	tracking = strings.TrimSpace(tracking)
	if utf8.RuneCountInString(tracking) > 100 || strings.ContainsAny(tracking, "\r\n") {
		return errs.InvalidField("tracking_id", "must be one line of at most 100 characters")
	}
	return s.participantChange(ctx, id, caseID, orgID, func(p *model.Participant) (string, error) {
		p.TheirTracking = tracking
		return "set its tracking ID to " + cmp.Or(tracking, "—"), nil
	})
}

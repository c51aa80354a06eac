package vdp

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/tlp"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/store"
	"github.com/certhub/certhub/internal/vdp/threads"
	"github.com/certhub/certhub/internal/vdp/timeline"
)

// loadCase loads a case with what decides who sees it, and id's standing.
// A case id may not see is not found.
func (s *Service) loadCase(ctx context.Context, q db.Querier, id *auth.Identity, caseID string) (model.Case, []model.Participant, CaseViewer, error) {
	c, err := store.GetCase(ctx, q, caseID)
	if err != nil {
		return c, nil, CaseViewer{}, err
	}
	parts, err := store.ListParticipants(ctx, q, c.ID)
	if err != nil {
		return c, nil, CaseViewer{}, err
	}
	subs, err := store.SubmitterOrgs(ctx, q, c.ID)
	if err != nil {
		return c, nil, CaseViewer{}, err
	}
	v := viewCase(id, c, parts, subs, s.now())
	if v.Level == LevelNone {
		return c, nil, v, errs.NotFound("case not found")
	}
	return c, parts, v, nil
}

// named gives the participants their organisations' names from the
// directory and puts them in the order they are shown: by role, then name.
func (s *Service) named(ctx context.Context, parts []model.Participant) error {
	if len(parts) == 0 {
		return nil
	}
	ids := make([]string, len(parts))
	for i, p := range parts {
		ids[i] = p.OrgID
	}
	orgs, err := s.orgs.GetMany(ctx, system, ids)
	if err != nil {
		return fmt.Errorf("vdp: participants: %w", err)
	}
	names := make(map[string]string, len(orgs))
	for _, o := range orgs {
		names[o.ID] = o.Name
	}
	for i := range parts {
		parts[i].OrgName = names[parts[i].OrgID]
	}
	// The directory keys a name by its lower case: the order of its lists.
	slices.SortStableFunc(parts, func(a, b model.Participant) int {
		if a.Role != b.Role {
			return strings.Compare(string(a.Role), string(b.Role))
		}
		return strings.Compare(strings.ToLower(a.OrgName), strings.ToLower(b.OrgName))
	})
	return nil
}

// OrgName is an organisation's name in the directory, whoever asks: the
// names of the organisations a viewer already sees on a page.
func (s *Service) OrgName(ctx context.Context, orgID string) (string, error) {
	o, err := s.orgs.Get(ctx, system, orgID)
	if err != nil {
		return "", fmt.Errorf("vdp: organisation %s: %w", orgID, err)
	}
	return o.Name, nil
}

// LookupCase reads a case without deciding who may see it, for pages that
// already have (the page of a report in it, of a thread of it).
func (s *Service) LookupCase(ctx context.Context, caseID string) (model.Case, error) {
	return store.GetCase(ctx, s.db, caseID)
}

// runTx loads a case for a change only those who run it may make.
func (s *Service) runTx(ctx context.Context, tx *db.Tx, id *auth.Identity, caseID string) (model.Case, []model.Participant, CaseViewer, error) {
	c, parts, v, err := s.loadCase(ctx, tx, id, caseID)
	if err != nil {
		return c, parts, v, err
	}
	if !v.Run {
		return c, parts, v, errs.Forbidden("only the coordinators of this case change it")
	}
	return c, parts, v, nil
}

// caseChange runs fn on a case the caller runs, saves it, adds a timeline
// event and an audit record.
func (s *Service) caseChange(ctx context.Context, id *auth.Identity, caseID, action string, fn func(tx *db.Tx, c *model.Case, parts []model.Participant) (summary, visibility string, err error)) (model.Case, error) {
	var out model.Case
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		c, parts, _, err := s.runTx(ctx, tx, id, caseID)
		if err != nil {
			return err
		}
		before := c
		summary, visibility, err := fn(tx, &c, parts)
		if err != nil {
			return err
		}
		c.UpdatedAt = s.now()
		if err := store.SaveCase(ctx, tx, c); err != nil {
			return err
		}
		out = c
		if err := timeline.Add(ctx, tx, c.ID, action, summary, visibility, nil, id.User.Name, "", c.UpdatedAt); err != nil {
			return err
		}
		return audit.Record(ctx, tx, c.UpdatedAt, audit.Event{Action: "case." + action, ObjectType: "case", ObjectID: c.ID,
			OrgID: c.OwnerOrgID, Summary: c.Number + ": " + summary, Before: before, After: c})
	})
	return out, err
}

// newCase opens a case from a report: its first vulnerability comes from
// the report, its vendor (when known) and submitting organisation take part.
func (s *Service) newCase(ctx context.Context, tx *db.Tx, id *auth.Identity, r model.Report, title string) (model.Case, error) {
	now := s.now()
	title = strings.TrimSpace(title)
	if title == "" {
		title = r.Title
	}
	if utf8.RuneCountInString(title) > model.MaxTitle {
		return model.Case{}, errs.InvalidField("title", "must be at most %d characters", model.MaxTitle)
	}
	owner := deref(r.AssignedOrgID)
	if owner == "" {
		cc, err := s.reports.CoordinationCenter(ctx)
		if err != nil {
			return model.Case{}, err
		}
		if cc == "" {
			return model.Case{}, errs.Conflict("the directory has no coordination center to own the case: add the center's organisation to the directory first")
		}
		owner = cc
	}
	n, err := tx.NextNumber(ctx, fmt.Sprintf("case.%d", now.Year()))
	if err != nil {
		return model.Case{}, err
	}
	c := model.Case{ID: db.NewID(), Number: fmt.Sprintf("CC-%d-%04d", now.Year(), n), Title: title, Status: model.CaseOpen, References: []string{},
		OwnerOrgID: owner, TLP: string(tlp.AmberStrict), Embargo: "none", CreatedAt: now, UpdatedAt: now}
	if r.Public {
		c.Facts.PublicAware = &now
	}
	if r.Exploited {
		c.Facts.AttacksObserved = &now
	}
	if err := store.InsertCase(ctx, tx, c); err != nil {
		return model.Case{}, err
	}
	v := model.Vuln{ID: db.NewID(), CaseID: c.ID, Position: 1, Title: r.Title, Description: r.Description, CWE: r.CWE,
		CVSS3: r.CVSS3, CVSS4: r.CVSS4, CreatedAt: now, UpdatedAt: now}
	if err := store.SaveVuln(ctx, tx, v, true); err != nil {
		return model.Case{}, err
	}
	if r.VendorOrgID != nil {
		if err := store.SaveParticipant(ctx, tx, model.Participant{CaseID: c.ID, OrgID: *r.VendorOrgID, Role: model.RoleVendor, AddedAt: now}); err != nil {
			return model.Case{}, err
		}
	}
	if r.SubmitterOrgID != nil && *r.SubmitterOrgID != owner {
		role := model.RoleConstituent
		if o, err := s.orgs.Get(ctx, system, *r.SubmitterOrgID); err == nil && o.Kind.IsCERT() {
			role = model.RoleCERT
		}
		if err := store.SaveParticipant(ctx, tx, model.Participant{CaseID: c.ID, OrgID: *r.SubmitterOrgID, Role: role, AddedAt: now}); err != nil {
			return model.Case{}, err
		}
	}
	if err := threads.OpenDefaults(ctx, tx, c.ID, now); err != nil {
		return model.Case{}, err
	}
	if err := timeline.Add(ctx, tx, c.ID, "opened", "case opened from report "+r.TrackingID, model.VisibleParticipants, nil, id.User.Name, "", now); err != nil {
		return model.Case{}, err
	}
	return c, audit.Record(ctx, tx, now, audit.Event{Action: "case.open", ObjectType: "case", ObjectID: c.ID, OrgID: owner,
		Summary: "opened " + c.Number + ": " + c.Title, After: c})
}

// ListCases returns a page of the cases id takes part in (all, for staff), newest first.
func (s *Service) ListCases(ctx context.Context, id *auth.Identity, f model.CaseFilter) ([]model.Case, string, error) {
	if id == nil {
		return nil, "", errs.Unauthenticated("sign in to see cases")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if f.Status != "" && f.Status != "active" && !slices.Contains(model.CaseStatuses, model.CaseStatus(f.Status)) {
		return nil, "", errs.InvalidField("status", "must be active, open, coordinating, remediation, disclosed or closed")
	}
	afterAt, afterID, err := db.TimeAfter(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	out, err := store.ListCases(ctx, s.db, id.OrgIDs(), id.IsStaff() || id.IsSystem(), f, afterAt, afterID)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = db.TimeCursor(last.CreatedAt, last.ID)
	}
	return out, next, nil
}

// caseDesk is the cases as accepting a report asks them (reports.Cases).
type caseDesk struct{ s *Service }

func (d caseDesk) Open(ctx context.Context, tx *db.Tx, id *auth.Identity, r model.Report, title string) (model.Case, error) {
	return d.s.newCase(ctx, tx, id, r, title)
}

func (d caseDesk) Join(ctx context.Context, tx *db.Tx, id *auth.Identity, r model.Report, caseID string) (model.Case, error) {
	c, _, _, err := d.s.runTx(ctx, tx, id, caseID)
	if err != nil {
		return model.Case{}, err
	}
	if err := timeline.Add(ctx, tx, c.ID, "report", "report "+r.TrackingID+" attached", model.VisibleInternal, nil, id.User.Name, "reports", d.s.now()); err != nil {
		return model.Case{}, err
	}
	return c, nil
}

// ProductsNamedSince answers the products named by the reports of cases
// opened after t, oldest first: for other domains' watches, wired in app
// (procurement puts an approved product under review). It carries the
// case's number and nothing of its content.
func (s *Service) ProductsNamedSince(ctx context.Context, t time.Time, limit int) ([]model.NamedProduct, error) {
	return store.ProductsNamed(ctx, s.db, t, limit)
}

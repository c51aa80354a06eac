package procurement

import (
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
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/procurement/catalogue"
	"github.com/certhub/certhub/internal/procurement/vulns"
)

// Orgs is what procurement needs of the directory: the labs (and, later,
// vendors and buyers) as organisations.
type Orgs interface {
	GetMany(ctx context.Context, id *auth.Identity, orgIDs []string) ([]directory.Org, error)
	All(ctx context.Context, id *auth.Identity, f directory.Filter) ([]directory.Summary, error)
}

// Service runs procurement security testing.
type Service struct {
	db      *db.DB
	orgs    Orgs
	outbox  Outbox
	news    News
	guides  Guidelines
	now     func() time.Time
	baseURL string
	center  string
	// criteria are the catalogues evaluations are opened against.
	criteria *catalogue.Service
	// known are the vulnerable package versions SBOMs are checked against.
	known *vulns.Service
}

// Outbox sends mail in the transaction of the change it tells of.
type Outbox interface {
	Send(ctx context.Context, tx *db.Tx, m notify.Mail) error
}

// Options configure the service. Outbox and News may be nil (no mail; no
// watch over the publications).
type Options struct {
	DB     *db.DB
	Orgs   Orgs
	Outbox Outbox
	News   News
	// Guidelines, when set, are the hardening guidelines an approval
	// may point to: a link to /advisories/… must be one of them.
	Guidelines Guidelines
	Now        func() time.Time
	BaseURL    string
	// Center is the center's address, alerted when an approved product
	// turns under review.
	Center string
}

// NewService makes the service.
func NewService(o Options) *Service {
	return &Service{db: o.DB, orgs: o.Orgs, outbox: o.Outbox, news: o.News, guides: o.Guidelines, now: o.Now, baseURL: strings.TrimRight(o.BaseURL, "/"), center: o.Center,
		criteria: catalogue.New(o.DB, o.Now), known: vulns.New(o.DB, o.Now)}
}

// system is who procurement asks the directory as.
var system = auth.System("procurement")

// Labs lists the accreditations id may read, by lab name: to anyone the
// ones that stand (without reasons or history); to staff every one; to a
// lab's members their own whatever its state.
func (s *Service) Labs(ctx context.Context, id *auth.Identity) ([]Accreditation, error) {
	all, err := listAccreditations(ctx, s.db, "")
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := []Accreditation{}
	for _, a := range all {
		a.Standing = a.Stands(now)
		if !ReadsWhole(id, a.OrgID) {
			if !a.Standing {
				continue
			}
			a.Reason = ""
		}
		out = append(out, a)
	}
	if err := s.name(ctx, out); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Accreditation) int { return strings.Compare(a.Lab, b.Lab) })
	return out, nil
}

// Lab answers one lab's accreditation as id may read it: whole, with its
// history, for staff and the lab's members; only while it stands for
// everyone else (errs.NotFound otherwise, as for a lab without one).
func (s *Service) Lab(ctx context.Context, id *auth.Identity, orgID string) (Accreditation, error) {
	list, err := listAccreditations(ctx, s.db, orgID)
	if err != nil {
		return Accreditation{}, err
	}
	if len(list) == 0 {
		return Accreditation{}, errs.NotFound("no accredited lab of that ID")
	}
	a := list[0]
	a.Standing = a.Stands(s.now())
	if ReadsWhole(id, orgID) {
		if a.History, err = history(ctx, s.db, orgID); err != nil {
			return Accreditation{}, err
		}
	} else {
		if !a.Standing {
			return Accreditation{}, errs.NotFound("no accredited lab of that ID")
		}
		a.Reason = ""
	}
	if err := s.name(ctx, list[:1]); err != nil {
		return Accreditation{}, err
	}
	a.Lab = list[0].Lab
	return a, nil
}

// name fills in the labs' names from the directory.
func (s *Service) name(ctx context.Context, list []Accreditation) error {
	if len(list) == 0 || s.orgs == nil {
		return nil
	}
	ids := make([]string, len(list))
	for i, a := range list {
		ids[i] = a.OrgID
	}
	orgs, err := s.orgs.GetMany(ctx, system, ids)
	if err != nil {
		return fmt.Errorf("procurement: the labs' names: %w", err)
	}
	names := map[string]string{}
	for _, o := range orgs {
		names[o.ID] = o.Name
	}
	for i := range list {
		list[i].Lab = names[list[i].OrgID]
	}
	return nil
}

// Unaccredited lists the directory's labs that have no accreditation yet
// Criteria are the criteria catalogues: one per category, versioned.
func (s *Service) Criteria() *catalogue.Service { return s.criteria }

// Vulns are the OSV records loaded and the SBOM check against them.
func (s *Service) Vulns() *vulns.Service { return s.known }

// Now is the time on the service's clock (the pages' clocks and choices).
func (s *Service) Now() time.Time { return s.now() }

// BaseURL is the server's public address, for links in feeds.
func (s *Service) BaseURL() string { return s.baseURL }

// Organisations lists the directory's organisations, the choices of the
// request form's requester and vendor.
func (s *Service) Organisations(ctx context.Context) ([]directory.Summary, error) {
	return s.orgs.All(ctx, system, directory.Filter{})
}

// OrganisationsByID answers the organisations of ids (a reader's own, to
// register a product in use for).
func (s *Service) OrganisationsByID(ctx context.Context, ids []string) ([]directory.Org, error) {
	return s.orgs.GetMany(ctx, system, ids)
}

// (staff: the ones they may accredit).
func (s *Service) Unaccredited(ctx context.Context, id *auth.Identity) ([]directory.Summary, error) {
	if err := MayManage(id); err != nil {
		return nil, err
	}
	labs, err := s.orgs.All(ctx, system, directory.Filter{Kind: directory.KindLab})
	if err != nil {
		return nil, fmt.Errorf("procurement: the directory's labs: %w", err)
	}
	have, err := listAccreditations(ctx, s.db, "")
	if err != nil {
		return nil, err
	}
	out := []directory.Summary{}
	for _, l := range labs {
		if !slices.ContainsFunc(have, func(a Accreditation) bool { return a.OrgID == l.ID }) {
			out = append(out, l)
		}
	}
	return out, nil
}

// maxReason bounds a reason's length.
const maxReason = 2000

// SetAccreditation accredits a lab, or changes its accreditation (staff):
// the organisation must be a lab of the directory; each field is checked;
// the change is recorded in the history and audited.
func (s *Service) SetAccreditation(ctx context.Context, id *auth.Identity, orgID string, in AccreditationInput) (Accreditation, error) {
	if err := MayManage(id); err != nil {
		return Accreditation{}, err
	}
	orgs, err := s.orgs.GetMany(ctx, system, []string{orgID})
	if err != nil {
		return Accreditation{}, fmt.Errorf("procurement: lab %s: %w", orgID, err)
	}
	if len(orgs) == 0 {
		return Accreditation{}, errs.NotFound("no organisation of that ID")
	}
	if orgs[0].Kind != directory.KindLab {
		return Accreditation{}, errs.Invalid("%s is a %s, not a lab: only labs are accredited", orgs[0].Name, orgs[0].Kind)
	}
	a, err := check(in)
	if err != nil {
		return Accreditation{}, err
	}
	a.OrgID, a.Lab, a.UpdatedAt = orgID, orgs[0].Name, s.now().UTC()
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		before, err := listAccreditations(ctx, tx, orgID)
		if err != nil {
			return err
		}
		if err := saveAccreditation(ctx, tx, a, id.Label()); err != nil {
			return err
		}
		ev := audit.Event{Action: "procurement.accreditation", ObjectType: "org", ObjectID: orgID, OrgID: orgID, After: a,
			Summary: fmt.Sprintf("%s: accreditation %s for %s, %s to %s", a.Lab, a.State, strings.Join(a.Categories, ", "),
				a.ValidFrom.Format(time.DateOnly), a.ValidUntil.Format(time.DateOnly))}
		if len(before) > 0 {
			ev.Before = before[0]
		}
		return audit.Record(ctx, tx, a.UpdatedAt, ev)
	})
	if err != nil {
		return Accreditation{}, err
	}
	return s.Lab(ctx, id, orgID)
}

// check reads and checks an accreditation's fields, naming each bad one.
func check(in AccreditationInput) (Accreditation, error) {
	var f errs.Fields
	a := Accreditation{State: strings.TrimSpace(in.State), Reason: strings.TrimSpace(in.Reason), Categories: []string{}}
	for _, c := range in.Categories {
		c = strings.TrimSpace(c)
		switch {
		case !catalogue.ValidCategory(c):
			f.Add("categories", "%q is not a category; the categories are %s", c, strings.Join(catalogue.Categories, ", "))
		case !slices.Contains(a.Categories, c):
			a.Categories = append(a.Categories, c)
		}
	}
	slices.Sort(a.Categories)
	if len(in.Categories) == 0 {
		f.Add("categories", "name at least one category the lab may evaluate")
	}
	if !slices.Contains(States, a.State) {
		f.Add("state", "must be one of %s", strings.Join(States, ", "))
	}
	day := func(field, v string) time.Time {
		t, err := time.Parse(time.DateOnly, strings.TrimSpace(v))
		if err != nil {
			f.Add(field, "a date, YYYY-MM-DD")
		}
		return t
	}
	a.ValidFrom, a.ValidUntil = day("valid_from", in.ValidFrom), day("valid_until", in.ValidUntil)
	if !f.Has("valid_from") && !f.Has("valid_until") {
		switch {
		case a.ValidUntil.Before(a.ValidFrom):
			f.Add("valid_until", "must not be before valid_from")
		case a.ValidUntil.After(a.ValidFrom.AddDate(10, 0, 0)):
			f.Add("valid_until", "at most ten years after valid_from")
		}
	}
	switch {
	case a.State != StateActive && a.State != "" && a.Reason == "":
		f.Add("reason", "say why the accreditation is %s", a.State)
	case utf8.RuneCountInString(a.Reason) > maxReason || strings.ContainsRune(a.Reason, 0):
		f.Add("reason", "at most %d characters", maxReason)
	}
	return a, f.Err()
}

// LabsFor answers the labs an evaluation of category may be assigned to
// at t: their accreditation is active, within its dates, and covers it.
func (s *Service) LabsFor(ctx context.Context, category string, t time.Time) ([]string, error) {
	if !catalogue.ValidCategory(category) {
		return nil, errs.InvalidField("category", "must be one of %s", strings.Join(catalogue.Categories, ", "))
	}
	return labsFor(ctx, s.db, category, t)
}

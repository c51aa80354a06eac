package catalogue

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Service keeps the catalogues. The criteria are public: vendors prepare
// for them, buyers read what an approval means. Staff publish versions and
// clarifications.
type Service struct {
	db  *db.DB
	now func() time.Time
}

// New makes the service over d, with the clock now.
func New(d *db.DB, now func() time.Time) *Service { return &Service{db: d, now: now} }

// Latest lists the latest version of each category's catalogue.
func (s *Service) Latest(ctx context.Context) ([]Summary, error) {
	return List(ctx, s.db, "")
}

// Versions lists a category's versions, newest first.
func (s *Service) Versions(ctx context.Context, category string) ([]Summary, error) {
	if !ValidCategory(category) {
		return nil, errs.NotFound("no such category")
	}
	return List(ctx, s.db, category)
}

// Get answers a version of a category's catalogue whole (the
// latest when version is 0).
func (s *Service) Get(ctx context.Context, category string, version int) (Catalogue, error) {
	if !ValidCategory(category) || version < 0 {
		return Catalogue{}, errs.NotFound("no such catalogue")
	}
	return Get(ctx, s.db, category, version)
}

// Publish publishes a new version of category's catalogue from
// its JSON (Parse's format), numbered after the last (staff);
// earlier versions stay as they were. Audited.
func (s *Service) Publish(ctx context.Context, id *auth.Identity, category string, data []byte) (Catalogue, error) {
	if err := mayPublish(id); err != nil {
		return Catalogue{}, err
	}
	if !ValidCategory(category) {
		return Catalogue{}, errs.NotFound("no such category; the categories are %s", strings.Join(Categories, ", "))
	}
	c, err := Parse(data)
	if err != nil {
		return Catalogue{}, err
	}
	c.Category, c.PublishedAt, c.PublishedBy = category, s.now().UTC(), id.Label()
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		c.Key = category
		if c.Version, err = tables.Insert(ctx, tx, c.Catalogue); err != nil {
			return err
		}
		return audit.Record(ctx, tx, c.PublishedAt, audit.Event{Action: "procurement.catalogue", ObjectType: "catalogue",
			ObjectID: fmt.Sprintf("%s/%d", category, c.Version), Summary: fmt.Sprintf("published %s version %d: %s (%d requirements)",
				category, c.Version, c.Title, len(c.Requirements))})
	})
	if err != nil {
		return Catalogue{}, err
	}
	return s.Get(ctx, category, c.Version)
}

// Clarify issues a clarification of a version (staff): of one of its
// requirements, or of the whole catalogue (requirement ""). Audited.
func (s *Service) Clarify(ctx context.Context, id *auth.Identity, category string, version int, requirement, text string) (Clarification, error) {
	if err := mayPublish(id); err != nil {
		return Clarification{}, err
	}
	if version < 1 {
		return Clarification{}, errs.NotFound("name the version the clarification is of")
	}
	c, err := s.Get(ctx, category, version)
	if err != nil {
		return Clarification{}, err
	}
	if requirement, text, err = c.CheckClarification(requirement, text); err != nil {
		return Clarification{}, err
	}
	cl := Clarification{ID: db.NewID(), Requirement: requirement, Text: text, IssuedAt: s.now().UTC(), IssuedBy: id.Label()}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := tables.InsertClarification(ctx, tx, category, version, cl); err != nil {
			return err
		}
		return audit.Record(ctx, tx, cl.IssuedAt, audit.Event{Action: "procurement.clarification", ObjectType: "catalogue",
			ObjectID: fmt.Sprintf("%s/%d", category, version), Summary: fmt.Sprintf("clarified %s version %d %s", category, version, requirement), After: cl})
	})
	return cl, err
}

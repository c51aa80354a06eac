package procurement

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// The criteria are public: vendors prepare for them, buyers read what an
// approval means. Staff publish versions and clarifications (policy.go).

// Catalogues lists the latest version of each category's catalogue.
func (s *Service) Catalogues(ctx context.Context) ([]CatalogueSummary, error) {
	return catalogueVersions(ctx, s.db, "")
}

// CatalogueVersions lists a category's versions, newest first.
func (s *Service) CatalogueVersions(ctx context.Context, category string) ([]CatalogueSummary, error) {
	if !ValidCategory(category) {
		return nil, errs.NotFound("no such category")
	}
	return catalogueVersions(ctx, s.db, category)
}

// Catalogue answers a version of a category's catalogue whole (the
// latest when version is 0).
func (s *Service) Catalogue(ctx context.Context, category string, version int) (Catalogue, error) {
	if !ValidCategory(category) || version < 0 {
		return Catalogue{}, errs.NotFound("no such catalogue")
	}
	return getCatalogue(ctx, s.db, category, version)
}

// PublishCatalogue publishes a new version of category's catalogue from
// its JSON (ParseCatalogue's format), numbered after the last (staff);
// earlier versions stay as they were. Audited.
func (s *Service) PublishCatalogue(ctx context.Context, id *auth.Identity, category string, data []byte) (Catalogue, error) {
	if err := mayManage(id); err != nil {
		return Catalogue{}, err
	}
	if !ValidCategory(category) {
		return Catalogue{}, errs.NotFound("no such category; the categories are %s", strings.Join(Categories, ", "))
	}
	c, err := ParseCatalogue(data)
	if err != nil {
		return Catalogue{}, err
	}
	c.Category, c.PublishedAt, c.PublishedBy = category, s.now().UTC(), id.Label()
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if c.Version, err = insertCatalogue(ctx, tx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, c.PublishedAt, audit.Event{Action: "procurement.catalogue", ObjectType: "catalogue",
			ObjectID: fmt.Sprintf("%s/%d", category, c.Version), Summary: fmt.Sprintf("published %s version %d: %s (%d requirements)",
				category, c.Version, c.Title, len(c.Requirements))})
	})
	if err != nil {
		return Catalogue{}, err
	}
	return s.Catalogue(ctx, category, c.Version)
}

// Clarify issues a clarification of a version (staff): of one of its
// requirements, or of the whole catalogue (requirement ""). Audited.
func (s *Service) Clarify(ctx context.Context, id *auth.Identity, category string, version int, requirement, text string) (Clarification, error) {
	if err := mayManage(id); err != nil {
		return Clarification{}, err
	}
	if version < 1 {
		return Clarification{}, errs.NotFound("name the version the clarification is of")
	}
	c, err := s.Catalogue(ctx, category, version)
	if err != nil {
		return Clarification{}, err
	}
	var f errs.Fields
	requirement, text = strings.TrimSpace(requirement), strings.TrimSpace(text)
	if requirement != "" && !slices.ContainsFunc(c.Requirements, func(r Requirement) bool { return strings.EqualFold(r.ID, requirement) }) {
		f.Add("requirement", "version %d has no requirement %s", version, requirement)
	}
	if text == "" || utf8.RuneCountInString(text) > maxReqText || strings.ContainsRune(text, 0) {
		f.Add("text", "the clarification, 1 to %d characters", maxReqText)
	}
	if err := f.Err(); err != nil {
		return Clarification{}, err
	}
	for _, r := range c.Requirements {
		if strings.EqualFold(r.ID, requirement) {
			requirement = r.ID
		}
	}
	cl := Clarification{ID: db.NewID(), Requirement: requirement, Text: text, IssuedAt: s.now().UTC(), IssuedBy: id.Label()}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := insertClarification(ctx, tx, category, version, cl); err != nil {
			return err
		}
		return audit.Record(ctx, tx, cl.IssuedAt, audit.Event{Action: "procurement.clarification", ObjectType: "catalogue",
			ObjectID: fmt.Sprintf("%s/%d", category, version), Summary: fmt.Sprintf("clarified %s version %d %s", category, version, requirement), After: cl})
	})
	return cl, err
}

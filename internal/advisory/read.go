package advisory

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Detail is a publication for the console: the working copy, its revisions
// and whether its CSAF document would be valid now.
type Detail struct {
	Advisory  Advisory   `json:"advisory"`
	Revisions []Revision `json:"revisions"`
	Problems  []Problem  `json:"problems"`
	// MayApprove: the viewer may approve (a second person: not its author,
	// last editor or submitter).
	MayApprove bool `json:"may_approve"`
	MayEdit    bool `json:"may_edit"`
	// CasePublicationAt is the linked case's agreed publication date, which
	// the reviewer is offered as the publication time.
	CasePublicationAt *time.Time `json:"case_publication_at,omitempty"`
	// Audience names the recipient organisations and people (for the
	// console; the API has their ids in the advisory).
	Audience Audience `json:"-"`
}

// Audience is who a publication is for, by name.
type Audience struct {
	Orgs   []directory.Org
	People []auth.User
}

// Get returns a publication for the console (staff only).
func (s *Service) Get(ctx context.Context, id *auth.Identity, advID string) (Detail, error) {
	if !mayEdit(id) {
		return Detail{}, errs.NotFound("advisory not found")
	}
	var d Detail
	err := s.db.Read(ctx, func(q db.Querier) error {
		var err error
		if d.Advisory, err = getAdvisory(ctx, q, advID); err != nil {
			return err
		}
		d.Revisions, err = listRevisions(ctx, q, d.Advisory.ID)
		return err
	})
	if err != nil {
		return Detail{}, err
	}
	if d.Advisory.Kind.HasCSAF() {
		_, d.Problems, err = s.preview(d.Advisory, d.Revisions)
		if err != nil {
			return Detail{}, err
		}
	}
	if d.Problems == nil {
		d.Problems = []Problem{}
	}
	if len(d.Advisory.Recipients) > 0 {
		if d.Audience.Orgs, err = s.orgs.GetMany(ctx, system, d.Advisory.Recipients); err != nil {
			return Detail{}, err
		}
	}
	if d.Audience.People, err = s.NamedPeople(ctx, d.Advisory.RecipientUsers); err != nil {
		return Detail{}, err
	}
	d.MayEdit = d.Advisory.Status == StatusDraft || d.Advisory.Status == StatusPublished
	d.MayApprove = d.Advisory.Status == StatusInReview && secondPerson(id, d.Advisory)
	if d.MayApprove && d.Advisory.CaseID != nil && s.cases != nil {
		// Best effort: a case the reviewer may not run offers no date.
		if h, err := s.cases.Handoff(ctx, id, *d.Advisory.CaseID); err == nil && h.PublicationAt != nil && h.PublicationAt.After(s.now()) {
			// Offered to the minute (the form's precision), never before the date.
			t := h.PublicationAt.UTC().Truncate(time.Minute)
			if t.Before(*h.PublicationAt) {
				t = t.Add(time.Minute)
			}
			d.CasePublicationAt = &t
		}
	}
	return d, nil
}

// Filter narrows the console list.
type Filter struct {
	Status string
	Kind   string
	Query  string
	Limit  int
	Offset int
}

// List lists publications for the console, most recently changed first.
func (s *Service) List(ctx context.Context, id *auth.Identity, f Filter) ([]Advisory, int, error) {
	if !mayEdit(id) {
		return nil, 0, errs.Forbidden("only the coordination center's staff see unpublished work")
	}
	where, args := []string{"1=1"}, db.Args{}
	arg := args.Add
	if f.Status != "" {
		where = append(where, "status = "+arg(f.Status))
	}
	if f.Kind != "" {
		where = append(where, "kind = "+arg(f.Kind))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		p := "%" + db.EscapeLike(strings.ToLower(q)) + "%"
		where = append(where, "(LOWER(title) LIKE "+arg(p)+` ESCAPE '\' OR LOWER(tracking_id) LIKE `+arg(p)+` ESCAPE '\')`)
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var out []Advisory
	var total int
	err := s.db.Read(ctx, func(q db.Querier) error {
		cond := strings.Join(where, " AND ")
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM advisories WHERE `+cond, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := q.Query(ctx, `SELECT `+advisoryColumns+` FROM advisories WHERE `+cond+
			` ORDER BY updated_at DESC, id LIMIT `+strconv.Itoa(limit)+` OFFSET `+strconv.Itoa(max(f.Offset, 0)), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAdvisory(rows)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("advisory: list: %w", err)
	}
	return out, total, nil
}

package directory

import (
	"context"
	"slices"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Getter reads organisations by ID: what a domain's own Orgs interface
// holds of the directory.
type Getter interface {
	GetMany(ctx context.Context, id *auth.Identity, ids []string) ([]Org, error)
}

// Names answers the names of the organisations ids name (each asked
// once), as id may read them: how a domain shows who owns what.
func Names(ctx context.Context, g Getter, id *auth.Identity, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	orgs, err := g.GetMany(ctx, id, slices.Compact(ids))
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		out[o.ID] = o.Name
	}
	return out, nil
}

// One answers one organisation as id may read it, errs.NotFound when
// there is none.
func One(ctx context.Context, g Getter, id *auth.Identity, orgID string) (Org, error) {
	list, err := g.GetMany(ctx, id, []string{orgID})
	if err != nil {
		return Org{}, err
	}
	if len(list) == 0 {
		return Org{}, errs.NotFound("no such organisation")
	}
	return list[0], nil
}

package catalogue

import (
	"context"

	"github.com/certhub/certhub/internal/platform/db"
)

// List answers the versions (of one category, or the latest of each when
// category is ""), newest first, with their sizes.
func List(ctx context.Context, q db.Querier, category string) ([]Summary, error) {
	list, err := tables.List(ctx, q, category)
	out := make([]Summary, len(list))
	for i, s := range list {
		out[i] = Summary{Category: s.Key, Summary: s}
	}
	return out, err
}

// Get answers one version whole (the latest when version is 0);
// errs.NotFound when there is none.
func Get(ctx context.Context, q db.Querier, category string, version int) (Catalogue, error) {
	c, err := tables.Get(ctx, q, category, version)
	return Catalogue{Category: c.Key, Catalogue: c}, err
}

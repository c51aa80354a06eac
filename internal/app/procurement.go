package app

import (
	"context"
	"slices"
	"time"

	"github.com/certhub/certhub/internal/advisory"
	"github.com/certhub/certhub/internal/procurement"
)

// procurementNews lets procurement's watch read the publications that name
// products: the public ones only, since the approved-products list is
// public and says why an entry is under review.
type procurementNews struct {
	advisories *advisory.Service
}

// NamedSince answers the public publications (re)published after t that
// name products, oldest first.
func (n procurementNews) NamedSince(ctx context.Context, t time.Time, limit int) ([]procurement.Notice, error) {
	var out []procurement.Notice
	from := t
	for page := 1; len(out) < limit; page++ {
		list, err := n.advisories.Publications(ctx, nil, advisory.PublicFilter{From: &from, Page: page, Limit: 100})
		if err != nil {
			return nil, err
		}
		for _, p := range list.Items {
			if !p.LastPublishedAt.After(t) || len(p.Content.Products) == 0 {
				continue
			}
			nt := procurement.Notice{At: p.LastPublishedAt, Ref: p.TrackingID, Title: p.Content.Title,
				URL: "/advisories/" + p.TrackingID}
			for _, pr := range p.Content.Products {
				nt.Products = append(nt.Products, procurement.NamedProduct{Vendor: pr.Vendor, Name: pr.Name, Versions: pr.Versions,
					PURL: pr.PURL, CPE: pr.CPE})
			}
			out = append(out, nt)
		}
		if page >= list.Pages {
			break
		}
	}
	slices.SortFunc(out, func(a, b procurement.Notice) int { return a.At.Compare(b.At) })
	return out, nil
}

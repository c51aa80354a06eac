package app

import (
	"context"
	"slices"
	"time"

	"github.com/certhub/certhub/internal/advisory"
	"github.com/certhub/certhub/internal/procurement"
	"github.com/certhub/certhub/internal/vdp"
)

// procurementNews lets procurement's watch read what names products: the
// public publications (the approved-products list is public and says why
// an entry is under review, with the advisory's link) and the products the
// reports of newly opened disclosure cases name (by the case's number
// only: the case may be under embargo).
type procurementNews struct {
	advisories *advisory.Service
	cases      *vdp.Service
}

// NamedSince answers the public publications (re)published after t that
// name products, and the cases opened after t whose reports name one,
// oldest first.
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
	named, err := n.cases.ProductsNamedSince(ctx, t, limit)
	if err != nil {
		return nil, err
	}
	for _, p := range named {
		np := procurement.NamedProduct{Vendor: p.Vendor, Name: p.Product, Versions: p.Versions}
		if k := len(out) - 1; k >= 0 && out[k].Ref == p.CaseNumber {
			out[k].Products = append(out[k].Products, np)
			continue
		}
		out = append(out, procurement.Notice{At: p.CaseCreatedAt, Ref: p.CaseNumber,
			Title: "a vulnerability under coordinated disclosure; the details follow with its advisory", Products: []procurement.NamedProduct{np}})
	}
	slices.SortStableFunc(out, func(a, b procurement.Notice) int { return a.At.Compare(b.At) })
	return out, nil
}

// procurementGuidelines are the hardening guidelines an approval points
// to: the advisory package's public guideline publications.
type procurementGuidelines struct{ advisories *advisory.Service }

// Guidelines answers the published guidelines, newest first (at most 200).
func (g procurementGuidelines) Guidelines(ctx context.Context) ([]procurement.Guideline, error) {
	list, err := g.advisories.Publications(ctx, nil, advisory.PublicFilter{Kind: string(advisory.KindGuideline), Page: 1, Limit: 200})
	if err != nil {
		return nil, err
	}
	out := make([]procurement.Guideline, 0, len(list.Items))
	for _, p := range list.Items {
		out = append(out, procurement.Guideline{Ref: p.TrackingID, Title: p.Content.Title, URL: "/advisories/" + p.TrackingID})
	}
	return out, nil
}

package app

import (
	"context"
	"net/url"
	"strings"

	"github.com/certhub/certhub/internal/governance/council"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/vdp/model"
)

// councilRecords finds the records the council's decisions and actions
// rest on, in the domains that hold them, as the server (the council's
// pages link to each record's own page, which applies its own access rule).
type councilRecords struct{ c *Core }

// Find answers a record by kind and its ID, number or tracking ID.
func (r councilRecords) Find(ctx context.Context, kind, ref string) (council.Link, error) {
	sys := auth.System("council")
	none := errs.NotFound("no %s %s", kind, ref)
	switch kind {
	case "case":
		cases, _, err := r.c.VDP.ListCases(ctx, sys, model.CaseFilter{Query: ref, Limit: 20})
		if err != nil {
			return council.Link{}, err
		}
		for _, k := range cases {
			if k.ID == ref || strings.EqualFold(k.Number, ref) {
				return council.Link{Ref: k.ID, Label: k.Number, Title: k.Title, URL: "/console/cases/" + url.PathEscape(k.ID)}, nil
			}
		}
		return council.Link{}, none
	case "advisory":
		pub, _, err := r.c.Advisory.Publication(ctx, sys, ref)
		if err != nil {
			return council.Link{}, notFoundAs(err, none)
		}
		return council.Link{Ref: pub.ID, Label: pub.TrackingID, Title: pub.Content.Title, URL: "/advisories/" + url.PathEscape(pub.TrackingID)}, nil
	case "incident":
		v, err := r.c.Incidents.Get(ctx, sys, ref)
		if err != nil {
			return council.Link{}, notFoundAs(err, none)
		}
		return council.Link{Ref: v.Incident.ID, Label: v.Incident.Number, Title: v.Incident.Title, URL: "/console/incidents/" + url.PathEscape(v.Incident.ID)}, nil
	case "product":
		p, err := r.c.Procurement.ApprovedProduct(ctx, ref)
		if err != nil {
			return council.Link{}, notFoundAs(err, none)
		}
		return council.Link{Ref: p.ID, Label: p.CertificateID, Title: p.Vendor + " " + p.Product + " " + p.Versions,
			URL: "/approved-products/" + url.PathEscape(p.ID)}, nil
	case "alert":
		a, err := r.c.Coordination.Alert(ctx, sys, ref)
		if err != nil {
			return council.Link{}, notFoundAs(err, none)
		}
		return council.Link{Ref: a.Alert.ID, Label: a.Alert.TrackingID, Title: a.Alert.Title, URL: "/console/alerts/" + url.PathEscape(a.Alert.ID)}, nil
	}
	return council.Link{}, none
}

// notFoundAs answers none for a record that is not there (or not a valid
// reference), err otherwise.
func notFoundAs(err, none error) error {
	if k := errs.KindOf(err); k == errs.KindNotFound || k == errs.KindInvalid {
		return none
	}
	return err
}

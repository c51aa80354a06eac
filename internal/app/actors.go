package app

import (
	"context"
	"net/url"
	"strings"

	"github.com/certhub/certhub/internal/advisory"
	"github.com/certhub/certhub/internal/intel/actors"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/vdp/model"
)

// actorRecords answers what actor profiles link to, from the domains that
// hold it, as the reader reads it: an incident or case only when the
// reader may read it, advisories the reader may read.
type actorRecords struct{ c *Core }

// Attributed answers incident or case ref (its ID or number).
func (r actorRecords) Attributed(ctx context.Context, id *auth.Identity, kind, ref string) (actors.Record, bool, error) {
	switch kind {
	case "incident":
		v, err := r.c.Incidents.Get(ctx, id, ref)
		if err != nil {
			return actors.Record{}, false, hidden(err)
		}
		return actors.Record{Kind: kind, Ref: v.Incident.Number, Title: v.Incident.Title, At: v.Incident.CreatedAt,
			URL: "/console/incidents/" + url.PathEscape(v.Incident.ID)}, true, nil
	case "case":
		cases, _, err := r.c.VDP.ListCases(ctx, id, model.CaseFilter{Query: ref, Limit: 20})
		if err != nil {
			return actors.Record{}, false, hidden(err)
		}
		for _, k := range cases {
			if k.ID == ref || strings.EqualFold(k.Number, ref) {
				return actors.Record{Kind: kind, Ref: k.Number, Title: k.Title, At: k.CreatedAt,
					URL: "/console/cases/" + url.PathEscape(k.ID)}, true, nil
			}
		}
	}
	return actors.Record{}, false, nil
}

// hidden answers nil for what the reader does not read or that is not
// there (the record is left out), err otherwise.
func hidden(err error) error {
	switch errs.KindOf(err) {
	case errs.KindNotFound, errs.KindInvalid, errs.KindForbidden, errs.KindUnauthenticated:
		return nil
	}
	return err
}

// Naming answers the publications the reader reads whose words name any
// of names, newest first.
func (r actorRecords) Naming(ctx context.Context, id *auth.Identity, names []string) ([]actors.Record, error) {
	out := []actors.Record{}
	seen := map[string]bool{}
	for _, n := range names {
		list, err := r.c.Advisory.Publications(ctx, id, advisory.PublicFilter{Query: n, Page: 1, Limit: 20})
		if err != nil {
			return nil, err
		}
		for _, p := range list.Items {
			if seen[p.ID] || !namesIn(p, n) {
				continue
			}
			seen[p.ID] = true
			out = append(out, actors.Record{Kind: "advisory", Ref: p.TrackingID, Title: p.Content.Title, At: p.FirstPublishedAt,
				URL: "/advisories/" + url.PathEscape(p.TrackingID)})
		}
	}
	return out, nil
}

// namesIn reports whether a publication's title, summary or text holds
// name as it is written (word search matches the words in any order).
func namesIn(p advisory.Publication, name string) bool {
	name = strings.ToLower(name)
	for _, s := range []string{p.Content.Title, p.Content.Summary, p.Content.Details} {
		if strings.Contains(strings.ToLower(s), name) {
			return true
		}
	}
	return false
}

package app

import (
	"context"

	"github.com/certhub/certhub/internal/advisory"
	"github.com/certhub/certhub/internal/coordination"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
)

// coordinationPublications lets coordination send the advisory package's
// publications to an audience: the latest published revision's title and
// TLP, and, for TLP:AMBER, the organisations it is for.
type coordinationPublications struct{ advisories *advisory.Service }

// Published answers a published publication by ID or tracking ID.
func (p coordinationPublications) Published(ctx context.Context, ref string) (coordination.Publication, error) {
	if ref == "" {
		return coordination.Publication{}, errs.NotFound("no publication named")
	}
	sys := auth.System("coordination")
	pub, _, err := p.advisories.Publication(ctx, sys, ref)
	if err != nil {
		return coordination.Publication{}, err
	}
	d, err := p.advisories.Get(ctx, sys, pub.ID)
	if err != nil {
		return coordination.Publication{}, err
	}
	return coordination.Publication{ID: pub.ID, TrackingID: pub.TrackingID, Title: pub.Content.Title, TLP: pub.TLP,
		Recipients: d.Advisory.Recipients}, nil
}

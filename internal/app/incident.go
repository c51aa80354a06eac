package app

import (
	"context"
	"strings"

	"github.com/certhub/certhub/internal/intel"
	"github.com/certhub/certhub/internal/intel/ingest"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/vdp"
	"github.com/certhub/certhub/internal/vdp/routing"
)

// incidentRoutes routes incidents by the disclosure program's routing
// rules: the same rules engine, one set of rules for both.
type incidentRoutes struct{ vdp *vdp.Service }

// Responsible answers the CERT of the first rule that matches an incident
// of those sectors and CII standing.
func (r incidentRoutes) Responsible(ctx context.Context, sectors []string, cii bool) (string, bool, error) {
	rules, err := r.vdp.Reports().Rules(ctx, auth.System("incident"))
	if err != nil {
		return "", false, err
	}
	rule, ok := routing.First(rules, routing.Report{Sectors: sectors, CII: cii})
	return rule.OrgID, ok, nil
}

// incidentIndicators hands an incident's indicators to threat
// intelligence: a source named for the incident, owned by its CERT, under
// the incident's TLP, loaded as a plain list so they are normalised,
// routed and correlated like any feed's.
type incidentIndicators struct{ intel *intel.Service }

// Share loads the indicators.
func (x incidentIndicators) Share(ctx context.Context, source, tlp, owner string, indicators []string) error {
	sys := auth.System("incident")
	src, err := x.intel.EnsureSource(ctx, sys, source, tlp, &owner)
	if err != nil {
		return err
	}
	_, err = x.intel.Ingest(ctx, sys, src, strings.NewReader(strings.Join(indicators, "\n")+"\n"), intel.IngestOptions{Format: ingest.Text, TLP: tlp})
	return err
}

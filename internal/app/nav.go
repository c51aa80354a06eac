package app

import (
	"context"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
)

// navFor decides the console's sections shown to id: each in the
// navigation of the roles that use it (the pages themselves apply their
// own access rules). Staff see them all; periodic reports and CSIRT
// maturity are the CERTs'; the council's members come from the CERTs and
// the ministries; assessments are of constituents, by CERTs and labs;
// hygiene and gateway telemetry are the constituents' and their CERTs'.
func (a *App) navFor(ctx context.Context, id *auth.Identity) map[string]bool {
	if id.IsStaff() || id.IsSystem() {
		return nil
	}
	var ids []string
	for _, m := range id.Memberships {
		ids = append(ids, m.OrgID)
	}
	var cert, ministry, constituent, lab bool
	if len(ids) > 0 {
		orgs, err := a.Directory.GetMany(ctx, auth.System("navigation"), ids)
		if err != nil {
			return nil // the pages still refuse what the identity may not read
		}
		for _, o := range orgs {
			cert = cert || o.Kind.IsCERT()
			ministry = ministry || o.Kind == directory.KindMinistry
			constituent = constituent || o.Kind == directory.KindConstituent
			lab = lab || o.Kind == directory.KindLab
		}
	}
	return map[string]bool{"periodic-reports": cert, "council": cert || ministry, "assessments": cert || constituent || lab, "maturity": cert,
		"hygiene": cert || constituent, "telemetry": cert || constituent, "situation": cert}
}

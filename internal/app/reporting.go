package app

import (
	"context"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/governance/reporting"
	"github.com/certhub/certhub/internal/platform/auth"
)

// reportRecords counts, for a CERT's periodic report, what each domain
// holds of it in a period: the incidents it handled and their deadlines,
// the vulnerability reports and cases it had, the alerts delivered to it
// and its constituents, the intelligence it shared and that reached
// them, and the people of them trained.
type reportRecords struct{ c *Core }

// Figures counts what orgID's CERT handled in [from, to).
func (r reportRecords) Figures(ctx context.Context, orgID string, from, to time.Time) (reporting.Figures, error) {
	var f reporting.Figures
	inc, err := r.c.Incidents.FiguresOf(ctx, orgID, from, to)
	if err != nil {
		return f, err
	}
	f.Incidents, f.IncidentsClosed, f.ByClass = inc.Total, inc.Closed, []reporting.Count{}
	for _, c := range inc.BySeverity {
		switch c.Key {
		case "critical":
			f.IncidentsCritical = c.N
		case "high":
			f.IncidentsHigh = c.N
		}
	}
	for _, c := range inc.ByClass {
		f.ByClass = append(f.ByClass, reporting.Count{Key: c.Key, Label: c.Label, N: c.N})
	}
	for _, st := range inc.Steps {
		f.DeadlinesDue += st.Met + st.Late + st.Overdue
		f.DeadlinesMet += st.Met
	}
	if f.VulnReports, f.CasesOpened, err = r.c.VDP.Handled(ctx, orgID, from, to); err != nil {
		return f, err
	}
	orgs := []string{orgID}
	under, err := r.c.Directory.All(ctx, auth.System("reporting"), directory.Filter{ParentID: orgID})
	if err != nil {
		return f, err
	}
	for _, o := range under {
		orgs = append(orgs, o.ID)
	}
	if f.AlertsDelivered, f.AlertsAcknowledged, err = r.c.Coordination.Delivered(ctx, orgs, from, to); err != nil {
		return f, err
	}
	if f.IndicatorsShared, f.IndicatorsRouted, err = r.c.Intel.Shared(ctx, orgID, orgs, from, to); err != nil {
		return f, err
	}
	if f.PeopleTrained, err = r.c.Training.Completions(ctx, orgs, from, to); err != nil {
		return f, err
	}
	if f.AssessmentsReported, f.RemediationOverdue, err = r.c.Assessments.Figures(ctx, orgID, from, to); err != nil {
		return f, err
	}
	f.HygieneOpened, f.HygieneFixed, err = r.c.Hygiene.Figures(ctx, orgID, from, to)
	return f, err
}

package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/coordination/incident"
	"github.com/certhub/certhub/internal/governance/council"
	"github.com/certhub/certhub/internal/platform/actions"
	"github.com/certhub/certhub/internal/platform/auth"
)

// loadCouncil seats the CERT Council (the National CERT's analyst in the
// chair, the center's coordinator as secretary, three sectoral CERTs'
// leads, the ministry as observer) and gives it two meetings: one held a
// month ago with approved minutes, a public summary, two decisions
// resting on the demo's alert and incident, and two actions (one done,
// one overdue); the next in two weeks with its agenda.
func loadCouncil(ctx context.Context, c *app.Core, ids map[string]string) error {
	sys := auth.System("demo dataset")
	as := func(email string) (*auth.Identity, error) {
		u, err := c.Auth.UserByEmail(ctx, email)
		if err != nil {
			return nil, err
		}
		return c.Auth.Identity(ctx, u.ID)
	}
	now := c.Cfg.Now().UTC()
	year := now.Format("2006")
	for _, m := range []struct{ email, org, role string }{
		{"analyst@ncert.example", "ncert", council.Chair}, {"coordinator@cc.example", "cc", council.Secretary},
		{"lead@bank-cert.example", "bankcert", council.Member}, {"lead@telco-cert.example", "telcocert", council.Member},
		{"lead@power-cert.example", "powercert", council.Member}, {"cyber@moitt.example", "ministry", council.Observer},
	} {
		id, err := as(m.email)
		if err != nil {
			return err
		}
		if _, err := c.Council.Appoint(ctx, sys, "", council.MemberInput{OrgID: ids[m.org], UserID: id.User.ID, Role: m.role,
			TermStart: year + "-01-01", TermEnd: fmt.Sprint(now.Year()+1) + "-12-31"}); err != nil {
			return fmt.Errorf("demo council member %s: %w", m.email, err)
		}
	}
	day := func(d int, hour int) string {
		t := now.AddDate(0, 0, d)
		return time.Date(t.Year(), t.Month(), t.Day(), hour, 0, 0, 0, time.UTC).Format(time.RFC3339)
	}
	before := c.Council.WithClock(func() time.Time { return now.AddDate(0, 0, -45) })
	held, err := before.ScheduleMeeting(ctx, sys, council.MeetingInput{Title: "Third ordinary meeting " + year, StartsAt: day(-30, 5), EndsAt: day(-30, 8),
		Place: "National CERT, Islamabad, and by video"}, time.UTC)
	if err != nil {
		return fmt.Errorf("demo meeting: %w", err)
	}
	var first *council.Item
	for _, it := range []council.ItemInput{
		{Title: "The VPN gateway campaign against banks", Presenter: "BankCERT", Body: "The alert of the last quarter: who answered, who patched, and what the silent banks' CERT did."},
		{Title: "Monthly reporting to the National CERT", Presenter: "National CERT", Body: "A proposal: every sectoral CERT reports monthly, assembled from its records in certhub."},
		{Title: "The telecom DDoS wave", Presenter: "TelcoCERT", Body: "Lessons from the DDoS on the mobile core and a reporting template for operators."},
	} {
		item, err := c.Council.AddItem(ctx, sys, held.ID, it)
		if err != nil {
			return fmt.Errorf("demo agenda: %w", err)
		}
		if first == nil {
			first = &item
		}
	}
	paper, err := c.Council.Stage(ctx, "vpn-campaign-status.csv", strings.NewReader("bank,acknowledged,patched\nFirst Example Bank,yes,yes\nCrescent Microfinance,yes,yes\n"))
	if err != nil {
		return fmt.Errorf("demo paper: %w", err)
	}
	if _, err := c.Council.AttachPaper(ctx, sys, held.ID, first.ID, paper); err != nil {
		return fmt.Errorf("demo paper: %w", err)
	}
	in := council.MeetingInput{Title: held.Title, StartsAt: day(-30, 5), EndsAt: day(-30, 8), Place: held.Place, Status: council.Held}
	if _, err := c.Council.UpdateMeeting(ctx, sys, held.ID, in, time.UTC); err != nil {
		return fmt.Errorf("demo meeting held: %w", err)
	}
	members, err := c.Council.Members(ctx, sys)
	if err != nil {
		return err
	}
	att := map[string]string{}
	for _, m := range members {
		att[m.ID] = council.Present
		if m.Role == council.Observer {
			att[m.ID] = council.Apologies
		}
	}
	if _, err := c.Council.SetAttendance(ctx, sys, held.ID, att); err != nil {
		return fmt.Errorf("demo attendance: %w", err)
	}
	if _, err := c.Council.SaveMinutes(ctx, sys, held.ID, "1. The VPN gateway campaign. BankCERT reported that 4 of 6 banks acknowledged the alert within a day; the two silent banks were reached through the escalation ladder.\n"+
		"2. Monthly reporting. The council adopted monthly reporting (CD-"+year+"-001).\n"+
		"3. The telecom DDoS wave. TelcoCERT will publish a reporting template for operators."); err != nil {
		return fmt.Errorf("demo minutes: %w", err)
	}
	chair, err := as("analyst@ncert.example")
	if err != nil {
		return err
	}
	if _, err := c.Council.ApproveMinutes(ctx, chair, held.ID); err != nil {
		return fmt.Errorf("demo minutes approved: %w", err)
	}
	if _, err := c.Council.PublishSummary(ctx, sys, held.ID, "The council reviewed the response to the VPN gateway campaign against banks, adopted monthly reporting by the sectoral CERTs to the National CERT, and asked TelcoCERT for a DDoS reporting template for operators."); err != nil {
		return fmt.Errorf("demo summary: %w", err)
	}
	var refs []council.LinkInput
	if alerts, _, err := c.Coordination.Alerts(ctx, sys, 1, ""); err == nil && len(alerts) > 0 {
		refs = append(refs, council.LinkInput{Kind: "alert", Ref: alerts[0].ID})
	} else if err != nil {
		return err
	}
	ddos, _, err := c.Incidents.List(ctx, sys, incident.Filter{Query: "Volumetric DDoS"}, 1, "")
	if err != nil || len(ddos) == 0 {
		return fmt.Errorf("demo council: the DDoS incident: %v", err)
	}
	monthly, err := c.Council.AddDecision(ctx, sys, held.ID, council.DecisionInput{Kind: council.Decision, Title: "Monthly reporting to the National CERT",
		Text: "From next month every sectoral and government CERT reports monthly to the National CERT: incidents, vulnerability reports and cases, alerts, intelligence shared, training.",
		For:  5, Links: []council.LinkInput{{Kind: "incident", Ref: ddos[0].Number}}})
	if err != nil {
		return fmt.Errorf("demo decision: %w", err)
	}
	if _, err := c.Council.AddDecision(ctx, sys, held.ID, council.DecisionInput{Kind: council.Recommendation, Title: "Patch within 72 hours of an alert",
		Text: "Banks apply a fix named in a TLP:CLEAR alert within 72 hours, or tell BankCERT why they cannot.", For: 4, Abstentions: 1, Links: refs}); err != nil {
		return fmt.Errorf("demo recommendation: %w", err)
	}
	patched, err := c.Council.AddAction(ctx, sys, held.ID, council.ActionInput{Input: actions.Input{Title: "Collect the banks' patch status for the VPN alert",
		OwnerOrgID: ids["bankcert"], DueOn: now.AddDate(0, 0, -12).Format("2006-01-02")}, Links: refs})
	if err != nil {
		return fmt.Errorf("demo action: %w", err)
	}
	if _, err := c.Council.MoveAction(ctx, sys, patched.ID, actions.Change{Status: actions.Done, Note: "All six banks patched; the report is in the thread."}); err != nil {
		return err
	}
	if _, err := c.Council.AddAction(ctx, sys, held.ID, council.ActionInput{Input: actions.Input{Title: "Publish a DDoS reporting template for operators",
		OwnerOrgID: ids["telcocert"], DueOn: now.AddDate(0, 0, -5).Format("2006-01-02")}, DecisionID: monthly.Number,
		Links: []council.LinkInput{{Kind: "incident", Ref: ddos[0].Number}}}); err != nil {
		return fmt.Errorf("demo action: %w", err)
	}
	next, err := c.Council.ScheduleMeeting(ctx, sys, council.MeetingInput{Title: "Fourth ordinary meeting " + year, StartsAt: day(14, 5), EndsAt: day(14, 8),
		Place: "National CERT, Islamabad, and by video"}, time.UTC)
	if err != nil {
		return fmt.Errorf("demo meeting: %w", err)
	}
	for _, it := range []council.ItemInput{
		{Title: "Approval of the minutes of the third meeting", Presenter: "Secretary"},
		{Title: "The first monthly reports: the national roll-up", Presenter: "National CERT"},
		{Title: "Training capacity of CII operators", Presenter: "Coordination Center", Body: "Which CII operators still have no trained incident contact (training capacity figures)."},
	} {
		if _, err := c.Council.AddItem(ctx, sys, next.ID, it); err != nil {
			return fmt.Errorf("demo agenda: %w", err)
		}
	}
	return nil
}

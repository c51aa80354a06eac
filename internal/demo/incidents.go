package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/coordination/deadline"
	"github.com/certhub/certhub/internal/coordination/incident"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
)

// loadIncidents reports the demo's incidents: a telecom operator's DDoS
// under NIS2 whose early warning is overdue (escalated to the national
// CERT for touching critical infrastructure); a bank's phishing campaign
// answered within its deadlines; a microfinance intrusion that BankCERT
// handles with TelcoCERT asked in (a cross-CERT incident) and its
// indicators shared with threat intelligence; and a citizen's report
// through the public form.
func loadIncidents(ctx context.Context, c *app.Core) error {
	as := func(email string) (*auth.Identity, error) {
		u, err := c.Auth.UserByEmail(ctx, email)
		if err != nil {
			return nil, err
		}
		return c.Auth.Identity(ctx, u.ID)
	}
	now := c.Cfg.Now().UTC()
	at := func(d time.Duration) string { return now.Add(-d).Format(time.RFC3339) }
	telco, err := as("noc@karakoram-telecom.example")
	if err != nil {
		return err
	}
	if _, err := c.Incidents.Report(ctx, telco, incident.Input{Title: "Volumetric DDoS on the mobile core's DNS resolvers",
		Description: "UDP reflection traffic peaking at 180 Gbit/s against the resolvers since yesterday evening; subscribers in the north lose service in bursts.",
		Class:       "availability", Type: "ddos", Severity: "high", TLP: "AMBER", Systems: "Mobile core DNS resolvers; customer data service",
		AffectedUsers: ptr(int64(1_200_000)), ImpactHours: ptr(20), Indicators: []string{"198.51.100.240", "198.51.100.241"},
		Regimes: []string{deadline.NIS2.ID}, DetectedAt: at(31 * time.Hour), AwareAt: at(30 * time.Hour)}, incident.ChannelPortal); err != nil {
		return fmt.Errorf("demo incident (telecom): %w", err)
	}

	bank, err := as("ciso@firstbank.example")
	if err != nil {
		return err
	}
	phish, err := c.Incidents.Report(ctx, bank, incident.Input{Title: "Phishing campaign imitating the bank's login page",
		Description: "Customers received SMS with links to a copy of our online banking login; three accounts were taken over.",
		Class:       "fraud", Type: "phishing", Severity: "medium", TLP: "GREEN", Indicators: []string{"https://firstbank-login.example.net/secure"},
		Regimes: []string{deadline.NIS2.ID}, DetectedAt: at(3 * time.Hour), AwareAt: at(2 * time.Hour)}, incident.ChannelPortal)
	if err != nil {
		return fmt.Errorf("demo incident (phishing): %w", err)
	}
	if _, err := c.Incidents.MarkStep(ctx, bank, phish.ID, deadline.Key(deadline.NIS2.ID, "early-warning")); err != nil {
		return fmt.Errorf("demo early warning: %w", err)
	}
	bankCERT, err := as("analyst@bank-cert.example")
	if err != nil {
		return err
	}
	if _, err := c.Incidents.AddNote(ctx, bankCERT, phish.ID, incident.NoteInput{Visibility: incident.Reporter,
		Body: "Received. We have asked the registrar to suspend the domain and added the URL to the sector's block list. Please send the SMS sender IDs you have seen."}); err != nil {
		return fmt.Errorf("demo first response: %w", err)
	}
	sms, err := c.Incidents.Stage(ctx, "sms-samples.txt", strings.NewReader("From: FIRSTBNK\nYour account is blocked. Verify at https://firstbank-login.example.net/secure\n"))
	if err != nil {
		return fmt.Errorf("demo file: %w", err)
	}
	if _, err := c.Incidents.Attach(ctx, bank, phish.ID, sms); err != nil {
		return fmt.Errorf("demo file: %w", err)
	}
	if _, err := c.Incidents.AddTask(ctx, bankCERT, phish.ID, incident.TaskInput{Title: "Request the takedown of the phishing domain",
		DueAt: now.Add(24 * time.Hour).Format(time.RFC3339)}); err != nil {
		return fmt.Errorf("demo task: %w", err)
	}

	crescent, err := as("security@crescent-mf.example")
	if err != nil {
		return err
	}
	intrusion, err := c.Incidents.Report(ctx, crescent, incident.Input{Title: "Web shell found on the loan application server",
		Description: "Our EDR flagged a web shell on the public loan portal; outbound connections go to a VPS at a hosting provider.",
		Class:       "intrusions", Type: "system-compromise", Severity: "high", TLP: "AMBER",
		Indicators: []string{"198.51.100.242", "shell-update.example.org", "9e107d9d372bb6826bd81d3542a419d6"},
		DetectedAt: at(6 * time.Hour)}, incident.ChannelPortal)
	if err != nil {
		return fmt.Errorf("demo incident (intrusion): %w", err)
	}
	lead, err := as("lead@bank-cert.example")
	if err != nil {
		return err
	}
	telcoCERT, err := c.Directory.All(ctx, auth.System("demo dataset"), directory.Filter{Kind: directory.KindSectoralCERT})
	if err != nil {
		return err
	}
	for _, o := range telcoCERT {
		if o.ShortName == "TelcoCERT" {
			if _, err := c.Incidents.Involve(ctx, lead, intrusion.ID, o.ID); err != nil {
				return fmt.Errorf("demo involve: %w", err)
			}
		}
	}
	if _, err := c.Incidents.AddNote(ctx, lead, intrusion.ID, incident.NoteInput{Visibility: incident.CERTs,
		Body: "The web shell calls back to 198.51.100.242. TelcoCERT: can you identify the customer behind it and have it taken down?"}); err != nil {
		return fmt.Errorf("demo note: %w", err)
	}

	if _, _, err := c.Incidents.ReportPublic(ctx, incident.Input{Title: "Text messages asking to pay a parcel customs fee",
		Description: "I received an SMS from a number claiming to be the post office, with a link asking for my card details.",
		Class:       "fraud", Type: "phishing", ReporterName: "A concerned citizen", ReporterEmail: "citizen@mail.example",
		Indicators: []string{"https://post-fee.example.com/pay"}}, "192.0.2.200"); err != nil {
		return fmt.Errorf("demo public incident: %w", err)
	}
	// The clocks' job tells of the telecom incident's overdue early warning.
	if _, err := c.Incidents.Tick(ctx); err != nil {
		return fmt.Errorf("demo clocks: %w", err)
	}
	return nil
}

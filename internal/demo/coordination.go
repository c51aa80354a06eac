package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/advisory"
	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/coordination"
	"github.com/certhub/certhub/internal/platform/auth"
)

// loadCoordination sends the demo's TLP:CLEAR alert to the banking CERT
// and its banks for acknowledgement, two days back: the silent ones were
// reminded, then their CERT told; First Example Bank has since answered
// (affected, patching), BankCERT has read it, the others are silent.
func loadCoordination(ctx context.Context, c *app.Core, ids map[string]string) error {
	list, err := c.Advisory.Publications(ctx, nil, advisory.PublicFilter{Kind: string(advisory.KindAlert), Page: 1, Limit: 10})
	if err != nil {
		return err
	}
	if len(list.Items) == 0 {
		return fmt.Errorf("demo alert: no public alert to send")
	}
	alert := list.Items[0]
	// Sent fifty hours ago: the silent recipients have been reminded and
	// their CERT told (the escalation job's two steps, run here).
	sent := c.Cfg.Now().Add(-50 * time.Hour)
	back := c.Coordination.WithClock(func() time.Time { return sent })
	if _, err := back.Send(ctx, auth.System("demo dataset"), coordination.AlertInput{Advisory: alert.ID,
		Actions:  "Check the VPN gateways for the indicators in the alert, apply the vendor's fix, and report any compromise to BankCERT.",
		ActBy:    c.Cfg.Now().UTC().AddDate(0, 0, 3).Format("2006-01-02"),
		Audience: coordination.Audience{Constituents: []string{ids["bankcert"]}}}); err != nil {
		return fmt.Errorf("demo alert: %w", err)
	}
	for range 2 {
		if _, err := c.Coordination.Escalate(ctx); err != nil {
			return fmt.Errorf("demo escalation: %w", err)
		}
	}
	as := func(email string) (*auth.Identity, error) {
		u, err := c.Auth.UserByEmail(ctx, email)
		if err != nil {
			return nil, err
		}
		return c.Auth.Identity(ctx, u.ID)
	}
	bank, err := as("ciso@firstbank.example")
	if err != nil {
		return err
	}
	if _, err := c.Coordination.Acknowledge(ctx, bank, alert.ID, coordination.AckInput{Outcome: coordination.Affected,
		Note: "Two gateways run the affected version; the fix goes in tonight's maintenance window."}); err != nil {
		return fmt.Errorf("demo acknowledgement: %w", err)
	}
	cert, err := as("analyst@bank-cert.example")
	if err != nil {
		return err
	}
	if _, err := c.Coordination.Acknowledgements(ctx, cert, alert.ID); err != nil {
		return fmt.Errorf("demo read: %w", err)
	}
	return nil
}

package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/governance/reporting"
	"github.com/certhub/certhub/internal/platform/auth"
)

// loadReporting puts BankCERT, TelcoCERT and PowerCERT on monthly
// reporting for the last three months, assembled from the demo's
// records: accepted, except TelcoCERT's last month (submitted, waiting
// for the National CERT) and PowerCERT's first (never sent: the roll-up
// lists it as not reported).
func loadReporting(ctx context.Context, c *app.Core, ids map[string]string) error {
	sys := auth.System("demo dataset")
	now := c.Cfg.Now().UTC()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	since := month.AddDate(0, -3, 0).Format("2006-01")
	summaries := map[string]string{
		"bankcert":  "Phishing against online banking customers dominated; every bank acknowledged the VPN gateway alert.",
		"telcocert": "A DDoS wave against the mobile core; operators filtered at the exchanges with TelcoCERT coordinating.",
		"powercert": "Quiet month: scanning of OT remote access, no incident with an impact on supply.",
	}
	for _, cert := range []string{"bankcert", "telcocert", "powercert"} {
		if _, err := c.Reporting.SetSchedule(ctx, sys, ids[cert], reporting.ScheduleInput{Frequency: reporting.Monthly, Since: since, DueDays: 10}); err != nil {
			return fmt.Errorf("demo schedule: %w", err)
		}
		for back := 3; back >= 1; back-- {
			if cert == "powercert" && back == 3 {
				continue
			}
			period := month.AddDate(0, -back, 0).Format("2006-01")
			x, _, err := c.Reporting.Open(ctx, sys, ids[cert], period)
			if err != nil {
				return fmt.Errorf("demo report %s %s: %w", cert, period, err)
			}
			if _, err := c.Reporting.SaveNarrative(ctx, sys, x.ID, reporting.Narrative{Summary: summaries[cert],
				Plans: "Keep the constituents' contacts up to date; one exercise next quarter."}); err != nil {
				return err
			}
			if _, err := c.Reporting.Submit(ctx, sys, x.ID); err != nil {
				return fmt.Errorf("demo report %s %s: %w", cert, period, err)
			}
			if cert == "telcocert" && back == 1 {
				continue
			}
			if _, err := c.Reporting.Review(ctx, sys, x.ID, true, ""); err != nil {
				return err
			}
		}
	}
	return nil
}

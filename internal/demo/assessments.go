package demo

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/governance/assessment"
	"github.com/certhub/certhub/internal/platform/actions"
	"github.com/certhub/certhub/internal/platform/auth"
)

//go:embed national-baseline.json
var nationalBaseline []byte

// loadAssessments publishes the national baseline and assesses three
// constituents against it: First Example Bank by BankCERT (reported, its
// remediation plan open: one action done, one due, one overdue), Karakoram
// Telecom by the accredited lab (reported and closed) and Central Power
// by PowerCERT (fieldwork under way).
func loadAssessments(ctx context.Context, c *app.Core, ids map[string]string) error {
	sys := auth.System("demo dataset")
	now := c.Cfg.Now().UTC()
	if _, err := c.Assessments.Publish(ctx, sys, "national-policy", nationalBaseline); err != nil {
		return fmt.Errorf("demo baseline: %w", err)
	}
	at := func(days int) *assessment.Service {
		return c.Assessments.WithClock(func() time.Time { return now.AddDate(0, 0, days) })
	}
	day := func(days int) string { return now.AddDate(0, 0, days).Format("2006-01-02") }
	type verdict struct{ control, verdict, notes string }
	assess := func(s *assessment.Service, id string, vs []verdict) error {
		for _, v := range vs {
			if _, err := s.SetResult(ctx, sys, id, v.control, assessment.ResultInput{Verdict: v.verdict, Notes: v.notes}); err != nil {
				return fmt.Errorf("demo verdict %s: %w", v.control, err)
			}
		}
		return nil
	}

	// First Example Bank: reported 40 days ago, the plan under way.
	bank, err := at(-70).Open(ctx, sys, assessment.Input{OrgID: ids["firstbank"], AssessorOrgID: ids["bankcert"], Baseline: "national-policy",
		Scope: "Head office, the core banking and card payment systems and their two data centres.", StartsOn: day(-60), ReassessMonths: 12})
	if err != nil {
		return fmt.Errorf("demo assessment: %w", err)
	}
	err = assess(at(-50), bank.ID, []verdict{
		{"GV-1", "met", "Policy v4 approved by the board on 2025-09-18; review date set."},
		{"GV-2", "met", "CISO appointed, reports to the CEO; budget line seen."},
		{"GV-3", "partial", "Register exists; last reviewed 2024, owners missing for 6 of 31 risks."},
		{"ID-1", "partial", "CMDB covers servers; 14 internet-facing hosts found by scan were not in it."},
		{"ID-2", "met", "24x7 contact and ranges registered with BankCERT."},
		{"ID-3", "partial", "Security clauses in new contracts only; 9 legacy suppliers without."},
		{"PR-1", "not_met", "VPN for vendors accepts passwords alone (tested 2 accounts)."},
		{"PR-2", "partial", "Median 21 days for internet-facing patches; the VPN gateway advisory took 9 days."},
		{"PR-3", "met", "Immutable backups; restore test of the core ledger in March and September."},
		{"PR-4", "met", "Card environment segmented; firewall rules reviewed."},
		{"PR-5", "met", "Annual e-learning, 96% completion."},
		{"DE-1", "partial", "Logs of core systems central; the branch network's not collected."},
		{"DE-2", "met", "SOC reviews daily; BankCERT alerts acknowledged within a day."},
		{"RS-1", "met", "Plan v2; tabletop exercise held in June."},
		{"RS-2", "met", "Three incidents reported last year, all on time."},
		{"RS-3", "not_met", "No continuity plan for the loss of the card switch."},
	})
	if err != nil {
		return err
	}
	if _, err := at(-40).Report(ctx, sys, bank.ID, assessment.ReportInput{Summary: "Governance and detection are in good shape. " +
		"Vendor remote access without MFA and the missing continuity plan for the card switch are the findings to fix first; " +
		"the asset inventory and log coverage of the branches follow."}); err != nil {
		return fmt.Errorf("demo report: %w", err)
	}
	plan := []struct {
		title, control, due string
		done                bool
	}{
		{"Enforce MFA on the vendor VPN", "PR-1", day(-10), true},
		{"Continuity plan for the loss of the card switch, tested", "RS-3", day(-3), false},
		{"Add the 14 unknown internet-facing hosts to the CMDB and scan monthly", "ID-1", day(45), false},
	}
	for _, p := range plan {
		it, err := at(-38).AddPlan(ctx, sys, bank.ID, assessment.PlanInput{Input: actions.Input{Title: p.title, DueOn: p.due}, Requirement: p.control})
		if err != nil {
			return fmt.Errorf("demo plan: %w", err)
		}
		if p.done {
			if _, err := at(-12).MovePlan(ctx, sys, it.ID, actions.Change{Status: actions.Done, Note: "MFA enforced for all 37 vendor accounts."}); err != nil {
				return err
			}
		}
	}

	// Karakoram Telecom: assessed by the lab, reported and closed.
	telco, err := at(-120).Open(ctx, sys, assessment.Input{OrgID: ids["karakoram"], AssessorOrgID: ids["lab"], Baseline: "national-policy",
		Scope: "The mobile core network and its operations centre.", StartsOn: day(-110), ReassessMonths: 12})
	if err != nil {
		return fmt.Errorf("demo assessment: %w", err)
	}
	var vs []verdict
	for _, c := range []string{"GV-1", "GV-2", "GV-3", "ID-1", "ID-2", "ID-3", "PR-1", "PR-2", "PR-3", "PR-4", "PR-5", "DE-1", "DE-2", "RS-1", "RS-2", "RS-3"} {
		v := verdict{c, "met", "Seen on site."}
		switch c {
		case "PR-4", "DE-1":
			v = verdict{c, "partial", "Signalling network partly reachable from the office LAN; logs of the core kept 90 days."}
		case "ID-3":
			v = verdict{c, "not_applicable", "No supplier has access: the core is run in house."}
		}
		vs = append(vs, v)
	}
	if err := assess(at(-100), telco.ID, vs); err != nil {
		return err
	}
	if _, err := at(-90).Report(ctx, sys, telco.ID, assessment.ReportInput{Summary: "A mature operator; segmentation of the signalling network and log retention to improve."}); err != nil {
		return err
	}
	if _, err := at(-80).Close(ctx, sys, telco.ID); err != nil {
		return err
	}

	// Central Power: fieldwork under way.
	power, err := at(-7).Open(ctx, sys, assessment.Input{OrgID: ids["centralpower"], AssessorOrgID: ids["powercert"], Baseline: "national-policy",
		Scope: "SCADA of the distribution network and the corporate IT it connects to.", StartsOn: day(-5), ReassessMonths: 24})
	if err != nil {
		return fmt.Errorf("demo assessment: %w", err)
	}
	return assess(at(-2), power.ID, []verdict{
		{"GV-1", "met", "Policy approved 2026-01."},
		{"PR-4", "not_met", "Engineering laptops bridge the office network and the SCADA LAN."},
	})
}

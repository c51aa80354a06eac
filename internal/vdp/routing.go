package vdp

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Rule routes matching reports to a CERT. Empty conditions match anything;
// the first matching rule wins.
type Rule struct {
	ID      string `json:"id"`
	Vendor  string `json:"vendor"`  // case-insensitive part of the vendor's name
	Product string `json:"product"` // case-insensitive part of the product's name
	Sector  string `json:"sector"`  // one of the report's sectors
	CII     *bool  `json:"cii"`     // whether the report affects critical information infrastructure
	OrgID   string `json:"org_id"`  // the responsible CERT
	OrgName string `json:"org_name,omitempty"`
}

// Matches reports whether the rule applies to r.
func (rule Rule) Matches(r Report, vendorName string) bool {
	contains := func(hay, needle string) bool {
		return strings.Contains(strings.ToLower(hay), strings.ToLower(strings.TrimSpace(needle)))
	}
	if rule.Vendor != "" && !contains(r.Vendor, rule.Vendor) && !(vendorName != "" && contains(vendorName, rule.Vendor)) {
		return false
	}
	if rule.Product != "" && !contains(r.Product, rule.Product) {
		return false
	}
	if rule.Sector != "" && !slices.Contains(r.Sectors, rule.Sector) {
		return false
	}
	if rule.CII != nil && *rule.CII != r.CII {
		return false
	}
	return true
}

// listRules returns the routing rules in order, without the CERTs' names:
// those are the directory's (Service.namedRules).
func listRules(ctx context.Context, q db.Querier) ([]Rule, error) {
	rows, err := q.Query(ctx, `SELECT id, vendor, product, sector, cii, org_id FROM vdp_routing_rules ORDER BY position`)
	if err != nil {
		return nil, fmt.Errorf("vdp: rules: %w", err)
	}
	defer rows.Close()
	out := []Rule{}
	for rows.Next() {
		var r Rule
		if err := rows.Scan(&r.ID, &r.Vendor, &r.Product, &r.Sector, &r.CII, &r.OrgID); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// namedRules gives each rule its CERT's name from the directory.
func (s *Service) namedRules(ctx context.Context, rules []Rule) error {
	if len(rules) == 0 {
		return nil
	}
	var ids []string
	for _, r := range rules {
		if !slices.Contains(ids, r.OrgID) {
			ids = append(ids, r.OrgID)
		}
	}
	orgs, err := s.orgs.GetMany(ctx, system, ids)
	if err != nil {
		return fmt.Errorf("vdp: rules: %w", err)
	}
	for i := range rules {
		for _, o := range orgs {
			if o.ID == rules[i].OrgID {
				rules[i].OrgName = o.Name
			}
		}
	}
	return nil
}

// route decides the responsible CERT: the first matching rule, else the
// coordination center. It returns the rule's ID (or "default") and the CERT.
func (s *Service) route(ctx context.Context, r Report) (string, string, error) {
	rules, err := listRules(ctx, s.db)
	if err != nil {
		return "", "", err
	}
	vendorName := ""
	if r.VendorOrgID != nil {
		if o, err := s.orgs.Get(ctx, system, *r.VendorOrgID); err == nil {
			vendorName = o.Name
		}
	}
	for _, rule := range rules {
		if rule.Matches(r, vendorName) {
			return rule.ID, rule.OrgID, nil
		}
	}
	cc, err := s.coordinationCenter(ctx)
	return "default", cc, err
}

// Rules lists the routing rules in order (staff).
func (s *Service) Rules(ctx context.Context, id *auth.Identity) ([]Rule, error) {
	if !id.IsStaff() && !id.IsSystem() {
		return nil, errs.Forbidden("only coordination-center staff see the routing rules")
	}
	rules, err := listRules(ctx, s.db)
	if err != nil {
		return nil, err
	}
	return rules, s.namedRules(ctx, rules)
}

// SetRules replaces the routing rules with rules, in that order (staff).
func (s *Service) SetRules(ctx context.Context, id *auth.Identity, rules []Rule) ([]Rule, error) {
	if !id.IsStaff() && !id.IsSystem() {
		return nil, errs.Forbidden("only coordination-center staff change the routing rules")
	}
	var f errs.Fields
	for i, r := range rules {
		p := fmt.Sprintf("rules[%d]", i)
		if r.Sector != "" && !slices.Contains(directory.Sectors, r.Sector) {
			f.Add(p+".sector", "must be one of %s", strings.Join(directory.Sectors, ", "))
		}
		if len(r.Vendor) > 200 || len(r.Product) > 200 {
			f.Add(p, "vendor and product must be at most 200 characters")
		}
		o, err := s.orgs.Get(ctx, system, r.OrgID)
		if err != nil || !o.Kind.IsCERT() {
			f.Add(p+".org_id", "must be a CERT of the directory")
		}
		if r.Vendor == "" && r.Product == "" && r.Sector == "" && r.CII == nil {
			f.Add(p, "needs at least one condition (a rule matching everything would hide the rules after it)")
		}
	}
	if len(rules) > 500 {
		f.Add("rules", "at most 500 rules")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var out []Rule
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		before, err := listRules(ctx, tx)
		if err != nil {
			return err
		}
		if err := s.namedRules(ctx, before); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM vdp_routing_rules`); err != nil {
			return fmt.Errorf("vdp: rules: %w", err)
		}
		now := s.now()
		for i, r := range rules {
			r.ID = db.NewID()
			if _, err := tx.Exec(ctx, `INSERT INTO vdp_routing_rules (id, position, vendor, product, sector, cii, org_id, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, r.ID, i, strings.TrimSpace(r.Vendor), strings.TrimSpace(r.Product),
				r.Sector, r.CII, r.OrgID, now); err != nil {
				return fmt.Errorf("vdp: rules: %w", err)
			}
		}
		if out, err = listRules(ctx, tx); err != nil {
			return err
		}
		if err := s.namedRules(ctx, out); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "vdp.rules", ObjectType: "settings", ObjectID: "vdp.rules",
			Summary: fmt.Sprintf("set %d routing rules", len(out)), Before: before, After: out})
	})
	return out, err
}

// SLA is a report's clocks against the policy.
type SLA struct {
	AckDue        time.Time `json:"ack_due"`
	TriageDue     time.Time `json:"triage_due"`
	AckOverdue    bool      `json:"ack_overdue"`
	TriageOverdue bool      `json:"triage_overdue"`
	Paused        bool      `json:"paused"`
}

// Clock works out r's SLA at now. Time spent waiting for the reporter does
// not count against triage.
func (st Settings) Clock(r Report, now time.Time) SLA {
	paused := time.Duration(r.PausedSeconds) * time.Second
	if r.WaitingSince != nil {
		paused += now.Sub(*r.WaitingSince)
	}
	c := SLA{AckDue: r.ReceivedAt.Add(time.Duration(st.AckHours) * time.Hour),
		TriageDue: r.ReceivedAt.Add(time.Duration(st.TriageHours)*time.Hour + paused), Paused: r.WaitingSince != nil}
	c.AckOverdue = r.AcknowledgedAt == nil && now.After(c.AckDue)
	c.TriageOverdue = r.TriagedAt == nil && r.Status.Open() && !c.Paused && now.After(c.TriageDue)
	return c
}

package reports

import (
	"context"
	"fmt"
	"slices"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/routing"
)

// namedRules gives each rule its CERT's name from the directory.
func (s *Service) namedRules(ctx context.Context, rules []routing.Rule) error {
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
func (s *Service) route(ctx context.Context, r model.Report) (string, string, error) {
	rules, err := routing.List(ctx, s.db)
	if err != nil {
		return "", "", err
	}
	in := routing.Report{Vendor: r.Vendor, Product: r.Product, Sectors: r.Sectors, CII: r.CII}
	if r.VendorOrgID != nil {
		if o, err := s.orgs.Get(ctx, system, *r.VendorOrgID); err == nil {
			in.VendorName = o.Name
		}
	}
	if rule, ok := routing.First(rules, in); ok {
		return rule.ID, rule.OrgID, nil
	}
	cc, err := s.CoordinationCenter(ctx)
	return "default", cc, err
}

// Rules lists the routing rules in order (staff).
func (s *Service) Rules(ctx context.Context, id *auth.Identity) ([]routing.Rule, error) {
	if !id.IsStaff() && !id.IsSystem() {
		return nil, errs.Forbidden("only coordination-center staff see the routing rules")
	}
	rules, err := routing.List(ctx, s.db)
	if err != nil {
		return nil, err
	}
	return rules, s.namedRules(ctx, rules)
}

// SetRules replaces the routing rules with rules, in that order (staff).
func (s *Service) SetRules(ctx context.Context, id *auth.Identity, rules []routing.Rule) ([]routing.Rule, error) {
	if !id.IsStaff() && !id.IsSystem() {
		return nil, errs.Forbidden("only coordination-center staff change the routing rules")
	}
	isCERT := func(orgID string) bool {
		o, err := s.orgs.Get(ctx, system, orgID)
		return err == nil && o.Kind.IsCERT()
	}
	if err := routing.Check(rules, directory.Sectors, isCERT); err != nil {
		return nil, err
	}
	var out []routing.Rule
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		before, err := routing.List(ctx, tx)
		if err != nil {
			return err
		}
		if err := s.namedRules(ctx, before); err != nil {
			return err
		}
		now := s.now()
		if out, err = routing.Replace(ctx, tx, rules, now); err != nil {
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

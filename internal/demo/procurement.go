package demo

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/procurement"
)

// loadProcurement accredits the demo's lab for network and security
// products, for three years around the demo's first day, and publishes the
// firewall catalogue.
func loadProcurement(ctx context.Context, c *app.Core, ids map[string]string) error {
	now := c.Cfg.Now().UTC()
	_, err := c.Procurement.SetAccreditation(ctx, auth.System("demo dataset"), ids["lab"], procurement.AccreditationInput{
		Categories: []string{"network_device", "firewall", "vpn_gateway", "iot_ot_device"}, State: procurement.StateActive,
		ValidFrom: now.AddDate(0, -6, 0).Format("2006-01-02"), ValidUntil: now.AddDate(2, 6, 0).Format("2006-01-02")})
	if err != nil {
		return fmt.Errorf("demo accreditation: %w", err)
	}
	if _, err := c.Procurement.PublishCatalogue(ctx, auth.System("demo dataset"), "firewall", firewallCatalogue); err != nil {
		return fmt.Errorf("demo catalogue: %w", err)
	}
	return nil
}

// firewallCatalogue is the demo's criteria for firewalls (twenty
// requirements), in the catalogue import format.
//
//go:embed firewall-catalogue.json
var firewallCatalogue []byte

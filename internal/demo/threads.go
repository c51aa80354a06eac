package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/coordination/thread"
)

// loadThreads opens the demo's thread between three CERTs: BankCERT asks
// TelcoCERT and the national CERT about the address the microfinance web
// shell calls back to; both answer.
func loadThreads(ctx context.Context, c *app.Core, ids map[string]string) error {
	lead, err := c.Auth.UserByEmail(ctx, "lead@bank-cert.example")
	if err != nil {
		return err
	}
	bank, err := c.Auth.Identity(ctx, lead.ID)
	if err != nil {
		return err
	}
	v, err := c.Threads.Open(ctx, bank, thread.Input{Title: "Web shell callbacks to 198.51.100.242", TLP: "AMBER", OrgID: ids["bankcert"],
		OrgIDs: []string{ids["telcocert"], ids["ncert"]},
		Body: "A web shell at Crescent Microfinance calls back to 198.51.100.242. @TelcoCERT: is that one of your operators' customers? " +
			"@nCERT: have you seen it elsewhere?"})
	if err != nil {
		return fmt.Errorf("demo thread: %w", err)
	}
	if _, err := c.Threads.Attach(ctx, bank, v.Thread.ID, ids["bankcert"], "webshell-requests.log",
		strings.NewReader("2026-12-05T22:14:03Z POST /uploads/img.php 200 cmd=whoami\n2026-12-05T22:14:09Z POST /uploads/img.php 200 cmd=curl 198.51.100.242\n")); err != nil {
		return fmt.Errorf("demo thread file: %w", err)
	}
	for _, a := range []struct{ email, org, body string }{
		{"lead@telco-cert.example", "telcocert", "It is a VPS at a hosting provider our operators peer with. We have asked it to preserve the logs and take it down."},
		{"analyst@ncert.example", "ncert", "Seen twice this month, both times against payment portals. Sending you the other indicators through intelligence."},
	} {
		u, err := c.Auth.UserByEmail(ctx, a.email)
		if err != nil {
			return err
		}
		id, err := c.Auth.Identity(ctx, u.ID)
		if err != nil {
			return err
		}
		if _, err := c.Threads.Post(ctx, id, v.Thread.ID, ids[a.org], a.body); err != nil {
			return fmt.Errorf("demo thread post: %w", err)
		}
	}
	return nil
}

package demo_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/advisory"
	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/demo"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/intel/lookup"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/procurement"
	"github.com/certhub/certhub/internal/telemetry"
	"github.com/certhub/certhub/internal/vdp/model"
)

// TestLoad: the demo loads on both engines into a new store, with every
// kind of content the public pages, the console and the feeds need, signs
// each demo user in with the documented password, and a second load adds
// nothing.
func TestLoad(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			dsn := ""
			if e == db.Postgres {
				dsn = dbtest.EmptyDSN(t)
			}
			c, err := app.OpenCore(ctx, app.Config{DataDir: t.TempDir(), DSN: dsn, Migrate: true, NoBackground: true,
				Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := demo.Load(ctx, c); err != nil {
				t.Fatal(err)
			}
			sys := auth.System("test")
			counts := func() map[string]int {
				orgs, err := c.Directory.All(ctx, sys, directory.Filter{})
				if err != nil {
					t.Fatal(err)
				}
				users, err := c.Auth.CountUsers(ctx)
				if err != nil {
					t.Fatal(err)
				}
				reports, _, err := c.VDP.Reports().List(ctx, sys, model.ReportFilter{Limit: 500})
				if err != nil {
					t.Fatal(err)
				}
				cases, _, err := c.VDP.ListCases(ctx, sys, model.CaseFilter{Limit: 500})
				if err != nil {
					t.Fatal(err)
				}
				pubs, err := c.Advisory.Publications(ctx, sys, advisory.PublicFilter{Limit: 500})
				if err != nil {
					t.Fatal(err)
				}
				obs, _, err := c.Intel.Lookup().Observables(ctx, sys, lookup.ObservableFilter{Limit: 200})
				if err != nil {
					t.Fatal(err)
				}
				return map[string]int{"orgs": len(orgs), "users": users, "reports": len(reports), "cases": len(cases),
					"publications": pubs.Total, "observables": len(obs)}
			}
			first := counts()
			for what, atLeast := range map[string]int{"orgs": 26, "users": 29, "reports": 6, "cases": 2, "publications": 6, "observables": 10} {
				if first[what] < atLeast {
					t.Errorf("the demo has %d %s, want at least %d", first[what], what, atLeast)
				}
			}
			products, _, err := c.Procurement.ApprovedProducts(ctx, procurement.ProductFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var states []string
			for _, p := range products {
				states = append(states, p.Vendor+" "+p.Product+": "+p.State)
			}
			if want := "Acme Networks SecureGate VPN: under_review|Examplesoft Ltd Edge Firewall: approved"; strings.Join(states, "|") != want {
				t.Errorf("the approved products: %v, want %s", states, want)
			}
			evals, _, err := c.Procurement.Evaluations(ctx, sys, procurement.EvaluationFilter{})
			if err != nil || len(evals) != 5 {
				t.Errorf("%d evaluations (%v)", len(evals), err)
			}
			// Telemetry: the bank's hour of traffic to the partner's C2
			// is raised, as a known indicator and as volume out; the
			// telecom's ordinary week raises nothing.
			anomalies, err := c.Telemetry.Anomalies(ctx, sys, telemetry.AnomalyFilter{})
			kinds := map[string]string{}
			for _, a := range anomalies {
				kinds[a.Kind] = a.Org + " " + a.Subject
			}
			if err != nil || kinds["known_indicator"] != "First Example Bank 192.0.2.200" || kinds["spike_out"] != "First Example Bank " || len(anomalies) != 2 {
				t.Errorf("the demo's anomalies: %v (%v)", kinds, err)
			}
			// The traffic with the C2 is a sighting in intel, by the
			// gateways' own source.
			for _, a := range anomalies {
				if a.Kind != "known_indicator" {
					continue
				}
				o, err := c.Intel.Lookup().Observable(ctx, sys, a.Observable())
				var srcs []string
				for _, sg := range o.Sightings {
					srcs = append(srcs, sg.Source)
				}
				if err != nil || !slices.Contains(srcs, "Gateway telemetry") {
					t.Errorf("the C2's sources: %v (%v)", srcs, err)
				}
			}
			// Hygiene: a history for seven constituents, the worst first.
			ru, err := c.Hygiene.Rollup(ctx, sys, "")
			if err != nil || ru.National == nil || len(ru.Orgs) == 0 || ru.Orgs[0].Org != "City General Hospital" {
				t.Errorf("the demo's hygiene: %+v (%v)", ru.Orgs, err)
			}
			for i, email := range demo.UserEmails() {
				// Each from an address of its own: sign-ins are rate limited by address.
				if _, _, err := c.Auth.Login(ctx, email, demo.Password, fmt.Sprintf("192.0.2.%d", i+1)); err != nil {
					t.Errorf("%s cannot sign in with the demo password: %v", email, err)
				}
			}
			if err := demo.Load(ctx, c); err != nil {
				t.Fatal(err)
			}
			if again := counts(); again["reports"] != first["reports"] || again["orgs"] != first["orgs"] || again["publications"] != first["publications"] {
				t.Errorf("a second load changed the demo: %v, then %v", first, again)
			}
		})
	}
}

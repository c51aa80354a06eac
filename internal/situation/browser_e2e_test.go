package situation_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/browsertest"
	"github.com/certhub/certhub/internal/demo"
)

// In Chromium, on the demo: the coordinator's board shows every part of
// the national picture, each linked to its record (the bank's C2
// anomaly, hygiene by sector, the incidents, the partner's observables,
// alerts awaiting acknowledgement), raises the threat level (a missing
// reason refused beside the field), and the board's fragment (what the
// page refreshes in place) shows the new level; BankCERT's analyst sees
// the level and only its sector's picture; the JSON board answers the
// same for API clients.
func TestBrowserSituation(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	staff := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(staff, "coordinator@cc.example", demo.Password)
	staff.Go("/console/situation")
	staff.Expect("#level", "GUARDED")
	staff.Expect("#incidents", "BANKING")
	staff.Expect("#hygiene", "BANKING", "ENERGY", "HEALTH")
	staff.Expect("#anomalies", "Known indicator", "Karachi head office edge")
	staff.Expect("#observables", "sightings")
	staff.Expect("#alerts", "not acknowledged")
	staff.Expect("#actors", "Indus Viper", "banking")
	if staff.Count("#situation[data-refresh][data-src]") != 1 {
		t.Error("the board does not refresh itself")
	}
	staff.Click("#set-level summary")
	staff.Select("#f-level", "4")
	staff.Click("#set-level button[type=submit]")
	staff.Expect("#set-level .field-error", "required")
	staff.Select("#f-level", "4")
	staff.Fill("#f-reason", "Ransomware campaign against the banking sector")
	staff.Click("#set-level button[type=submit]")
	staff.Expect(".flash", "now high")
	staff.Expect("#level", "4 · HIGH", "Ransomware campaign")
	staff.Shot("situation-board")
	staff.Go("/console/situation/board")
	staff.Expect("#level", "4 · HIGH")
	if staff.Count("header nav") != 0 {
		t.Error("the fragment carries the layout")
	}

	cert := browsertest.New(t, s.URL, 390, 844)
	apptest.SignIn(cert, "analyst@bank-cert.example", demo.Password)
	cert.Go("/console/situation")
	cert.Expect("#level", "HIGH", "Ransomware campaign")
	cert.Expect("#anomalies", "Karachi head office edge")
	if strings.Contains(cert.Text("#hygiene"), "ENERGY") || strings.Contains(cert.Text("#anomalies"), "Islamabad") {
		t.Error("BankCERT sees another sector's picture")
	}
	cert.Shot("situation-phone")
	if cert.Overflows() {
		t.Errorf("the board overflows a phone: %s", cert.Overflowing())
	}

	r := s.API("GET", "/api/v1/situation", s.Token("analyst@bank-cert.example"), nil)
	if r.Status != http.StatusOK || r.JSON(t)["threat_level"].(map[string]any)["name"] != "high" {
		t.Errorf("the JSON board: %d %.200s", r.Status, r.Body)
	}
	// BankCERT reads the group by the GREEN MISP cluster's name only.
	if actors, _ := r.JSON(t)["active_actors"].([]any); len(actors) != 1 || actors[0].(map[string]any)["name"] != "Monsoon Serpent" {
		t.Errorf("BankCERT's active actors: %v", actors)
	}
}

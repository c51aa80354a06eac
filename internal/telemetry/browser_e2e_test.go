package telemetry_test

import (
	"testing"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/browsertest"
	"github.com/certhub/certhub/internal/demo"
)

// In Chromium: First Example Bank's SOC, on a phone, finds the demo's
// anomaly (traffic to the partner's C2), reads the chart of the traffic
// around it and acknowledges it with a note (a dismissal without one is
// refused beside the field); BankCERT's analyst registers
// a gateway for Crescent and is shown its token once; the other gateway's
// page stays closed to the bank.
func TestBrowserTelemetry(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	bank := browsertest.New(t, s.URL, 390, 844)
	apptest.SignIn(bank, "soc@firstbank.example", demo.Password)
	bank.Go("/console/telemetry")
	bank.Expect("#anomalies", "Known indicator", "192.0.2.200", "Karachi head office edge")
	if n := bank.Count("#gateways tbody tr"); n != 1 {
		t.Errorf("the bank sees %d gateways, want its own", n)
	}
	bank.Click("#anomalies tbody tr:first-child a")
	bank.Expect("#facts", "192.0.2.200", "Examplia CSIRT feed")
	if bank.Count("#around svg polyline") != 2 || bank.Count("#around svg line[stroke-dasharray]") != 1 {
		t.Error("the chart around the anomaly lacks its lines or its mark")
	}
	bank.Click("#decide input[value=dismissed]")
	bank.Click("#decide button[type=submit]")
	bank.Expect("#decide .field-error", "required")
	bank.Click("#decide input[value=acknowledged]")
	bank.Fill("#f-note", "Workstation isolated; forensics under way")
	bank.Click("#decide button[type=submit]")
	bank.Expect(".flash", "Anomaly acknowledged")
	bank.Expect("#state", "Acknowledged", "Workstation isolated")
	bank.Shot("telemetry-anomaly-phone")
	if bank.Overflows() {
		t.Errorf("the anomaly page overflows a phone: %s", bank.Overflowing())
	}

	cert := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(cert, "analyst@bank-cert.example", demo.Password)
	cert.Go("/console/telemetry")
	cert.Click("#register summary")
	cert.Select("#f-org_id", s.OrgID("Crescent Microfinance"))
	cert.Click("#register button[type=submit]")
	cert.Expect("#register .field-error", "required")
	cert.Fill("#f-name", "Branch aggregation router")
	cert.Click("#register button[type=submit]")
	cert.Expect("#token", "Branch aggregation router", "chgw_")
	cert.Go("/console/telemetry")
	if cert.Count("#token") != 0 {
		t.Error("the token is shown again")
	}
	cert.Expect("#gateways", "Branch aggregation router", "Karachi head office edge")
	cert.Click("#gateways tbody a")
	if cert.Count("#traffic svg polyline") != 2 {
		t.Error("the gateway page has no traffic chart")
	}
	cert.Shot("telemetry-gateway")
}

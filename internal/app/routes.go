package app

// routes: the HTTP stack of the server, every domain's API and pages on
// one router behind the shared middleware (client address, metrics,
// security headers, sessions, cross-origin protection, identity).

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/certhub/certhub/internal/account"
	"github.com/certhub/certhub/internal/admin"
	"github.com/certhub/certhub/internal/advisory"
	"github.com/certhub/certhub/internal/coordination"
	"github.com/certhub/certhub/internal/coordination/incident"
	"github.com/certhub/certhub/internal/coordination/thread"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/federation"
	"github.com/certhub/certhub/internal/governance/assessment"
	"github.com/certhub/certhub/internal/governance/council"
	"github.com/certhub/certhub/internal/governance/maturity"
	"github.com/certhub/certhub/internal/governance/reporting"
	"github.com/certhub/certhub/internal/hygiene"
	intelapi "github.com/certhub/certhub/internal/intel/api"
	intelpages "github.com/certhub/certhub/internal/intel/pages"
	"github.com/certhub/certhub/internal/intel/taxii"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/httpx"
	procurementapi "github.com/certhub/certhub/internal/procurement/api"
	procurementpages "github.com/certhub/certhub/internal/procurement/pages"
	"github.com/certhub/certhub/internal/schema"
	"github.com/certhub/certhub/internal/site"
	"github.com/certhub/certhub/internal/situation"
	"github.com/certhub/certhub/internal/telemetry"
	"github.com/certhub/certhub/internal/training"
	vdpapi "github.com/certhub/certhub/internal/vdp/api"
	vdppages "github.com/certhub/certhub/internal/vdp/pages"
	"github.com/certhub/certhub/internal/web"
)

// routes builds the router and the middleware around it.
func (a *App) routes() error {
	cfg := a.Cfg
	// Secure cookies and HSTS whenever users reach the server over HTTPS:
	// served here, or through a proxy that terminates TLS (--base-url https://…).
	secure := cfg.TLSCert != "" || strings.HasPrefix(cfg.BaseURL, "https://")
	// scs stamps a session's expiry with the real clock, so the store
	// reads it against the same clock, whatever the server's says.
	a.Sessions = auth.NewSessionManager(auth.NewSessionStore(a.DB, time.Now), secure)
	rd, err := web.NewRenderer(a.Sessions, cfg.CenterName, a.Log, directory.Templates(), account.Templates(), admin.Templates(), vdppages.Templates(),
		advisory.Templates(), site.Templates(), intelpages.Templates(), procurementpages.Templates(), coordination.Templates(), incident.Templates(), thread.Templates(), training.Templates(), council.Templates(), reporting.Templates(), assessment.Templates(), maturity.Templates(), hygiene.Templates(), telemetry.Templates(), situation.Templates(), federation.Templates())
	if err != nil {
		return err
	}
	rd.SetNav(a.navFor)
	a.Renderer = rd
	trusted, err := httpx.ParseTrustedProxies(cfg.TrustedProxies)
	if err != nil {
		return err
	}
	allow := cfg.MetricsAllow
	if allow == "" {
		allow = "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"
	}
	metricsAllow, err := httpx.ParseTrustedProxies(allow)
	if err != nil {
		return fmt.Errorf("metrics-allow: %w", err)
	}
	a.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		newStoreCollector(a.Core))
	httpMetrics := httpx.NewMetrics(a.Metrics)

	rt := a.Router
	api := auth.RequireAPI
	directory.NewAPI(a.Directory).Register(rt, api)
	account.NewAPI(a.Accounts, a.Auth).Register(rt, api)
	admin.NewAPI(a.Admin).Register(rt, api)
	vdpapi.New(a.VDP).Register(rt, api)
	advisory.NewAPI(a.Advisory).Register(rt, api)
	intelapi.New(a.Intel).Register(rt, api)
	procurementapi.New(a.Procurement).Register(rt, api)
	coordination.NewAPI(a.Coordination).Register(rt, api)
	incident.NewAPI(a.Incidents).Register(rt, api)
	thread.NewAPI(a.Threads).Register(rt, api)
	training.NewAPI(a.Training).Register(rt, api)
	council.NewAPI(a.Council).Register(rt, api)
	reporting.NewAPI(a.Reporting).Register(rt, api)
	assessment.NewAPI(a.Assessments).Register(rt, api)
	hygiene.NewAPI(a.Hygiene).Register(rt, api)
	telemetry.NewAPI(a.Telemetry).Register(rt, api)
	situation.NewAPI(a.Situation).Register(rt, api)
	maturity.NewAPI(a.Maturity).Register(rt, api)
	federation.NewAPI(a.Federation).Register(rt, api)
	taxii.New(a.Intel, a.Auth, a.DB, a.Cfg.CenterName, a.Cfg.Now).Register(rt)
	rt.Handle("GET /api/v1/openapi.json", http.HandlerFunc(serveOpenAPI))
	rt.NotFound = func(w http.ResponseWriter, r *http.Request, status int) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			detail := "no such API endpoint: see /api/v1/openapi.json"
			if status == http.StatusMethodNotAllowed {
				detail = "this endpoint does not answer " + r.Method + "; see the Allow header"
			}
			httpx.WriteProblem(w, r, &httpx.StatusError{Status: status, Detail: detail})
			return
		}
		a.Renderer.Fail(w, r, &httpx.StatusError{Status: status, Detail: "There is no page at this address."})
	}

	directory.NewPages(a.Directory, rd).Register(rt)
	account.NewPages(a.Accounts, a.Auth, rd, a.Sessions).Register(rt)
	admin.NewPages(a.Admin, rd).Register(rt)
	vdppages.New(a.VDP, rd).Register(rt)
	advisory.NewPages(a.Advisory, rd).Register(rt)
	intelpages.New(a.Intel, rd).Register(rt)
	procurementpages.New(a.Procurement, rd).Register(rt)
	procurementpages.NewPublic(a.Procurement, rd).Register(rt)
	coordination.NewPages(a.Coordination, rd).Register(rt)
	incident.NewPages(a.Incidents, rd).Register(rt)
	thread.NewPages(a.Threads, rd).Register(rt)
	training.NewPages(a.Training, rd).Register(rt)
	council.NewPages(a.Council, a.Directory, rd).Register(rt)
	reporting.NewPages(a.Reporting, rd).Register(rt)
	assessment.NewPages(a.Assessments, a.Directory, rd).Register(rt)
	hygiene.NewPages(a.Hygiene, rd).Register(rt)
	telemetry.NewPages(a.Telemetry, a.Directory, rd).Register(rt)
	situation.NewPages(a.Situation, rd).Register(rt)
	maturity.NewPages(a.Maturity, a.Directory, rd).Register(rt)
	federation.NewPages(a.Federation, rd).Register(rt)
	advisory.NewPublicPages(a.Advisory, rd).Register(rt)
	advisory.NewProvider(a.Advisory).Register(rt)
	federation.NewAggregator(a.Federation).Register(rt)
	site.New(a.Advisory, a.Directory, rd, a.Cfg.ReportAddress).Register(rt)
	rt.Handle("GET /static/", web.Static())
	rt.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	rt.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if err := a.DB.Ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "database unreachable\n")
			return
		}
		if err := schema.Ready(ctx, a.DB); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "migrations pending\n")
			return
		}
		if !a.DB.Listening() {
			// Other nodes' changes would not reach this one's caches.
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "not listening for other nodes' changes\n")
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})
	promh := promhttp.HandlerFor(a.Metrics, promhttp.HandlerOpts{})
	rt.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		ip, err := netip.ParseAddr(httpx.ClientIP(r.Context()))
		if err != nil || !containsAddr(metricsAllow, ip.Unmap()) {
			http.Error(w, "metrics are served to the monitoring network only (--metrics-allow)", http.StatusForbidden)
			return
		}
		promh.ServeHTTP(w, r)
	})

	csrf := http.NewCrossOriginProtection()
	if base := a.Cfg.BaseURL; base != "" {
		_ = csrf.AddTrustedOrigin(strings.TrimRight(base, "/"))
	}
	// A query string that is not text is refused before any handler reads
	// it, in the format the route speaks.
	refuse := func(w http.ResponseWriter, r *http.Request, err error) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			httpx.WriteProblem(w, r, err)
			return
		}
		a.Renderer.Fail(w, r, err)
	}
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		refuse(w, r, &httpx.StatusError{Status: http.StatusForbidden, Detail: "cross-origin request refused: submit the form from this site"})
	}))
	textQuery := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := httpx.CheckQuery(r); err != nil {
				refuse(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	a.handler = httpx.Chain(rt,
		httpx.ClientAddress(trusted),
		httpMetrics.Observe(a.Log),
		httpx.SecurityHeaders(secure),
		a.Sessions.LoadAndSave,
		csrf.Handler,
		a.Auth.Authenticate(a.Sessions),
		textQuery,
	)
	return nil
}

func containsAddr(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

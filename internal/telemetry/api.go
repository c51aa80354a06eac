package telemetry

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// API serves telemetry as JSON.
type API struct{ s *Service }

// NewAPI makes the handlers.
func NewAPI(s *Service) *API { return &API{s: s} }

// Register adds the routes: the ingest, authenticated by a gateway's own
// token, and the rest for signed-in callers (protect).
func (a *API) Register(rt *httpx.Router, protect func(http.Handler) http.Handler) {
	rt.Handle("POST /api/v1/telemetry", httpx.API(a.ingest))
	h := func(pattern string, f httpx.HandlerFunc) { rt.Handle(pattern, protect(httpx.API(f))) }
	h("GET /api/v1/telemetry/gateways", a.gateways)
	h("POST /api/v1/telemetry/gateways", a.register)
	h("GET /api/v1/telemetry/gateways/{id}", a.gateway)
	h("GET /api/v1/telemetry/gateways/{id}/series", a.series)
	h("POST /api/v1/telemetry/gateways/{id}/revoke", a.revoke)
	h("GET /api/v1/telemetry/anomalies", a.anomalies)
	h("GET /api/v1/telemetry/anomalies/{id}", a.anomaly)
	h("POST /api/v1/telemetry/anomalies/{id}", a.decide)
}

func (a *API) ingest(w http.ResponseWriter, r *http.Request) error {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return errs.Unauthenticated("send the gateway's ingest token: Authorization: Bearer chgw_…")
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/x-ndjson") && !strings.HasPrefix(ct, "application/jsonl") &&
		!strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "text/plain") {
		return &httpx.StatusError{Status: http.StatusUnsupportedMediaType, Detail: "send JSON lines (application/x-ndjson)"}
	}
	res, err := a.s.Ingest(r.Context(), strings.TrimSpace(token), http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &httpx.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf("at most %d MiB a request: send it in batches", MaxBodyBytes>>20)}
	}
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

func (a *API) gateways(w http.ResponseWriter, r *http.Request) error {
	list, err := a.s.Gateways(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, "")
	return nil
}

func (a *API) register(w http.ResponseWriter, r *http.Request) error {
	var in GatewayInput
	if err := httpx.DecodeJSON(w, r, &in, 4<<10); err != nil {
		return err
	}
	g, err := a.s.RegisterGateway(r.Context(), auth.FromContext(r.Context()), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/telemetry/gateways/"+g.ID)
	httpx.WriteJSON(w, http.StatusCreated, g)
	return nil
}

func (a *API) gateway(w http.ResponseWriter, r *http.Request) error {
	g, err := a.s.Gateway(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, g)
	return nil
}

func (a *API) series(w http.ResponseWriter, r *http.Request) error {
	days := 7
	if v := r.URL.Query().Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 35 {
			return errs.InvalidField("days", "1 to 35")
		}
		days = n
	}
	pts, err := a.s.Series(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), days)
	if err != nil {
		return err
	}
	httpx.WriteList(w, pts, "")
	return nil
}

func (a *API) revoke(w http.ResponseWriter, r *http.Request) error {
	if err := a.s.RevokeGateway(r.Context(), auth.FromContext(r.Context()), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) anomalies(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := AnomalyFilter{OrgID: q.Get("org_id"), GatewayID: q.Get("gateway_id"), Kind: q.Get("kind"), State: q.Get("state")}
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return errs.InvalidField("since", "an RFC 3339 time")
		}
		f.Since = t
	}
	list, err := a.s.Anomalies(r.Context(), auth.FromContext(r.Context()), f)
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, "")
	return nil
}

// AnomalyDetail is an anomaly with the traffic around it.
type AnomalyDetail struct {
	Anomaly
	Series []Point `json:"series"`
}

func (a *API) anomaly(w http.ResponseWriter, r *http.Request) error {
	an, pts, err := a.s.Anomaly(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, AnomalyDetail{Anomaly: an, Series: pts})
	return nil
}

func (a *API) decide(w http.ResponseWriter, r *http.Request) error {
	var d Decision
	if err := httpx.DecodeJSON(w, r, &d, 8<<10); err != nil {
		return err
	}
	an, err := a.s.Decide(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), d)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, an)
	return nil
}

package intel

import (
	"cmp"
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// API serves threat intelligence as JSON.
type API struct{ s *Service }

// NewAPI makes the handlers.
func NewAPI(s *Service) *API { return &API{s: s} }

// Register adds the routes; protect requires an account.
func (a *API) Register(rt *httpx.Router, protect func(http.Handler) http.Handler) {
	rt.Handle("POST /api/v1/intel/ingest", protect(httpx.API(a.ingest)))
	rt.Handle("POST /api/v1/intel/lookup", protect(httpx.API(a.lookup)))
	rt.Handle("GET /api/v1/intel/collections", protect(httpx.API(a.collections)))
	rt.Handle("GET /api/v1/intel/collections/{id}/export", protect(httpx.API(a.export)))
}

// MaxIngestBody bounds one pushed body; it is read as a stream, so the
// bound is about the request's duration, not memory.
const MaxIngestBody = 1 << 30

// ingest loads the body into a source (?source=, default "api"), marked
// ?tlp= (default: the source's), in the format ?format= or the one the
// Content-Type says (text/plain, text/csv, application/json for STIX 2.1
// bundles and MISP events).
func (a *API) ingest(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	format := Format(q.Get("format"))
	if format == "" {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch mt {
		case "text/plain", "":
			format = FormatAuto
		case "text/csv":
			format = FormatCSV
		case "application/json", "application/stix+json", "application/taxii+json":
			format = FormatAuto
		default:
			return &httpx.StatusError{Status: http.StatusUnsupportedMediaType,
				Detail: "send text/plain (a list), text/csv (CSV or a Shadowserver report) or say ?format="}
		}
	}
	if format == FormatCSV && q.Get("report") != "" {
		format = FormatShadowserver
	}
	id := auth.FromContext(r.Context())
	src, err := a.s.SourceFor(r.Context(), id, cmp.Or(q.Get("source"), "api"), q.Get("tlp"))
	if err != nil {
		return err
	}
	res, err := a.s.Ingest(r.Context(), id, src, http.MaxBytesReader(w, r.Body, MaxIngestBody),
		IngestOptions{Format: format, TLP: q.Get("tlp"), Report: strings.TrimSpace(q.Get("report"))})
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &httpx.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: "push at most 1 GiB per request"}
		}
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

// lookup answers which of up to 100,000 values the store knows, with what
// the caller may see of each (a SIEM's bulk enrichment).
func (a *API) lookup(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Values []string `json:"values"`
	}
	// 100,000 URLs of up to a few hundred bytes each.
	if err := httpx.DecodeJSON(w, r, &in, 64<<20); err != nil {
		return err
	}
	if in.Values == nil {
		var f errs.Fields
		f.Add("values", "a list of indicators")
		return f.Err()
	}
	matches, err := a.s.Lookup(r.Context(), auth.FromContext(r.Context()), in.Values)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"matches": matches})
	return nil
}

// collections lists the collections the caller reads (TAXII's, and the
// sharing scopes of sources).
func (a *API) collections(w http.ResponseWriter, r *http.Request) error {
	v, err := a.s.Viewer(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	cols, err := a.s.Collections(r.Context(), v)
	if err != nil {
		return err
	}
	httpx.WriteList(w, cols, "")
	return nil
}

// export writes a collection as a STIX 2.1 bundle (?format=stix, the
// default) or CSV (?format=csv), holding only what the caller reads.
func (a *API) export(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v, err := a.s.Viewer(ctx, auth.FromContext(ctx))
	if err != nil {
		return err
	}
	c, err := a.s.ReadableCollection(ctx, v, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	switch f := r.URL.Query().Get("format"); f {
	case "", "stix":
		w.Header().Set("Content-Type", "application/stix+json;version=2.1")
		w.Header().Set("Content-Disposition", `attachment; filename="`+c.Alias+`.stix.json"`)
		return a.s.WriteBundle(ctx, v, c, w)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+c.Alias+`.csv"`)
		return a.s.WriteCSV(ctx, v, c, w)
	default:
		var fe errs.Fields
		fe.Add("format", "stix or csv")
		return fe.Err()
	}
}

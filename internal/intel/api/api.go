package api

import (
	"cmp"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/certhub/certhub/internal/intel"
	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/intel/asn"
	"github.com/certhub/certhub/internal/intel/ingest"
	"github.com/certhub/certhub/internal/intel/lookup"
	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/intel/warninglist"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// API serves threat intelligence as JSON.
type API struct{ s *intel.Service }

// New makes the handlers.
func New(s *intel.Service) *API { return &API{s: s} }

// Register adds the routes; protect requires an account.
func (a *API) Register(rt *httpx.Router, protect func(http.Handler) http.Handler) {
	rt.Handle("POST /api/v1/intel/ingest", protect(httpx.API(a.ingest)))
	rt.Handle("POST /api/v1/intel/lookup", protect(httpx.API(a.lookup)))
	rt.Handle("GET /api/v1/intel/collections", protect(httpx.API(a.collections)))
	rt.Handle("GET /api/v1/intel/collections/{id}/export", protect(httpx.API(a.export)))
	rt.Handle("GET /api/v1/intel/collections/{id}/misp/{file}", protect(httpx.API(a.mispFeed)))
	rt.Handle("GET /api/v1/intel/sources", protect(httpx.API(a.sources)))
	rt.Handle("POST /api/v1/intel/sources", protect(httpx.API(a.createSource)))
	rt.Handle("GET /api/v1/intel/sources/{id}", protect(httpx.API(a.source)))
	rt.Handle("PATCH /api/v1/intel/sources/{id}", protect(httpx.API(a.updateSource)))
	rt.Handle("POST /api/v1/intel/sources/{id}/pull", protect(httpx.API(a.pull)))
	rt.Handle("GET /api/v1/intel/sources/{id}/runs", protect(httpx.API(a.runs)))
	rt.Handle("GET /api/v1/intel/runs", protect(httpx.API(a.runs)))
	rt.Handle("GET /api/v1/intel/runs/{id}", protect(httpx.API(a.run)))
	rt.Handle("POST /api/v1/intel/runs/{id}/resume", protect(httpx.API(a.resume)))
	rt.Handle("GET /api/v1/intel/observables", protect(httpx.API(a.observables)))
	rt.Handle("GET /api/v1/intel/observables/{id}", protect(httpx.API(a.observable)))
	rt.Handle("GET /api/v1/intel/actors", protect(httpx.API(a.actorList)))
	rt.Handle("GET /api/v1/intel/actors/{id}", protect(httpx.API(a.actor)))
	rt.Handle("POST /api/v1/intel/actors/{id}/attributions", protect(httpx.API(a.attribute)))
	rt.Handle("DELETE /api/v1/intel/actors/{id}/attributions/{kind}/{ref}", protect(httpx.API(a.unattribute)))
	rt.Handle("GET /api/v1/intel/digests/{org_id}", protect(httpx.API(a.digest)))
	rt.Handle("PUT /api/v1/intel/digests/{org_id}", protect(httpx.API(a.setDigest)))
	rt.Handle("GET /api/v1/intel/warninglists", protect(httpx.API(a.warninglists)))
	rt.Handle("POST /api/v1/intel/warninglists", protect(httpx.API(a.putWarninglist)))
	rt.Handle("POST /api/v1/intel/warninglists/check", protect(httpx.API(a.checkValues)))
	rt.Handle("GET /api/v1/intel/warninglists/{id}", protect(httpx.API(a.warninglist)))
	rt.Handle("PATCH /api/v1/intel/warninglists/{id}", protect(httpx.API(a.switchWarninglist)))
	rt.Handle("DELETE /api/v1/intel/warninglists/{id}", protect(httpx.API(a.deleteWarninglist)))
	rt.Handle("GET /api/v1/intel/asn-table", protect(httpx.API(a.asnTable)))
	rt.Handle("PUT /api/v1/intel/asn-table", protect(httpx.API(a.loadASNTable)))
	rt.Handle("DELETE /api/v1/intel/asn-table", protect(httpx.API(a.deleteASNTable)))
	rt.Handle("POST /api/v1/intel/asn-table/lookup", protect(httpx.API(a.lookupOrigins)))
}

// AsyncThreshold: a pushed body larger than this (or any, with "Prefer:
// respond-async") is kept in the database and loaded by a job on any node
// (answering 202 with its run), resumable if that node stops mid-load.
const AsyncThreshold = 16 << 20

// MaxIngestBody bounds one pushed body; it is read as a stream, so the
// bound is about the request's duration, not memory.
const MaxIngestBody = 1 << 30

// ingest loads the body into a source (?source=, default "api"), marked
// ?tlp= (default: the source's), in the format ?format= or the one the
// Content-Type says (text/plain, text/csv, application/json for STIX 2.1
// bundles and MISP events).
func (a *API) ingest(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	format := ingest.Format(q.Get("format"))
	if format == "" {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch mt {
		case "text/plain", "":
			format = ingest.Auto
		case "text/csv":
			format = ingest.CSV
		case "application/json", "application/stix+json", "application/taxii+json":
			format = ingest.Auto
		default:
			return &httpx.StatusError{Status: http.StatusUnsupportedMediaType,
				Detail: "send text/plain (a list), text/csv (CSV or a Shadowserver report) or say ?format="}
		}
	}
	if format == ingest.CSV && q.Get("report") != "" {
		format = ingest.Shadowserver
	}
	id := auth.FromContext(r.Context())
	src, err := a.s.SourceFor(r.Context(), id, cmp.Or(q.Get("source"), "api"), q.Get("tlp"))
	if err != nil {
		return err
	}
	body := http.MaxBytesReader(w, r.Body, MaxIngestBody)
	o := intel.IngestOptions{Format: format, TLP: q.Get("tlp"), Report: strings.TrimSpace(q.Get("report")), Via: "api", Size: r.ContentLength}
	if r.ContentLength > AsyncThreshold || strings.Contains(r.Header.Get("Prefer"), "respond-async") {
		run, err := a.s.IngestLater(r.Context(), id, src, body, o)
		if err != nil {
			return TooLarge(err)
		}
		w.Header().Set("Location", "/api/v1/intel/runs/"+run.ID)
		httpx.WriteJSON(w, http.StatusAccepted, run)
		return nil
	}
	res, err := a.s.Ingest(r.Context(), id, src, body, o)
	if err != nil {
		return TooLarge(err)
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

// TooLarge answers 413 for a pushed body cut off by MaxIngestBody; any
// other error as it is.
func TooLarge(err error) error { return cutOff(err, "push at most 1 GiB per request") }

// sources lists the sources the caller may see.
func (a *API) sources(w http.ResponseWriter, r *http.Request) error {
	list, err := a.s.Sources(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, "")
	return nil
}

func (a *API) source(w http.ResponseWriter, r *http.Request) error {
	src, err := a.s.GetSource(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, src)
	return nil
}

func (a *API) createSource(w http.ResponseWriter, r *http.Request) error {
	var in intel.SourceInput
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	src, err := a.s.CreateSource(r.Context(), auth.FromContext(r.Context()), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/intel/sources/"+src.ID)
	httpx.WriteJSON(w, http.StatusCreated, src)
	return nil
}

func (a *API) updateSource(w http.ResponseWriter, r *http.Request) error {
	var in intel.SourceInput
	if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
		return err
	}
	src, err := a.s.UpdateSource(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, src)
	return nil
}

// pull queues a pull of the source now: 202 with the run.
func (a *API) pull(w http.ResponseWriter, r *http.Request) error {
	run, err := a.s.PullNow(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/intel/runs/"+run.ID)
	httpx.WriteJSON(w, http.StatusAccepted, run)
	return nil
}

// runs lists runs, newest first: a source's, or every one the caller may see.
func (a *API) runs(w http.ResponseWriter, r *http.Request) error {
	p, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	list, next, err := a.s.Runs(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), p.Limit, p.Cursor)
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, next)
	return nil
}

func (a *API) run(w http.ResponseWriter, r *http.Request) error {
	run, err := a.s.GetRun(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, run)
	return nil
}

// resume queues an interrupted run again: its kept input is loaded from
// where its committed batches ended, by a job on any node.
func (a *API) resume(w http.ResponseWriter, r *http.Request) error {
	run, err := a.s.Resume(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/intel/runs/"+run.ID)
	httpx.WriteJSON(w, http.StatusAccepted, run)
	return nil
}

// lookup answers which of up to 100,000 values the store knows, with what
// the caller may see of each (a SIEM's bulk enrichment).
func (a *API) lookup(w http.ResponseWriter, r *http.Request) error {
	// 100,000 URLs of up to a few hundred bytes each.
	values, err := decodeValues(w, r, 64<<20)
	if err != nil {
		return err
	}
	matches, err := a.s.Lookup().Lookup(r.Context(), auth.FromContext(r.Context()), values)
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
	cols, err := a.s.Access().List(r.Context(), v)
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
	v, c, err := a.readable(r)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	switch f := r.URL.Query().Get("format"); f {
	case "", "stix":
		w.Header().Set("Content-Type", "application/stix+json;version=2.1")
		w.Header().Set("Content-Disposition", `attachment; filename="`+c.Alias+`.stix.json"`)
		return a.s.Sharing().WriteBundle(ctx, v, c, w)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+c.Alias+`.csv"`)
		return a.s.Sharing().WriteCSV(ctx, v, c, w)
	default:
		var fe errs.Fields
		fe.Add("format", "stix or csv")
		return fe.Err()
	}
}

// observables lists observables newest first (?value=, ?type=): the whole
// store for staff, what was routed to the caller's organisations for
// everyone else.
func (a *API) observables(w http.ResponseWriter, r *http.Request) error {
	p, err := httpx.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	list, next, err := a.s.Lookup().Observables(r.Context(), auth.FromContext(r.Context()),
		lookup.ObservableFilter{Value: q.Get("value"), Type: observable.Type(q.Get("type")), Limit: p.Limit, Cursor: p.Cursor})
	if err != nil {
		return err
	}
	httpx.WriteList(w, list, next)
	return nil
}

// observable answers everything the caller may know of one observable.
func (a *API) observable(w http.ResponseWriter, r *http.Request) error {
	oid, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.NotFound("no such observable")
	}
	o, err := a.s.Lookup().Observable(r.Context(), auth.FromContext(r.Context()), oid)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, o)
	return nil
}

// digest answers how often an organisation gets its e-mail digest.
func (a *API) digest(w http.ResponseWriter, r *http.Request) error {
	d, err := a.s.DigestSettingOf(r.Context(), auth.FromContext(r.Context()), r.PathValue("org_id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, d)
	return nil
}

// setDigest changes it: {"schedule": "hourly|daily|weekly|never"}.
func (a *API) setDigest(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Schedule string `json:"schedule"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 4<<10); err != nil {
		return err
	}
	d, err := a.s.SetDigestSchedule(r.Context(), auth.FromContext(r.Context()), r.PathValue("org_id"), in.Schedule)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, d)
	return nil
}

// mispFeed serves a collection as a MISP feed: manifest.json and one
// {uuid}.json event per day, holding only what the caller reads.
func (a *API) mispFeed(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v, c, err := a.readable(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	file := r.PathValue("file")
	if file == "manifest.json" {
		return a.s.Sharing().WriteMISPManifest(ctx, v, c, w)
	}
	uuid, ok := strings.CutSuffix(file, ".json")
	if !ok {
		return errs.NotFound("a MISP feed has manifest.json and {uuid}.json")
	}
	return a.s.Sharing().WriteMISPEvent(ctx, v, c, uuid, w)
}

// readable answers the caller's viewer and the collection {id} if it reads it.
func (a *API) readable(r *http.Request) (*access.Viewer, access.Collection, error) {
	v, err := a.s.Viewer(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return nil, access.Collection{}, err
	}
	c, err := a.s.Access().Readable(r.Context(), v, r.PathValue("id"))
	return v, c, err
}

func (a *API) warninglists(w http.ResponseWriter, r *http.Request) error {
	lists, err := a.s.Warninglists().All(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": lists})
	return nil
}

func (a *API) warninglist(w http.ResponseWriter, r *http.Request) error {
	l, err := a.s.Warninglists().Get(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, l)
	return nil
}

// putWarninglist loads a list in MISP's warninglist format: 201 for a new
// name, 200 when it replaced the values of the loaded list of that name.
func (a *API) putWarninglist(w http.ResponseWriter, r *http.Request) error {
	var in warninglist.List
	if err := httpx.DecodeJSON(w, r, &in, warninglist.MaxBytes); err != nil {
		return err
	}
	l, created, err := a.s.Warninglists().Put(r.Context(), auth.FromContext(r.Context()), in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", "/api/v1/intel/warninglists/"+l.ID)
	}
	httpx.WriteJSON(w, status, l)
	return nil
}

func (a *API) switchWarninglist(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Enabled *bool `json:"enabled"`
	}
	if err := httpx.DecodeJSON(w, r, &in, 4<<10); err != nil {
		return err
	}
	if in.Enabled == nil {
		var f errs.Fields
		f.Add("enabled", "true or false")
		return f.Err()
	}
	l, err := a.s.Warninglists().SetEnabled(r.Context(), auth.FromContext(r.Context()), r.PathValue("id"), *in.Enabled)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, l)
	return nil
}

func (a *API) deleteWarninglist(w http.ResponseWriter, r *http.Request) error {
	if err := a.s.Warninglists().Delete(r.Context(), auth.FromContext(r.Context()), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// checkValues says which values the enabled warninglists call benign.
func (a *API) checkValues(w http.ResponseWriter, r *http.Request) error {
	values, err := decodeValues(w, r, 1<<20)
	if err != nil {
		return err
	}
	checks, err := a.s.Warninglists().Check(r.Context(), auth.FromContext(r.Context()), values)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": checks})
	return nil
}

// decodeValues reads the body {"values": [...]} of lookups and checks.
func decodeValues(w http.ResponseWriter, r *http.Request, max int64) ([]string, error) {
	var in struct {
		Values []string `json:"values"`
	}
	if err := httpx.DecodeJSON(w, r, &in, max); err != nil {
		return nil, err
	}
	if in.Values == nil {
		var f errs.Fields
		f.Add("values", "a list of indicators")
		return nil, f.Err()
	}
	return in.Values, nil
}

func (a *API) asnTable(w http.ResponseWriter, r *http.Request) error {
	info, err := a.s.ASNTable().Info(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, info)
	return nil
}

// loadASNTable replaces the AS table with the body: a pfx2as or pyasn dump
// as text/plain, or gzip-compressed (application/gzip); ?name= names it.
func (a *API) loadASNTable(w http.ResponseWriter, r *http.Request) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "text/plain", "application/gzip", "application/x-gzip", "application/octet-stream":
	default:
		return &httpx.StatusError{Status: http.StatusUnsupportedMediaType,
			Detail: "send the dump as text/plain or application/gzip"}
	}
	r.Body = http.MaxBytesReader(w, r.Body, asn.MaxBytes)
	info, err := a.s.ASNTable().Load(r.Context(), auth.FromContext(r.Context()), cmp.Or(r.URL.Query().Get("name"), "asn-table"), r.Body)
	if err != nil {
		return ASNTooLarge(err)
	}
	httpx.WriteJSON(w, http.StatusOK, info)
	return nil
}

func (a *API) deleteASNTable(w http.ResponseWriter, r *http.Request) error {
	if err := a.s.ASNTable().Delete(r.Context(), auth.FromContext(r.Context())); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// lookupOrigins answers the AS and announced prefix of {"values": [...]}.
func (a *API) lookupOrigins(w http.ResponseWriter, r *http.Request) error {
	values, err := decodeValues(w, r, 1<<20)
	if err != nil {
		return err
	}
	items, err := a.s.ASNTable().Lookup(r.Context(), auth.FromContext(r.Context()), values)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// ASNTooLarge answers 413 for an AS table dump cut off by the request's
// bound; any other error as it is.
func ASNTooLarge(err error) error { return cutOff(err, "send a dump of at most 256 MB") }

// cutOff answers 413 with detail for a body cut off by http.MaxBytesReader.
func cutOff(err error, detail string) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &httpx.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: detail}
	}
	return err
}

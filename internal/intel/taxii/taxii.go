// Package taxii serves the threat-intelligence collections over TAXII 2.1
// (OASIS): discovery, one API root, collections, objects, manifests,
// versions and status resources. What a collection holds and who reads it
// is intel's; this package speaks the protocol: media types, HTTP Basic,
// the envelope, filters and pagination.
//
// Pagination never skips or repeats objects that share a timestamp: every
// object's date_added is unique within its collection (intel assigns them
// in microseconds, in insertion order), "next" is the date_added of the
// page's last object, and added_after is strictly exclusive.
package taxii

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/intel"
	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/intel/sharing"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// Media types.
const (
	MediaTAXII = "application/taxii+json;version=2.1"
	MediaSTIX  = "application/stix+json;version=2.1"
)

// MaxContentLength bounds a POST (the API root says so to clients).
const MaxContentLength = 100 << 20

// Root is the API root's path.
const Root = "/taxii2/api/"

// Server is the TAXII 2.1 handlers.
type Server struct {
	intel *intel.Service
	auth  *auth.Service
	db    *db.DB
	title string
	now   func() time.Time
}

// New makes the server; title names the center in discovery.
func New(in *intel.Service, a *auth.Service, d *db.DB, title string, now func() time.Time) *Server {
	return &Server{intel: in, auth: a, db: d, title: cmp.Or(title, "certhub"), now: now}
}

// Register adds the routes.
func (s *Server) Register(rt *httpx.Router) {
	h := func(f handler, write bool) http.Handler { return s.wrap(f, write) }
	rt.Handle("GET /taxii2/{$}", h(s.discovery, false))
	rt.Handle("GET "+Root+"{$}", h(s.apiRoot, false))
	rt.Handle("GET "+Root+"status/{id}/{$}", h(s.status, false))
	rt.Handle("GET "+Root+"collections/{$}", h(s.collections, false))
	rt.Handle("GET "+Root+"collections/{cid}/{$}", h(s.collection, false))
	rt.Handle("GET "+Root+"collections/{cid}/manifest/{$}", h(s.manifest, false))
	rt.Handle("GET "+Root+"collections/{cid}/objects/{$}", h(s.objects, false))
	rt.Handle("POST "+Root+"collections/{cid}/objects/{$}", h(s.addObjects, true))
	rt.Handle("GET "+Root+"collections/{cid}/objects/{oid}/{$}", h(s.object, false))
	rt.Handle("DELETE "+Root+"collections/{cid}/objects/{oid}/{$}", h(s.deleteObject, true))
	rt.Handle("GET "+Root+"collections/{cid}/objects/{oid}/versions/{$}", h(s.versions, false))
}

type handler func(w http.ResponseWriter, r *http.Request, id *auth.Identity) error

// Error is TAXII's error message.
type Error struct {
	Status      int    `json:"-"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	HTTPStatus  string `json:"http_status"`
}

func (e *Error) Error() string { return e.Title + ": " + e.Description }

func fail(status int, description string) *Error {
	return &Error{Status: status, Title: http.StatusText(status), Description: description, HTTPStatus: strconv.Itoa(status)}
}

// wrap authenticates (HTTP Basic as TAXII requires, or a bearer token or a
// session the platform already recognised), negotiates the media type and
// answers errors as TAXII error messages.
func (s *Server) wrap(f handler, write bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := s.serve(w, r, f, write)
		if err == nil {
			return
		}
		var te *Error
		if !errors.As(err, &te) {
			status, title, detail := httpx.Status(err)
			if status >= 500 {
				httpx.LogError(r, status, err)
			}
			te = &Error{Status: status, Title: title, Description: detail, HTTPStatus: strconv.Itoa(status)}
		}
		if te.Status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="TAXII", charset="UTF-8"`)
		}
		writeTAXII(w, te.Status, te)
	})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, f handler, write bool) error {
	if !acceptable(r.Header.Get("Accept")) {
		return fail(http.StatusNotAcceptable, "this server answers "+MediaTAXII)
	}
	id := auth.FromContext(r.Context())
	if user, pass, ok := r.BasicAuth(); ok {
		var err error
		if id, err = s.auth.AuthenticateBasic(r.Context(), user, pass, httpx.ClientIP(r.Context())); err != nil {
			return fail(http.StatusUnauthorized, "the user name or password is not right: the user's e-mail and password, or an API token")
		}
	}
	if id == nil {
		return fail(http.StatusUnauthorized, "authenticate with HTTP Basic: the user's e-mail and password (or an API token)")
	}
	// A token's scopes hold however it is presented, as a bearer or as
	// Basic's password.
	if write && !id.HasScope(auth.ScopeWrite) {
		return fail(http.StatusForbidden, "this API token has no write scope")
	}
	ctx := auth.WithIdentity(r.Context(), id)
	return f(w, r.WithContext(ctx), id)
}

// acceptable: no Accept, a wildcard, or TAXII 2.1's media type (with or
// without its version).
func acceptable(accept string) bool {
	if strings.TrimSpace(accept) == "" {
		return true
	}
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "*/*", "application/*":
			return true
		case "application/taxii+json":
			if v, ok := params["version"]; !ok || v == "2.1" {
				return true
			}
		}
	}
	return false
}

func writeTAXII(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", MediaTAXII)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

func base(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) discovery(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	root := base(r) + Root
	writeTAXII(w, http.StatusOK, map[string]any{
		"title":       s.title + " TAXII",
		"description": "Threat intelligence shared by " + s.title + ", under TLP 2.0.",
		"default":     root,
		"api_roots":   []string{root},
	})
	return nil
}

func (s *Server) apiRoot(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	writeTAXII(w, http.StatusOK, map[string]any{
		"title":              s.title + " threat intelligence",
		"description":        "Collections: the center's, the community's, sectors' and each organisation's own (what concerns its networks).",
		"versions":           []string{MediaTAXII},
		"max_content_length": MaxContentLength,
	})
	return nil
}

// collectionResource is a collection as TAXII describes it.
func (s *Server) collectionResource(v *access.Viewer, id *auth.Identity, c access.Collection) map[string]any {
	return map[string]any{
		"id": c.ID, "title": c.Title, "description": c.Description, "alias": c.Alias,
		"can_read": true, "can_write": access.MayWrite(v, id, c), "media_types": []string{MediaSTIX},
	}
}

func (s *Server) collections(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	v, err := s.intel.Viewer(r.Context(), id)
	if err != nil {
		return err
	}
	cols, err := s.intel.Access().List(r.Context(), v)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, c := range cols {
		out = append(out, s.collectionResource(v, id, c))
	}
	writeTAXII(w, http.StatusOK, map[string]any{"collections": out})
	return nil
}

// readable finds the collection of the path that the caller reads.
func (s *Server) readable(ctx context.Context, r *http.Request, id *auth.Identity) (*access.Viewer, access.Collection, error) {
	v, err := s.intel.Viewer(ctx, id)
	if err != nil {
		return nil, access.Collection{}, err
	}
	c, err := s.intel.Access().Readable(ctx, v, r.PathValue("cid"))
	return v, c, err
}

func (s *Server) collection(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	v, c, err := s.readable(r.Context(), r, id)
	if err != nil {
		return err
	}
	writeTAXII(w, http.StatusOK, s.collectionResource(v, id, c))
	return nil
}

// filter reads added_after, next, limit and match[…] (values may be
// comma-separated, as the spec allows).
func filter(r *http.Request) (sharing.Filter, error) {
	q := r.URL.Query()
	var f sharing.Filter
	if a := q.Get("added_after"); a != "" {
		t, err := time.Parse(time.RFC3339Nano, a)
		if err != nil {
			return f, fail(http.StatusBadRequest, "added_after is not an RFC 3339 timestamp")
		}
		f.After = t.UnixMicro()
	}
	if n := q.Get("next"); n != "" {
		parts, err := db.DecodeCursor(n, 1)
		var after int64
		if err == nil {
			after, err = strconv.ParseInt(parts[0], 10, 64)
		}
		if err != nil {
			return f, fail(http.StatusBadRequest, "next is not a value this server gave")
		}
		f.After = max(f.After, after)
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return f, fail(http.StatusBadRequest, "limit is a positive number")
		}
		f.Limit = min(n, sharing.MaxPage)
	}
	list := func(key string) []string {
		var out []string
		for _, v := range q[key] {
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
		}
		return out
	}
	f.IDs, f.Types, f.Versions, f.Specs = list("match[id]"), list("match[type]"), list("match[version]"), list("match[spec_version]")
	return f, nil
}

// page answers the filtered page of the path's collection with TAXII's
// headers; more and next say whether and where to go on.
func (s *Server) page(w http.ResponseWriter, r *http.Request, id *auth.Identity, f sharing.Filter) ([]sharing.Stored, bool, string, error) {
	v, c, err := s.readable(r.Context(), r, id)
	if err != nil {
		return nil, false, "", err
	}
	objs, more, err := s.intel.Sharing().Page(r.Context(), v, c, f)
	if err != nil {
		return nil, false, "", err
	}
	next := ""
	if len(objs) > 0 {
		w.Header().Set("X-TAXII-Date-Added-First", objs[0].DateAdded())
		w.Header().Set("X-TAXII-Date-Added-Last", objs[len(objs)-1].DateAdded())
		if more {
			next = db.EncodeCursor(strconv.FormatInt(objs[len(objs)-1].Added, 10))
		}
	}
	return objs, more, next, nil
}

// envelope is TAXII's envelope of objects.
type envelope struct {
	More    bool              `json:"more"`
	Next    string            `json:"next,omitempty"`
	Objects []json.RawMessage `json:"objects,omitempty"`
}

func (s *Server) objects(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	return s.serveObjects(w, r, id, "")
}

func (s *Server) object(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	return s.serveObjects(w, r, id, r.PathValue("oid"))
}

// serveObjects answers a page of objects, or of one object's versions when
// oid is set (404 when it has none at all).
func (s *Server) serveObjects(w http.ResponseWriter, r *http.Request, id *auth.Identity, oid string) error {
	f, err := filter(r)
	if err != nil {
		return err
	}
	if oid != "" {
		f.IDs = []string{oid}
	}
	objs, more, next, err := s.page(w, r, id, f)
	if err != nil {
		return err
	}
	if oid != "" && len(objs) == 0 && f.After == 0 {
		return fail(http.StatusNotFound, "no such object in this collection")
	}
	env := envelope{More: more, Next: next}
	for _, o := range objs {
		env.Objects = append(env.Objects, o.Body)
	}
	writeTAXII(w, http.StatusOK, env)
	return nil
}

func (s *Server) manifest(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	f, err := filter(r)
	if err != nil {
		return err
	}
	objs, more, next, err := s.page(w, r, id, f)
	if err != nil {
		return err
	}
	type record struct {
		ID        string `json:"id"`
		DateAdded string `json:"date_added"`
		Version   string `json:"version"`
		MediaType string `json:"media_type"`
	}
	out := struct {
		More    bool     `json:"more"`
		Next    string   `json:"next,omitempty"`
		Objects []record `json:"objects,omitempty"`
	}{More: more, Next: next}
	for _, o := range objs {
		out.Objects = append(out.Objects, record{o.ID, o.DateAdded(), o.Version, MediaSTIX})
	}
	writeTAXII(w, http.StatusOK, out)
	return nil
}

func (s *Server) versions(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	v, c, err := s.readable(r.Context(), r, id)
	if err != nil {
		return err
	}
	objs, err := s.intel.Sharing().Versions(r.Context(), v, c, r.PathValue("oid"))
	if err != nil {
		return err
	}
	if len(objs) == 0 {
		return fail(http.StatusNotFound, "no such object in this collection")
	}
	out := struct {
		More     bool     `json:"more"`
		Versions []string `json:"versions"`
	}{}
	for _, o := range objs {
		out.Versions = append(out.Versions, o.Version)
	}
	w.Header().Set("X-TAXII-Date-Added-First", objs[0].DateAdded())
	w.Header().Set("X-TAXII-Date-Added-Last", objs[len(objs)-1].DateAdded())
	writeTAXII(w, http.StatusOK, out)
	return nil
}

func (s *Server) deleteObject(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	_, c, err := s.readable(r.Context(), r, id)
	if err != nil {
		return err
	}
	f, err := filter(r)
	if err != nil {
		return err
	}
	if err := s.intel.Sharing().DeleteObject(r.Context(), id, c, r.PathValue("oid"), f.Versions); err != nil {
		return err
	}
	// An actor's object withdrawn leaves its profiles now.
	if err := s.intel.RefreshActorsIn(r.Context(), c); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) addObjects(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/taxii+json" || (params["version"] != "" && params["version"] != "2.1") {
		return fail(http.StatusUnsupportedMediaType, "send an envelope as "+MediaTAXII)
	}
	if r.ContentLength > MaxContentLength {
		return fail(http.StatusRequestEntityTooLarge, fmt.Sprintf("send at most %d bytes", MaxContentLength))
	}
	_, c, err := s.readable(r.Context(), r, id)
	if err != nil {
		return err
	}
	statusID, err := s.intel.AddObjects(r.Context(), id, c, http.MaxBytesReader(w, r.Body, MaxContentLength))
	if err != nil {
		// The status (when it was made) says what was stored before the
		// failure; the answer says why the rest was not.
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fail(http.StatusRequestEntityTooLarge, fmt.Sprintf("send at most %d bytes%s", MaxContentLength, statusNote(statusID)))
		}
		if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
			return fail(http.StatusBadRequest, "the envelope cannot be read: "+e.Message+statusNote(statusID))
		}
		return err
	}
	st, err := s.intel.TAXIIStatusOf(r.Context(), id, statusID)
	if err != nil {
		return err
	}
	writeTAXII(w, http.StatusAccepted, st)
	return nil
}

// statusNote points at the status of a POST that failed part way.
func statusNote(statusID string) string {
	if statusID == "" {
		return ""
	}
	return "; status/" + statusID + "/ lists what was stored"
}

func (s *Server) status(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	st, err := s.intel.TAXIIStatusOf(r.Context(), id, r.PathValue("id"))
	if errs.KindOf(err) == errs.KindNotFound {
		return fail(http.StatusNotFound, "no such status")
	}
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeTAXII(w, http.StatusOK, st)
	return nil
}

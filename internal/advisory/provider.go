package advisory

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gocsaf/csaf/v3/csaf"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// The CSAF trusted provider (CSAF 2.0 section 7): everything under
// /.well-known/csaf/ is made from the published revisions, per TLP folder
// (white, green, amber, red). White is public; the other folders answer 401
// without credentials and list only what the caller may read.

const wellKnown = "/.well-known/csaf"

var folders = []string{"white", "green", "amber", "red"}

// folderLabels are the TLP 2.0 labels filed in each folder.
var folderLabels = map[string][]string{"white": {"CLEAR"}, "green": {"GREEN"}, "amber": {"AMBER", "AMBER+STRICT"}, "red": {"RED"}}

// entry is one document as the provider lists it.
type entry struct {
	TrackingID string
	Title      string
	Summary    string
	TLP        string
	First      time.Time
	Last       time.Time
}

func (e entry) path() string {
	return fmt.Sprintf("%d/%s", e.First.UTC().Year(), FileName(e.TrackingID))
}

// entries lists the CSAF documents of a folder the viewer may read, newest first.
func (s *Service) entries(ctx context.Context, id *auth.Identity, folder string) ([]entry, error) {
	rd, err := s.reader(ctx, id)
	if err != nil {
		return nil, err
	}
	var args db.Args
	arg := args.Add
	var labels []string
	for _, l := range folderLabels[folder] {
		labels = append(labels, arg(l))
	}
	cond := rd.condition(arg) + " AND kind <> 'news' AND pub_tlp IN (" + strings.Join(labels, ", ") + ")"
	var out []entry
	err = s.db.Read(ctx, func(q db.Querier) error {
		rows, err := q.Query(ctx, `SELECT tracking_id, pub_title, pub_summary, pub_tlp, first_published_at, last_published_at
			FROM advisories WHERE `+cond+` ORDER BY last_published_at DESC, tracking_id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e entry
			if err := rows.Scan(&e.TrackingID, &e.Title, &e.Summary, &e.TLP, &e.First, &e.Last); err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("advisory: provider entries: %w", err)
	}
	return out, nil
}

// document returns the latest published revision of the document at
// folder/year/file, if the viewer may read it.
func (s *Service) document(ctx context.Context, id *auth.Identity, folder, year, file string) (Revision, error) {
	name, ok := strings.CutSuffix(file, ".json")
	if !ok {
		return Revision{}, errs.NotFound("no such document")
	}
	p, rev, err := s.Publication(ctx, id, name)
	if err != nil {
		return Revision{}, err
	}
	if FileName(p.TrackingID) != file || tlpFolder(p.TLP) != folder || strconv.Itoa(p.FirstPublishedAt.UTC().Year()) != year ||
		len(rev.CSAF) == 0 {
		return Revision{}, errs.NotFound("no such document")
	}
	return rev, nil
}

// providerCache keeps the public (white) files between publications: they
// change only when something is published. Each node clears its own cache on
// publishing, and entries expire after a minute for the other nodes.
type providerCache struct {
	mu    sync.Mutex
	files map[string]cached
}

type cached struct {
	body []byte
	at   time.Time
}

func (c *providerCache) get(key string, now time.Time, make func() ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	if f, ok := c.files[key]; ok && now.Sub(f.at) < time.Minute {
		c.mu.Unlock()
		return f.body, nil
	}
	c.mu.Unlock()
	b, err := make()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.files == nil {
		c.files = map[string]cached{}
	}
	c.files[key] = cached{body: b, at: now}
	c.mu.Unlock()
	return b, nil
}

func (c *providerCache) clear() {
	c.mu.Lock()
	c.files = nil
	c.mu.Unlock()
}

// ProviderMetadata is /.well-known/csaf/provider-metadata.json.
func (s *Service) ProviderMetadata() ([]byte, error) {
	base := s.baseURL + wellKnown
	role := csaf.MetadataRoleTrustedProvider
	version := csaf.MetadataVersion20
	canonical := csaf.ProviderURL(base + "/provider-metadata.json")
	last := csaf.TimeStamp(s.lastPublished())
	yes := true
	var feeds []csaf.Feed
	for _, f := range folders {
		label := csaf.TLPLabel(strings.ToUpper(f))
		u := csaf.JSONURL(fmt.Sprintf("%s/%s/csaf-feed-tlp-%s.json", base, f, f))
		feeds = append(feeds, csaf.Feed{Summary: "TLP:" + string(label) + " advisories", TLPLabel: &label, URL: &u})
	}
	cat := csaf.CSAFCategoryCoordinator
	pmd := csaf.ProviderMetadata{
		CanonicalURL:            &canonical,
		Distributions:           []csaf.Distribution{{DirectoryURL: base + "/white/", Rolie: &csaf.ROLIE{Feeds: feeds}}},
		LastUpdated:             &last,
		ListOnCSAFAggregators:   &yes,
		MetadataVersion:         &version,
		MirrorOnCSAFAggregators: &yes,
		Publisher: &csaf.Publisher{Category: &cat, Name: &s.centerName, Namespace: &s.baseURL,
			ContactDetails: s.contactDetails()},
		Role: &role,
	}
	if s.key != nil {
		keyURL := base + "/openpgp/" + s.key.Fingerprint + ".asc"
		pmd.PGPKeys = []csaf.PGPKey{{Fingerprint: csaf.Fingerprint(s.key.Fingerprint), URL: &keyURL}}
	}
	var buf bytes.Buffer
	if _, err := pmd.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("advisory: provider metadata: %w", err)
	}
	return buf.Bytes(), nil
}

// lastPublished is when something public (TLP:CLEAR) was last published, or
// now when nothing was: public files must not tell when restricted
// publications go out.
func (s *Service) lastPublished() time.Time {
	var t *time.Time
	err := s.db.QueryRow(context.Background(), `SELECT MAX(last_published_at) FROM advisories WHERE pub_tlp = 'CLEAR'`).Scan(&t)
	if err != nil || t == nil {
		return s.now().UTC().Truncate(time.Second)
	}
	return t.UTC()
}

// rolieFeed is the ROLIE feed of a folder.
func (s *Service) rolieFeed(folder string, es []entry) ([]byte, error) {
	base := s.baseURL + wellKnown + "/" + folder
	label := strings.ToUpper(folder)
	feed := csaf.ROLIEFeed{Feed: csaf.FeedData{
		ID:       "csaf-feed-tlp-" + folder,
		Title:    s.centerName + " CSAF feed (TLP:" + label + ")",
		Link:     []csaf.Link{{Rel: "self", HRef: base + "/csaf-feed-tlp-" + folder + ".json"}},
		Category: []csaf.ROLIECategory{{Scheme: "urn:ietf:params:rolie:category:information-type", Term: "csaf"}},
		Updated:  csaf.TimeStamp(s.now().UTC().Truncate(time.Second)),
		Entry:    []*csaf.Entry{},
	}}
	if len(es) > 0 {
		feed.Feed.Updated = csaf.TimeStamp(es[0].Last.UTC()) // newest first
	}
	for _, e := range es {
		u := base + "/" + e.path()
		feed.Feed.Entry = append(feed.Feed.Entry, &csaf.Entry{
			ID:    e.TrackingID,
			Titel: e.Title,
			Link: []csaf.Link{{Rel: "self", HRef: u}, {Rel: "hash", HRef: u + ".sha256"}, {Rel: "hash", HRef: u + ".sha512"},
				{Rel: "signature", HRef: u + ".asc"}},
			Published: csaf.TimeStamp(e.First.UTC()),
			Updated:   csaf.TimeStamp(e.Last.UTC()),
			Summary:   &csaf.Summary{Content: e.Summary},
			Content:   csaf.Content{Type: "application/json", Src: u},
			Format:    csaf.Format{Schema: "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json", Version: "2.0"},
		})
	}
	// Compact: feeds are for machines, and indenting doubles the cost of a
	// feed of thousands of entries.
	b, err := json.Marshal(feed)
	if err != nil {
		return nil, fmt.Errorf("advisory: ROLIE feed: %w", err)
	}
	return b, nil
}

func indexTxt(es []entry) []byte {
	var b bytes.Buffer
	for _, e := range es {
		b.WriteString(e.path() + "\n")
	}
	return b.Bytes()
}

func changesCSV(es []entry) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	for _, e := range es { // newest first, as the standard asks
		_ = w.Write([]string{e.path(), e.Last.UTC().Format(time.RFC3339)})
	}
	w.Flush()
	return b.Bytes()
}

var listingTmpl = template.Must(template.New("listing").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Index of {{.Path}}</title></head>
<body><h1>Index of {{.Path}}</h1><ul>
{{range .Links}}<li><a href="{{.}}">{{.}}</a></li>
{{end}}</ul></body></html>
`))

func listing(path string, links []string) []byte {
	var b bytes.Buffer
	_ = listingTmpl.Execute(&b, struct {
		Path  string
		Links []string
	}{path, links})
	return b.Bytes()
}

// SecurityTxt is /.well-known/security.txt (RFC 9116), clear-signed with the
// center's key.
func (s *Service) SecurityTxt() ([]byte, error) {
	var b strings.Builder
	if s.contact != "" {
		fmt.Fprintf(&b, "Contact: mailto:%s\n", s.contact)
	}
	fmt.Fprintf(&b, "Contact: %s/report\n", s.baseURL)
	fmt.Fprintf(&b, "Expires: %s\n", s.now().UTC().AddDate(0, 0, 180).Truncate(24*time.Hour).Format(time.RFC3339))
	if s.key != nil {
		fmt.Fprintf(&b, "Encryption: %s%s/openpgp/%s.asc\n", s.baseURL, wellKnown, s.key.Fingerprint)
	}
	fmt.Fprintf(&b, "Policy: %s/report#policy\n", s.baseURL)
	fmt.Fprintf(&b, "Acknowledgments: %s/advisories\n", s.baseURL)
	fmt.Fprintf(&b, "Preferred-Languages: en\n")
	fmt.Fprintf(&b, "Canonical: %s/.well-known/security.txt\n", s.baseURL)
	fmt.Fprintf(&b, "CSAF: %s%s/provider-metadata.json\n", s.baseURL, wellKnown)
	if s.key == nil {
		return []byte(b.String()), nil
	}
	return s.key.ClearSign([]byte(b.String()))
}

// Provider serves the CSAF provider files and security.txt.
type Provider struct{ s *Service }

// NewProvider makes the handlers.
func NewProvider(s *Service) *Provider { return &Provider{s: s} }

// Register adds the routes.
func (p *Provider) Register(rt *httpx.Router) {
	rt.Handle("GET /.well-known/security.txt", p.public(func(r *http.Request) ([]byte, string, error) {
		b, err := p.s.cache.get("security.txt", p.s.now(), p.s.SecurityTxt)
		return b, "text/plain; charset=utf-8", err
	}))
	rt.Handle("GET "+wellKnown+"/provider-metadata.json", p.public(func(r *http.Request) ([]byte, string, error) {
		b, err := p.s.cache.get("pmd", p.s.now(), p.s.ProviderMetadata)
		return b, "application/json", err
	}))
	rt.Handle("GET "+wellKnown+"/service.json", p.public(func(r *http.Request) ([]byte, string, error) {
		b, err := p.serviceDocument()
		return b, "application/json", err
	}))
	rt.Handle("GET "+wellKnown+"/openpgp/{file}", p.public(func(r *http.Request) ([]byte, string, error) {
		if p.s.key == nil || r.PathValue("file") != p.s.key.Fingerprint+".asc" {
			return nil, "", errs.NotFound("no such key")
		}
		return []byte(p.s.key.Public), "application/pgp-keys", nil
	}))
	rt.Handle("GET "+wellKnown+"/{$}", p.public(func(r *http.Request) ([]byte, string, error) {
		links := []string{"provider-metadata.json", "service.json"}
		for _, f := range folders {
			links = append(links, f+"/")
		}
		return listing(wellKnown+"/", links), "text/html; charset=utf-8", nil
	}))
	rt.Handle("GET "+wellKnown+"/{tlp}/{file}", p.folder(p.folderFile))
	rt.Handle("GET "+wellKnown+"/{tlp}/{$}", p.folder(p.folderFile))
	rt.Handle("GET "+wellKnown+"/{tlp}/{year}/{file}", p.folder(p.yearFile))
	rt.Handle("GET "+wellKnown+"/{tlp}/{year}/{$}", p.folder(p.yearFile))
}

type fileFunc func(r *http.Request) ([]byte, string, error)

// public serves a public file with an ETag and caching headers.
func (p *Provider) public(fn fileFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ctype, err := fn(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		serve(w, r, b, ctype, "public, max-age=300")
	})
}

// folder serves a file of a TLP folder: white to everyone, the others to
// signed-in callers (401 otherwise), each file only to whom may read it.
func (p *Provider) folder(fn func(r *http.Request, id *auth.Identity, folder string) ([]byte, string, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		folder := r.PathValue("tlp")
		if _, ok := folderLabels[folder]; !ok {
			writeError(w, r, errs.NotFound("no such folder"))
			return
		}
		id := auth.FromContext(r.Context())
		if folder != "white" && id == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="certhub"`)
			writeError(w, r, errs.Unauthenticated("TLP:%s documents need credentials (an API token)", strings.ToUpper(folder)))
			return
		}
		b, ctype, err := fn(r, id, folder)
		if err != nil {
			writeError(w, r, err)
			return
		}
		cache := "public, max-age=300"
		if folder != "white" {
			cache = "private, no-store"
		}
		serve(w, r, b, ctype, cache)
	})
}

func (p *Provider) folderFile(r *http.Request, id *auth.Identity, folder string) ([]byte, string, error) {
	file := r.PathValue("file")
	load := func() ([]entry, error) { return p.s.entries(r.Context(), id, folder) }
	cached := func(key string, make func([]entry) ([]byte, error)) ([]byte, error) {
		if folder != "white" {
			es, err := load()
			if err != nil {
				return nil, err
			}
			return make(es)
		}
		return p.s.cache.get(key, p.s.now(), func() ([]byte, error) {
			es, err := load()
			if err != nil {
				return nil, err
			}
			return make(es)
		})
	}
	switch file {
	case "csaf-feed-tlp-" + folder + ".json":
		b, err := cached("feed-"+folder, func(es []entry) ([]byte, error) { return p.s.rolieFeed(folder, es) })
		return b, "application/json", err
	case "category-" + folder + ".json":
		b, err := json.MarshalIndent(csaf.NewROLIECategoryDocument(string(KindAdvisory), string(KindAlert), string(KindGuideline)), "", "  ")
		return b, "application/json", err
	case "index.txt":
		b, err := cached("index-"+folder, func(es []entry) ([]byte, error) { return indexTxt(es), nil })
		return b, "text/plain; charset=utf-8", err
	case "changes.csv":
		b, err := cached("changes-"+folder, func(es []entry) ([]byte, error) { return changesCSV(es), nil })
		return b, "text/csv; charset=utf-8", err
	case "":
		es, err := load()
		if err != nil {
			return nil, "", err
		}
		links := []string{"csaf-feed-tlp-" + folder + ".json", "category-" + folder + ".json", "index.txt", "changes.csv"}
		seen := map[int]bool{}
		for _, e := range es {
			if y := e.First.UTC().Year(); !seen[y] {
				seen[y] = true
				links = append(links, strconv.Itoa(y)+"/")
			}
		}
		return listing(wellKnown+"/"+folder+"/", links), "text/html; charset=utf-8", nil
	}
	return nil, "", errs.NotFound("no such file")
}

func (p *Provider) yearFile(r *http.Request, id *auth.Identity, folder string) ([]byte, string, error) {
	year, file := r.PathValue("year"), r.PathValue("file")
	if file == "" {
		es, err := p.s.entries(r.Context(), id, folder)
		if err != nil {
			return nil, "", err
		}
		var links []string
		for _, e := range es {
			if strconv.Itoa(e.First.UTC().Year()) == year {
				name := FileName(e.TrackingID)
				links = append(links, name, name+".asc", name+".sha256", name+".sha512")
			}
		}
		if links == nil {
			return nil, "", errs.NotFound("no documents from %s", year)
		}
		return listing(wellKnown+"/"+folder+"/"+year+"/", links), "text/html; charset=utf-8", nil
	}
	base := file
	for _, ext := range []string{".sha256", ".sha512", ".asc"} {
		if b, ok := strings.CutSuffix(file, ext); ok {
			base = b
			break
		}
	}
	rev, err := p.s.document(r.Context(), id, folder, year, base)
	if err != nil {
		return nil, "", err
	}
	switch strings.TrimPrefix(file, base) {
	case "":
		return rev.CSAF, "application/json", nil
	case ".sha256":
		return []byte(rev.SHA256 + "  " + base + "\n"), "text/plain; charset=utf-8", nil
	case ".sha512":
		return []byte(rev.SHA512 + "  " + base + "\n"), "text/plain; charset=utf-8", nil
	default:
		return []byte(rev.Signature), "application/pgp-signature", nil
	}
}

func (p *Provider) serviceDocument() ([]byte, error) {
	base := p.s.baseURL + wellKnown
	var cols []csaf.ROLIEServiceWorkspaceCollection
	for _, f := range folders {
		cols = append(cols, csaf.ROLIEServiceWorkspaceCollection{
			Title: "CSAF feed (TLP:" + strings.ToUpper(f) + ")",
			HRef:  base + "/" + f + "/csaf-feed-tlp-" + f + ".json",
			Categories: csaf.ROLIEServiceWorkspaceCollectionCategories{Category: []csaf.ROLIEServiceWorkspaceCollectionCategoriesCategory{
				{Scheme: "urn:ietf:params:rolie:category:information-type", Term: "csaf"}}},
		})
	}
	doc := csaf.ROLIEServiceDocument{Service: csaf.ROLIEService{Workspace: []csaf.ROLIEServiceWorkspace{
		{Title: p.s.centerName + " CSAF feeds", Collection: cols}}}}
	var buf bytes.Buffer
	_, err := doc.WriteTo(&buf)
	return buf.Bytes(), err
}

// serve writes a file with a strong ETag and answers conditional requests.
func serve(w http.ResponseWriter, r *http.Request, b []byte, ctype, cacheControl string) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	httpx.ServeBytes(w, r, b, cacheControl, false)
}

// writeError answers machine clients of the provider in plain text: CSAF
// tools read status codes, not problem documents.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, _, detail := httpx.Status(err)
	if status >= 500 {
		httpx.LogError(r, status, err)
		detail = "internal error"
	}
	var e *errs.Error
	if errors.As(err, &e) && e.Kind == errs.KindRateLimited {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	http.Error(w, detail, status)
}

package federation

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gocsaf/csaf/v3/csaf"
	"github.com/gocsaf/csaf/v3/util"

	"github.com/certhub/certhub/internal/federation/linkdoc"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/pgp"
)

// The CSAF aggregator (CSAF 2.0 section 7): this instance lists the CSAF
// providers of the instances it is linked with, and any vendor's, in
// /.well-known/csaf-aggregator/aggregator.json, and mirrors their public
// (TLP:WHITE) documents when they allow it — each document checked before
// it is kept: its SHA-256 and SHA-512 files match, the provider's OpenPGP
// signature verifies with a key its metadata lists (fingerprint checked),
// it is valid against the CSAF 2.0 schema and its file name is its
// tracking ID's. A document that fails is not mirrored; the provider's
// page says which and why.

// Provider is a CSAF provider the aggregator lists.
type Provider struct {
	ID        string     `json:"id"`
	URL       string     `json:"url"` // its provider-metadata.json
	Slug      string     `json:"slug"`
	LinkID    *string    `json:"link_id,omitempty"`
	Mirror    bool       `json:"mirror"`
	Enabled   bool       `json:"enabled"`
	Publisher string     `json:"publisher,omitempty"`
	Role      string     `json:"role,omitempty"`
	Documents int        `json:"documents"`
	Rejected  int        `json:"rejected"`
	Problems  []string   `json:"problems"`
	LastSync  *time.Time `json:"last_sync_at,omitempty"`
	NextSync  *time.Time `json:"next_sync_at,omitempty"`
	LastError string     `json:"last_error,omitempty"`
	// MirrorURL is where the mirror's provider-metadata.json is served.
	MirrorURL string    `json:"mirror_url,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	metadata string
}

// NewProvider is a provider an administrator adds.
type NewProvider struct {
	URL    string `json:"url"`    // its provider-metadata.json (https://…)
	Mirror *bool  `json:"mirror"` // default true (when the provider allows it)
}

// SyncEvery is how often a provider is read again.
const SyncEvery = time.Hour

// Limits of what a provider may send.
const (
	maxMetadata = 1 << 20
	maxCSAF     = 16 << 20
	maxSmall    = 64 << 10
	maxProblems = 20
)

const providerColumns = `id, url, slug, link_id, mirror, enabled, metadata, publisher, role, documents, rejected, problems, last_sync_at,
	next_sync_at, last_error, created_at, updated_at`

func scanProvider(r db.Row) (Provider, error) {
	var p Provider
	var problems string
	err := r.Scan(&p.ID, &p.URL, &p.Slug, &p.LinkID, &p.Mirror, &p.Enabled, &p.metadata, &p.Publisher, &p.Role, &p.Documents, &p.Rejected,
		&problems, &p.LastSync, &p.NextSync, &p.LastError, &p.CreatedAt, &p.UpdatedAt)
	p.Problems = []string{}
	if problems != "" {
		p.Problems = strings.Split(problems, "\n")
	}
	return p, err
}

var slugClean = regexp.MustCompile(`[^a-z0-9]+`)

// slugFor names a provider's mirror folder after its host.
func slugFor(u *url.URL) string {
	s := strings.Trim(slugClean.ReplaceAllString(strings.ToLower(u.Host), "-"), "-")
	if s == "" {
		s = "provider"
	}
	return s
}

// AddProvider lists (and mirrors) a CSAF provider.
func (s *Service) AddProvider(ctx context.Context, id *auth.Identity, in NewProvider) (Provider, error) {
	if err := mayManage(id); err != nil {
		return Provider{}, err
	}
	return s.addProvider(ctx, id.Label(), in, nil)
}

func (s *Service) addProvider(ctx context.Context, actor string, in NewProvider, linkID *string) (Provider, error) {
	in.URL = strings.TrimSpace(in.URL)
	if err := linkdoc.CheckURL(in.URL); err != nil {
		return Provider{}, errs.InvalidField("url", "the provider-metadata.json address %v", err)
	}
	if !strings.HasSuffix(in.URL, "/provider-metadata.json") {
		return Provider{}, errs.InvalidField("url", "must be the address of a provider-metadata.json")
	}
	u, _ := url.Parse(in.URL)
	now := s.now().UTC()
	p := Provider{ID: db.NewID(), URL: in.URL, LinkID: linkID, Mirror: in.Mirror == nil || *in.Mirror, Enabled: true, NextSync: &now,
		Problems: []string{}, CreatedAt: now, UpdatedAt: now}
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		slug := slugFor(u)
		for i := 2; ; i++ {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM federation_csaf_providers WHERE slug = $1`, slug).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				break
			}
			slug = fmt.Sprintf("%s-%d", slugFor(u), i)
		}
		p.Slug = slug
		if _, err := tx.Exec(ctx, `INSERT INTO federation_csaf_providers (id, url, slug, link_id, mirror, enabled, next_sync_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, TRUE, $6, $6, $6)`, p.ID, p.URL, p.Slug, linkID, p.Mirror, now); err != nil {
			if db.IsUniqueViolation(err) {
				return errs.Conflict("the provider %s is listed already", p.URL)
			}
			return fmt.Errorf("federation: add provider: %w", err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "federation.csaf.provider.add", ObjectType: "csaf_provider", ObjectID: p.ID,
			Summary: fmt.Sprintf("%s listed the CSAF provider %s (mirror: %v)", actor, p.URL, p.Mirror), After: p})
	})
	if err != nil {
		return Provider{}, err
	}
	p.MirrorURL = s.mirrorURL(p)
	return p, nil
}

// Providers lists the providers.
func (s *Service) Providers(ctx context.Context, id *auth.Identity) ([]Provider, error) {
	if err := mayRead(id); err != nil {
		return nil, err
	}
	return s.providers(ctx, `TRUE`)
}

func (s *Service) providers(ctx context.Context, cond string, args ...any) ([]Provider, error) {
	var out []Provider
	err := s.db.Read(ctx, func(q db.Querier) error {
		var err error
		out, err = db.QueryAll(ctx, q, scanProvider, `SELECT `+providerColumns+` FROM federation_csaf_providers WHERE `+cond+` ORDER BY slug`, args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("federation: providers: %w", err)
	}
	for i := range out {
		out[i].MirrorURL = s.mirrorURL(out[i])
	}
	return out, nil
}

// Provider answers one provider.
func (s *Service) Provider(ctx context.Context, id *auth.Identity, providerID string) (Provider, error) {
	if err := mayRead(id); err != nil {
		return Provider{}, err
	}
	list, err := s.providers(ctx, `id = $1`, providerID)
	if err != nil {
		return Provider{}, err
	}
	if len(list) == 0 {
		return Provider{}, errs.NotFound("no such provider")
	}
	return list[0], nil
}

func (s *Service) mirrorURL(p Provider) string {
	if !p.Mirror || p.Documents == 0 {
		return ""
	}
	return s.BaseURL() + aggregatorPath + "/" + p.Slug + "/provider-metadata.json"
}

// SyncProvider reads a provider now (administrators).
func (s *Service) SyncProvider(ctx context.Context, id *auth.Identity, providerID string) (Provider, error) {
	if err := mayManage(id); err != nil {
		return Provider{}, err
	}
	p, err := s.Provider(ctx, id, providerID)
	if err != nil {
		return Provider{}, err
	}
	s.sync(ctx, p)
	return s.Provider(ctx, id, providerID)
}

// SyncDue reads the providers whose turn it is; it answers how many.
func (s *Service) SyncDue(ctx context.Context) (int, error) {
	due, err := s.providers(ctx, `enabled AND (next_sync_at IS NULL OR next_sync_at <= $1)`, s.now().UTC())
	if err != nil {
		return 0, err
	}
	for _, p := range due {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		s.sync(ctx, p)
	}
	return len(due), nil
}

// fetched is one document read from a provider and checked.
type fetched struct {
	path, tracking, released string
	sha256, sha512           string
	body, signature          string
}

// sync reads a provider's metadata and mirrors its new or changed public
// documents; what goes wrong is recorded on the provider, never raised.
func (s *Service) sync(ctx context.Context, p Provider) {
	res, err := s.read(ctx, p)
	now := s.now().UTC()
	next := now.Add(SyncEvery)
	errText := ""
	if err != nil {
		errText = err.Error()
		s.log.Warn("federation: CSAF provider not read", "provider", p.URL, "err", err)
	}
	werr := s.db.Write(ctx, func(tx *db.Tx) error {
		for _, d := range res.docs {
			if _, err := tx.Exec(ctx, `INSERT INTO federation_csaf_documents (provider_id, path, tracking_id, released, sha256, sha512, body, signature, mirrored_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
				ON CONFLICT (provider_id, path) DO UPDATE SET tracking_id = excluded.tracking_id, released = excluded.released,
				sha256 = excluded.sha256, sha512 = excluded.sha512, body = excluded.body, signature = excluded.signature, mirrored_at = excluded.mirrored_at`,
				p.ID, d.path, d.tracking, d.released, d.sha256, d.sha512, d.body, d.signature, now); err != nil {
				return err
			}
		}
		problems := res.problems
		if len(problems) > maxProblems {
			problems = problems[:maxProblems]
		}
		meta, publisher, role := p.metadata, p.Publisher, p.Role
		if res.metadata != "" {
			meta, publisher, role = res.metadata, res.publisher, res.role
		}
		if _, err := tx.Exec(ctx, `UPDATE federation_csaf_providers SET metadata = $2, publisher = $3, role = $4, rejected = $5, problems = $6,
			last_sync_at = $7, next_sync_at = $8, last_error = $9, updated_at = $7,
			documents = (SELECT COUNT(*) FROM federation_csaf_documents WHERE provider_id = $1) WHERE id = $1`,
			p.ID, meta, publisher, role, len(res.problems), strings.Join(problems, "\n"), now, next, errText); err != nil {
			return err
		}
		if len(res.docs) == 0 && errText == "" && len(res.problems) == 0 {
			return nil
		}
		summary := fmt.Sprintf("read the CSAF provider %s: %d documents mirrored, %d refused", p.URL, len(res.docs), len(res.problems))
		if errText != "" {
			summary = fmt.Sprintf("could not read the CSAF provider %s: %s", p.URL, errText)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "federation.csaf.sync", ObjectType: "csaf_provider", ObjectID: p.ID, Summary: summary})
	})
	if werr != nil {
		s.log.Warn("federation: CSAF provider not recorded", "provider", p.URL, "err", werr)
	}
}

type readResult struct {
	metadata, publisher, role string
	docs                      []fetched
	problems                  []string
}

// read does a provider's network work (outside any transaction).
func (s *Service) read(ctx context.Context, p Provider) (readResult, error) {
	var res readResult
	raw, err := s.fetch(ctx, p.URL, maxMetadata)
	if err != nil {
		return res, err
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return res, fmt.Errorf("provider-metadata.json is not JSON: %w", err)
	}
	if msgs, err := csaf.ValidateProviderMetadata(doc); err != nil || len(msgs) > 0 {
		return res, fmt.Errorf("provider-metadata.json is not valid: %s", strings.Join(append(msgs, errString(err)), "; "))
	}
	pmd, err := csaf.LoadProviderMetadata(bytes.NewReader(raw))
	if err != nil {
		return res, fmt.Errorf("provider-metadata.json: %w", err)
	}
	res.metadata = string(raw)
	if pmd.Publisher != nil && pmd.Publisher.Name != nil {
		res.publisher = *pmd.Publisher.Name
	}
	if pmd.Role != nil {
		res.role = string(*pmd.Role)
	}
	if !p.Mirror || pmd.MirrorOnCSAFAggregators == nil || !*pmd.MirrorOnCSAFAggregators {
		return res, nil // listed only
	}
	keys, problems := s.providerKeys(ctx, pmd)
	res.problems = append(res.problems, problems...)
	if len(keys) == 0 {
		return res, errors.New("no OpenPGP key of the provider could be read: nothing is mirrored unsigned")
	}
	known := map[string]string{} // path → sha256 mirrored
	err = s.db.Read(ctx, func(q db.Querier) error {
		rows, err := q.Query(ctx, `SELECT path, sha256 FROM federation_csaf_documents WHERE provider_id = $1`, p.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var path, sum string
			if err := rows.Scan(&path, &sum); err != nil {
				return err
			}
			known[path] = sum
		}
		return rows.Err()
	})
	if err != nil {
		return res, err
	}
	pmdURL, _ := url.Parse(p.URL)
	client := &http.Client{Transport: s.egress, Timeout: time.Minute}
	afp := csaf.NewAdvisoryFileProcessor(client, util.NewPathEval(), publicFeeds(doc), pmdURL)
	afp.Log = func(slog.Level, string, ...any) {} // what matters is recorded on the provider
	err = afp.ProcessWithContext(ctx, func(label csaf.TLPLabel, files []csaf.AdvisoryFile) error {
		if l := strings.ToUpper(string(label)); l != csaf.TLPLabelWhite && l != "CLEAR" {
			return nil // only public documents are mirrored on a public aggregator
		}
		for _, f := range files {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			d, skip, err := s.fetchDocument(ctx, f, keys, known)
			switch {
			case err != nil:
				res.problems = append(res.problems, path.Base(f.URL())+": "+err.Error())
			case !skip:
				res.docs = append(res.docs, d)
				known[d.path] = d.sha256
			}
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("listing the documents: %w", err)
	}
	return res, nil
}

// providerKeys reads the provider's OpenPGP keys, each checked against
// the fingerprint its metadata gives.
func (s *Service) providerKeys(ctx context.Context, pmd *csaf.ProviderMetadata) ([]string, []string) {
	var keys, problems []string
	for _, k := range pmd.PGPKeys {
		if k.URL == nil {
			continue
		}
		raw, err := s.fetch(ctx, *k.URL, pgp.MaxArmoredSize)
		if err != nil {
			problems = append(problems, "key "+*k.URL+": "+err.Error())
			continue
		}
		info, err := pgp.ParsePublicKey(string(raw), s.now())
		if err != nil {
			problems = append(problems, "key "+*k.URL+": "+err.Error())
			continue
		}
		if !strings.EqualFold(info.Fingerprint, string(k.Fingerprint)) {
			problems = append(problems, fmt.Sprintf("key %s: its fingerprint is %s, not %s as the metadata says", *k.URL, info.Fingerprint, k.Fingerprint))
			continue
		}
		keys = append(keys, string(raw))
	}
	return keys, problems
}

var sumLine = regexp.MustCompile(`^([0-9a-fA-F]+)`)

// fetchDocument reads one document with its hashes and signature and
// checks them; skip when it is mirrored already, unchanged.
func (s *Service) fetchDocument(ctx context.Context, f csaf.AdvisoryFile, keys []string, known map[string]string) (fetched, bool, error) {
	var d fetched
	u, err := url.Parse(f.URL())
	if err != nil {
		return d, false, fmt.Errorf("not a URL")
	}
	name := path.Base(u.Path)
	if !strings.HasSuffix(name, ".json") || name != util.CleanFileName(name) {
		return d, false, fmt.Errorf("not a CSAF file name")
	}
	want256, err := s.fetchSum(ctx, f.SHA256URL())
	if err != nil {
		return d, false, fmt.Errorf("its SHA-256 file: %w", err)
	}
	for p, sum := range known {
		if path.Base(p) == name && strings.EqualFold(sum, want256) {
			return d, true, nil
		}
	}
	body, err := s.fetch(ctx, f.URL(), maxCSAF)
	if err != nil {
		return d, false, err
	}
	h256, h512 := sha256.Sum256(body), sha512.Sum512(body)
	d.sha256, d.sha512 = hex.EncodeToString(h256[:]), hex.EncodeToString(h512[:])
	if !strings.EqualFold(d.sha256, want256) {
		return d, false, fmt.Errorf("its SHA-256 is %s, the provider's file says %s", d.sha256, want256)
	}
	if want512, err := s.fetchSum(ctx, f.SHA512URL()); err == nil && !strings.EqualFold(d.sha512, want512) {
		return d, false, fmt.Errorf("its SHA-512 does not match the provider's file")
	}
	sig, err := s.fetch(ctx, f.SignURL(), maxSmall)
	if err != nil {
		return d, false, fmt.Errorf("its signature: %w", err)
	}
	verified := false
	for _, k := range keys {
		if pgp.VerifyDetached(body, string(sig), k) == nil {
			verified = true
			break
		}
	}
	if !verified {
		return d, false, fmt.Errorf("its signature does not verify with the provider's keys")
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return d, false, fmt.Errorf("not JSON: %w", err)
	}
	if msgs, err := csaf.ValidateCSAF(doc); err != nil || len(msgs) > 0 {
		if len(msgs) > 3 {
			msgs = msgs[:3]
		}
		return d, false, fmt.Errorf("not valid CSAF 2.0: %s", strings.Join(append(msgs, errString(err)), "; "))
	}
	eval := util.NewPathEval()
	if err := util.IDMatchesFilename(eval, doc, name); err != nil {
		return d, false, err
	}
	var label string
	_ = eval.Extract(`$.document.distribution.tlp.label`, util.StringMatcher(&label), false, doc)
	if label != "" && label != csaf.TLPLabelWhite {
		return d, false, fmt.Errorf("marked TLP:%s: only public documents are mirrored", label)
	}
	var released string
	_ = eval.Extract(`$.document.tracking.current_release_date`, util.StringMatcher(&released), false, doc)
	_ = eval.Extract(`$.document.tracking.id`, util.StringMatcher(&d.tracking), false, doc)
	year := "0000"
	if t, err := time.Parse(time.RFC3339, released); err == nil {
		year = fmt.Sprint(t.UTC().Year())
	}
	d.path, d.released, d.body, d.signature = year+"/"+name, released, string(body), string(sig)
	return d, false, nil
}

// fetchSum reads a hash file: the hex digest first on its line.
func (s *Service) fetchSum(ctx context.Context, u string) (string, error) {
	raw, err := s.fetch(ctx, u, maxSmall)
	if err != nil {
		return "", err
	}
	m := sumLine.FindStringSubmatch(strings.TrimSpace(string(raw)))
	if m == nil {
		return "", errors.New("no digest in it")
	}
	return strings.ToLower(m[1]), nil
}

// fetch reads a URL (GET, 200 only) up to limit bytes.
func (s *Service) fetch(ctx context.Context, u string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "certhub CSAF aggregator")
	resp, err := (&http.Client{Transport: s.egress, Timeout: time.Minute}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("GET %s: larger than %d bytes", u, limit)
	}
	return b, nil
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// providersSorted orders providers for aggregator.json: by URL.
func providersSorted(ps []Provider) {
	slices.SortFunc(ps, func(a, b Provider) int { return strings.Compare(a.URL, b.URL) })
}

// publicFeeds is provider metadata (as read from JSON) without its ROLIE
// feeds of documents that are not public: a public aggregator mirrors only
// TLP:WHITE (CLEAR), and reading the others would be refused (they need
// the provider's credentials) at every sync.
func publicFeeds(doc any) any {
	m, ok := doc.(map[string]any)
	if !ok {
		return doc
	}
	dists, _ := m["distributions"].([]any)
	for _, d := range dists {
		dm, _ := d.(map[string]any)
		rolie, _ := dm["rolie"].(map[string]any)
		feeds, ok := rolie["feeds"].([]any)
		if !ok {
			continue
		}
		public := feeds[:0:0]
		for _, f := range feeds {
			f, _ := f.(map[string]any)
			if l, _ := f["tlp_label"].(string); strings.EqualFold(l, string(csaf.TLPLabelWhite)) || strings.EqualFold(l, "CLEAR") {
				public = append(public, f)
			}
		}
		rolie["feeds"] = public
	}
	return doc
}

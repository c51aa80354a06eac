package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gocsaf/csaf/v3/csaf"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// aggregatorPath is where the aggregator is served (CSAF 2.0 section 7.1.22:
// /.well-known/csaf-aggregator/aggregator.json), its mirrors beside it.
const aggregatorPath = "/.well-known/csaf-aggregator"

// Aggregator serves the aggregator's public files.
type Aggregator struct{ s *Service }

// NewAggregator makes the handlers.
func NewAggregator(s *Service) *Aggregator { return &Aggregator{s: s} }

// Register adds the public routes.
func (a *Aggregator) Register(rt *httpx.Router) {
	rt.Handle("GET "+aggregatorPath+"/aggregator.json", http.HandlerFunc(a.aggregator))
	rt.Handle("GET "+aggregatorPath+"/{slug}/{file...}", http.HandlerFunc(a.mirror))
}

// AggregatorJSON is aggregator.json: every enabled provider read at least
// once, with its mirror when it has one; nil when none is listed.
func (s *Service) AggregatorJSON(ctx context.Context) ([]byte, error) {
	ps, err := s.providers(ctx, `last_sync_at IS NOT NULL AND metadata <> ''`)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, nil
	}
	providersSorted(ps)
	base := s.BaseURL()
	category := csaf.AggregatorLister
	version := csaf.AggregatorVersion20
	canonical := csaf.AggregatorURL(base + aggregatorPath + "/aggregator.json")
	last := time.Time{}
	agg := csaf.Aggregator{Version: &version, CanonicalURL: &canonical,
		Aggregator: &csaf.AggregatorInfo{Name: s.center, Namespace: base, ContactDetails: base + "/about"}}
	for _, p := range ps {
		pmd, err := csaf.LoadProviderMetadata(strings.NewReader(p.metadata))
		if err != nil || pmd.Publisher == nil || pmd.LastUpdated == nil || pmd.Role == nil {
			continue // listed once it reads again
		}
		u := csaf.ProviderURL(p.URL)
		entry := &csaf.AggregatorCSAFProvider{Metadata: &csaf.AggregatorCSAFProviderMetadata{LastUpdated: pmd.LastUpdated,
			Publisher: pmd.Publisher, Role: pmd.Role, URL: &u}}
		if m := s.mirrorURL(p); m != "" {
			entry.Mirrors = []csaf.ProviderURL{csaf.ProviderURL(m)}
			category = csaf.AggregatorAggregator
		}
		if *pmd.Role == csaf.MetadataRolePublisher {
			agg.CSAFPublishers = append(agg.CSAFPublishers, &csaf.AggregatorCSAFPublisher{Metadata: entry.Metadata, Mirrors: entry.Mirrors,
				UpdateInterval: "hourly"})
		} else {
			agg.CSAFProviders = append(agg.CSAFProviders, entry)
		}
		if p.LastSync != nil && p.LastSync.After(last) {
			last = *p.LastSync
		}
	}
	if len(agg.CSAFProviders) == 0 {
		return nil, nil // the schema wants at least one provider
	}
	ts := csaf.TimeStamp(last.UTC().Truncate(time.Second))
	agg.LastUpdated, agg.Aggregator.Category = &ts, &category
	if err := agg.Validate(); err != nil {
		return nil, fmt.Errorf("federation: aggregator.json: %w", err)
	}
	var buf bytes.Buffer
	if _, err := agg.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (a *Aggregator) aggregator(w http.ResponseWriter, r *http.Request) {
	b, err := a.s.AggregatorJSON(r.Context())
	switch {
	case err != nil:
		a.s.log.Error("federation: aggregator.json", "err", err)
		http.Error(w, "the aggregator is not available", http.StatusInternalServerError)
	case b == nil:
		http.Error(w, "this instance aggregates no CSAF provider", http.StatusNotFound)
	default:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(b)
	}
}

// mirror serves a mirrored provider: its provider-metadata.json (the
// provider's, pointing at the mirror), index.txt, changes.csv and each
// document with its hashes and the provider's signature.
func (a *Aggregator) mirror(w http.ResponseWriter, r *http.Request) {
	ctx, slug, file := r.Context(), r.PathValue("slug"), r.PathValue("file")
	ps, err := a.s.providers(ctx, `slug = $1 AND mirror`, slug)
	if err != nil {
		a.s.log.Error("federation: mirror", "err", err)
		http.Error(w, "the mirror is not available", http.StatusInternalServerError)
		return
	}
	if len(ps) == 0 || ps[0].Documents == 0 {
		http.NotFound(w, r)
		return
	}
	p := ps[0]
	base := a.s.BaseURL() + aggregatorPath + "/" + p.Slug
	switch file {
	case "provider-metadata.json":
		b, err := mirrorMetadata(p, base)
		if err != nil {
			a.s.log.Error("federation: mirror metadata", "provider", p.URL, "err", err)
			http.Error(w, "the mirror is not available", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
		return
	case "index.txt", "changes.csv":
		var buf bytes.Buffer
		err := a.s.db.Read(ctx, func(q db.Querier) error {
			rows, err := q.Query(ctx, `SELECT path, released FROM federation_csaf_documents WHERE provider_id = $1 ORDER BY released DESC, path`, p.ID)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var path, released string
				if err := rows.Scan(&path, &released); err != nil {
					return err
				}
				if file == "index.txt" {
					fmt.Fprintf(&buf, "%s\n", path)
				} else {
					fmt.Fprintf(&buf, "%q,%q\n", path, released)
				}
			}
			return rows.Err()
		})
		if err != nil {
			http.Error(w, "the mirror is not available", http.StatusInternalServerError)
			return
		}
		ct := "text/plain; charset=utf-8"
		if file == "changes.csv" {
			ct = "text/csv; charset=utf-8"
		}
		w.Header().Set("Content-Type", ct)
		_, _ = w.Write(buf.Bytes())
		return
	}
	doc, suffix := file, ""
	for _, x := range []string{".sha256", ".sha512", ".asc"} {
		if strings.HasSuffix(file, x) {
			doc, suffix = strings.TrimSuffix(file, x), x
		}
	}
	var body, signature, s256, s512 string
	err = a.s.db.QueryRow(ctx, `SELECT body, signature, sha256, sha512 FROM federation_csaf_documents WHERE provider_id = $1 AND path = $2`,
		p.ID, doc).Scan(&body, &signature, &s256, &s512)
	if errors.Is(err, db.ErrNoRows) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, "the mirror is not available", http.StatusInternalServerError)
		return
	}
	name := doc[strings.LastIndex(doc, "/")+1:]
	switch suffix {
	case "":
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	case ".sha256":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "%s  %s\n", s256, name)
	case ".sha512":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "%s  %s\n", s512, name)
	case ".asc":
		w.Header().Set("Content-Type", "application/pgp-signature")
		_, _ = w.Write([]byte(signature))
	}
}

// mirrorMetadata is the provider's metadata as the mirror serves it: the
// provider's publisher, role and keys, its own canonical URL, and one
// directory distribution of what it mirrored.
func mirrorMetadata(p Provider, base string) ([]byte, error) {
	pmd, err := csaf.LoadProviderMetadata(strings.NewReader(p.metadata))
	if err != nil {
		return nil, err
	}
	canonical := csaf.ProviderURL(base + "/provider-metadata.json")
	pmd.CanonicalURL = &canonical
	pmd.Distributions = []csaf.Distribution{{DirectoryURL: base + "/"}}
	if p.LastSync != nil {
		ts := csaf.TimeStamp(p.LastSync.UTC().Truncate(time.Second))
		pmd.LastUpdated = &ts
	}
	b, err := json.MarshalIndent(pmd, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

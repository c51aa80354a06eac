package app

import (
	"context"
	"strings"
	"sync"
	"time"

	goversion "github.com/hashicorp/go-version"

	"github.com/certhub/certhub/internal/advisory"
	"github.com/certhub/certhub/internal/hygiene/probe"
)

// hygieneProbe is the prober's configuration: the test's loopback
// internet when given, else the configured resolvers and rate, with the
// platform's public advisories as what exposed versions are matched
// against.
func hygieneProbe(cfg HygieneConfig, c *Core) probe.Options {
	if cfg.Probe != nil {
		o := *cfg.Probe
		if o.Known == nil {
			o.Known = c.hygieneKnown().Affecting
		}
		return o
	}
	return probe.Options{Resolvers: cfg.Resolvers, Rate: cfg.Rate, Known: c.hygieneKnown().Affecting}
}

// hygieneKnown matches a product and version read off a banner against
// the products the public advisories name: the product's name (or its
// vendor and name) must match, and the version fall in the advisory's
// versions ("2.4.49", "<2.4.51", "vers:generic/>=2.4.49|<2.4.51": the
// constraints of one range, all of which must hold). The publications
// are read at most once a minute.
type hygieneKnown struct {
	advisories *advisory.Service
	mu         sync.Mutex
	at         time.Time
	list       []advisory.Publication
}

// hygieneKnown makes the matcher, dropping its copy of the publications
// whenever one is published on any node.
func (c *Core) hygieneKnown() *hygieneKnown {
	k := &hygieneKnown{advisories: c.Advisory}
	c.DB.Watch(advisory.Topic, k.forget)
	return k
}

func (k *hygieneKnown) forget() {
	k.mu.Lock()
	k.at = time.Time{}
	k.mu.Unlock()
}

func (k *hygieneKnown) publications(ctx context.Context) ([]advisory.Publication, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if time.Since(k.at) < time.Minute {
		return k.list, nil
	}
	var out []advisory.Publication
	for page := 1; page <= 50; page++ {
		list, err := k.advisories.Publications(ctx, nil, advisory.PublicFilter{Page: page, Limit: 100})
		if err != nil {
			return nil, err
		}
		for _, p := range list.Items {
			if len(p.Content.Products) > 0 {
				out = append(out, p)
			}
		}
		if page >= list.Pages {
			break
		}
	}
	k.list, k.at = out, time.Now()
	return out, nil
}

// Affecting answers the public advisories that name product at version.
func (k *hygieneKnown) Affecting(ctx context.Context, product, version string) ([]probe.Vuln, error) {
	pubs, err := k.publications(ctx)
	if err != nil {
		return nil, err
	}
	v, err := goversion.NewVersion(version)
	if err != nil {
		return nil, nil // a version that cannot be compared matches nothing
	}
	var out []probe.Vuln
	for _, p := range pubs {
		for _, pr := range p.Content.Products {
			if !sameProduct(product, pr.Vendor, pr.Name) || !inVersions(v, pr.Versions) {
				continue
			}
			out = append(out, probe.Vuln{Ref: p.TrackingID, Title: p.Content.Title, URL: "/advisories/" + p.TrackingID})
			break
		}
	}
	return out, nil
}

// squash lower-cases and drops spaces, dashes and underscores.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '_' {
			return -1
		}
		return r
	}, strings.ToLower(s))
}

func sameProduct(banner, vendor, name string) bool {
	b := squash(banner)
	return b != "" && (b == squash(name) || b == squash(vendor+name) || b == squash(vendor) && squash(name) == "httpserver")
}

// inVersions tells whether v is in versions (see hygieneKnown).
func inVersions(v *goversion.Version, versions string) bool {
	s := strings.TrimSpace(versions)
	if s == "" {
		return false
	}
	if i := strings.Index(s, "/"); strings.HasPrefix(strings.ToLower(s), "vers:") && i > 0 {
		s = s[i+1:]
	}
	s = strings.ReplaceAll(s, "|", ",")
	if !strings.ContainsAny(s, "<>=!~") {
		s = "= " + s
	}
	c, err := goversion.NewConstraint(s)
	if err != nil {
		return false
	}
	return c.Check(v)
}

package assessment

import (
	"context"
	"fmt"
	"strings"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	kc "github.com/certhub/certhub/internal/platform/catalogue"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

var baselineRE = func(k string) bool {
	if len(k) < 2 || len(k) > 40 {
		return false
	}
	for i, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || (r == '-' && i > 0)) {
			return false
		}
	}
	return true
}

// Baselines lists the latest version of each baseline (signed-in users).
func (s *Service) Baselines(ctx context.Context, id *auth.Identity) ([]BaselineSummary, error) {
	if _, err := readerOf(id); err != nil {
		return nil, err
	}
	return s.summaries(ctx, "")
}

// Versions lists a baseline's versions, newest first.
func (s *Service) Versions(ctx context.Context, id *auth.Identity, key string) ([]BaselineSummary, error) {
	if _, err := readerOf(id); err != nil {
		return nil, err
	}
	list, err := s.summaries(ctx, key)
	if err == nil && len(list) == 0 {
		return nil, errs.NotFound("no such baseline")
	}
	return list, err
}

func (s *Service) summaries(ctx context.Context, key string) ([]BaselineSummary, error) {
	var list []kc.Summary
	if err := s.db.Read(ctx, func(q db.Querier) (err error) { list, err = tables.List(ctx, q, key); return err }); err != nil {
		return nil, err
	}
	out := make([]BaselineSummary, len(list))
	for i, v := range list {
		out[i] = BaselineSummary{Baseline: v.Key, Summary: v}
	}
	return out, nil
}

// Baseline answers a version of a baseline whole (the latest when version
// is 0).
func (s *Service) Baseline(ctx context.Context, id *auth.Identity, key string, version int) (Baseline, error) {
	if _, err := readerOf(id); err != nil {
		return Baseline{}, err
	}
	return s.baseline(ctx, key, version)
}

func (s *Service) baseline(ctx context.Context, key string, version int) (Baseline, error) {
	if !baselineRE(key) || version < 0 {
		return Baseline{}, errs.NotFound("no such baseline")
	}
	var c kc.Catalogue
	err := s.db.Read(ctx, func(q db.Querier) (err error) { c, err = tables.Get(ctx, q, key, version); return err })
	if errs.KindOf(err) == errs.KindNotFound {
		return Baseline{}, errs.NotFound("no such baseline")
	}
	return Baseline{Baseline: c.Key, Catalogue: c}, err
}

// Publish publishes a new version of the baseline key (lower-case letters,
// digits and '-') from its JSON (platform/catalogue's format, each control
// with its family), numbered after the last (staff). Audited.
func (s *Service) Publish(ctx context.Context, id *auth.Identity, key string, data []byte) (Baseline, error) {
	if err := mayPublish(id); err != nil {
		return Baseline{}, err
	}
	key = strings.TrimSpace(key)
	if !baselineRE(key) {
		return Baseline{}, errs.InvalidField("baseline", "a name of 2 to 40 lower-case letters, digits and '-', such as national-policy")
	}
	c, err := kc.Parse(data, rules)
	if err != nil {
		return Baseline{}, err
	}
	c.Key, c.PublishedAt, c.PublishedBy = key, s.now().UTC(), id.Label()
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if c.Version, err = tables.Insert(ctx, tx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, c.PublishedAt, audit.Event{Action: "governance.baseline", ObjectType: "baseline",
			ObjectID: fmt.Sprintf("%s/%d", key, c.Version), Summary: fmt.Sprintf("published baseline %s version %d: %s (%d controls)",
				key, c.Version, c.Title, len(c.Requirements))})
	})
	if err != nil {
		return Baseline{}, err
	}
	return s.baseline(ctx, key, c.Version)
}

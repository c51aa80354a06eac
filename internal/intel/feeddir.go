package intel

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/certhub/certhub/internal/intel/ingest"
	"github.com/certhub/certhub/internal/intel/misp"
	"github.com/certhub/certhub/internal/platform/auth"
)

// IngestMISPFeedDir loads a MISP feed directory from disk — manifest.json
// and one {uuid}.json per event, as MISP writes them — as one run.
func (s *Service) IngestMISPFeedDir(ctx context.Context, id *auth.Identity, src Source, dir string, o IngestOptions) (Result, error) {
	o.Format = ingest.MISP
	if err := checkIngest(id, src, o); err != nil {
		return Result{}, err
	}
	f, err := os.Open(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return Result{}, fmt.Errorf("a MISP feed directory has a manifest.json: %w", err)
	}
	events, _, err := misp.ReadManifest(f)
	f.Close()
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", filepath.Join(dir, "manifest.json"), err)
	}
	return s.asRun(ctx, src, o.RunID, cmp.Or(o.Via, "cli"), id.Label(), 0, o.Finish, func(runID string, res *Result) (string, error) {
		for _, e := range events {
			err := func() error {
				f, err := os.Open(filepath.Join(dir, e.UUID+".json"))
				if err != nil {
					return err
				}
				defer f.Close()
				return s.load(ctx, src, runID, f, o, res)
			}()
			if err != nil {
				return "", fmt.Errorf("event %s: %w", e.UUID, err)
			}
		}
		return fmt.Sprintf("%d events of a MISP feed directory", len(events)), nil
	})
}

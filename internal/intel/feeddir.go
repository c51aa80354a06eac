package intel

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
)

// IngestMISPFeedDir loads a MISP feed directory from disk — manifest.json
// and one {uuid}.json per event, as MISP writes them — as one run.
func (s *Service) IngestMISPFeedDir(ctx context.Context, id *auth.Identity, src Source, dir string, o IngestOptions) (Result, error) {
	if !mayIngest(id, &src) {
		return Result{}, errs.Forbidden("only the center's staff and the source's own organisation load into it")
	}
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return Result{}, fmt.Errorf("a MISP feed directory has a manifest.json: %w", err)
	}
	var manifest map[string]json.RawMessage
	if err := json.Unmarshal(b, &manifest); err != nil {
		return Result{}, fmt.Errorf("%s: %w", filepath.Join(dir, "manifest.json"), err)
	}
	var events []string
	for u := range manifest {
		if mispUUID.MatchString(u) { // a key that is not an event's UUID names no file
			events = append(events, u)
		}
	}
	slices.Sort(events)
	start := time.Now()
	run, err := s.startRun(ctx, src, o.RunID, cmp.Or(o.Via, "cli"), actorName(id), 0)
	if err != nil {
		return Result{}, err
	}
	res := Result{RunID: run.ID, Errors: []Rejection{}}
	o.Format = FormatMISP
	for _, u := range events {
		err = func() error {
			f, err := os.Open(filepath.Join(dir, u+".json"))
			if err != nil {
				return err
			}
			defer f.Close()
			return s.load(ctx, src, run.ID, f, o, &res)
		}()
		if err != nil {
			err = fmt.Errorf("event %s: %w", u, err)
			break
		}
	}
	res.Duration = time.Since(start)
	return res, s.finishRun(ctx, src, run, &res, fmt.Sprintf("%d events of a MISP feed directory", len(events)), err)
}

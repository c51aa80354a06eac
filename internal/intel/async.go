package intel

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
)

// IngestLater keeps the input in the database and has a job load it, on
// whichever node takes it, answering the queued run at once (the API's
// 202): a large push does not hold its connection for the minutes the
// load takes, its progress is the run's, and a node that stops mid-load
// leaves a run that is resumed where it stopped (resume.go).
func (s *Service) IngestLater(ctx context.Context, id *auth.Identity, src Source, r io.Reader, o IngestOptions) (Run, error) {
	if err := checkIngest(id, src, o); err != nil {
		return Run{}, err
	}
	if s.queue == nil {
		return Run{}, fmt.Errorf("intel: no job queue to load in the background")
	}
	opts, err := json.Marshal(runOptions{Format: o.Format, TLP: o.TLP, Report: o.Report, Mapping: o.Mapping})
	if err != nil {
		return Run{}, err
	}
	var run Run
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		var err error
		if run, err = s.queueRun(ctx, tx, src, cmp.Or(o.Via, "api"), id.Label(), o.Size); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE intel_runs SET options = $2 WHERE id = $1`, run.ID, string(opts))
		return err
	})
	if err != nil {
		return Run{}, err
	}
	size, chunks, err := s.keepInput(ctx, run.ID, r)
	switch {
	case err != nil:
	case chunks == 0:
		err = errs.Invalid("the input is empty")
	case o.Size > 0 && size != o.Size:
		err = &httpx.StatusError{Status: http.StatusBadRequest, Detail: fmt.Sprintf("the body has %d bytes, not the %d it announced", size, o.Size)}
	}
	if err != nil {
		// The upload broke off (or was too large): nothing to load.
		res := Result{Errors: nil}
		_ = s.finishRun(ctx, src, run, &res, "", fmt.Errorf("the input was not received whole: %w", err), nil)
		_, _ = s.db.Exec(context.WithoutCancel(ctx), `DELETE FROM intel_run_inputs WHERE run_id = $1`, run.ID)
		return Run{}, err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE intel_runs SET input_chunks = $2, bytes = $3 WHERE id = $1`, run.ID, chunks, size); err != nil {
			return err
		}
		return s.queue.Enqueue(ctx, tx, LoadArgs{Run: run.ID}, nil)
	})
	if err != nil {
		return Run{}, err
	}
	run.Bytes = size
	return run, nil
}

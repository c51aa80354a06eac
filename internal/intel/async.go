package intel

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
)

// IngestLater spools the input to a file and loads it in the background,
// answering the queued run at once (the API's 202): a large push does not
// hold its connection for the minutes the load takes, and its progress is
// the run's. The load stops, its run failed, when the server shuts down.
func (s *Service) IngestLater(ctx context.Context, id *auth.Identity, src Source, r io.Reader, o IngestOptions) (Run, error) {
	if err := checkIngest(id, src, o); err != nil {
		return Run{}, err
	}
	if s.spoolDir != "" {
		if err := os.MkdirAll(s.spoolDir, 0o700); err != nil {
			return Run{}, fmt.Errorf("intel: spool: %w", err)
		}
	}
	f, err := os.CreateTemp(s.spoolDir, "ingest-*")
	if err != nil {
		return Run{}, fmt.Errorf("intel: spool: %w", err)
	}
	size, err := io.Copy(f, r)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return Run{}, err
	}
	var run Run
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		var err error
		run, err = s.queueRun(ctx, tx, src, cmp.Or(o.Via, "api"), id.Label(), size)
		return err
	})
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return Run{}, err
	}
	o.RunID, o.Size = run.ID, size
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(s.life, cancel)
	s.bg.Go(func() {
		defer func() {
			stop()
			cancel()
			f.Close()
			os.Remove(f.Name())
		}()
		if _, err := s.Ingest(bctx, id, src, f, o); err != nil {
			s.log.Warn("intel: background load failed", "source", src.Name, "run", run.ID, "err", err)
		}
	})
	return run, nil
}

// Close stops the loads running in the background and waits for them.
func (s *Service) Close() {
	s.stop()
	s.bg.Wait()
}

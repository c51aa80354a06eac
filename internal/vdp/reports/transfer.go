package reports

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/store"
)

// SourceFederation marks a report another certhub instance handed over.
const SourceFederation = "federation"

// Transferred is a report a linked certhub instance handed over: its
// content, its thread as the sender kept it, and its files.
type Transferred struct {
	Input    ReportInput
	Messages []TransferredMessage
	Files    []TransferredFile
}

// TransferredMessage is one message of a transferred report's thread.
type TransferredMessage struct {
	At           time.Time
	FromReporter bool
	Author, Body string
}

// TransferredFile is a file of a transferred report.
type TransferredFile struct {
	Name    string
	Content []byte
}

// SubmitTransferred records a report handed over by a linked instance,
// submitted for orgID (the sender's organisation here) and routed as any
// other, with its thread and files, in one transaction. The reporter's
// address stays with the sender (who keeps talking to the reporter), so
// no receipt goes out from here.
func (s *Service) SubmitTransferred(ctx context.Context, orgID, from string, t Transferred) (model.Report, error) {
	in := t.Input
	if in.Reporter != nil {
		in.Reporter = &model.Reporter{Name: in.Reporter.Name}
	}
	if err := s.validate(&in); err != nil {
		return model.Report{}, err
	}
	// Files go to the store before the transaction that records them.
	staged := make([]files.Staged, 0, len(t.Files))
	for _, f := range t.Files {
		st, err := s.files.Stage(ctx, f.Name, bytes.NewReader(f.Content))
		if err != nil {
			return model.Report{}, fmt.Errorf("the file %s: %w", f.Name, err)
		}
		staged = append(staged, st)
	}
	r := newReport(in, SourceFederation, s.now())
	r.SubmitterOrgID = &orgID
	out, _, err := s.submit(ctx, r, func(ctx context.Context, tx *db.Tx, r model.Report) error {
		for _, m := range t.Messages {
			who := "the reporter"
			if !m.FromReporter {
				who = m.Author
			}
			body := fmt.Sprintf("%s, %s (at %s):\n\n%s", who, m.At.UTC().Format("2006-01-02 15:04 UTC"), from, m.Body)
			if _, err := store.AddMessage(ctx, tx, r.ID, m.FromReporter, nil, body, s.now()); err != nil {
				return err
			}
		}
		for _, st := range staged {
			if _, err := s.record(ctx, tx, r, st, from); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

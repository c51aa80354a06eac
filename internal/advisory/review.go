package advisory

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/vdp/model"
)

// change loads a publication for a change by id, runs fn on it inside one
// transaction, saves the working copy and records the audit event fn names.
func (s *Service) change(ctx context.Context, id *auth.Identity, advID string, fn func(tx *db.Tx, a *Advisory) (audit.Event, error)) (Advisory, error) {
	if !mayEdit(id) {
		return Advisory{}, errs.NotFound("advisory not found")
	}
	var out Advisory
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		// Lock by the ID (callers may name it by tracking ID), then read it
		// again under the lock.
		a, err := getAdvisory(ctx, tx, advID)
		if err != nil {
			return err
		}
		if err := tx.Lock(ctx, "advisory:"+a.ID); err != nil {
			return err
		}
		if a, err = getAdvisory(ctx, tx, a.ID); err != nil {
			return err
		}
		before := a
		ev, err := fn(tx, &a)
		if err != nil {
			return err
		}
		a.UpdatedAt = s.now()
		if err := saveWorking(ctx, tx, a); err != nil {
			return err
		}
		ev.ObjectType, ev.ObjectID, ev.Before, ev.After = "advisory", a.ID, before, a
		out = a
		return audit.Record(ctx, tx, a.UpdatedAt, ev)
	})
	return out, err
}

// Update replaces the working copy. A published publication's working copy
// becomes a correction: a draft of the next revision (the published revision
// stays public until the correction is published).
func (s *Service) Update(ctx context.Context, id *auth.Identity, advID string, in Input) (Advisory, error) {
	if err := s.check(ctx, &in); err != nil {
		return Advisory{}, err
	}
	if err := s.checkCase(ctx, id, in.CaseID); err != nil {
		return Advisory{}, err
	}
	return s.change(ctx, id, advID, func(tx *db.Tx, a *Advisory) (audit.Event, error) {
		switch a.Status {
		case StatusDraft, StatusPublished:
		default:
			return audit.Event{}, errs.Conflict("the advisory is %s: send it back to draft before changing it", label(a.Status))
		}
		if in.Kind != a.Kind && a.Published() {
			return audit.Event{}, errs.Conflict("a published %s keeps its kind", a.Kind)
		}
		if a.Published() && strings.TrimSpace(in.RevisionNote) == "" {
			var f errs.Fields
			f.Add("revision_note", "say what this correction changes: it goes into the revision history")
			return audit.Event{}, f.Err()
		}
		a.Kind, a.TLP, a.CaseID, a.Content = in.Kind, in.TLP, in.CaseID, in.Content
		a.Recipients, a.RecipientUsers = cleanIDs(in.Recipients), cleanIDs(in.RecipientUsers)
		a.RevisionNote = strings.TrimSpace(in.RevisionNote)
		a.Status, a.ApprovedBy, a.SubmittedBy, a.PublishAt = StatusDraft, nil, nil, nil
		if !id.IsSystem() {
			a.EditorID = &id.User.ID
			if !slices.Contains(a.Editors, id.User.ID) {
				a.Editors = append(a.Editors, id.User.ID)
			}
		}
		return audit.Event{Action: "advisory.update", Summary: "edited " + a.TrackingID}, nil
	})
}

func label(st Status) string { return strings.ReplaceAll(string(st), "_", " ") }

// Submit sends a draft for review. Its CSAF document must be valid.
func (s *Service) Submit(ctx context.Context, id *auth.Identity, advID string) (Advisory, error) {
	return s.change(ctx, id, advID, func(tx *db.Tx, a *Advisory) (audit.Event, error) {
		if a.Status != StatusDraft {
			return audit.Event{}, errs.Conflict("only a draft goes to review; this one is %s", label(a.Status))
		}
		if err := s.mustBeValid(ctx, tx, *a); err != nil {
			return audit.Event{}, err
		}
		a.Status, a.ReviewNote = StatusInReview, ""
		if !id.IsSystem() {
			a.SubmittedBy = &id.User.ID
		}
		return audit.Event{Action: "advisory.submit", Summary: "sent " + a.TrackingID + " for review"}, nil
	})
}

// SendBack returns a publication under review to its author with a reason.
func (s *Service) SendBack(ctx context.Context, id *auth.Identity, advID, note string) (Advisory, error) {
	note = strings.TrimSpace(note)
	return s.change(ctx, id, advID, func(tx *db.Tx, a *Advisory) (audit.Event, error) {
		if a.Status != StatusInReview && a.Status != StatusApproved {
			return audit.Event{}, errs.Conflict("only an advisory in review or approved can be sent back; this one is %s", label(a.Status))
		}
		if note == "" {
			var f errs.Fields
			f.Add("note", "say what needs to change")
			return audit.Event{}, f.Err()
		}
		a.Status, a.ReviewNote, a.ApprovedBy, a.PublishAt = StatusDraft, note, nil, nil
		return audit.Event{Action: "advisory.send_back", Summary: "sent " + a.TrackingID + " back: " + note}, nil
	})
}

// Approve approves a publication under review, by a second person, for
// publication at publishAt (nil: now). Publication happens at once when the
// time has come, otherwise by the scheduler.
func (s *Service) Approve(ctx context.Context, id *auth.Identity, advID string, publishAt *time.Time) (Advisory, error) {
	// The embargo is checked before the transaction: reading the case may
	// itself write (read marks), and SQLite has one writer.
	if mayEdit(id) {
		cur, err := getAdvisory(ctx, s.db, advID)
		if err != nil {
			return Advisory{}, err
		}
		cur.PublishAt = publishAt
		if err := s.respectsEmbargo(ctx, id, cur); err != nil {
			return Advisory{}, err
		}
	}
	a, err := s.change(ctx, id, advID, func(tx *db.Tx, a *Advisory) (audit.Event, error) {
		if a.Status != StatusInReview {
			return audit.Event{}, errs.Conflict("only an advisory in review can be approved; this one is %s", label(a.Status))
		}
		if !secondPerson(id, *a) {
			return audit.Event{}, errs.Forbidden("a second person approves: you wrote or submitted this version")
		}
		if err := s.mustBeValid(ctx, tx, *a); err != nil {
			return audit.Event{}, err
		}
		a.Status, a.PublishAt = StatusApproved, nil
		if publishAt != nil {
			t := publishAt.UTC()
			a.PublishAt = &t
		}

		if !id.IsSystem() {
			a.ApprovedBy = &id.User.ID
		}
		when := "now"
		if a.PublishAt != nil {
			when = a.PublishAt.Format(time.RFC3339)
		}
		return audit.Event{Action: "advisory.approve", Summary: "approved " + a.TrackingID + " for publication " + when}, nil
	})
	if err != nil {
		return a, err
	}
	if a.PublishAt == nil || !a.PublishAt.After(s.now()) {
		return s.publish(ctx, a.ID)
	}
	return a, nil
}

// respectsEmbargo refuses to publish a TLP:CLEAR advisory of a case before
// the case's publication date while the case is not yet disclosed: the
// embargo agreed with the vendors binds the center too. A TLP:AMBER or RED
// publication goes to named recipients and may go out earlier.
func (s *Service) respectsEmbargo(ctx context.Context, id *auth.Identity, a Advisory) error {
	if a.CaseID == nil || s.cases == nil || a.TLP != "CLEAR" {
		return nil
	}
	h, err := s.cases.Handoff(ctx, id, *a.CaseID)
	if err != nil || h.PublicationAt == nil || h.Status == model.CaseDisclosed || h.Status == model.CaseClosed {
		return nil // a case the reviewer cannot see or one already public sets no date
	}
	when := s.now()
	if a.PublishAt != nil {
		when = *a.PublishAt
	}
	if when.Before(*h.PublicationAt) {
		var f errs.Fields
		f.Add("publish_at", "the case %s is under embargo until %s: publish then or later, or move the case's date first",
			h.CaseNumber, h.PublicationAt.UTC().Format("2006-01-02 15:04 UTC"))
		return f.Err()
	}
	return nil
}

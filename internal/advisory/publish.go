package advisory

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// mustBeValid refuses a working copy whose CSAF document would not be valid,
// with every reason.
func (s *Service) mustBeValid(ctx context.Context, q db.Querier, a Advisory) error {
	if !a.Kind.HasCSAF() {
		return nil
	}
	revs, err := listRevisions(ctx, q, a.ID)
	if err != nil {
		return err
	}
	_, problems, err := s.preview(a, revs)
	if err != nil {
		return err
	}
	return problemsError("the CSAF document would not be valid", problems)
}

// problemsError turns CSAF problems into a validation error whose fields
// are the JSON pointers (as dotted paths under "csaf"); nil when there are none.
func problemsError(msg string, problems []Problem) error {
	if len(problems) == 0 {
		return nil
	}
	var f errs.Fields
	for _, p := range problems {
		f.Add("csaf"+strings.ReplaceAll(p.Path, "/", "."), "%s (%s)", p.Message, p.Test)
	}
	e := errs.As(f.Err())
	e.Message = msg
	return e
}

// preview builds the CSAF document the working copy would publish as its
// next revision, and validates it.
func (s *Service) preview(a Advisory, revs []Revision) ([]byte, []Problem, error) {
	in := s.docInput(a, revs, s.now())
	doc, err := buildCSAF(in)
	if err != nil {
		return nil, nil, err
	}
	return doc, ValidateCSAF(doc, ""), nil
}

func (s *Service) docInput(a Advisory, revs []Revision, at time.Time) docInput {
	summary := a.RevisionNote
	if len(revs) == 0 {
		summary = "Initial version."
	}
	return docInput{Advisory: a, Content: a.Content, TLP: a.TLP, Version: len(revs) + 1, History: revs, Summary: summary,
		Date: at, PageURL: s.baseURL + "/advisories/" + a.TrackingID,
		Publisher: Publisher{Name: s.centerName, Namespace: s.baseURL, Contact: s.contactDetails()}}
}

func (s *Service) contactDetails() string {
	if s.contact == "" {
		return "Report vulnerabilities at " + s.baseURL + "/report"
	}
	return "E-mail: " + s.contact + "; reports: " + s.baseURL + "/report"
}

// Preview answers the CSAF document the working copy would publish, with
// its problems.
func (s *Service) Preview(ctx context.Context, id *auth.Identity, advID string) ([]byte, []Problem, error) {
	d, err := s.Get(ctx, id, advID)
	if err != nil {
		return nil, nil, err
	}
	if !d.Advisory.Kind.HasCSAF() {
		return nil, nil, errs.NotFound("news items have no CSAF document")
	}
	return s.preview(d.Advisory, d.Revisions)
}

// publish makes an approved working copy the next published revision: the
// CSAF document is built, validated, hashed and signed, and everything is
// stored in one transaction.
func (s *Service) publish(ctx context.Context, advID string) (Advisory, error) {
	var out Advisory
	var rev Revision
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		if err := tx.Lock(ctx, "advisory:"+advID); err != nil {
			return err
		}
		a, err := getAdvisory(ctx, tx, advID)
		if err != nil {
			return err
		}
		if a.Status != StatusApproved {
			return errs.Conflict("only an approved advisory is published; this one is %s", label(a.Status))
		}
		revs, err := listRevisions(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		now := s.now()
		in := s.docInput(a, revs, now)
		rev = Revision{AdvisoryID: a.ID, Number: in.Version, Summary: in.Summary, Content: a.Content, TLP: a.TLP,
			ApprovedBy: a.ApprovedBy, PublishedAt: now}
		if a.Kind.HasCSAF() {
			doc, err := buildCSAF(in)
			if err != nil {
				return err
			}
			if problems := ValidateCSAF(doc, ""); len(problems) > 0 {
				return errs.Invalid("the CSAF document is not valid: %s (%s)", problems[0].Message, problems[0].Test)
			}
			sum256, sum512 := sha256.Sum256(doc), sha512.Sum512(doc)
			rev.CSAF, rev.SHA256, rev.SHA512 = doc, hex.EncodeToString(sum256[:]), hex.EncodeToString(sum512[:])
			if rev.Signature, err = s.key.SignDetached(doc); err != nil {
				return err
			}
		}
		if err := savePublished(ctx, tx, a, rev); err != nil {
			return err
		}
		before := a
		a.Status, a.PublishAt, a.RevisionNote, a.UpdatedAt = StatusPublished, nil, "", now
		a.PublishedVersion = rev.Number
		if a.FirstPublishedAt == nil {
			a.FirstPublishedAt = &now
		}
		a.LastPublishedAt, a.PublishedTLP = &now, a.TLP
		if err := saveWorking(ctx, tx, a); err != nil {
			return err
		}
		if err := s.notifySubscribers(ctx, tx, a, rev); err != nil {
			return err
		}
		out = a
		if err := tx.Announce(ctx, Topic); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "advisory.publish", ObjectType: "advisory", ObjectID: a.ID,
			Summary: fmt.Sprintf("published %s revision %d (TLP:%s)", a.TrackingID, rev.Number, a.TLP), Before: before, After: a})
	})
	if err != nil {
		return Advisory{}, err
	}
	s.log.Info("published", "tracking_id", out.TrackingID, "revision", rev.Number, "tlp", out.TLP)
	if rev.Number == 1 && rev.TLP == "CLEAR" && out.CaseID != nil && s.cases != nil {
		// The publication stands; a failure to tell the case is logged, not undone.
		if err := s.cases.AnnouncePublication(ctx, *out.CaseID, out.TrackingID, rev.Content.Title,
			s.baseURL+"/advisories/"+out.TrackingID); err != nil {
			s.log.Error("could not tell the case about the publication", "case_id", *out.CaseID, "err", err)
		}
	}
	return out, nil
}

// PublishDue publishes every approved publication whose time has come, and
// answers how many it published. The scheduler runs it every minute.
func (s *Service) PublishDue(ctx context.Context) (int, error) {
	var ids []string
	err := s.db.Read(ctx, func(q db.Querier) error {
		rows, err := q.Query(ctx, `SELECT id FROM advisories WHERE status = $1 AND (publish_at IS NULL OR publish_at <= $2)
			ORDER BY publish_at, id`, string(StatusApproved), s.now())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, fmt.Errorf("advisory: due publications: %w", err)
	}
	n := 0
	var failed []error
	for _, id := range ids {
		ctx := auth.WithIdentity(ctx, system)
		if _, err := s.publish(ctx, id); err != nil {
			if errs.KindOf(err) == errs.KindConflict {
				continue // published or sent back meanwhile
			}
			// One publication that cannot go out must not hold up the others.
			s.log.Error("a due publication failed", "advisory_id", id, "err", err)
			failed = append(failed, fmt.Errorf("advisory %s: %w", id, err))
			continue
		}
		n++
	}
	return n, errors.Join(failed...)
}

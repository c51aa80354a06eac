package incident

import (
	"context"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Followed is what a citizen's follow link shows of their report: where
// it stands and the exchange between them and the CERT, nothing else.
type Followed struct {
	Number     string     `json:"number"`
	Title      string     `json:"title"`
	Status     string     `json:"status"`
	CERT       string     `json:"cert"`
	ReportedAt time.Time  `json:"reported_at"`
	ClosedAt   *time.Time `json:"closed_at"`
	Resolution string     `json:"resolution"`
	Notes      []Note     `json:"notes"`
	Events     []Event    `json:"timeline"`
}

// FollowPath is the public page a follow link opens.
const FollowPath = "/report-incident/follow"

// FollowURL is the follow link of a secret.
func (s *Service) FollowURL(secret string) string {
	return s.baseURL + FollowPath + "?key=" + secret
}

// follow reads the incident a follow link opens.
func (s *Service) follow(ctx context.Context, q db.Querier, secret string) (Incident, error) {
	secret = strings.TrimSpace(secret)
	if len(secret) < 20 || len(secret) > 100 {
		return Incident{}, errs.NotFound("no incident report for this link: check that the whole link was copied")
	}
	return byFollowHash(ctx, q, auth.HashSecret(secret))
}

// Follow answers what a follow link shows.
func (s *Service) Follow(ctx context.Context, secret string) (Followed, error) {
	var out Followed
	err := s.db.Read(ctx, func(q db.Querier) error {
		in, err := s.follow(ctx, q, secret)
		if err != nil {
			return err
		}
		out = Followed{Number: in.Number, Title: in.Title, Status: in.Status, ReportedAt: in.ReportedAt, ClosedAt: in.ClosedAt,
			Resolution: in.Resolution, Notes: []Note{}, Events: []Event{}}
		notes, err := listNotes(ctx, q, in.ID)
		if err != nil {
			return err
		}
		for _, n := range notes {
			if n.Visibility == Reporter {
				n.AuthorOrgID = nil
				out.Notes = append(out.Notes, n)
			}
		}
		events, err := listEvents(ctx, q, in.ID)
		if err != nil {
			return err
		}
		for _, e := range events {
			if e.Visibility == Reporter {
				e.Actor = ""
				out.Events = append(out.Events, e)
			}
		}
		d, err := s.directory(ctx)
		out.CERT = d.name(in.OwnerOrgID)
		return err
	})
	return out, err
}

// ReplyByLink adds the citizen's answer to the exchange with the CERT,
// which is told. Audited.
func (s *Service) ReplyByLink(ctx context.Context, secret, body, ip string) (Note, error) {
	if ok, wait := s.public.Allow(ctx, ip); !ok {
		return Note{}, errs.RateLimited(wait, "too many messages from your address; wait %d seconds and try again", wait)
	}
	var f errs.Fields
	text(&f, "body", &body, true, MaxText)
	if err := f.Err(); err != nil {
		return Note{}, err
	}
	now := s.now().UTC()
	var n Note
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		in, err := s.follow(ctx, tx, secret)
		if err != nil {
			return err
		}
		if in.Closed() {
			return errs.Conflict("the incident is closed: report a new one if it happens again")
		}
		n = Note{ID: db.NewID(), Visibility: Reporter, Body: body, AuthorName: in.ReporterName + " (reporter)", CreatedAt: now}
		if err := insertNote(ctx, tx, in.ID, n); err != nil {
			return err
		}
		if err := insertEvent(ctx, tx, in.ID, Event{At: now, Kind: "note", Visibility: Reporter, Actor: in.ReporterName,
			Summary: "the reporter answered"}); err != nil {
			return err
		}
		if err := s.tell(ctx, tx, []string{in.OwnerOrgID}, in, "The reporter answered on "+in.Number,
			"The citizen who reported incident "+in.Number+" answered."); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "coordination.incident.reply", ObjectType: "incident", ObjectID: in.ID,
			OrgID: in.OwnerOrgID, Summary: in.Number + ": the reporter answered by the follow link"})
	})
	return n, err
}

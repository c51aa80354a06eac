package reports

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/store"
)

// FollowView is what a reporter sees through the follow link.
type FollowView struct {
	TrackingID    string             `json:"tracking_id"`
	Title         string             `json:"title"`
	Status        model.ReportStatus `json:"status"`
	Vendor        string             `json:"vendor"`
	Product       string             `json:"product"`
	ReceivedAt    time.Time          `json:"received_at"`
	Acknowledged  bool               `json:"acknowledged"`
	DeclineReason string             `json:"decline_reason,omitempty"`
	Case          *FollowCase        `json:"case,omitempty"`
	Messages      []model.Message    `json:"messages"`
}

// FollowCase is the case a report went into, as its reporter sees it.
type FollowCase struct {
	Number        string           `json:"number"`
	Status        model.CaseStatus `json:"status"`
	PublicationAt *time.Time       `json:"publication_at,omitempty"`
}

func (s *Service) byKey(ctx context.Context, q db.Querier, key, ip string) (model.Report, error) {
	if ok, wait := s.follow.Allow(ctx, ip); !ok {
		return model.Report{}, errs.RateLimited(wait, "too many requests; wait %d seconds", wait)
	}
	if key == "" || len(key) > 100 {
		return model.Report{}, errs.NotFound("no report for this link: check that you copied all of it")
	}
	r, err := store.GetReport(ctx, q, "secret_hash = $1", auth.HashSecret(key))
	if errs.KindOf(err) == errs.KindNotFound {
		return model.Report{}, errs.NotFound("no report for this link: check that you copied all of it")
	}
	return r, err
}

// Follow shows a reporter their report.
func (s *Service) Follow(ctx context.Context, key, ip string) (FollowView, error) {
	var v FollowView
	var authors []string
	err := s.db.Read(ctx, func(q db.Querier) error {
		r, err := s.byKey(ctx, q, key, ip)
		if err != nil {
			return err
		}
		v = FollowView{TrackingID: r.TrackingID, Title: r.Title, Status: r.Status, Vendor: r.Vendor, Product: r.Product,
			ReceivedAt: r.ReceivedAt, Acknowledged: r.AcknowledgedAt != nil, DeclineReason: r.DeclineReason}
		if r.CaseID != nil {
			c, err := store.GetCase(ctx, q, *r.CaseID)
			if err != nil {
				return err
			}
			v.Case = &FollowCase{Number: c.Number, Status: c.Status, PublicationAt: c.PublicationAt}
		}
		v.Messages, authors, err = store.ListMessages(ctx, q, r.ID)
		return err
	})
	if err != nil {
		return v, err
	}
	return v, s.NameAuthors(ctx, map[string]string{}, v.Messages, authors)
}

// ReporterReply adds a message from the reporter through the follow link. A
// report waiting for the reporter goes back to the triage queue.
func (s *Service) ReporterReply(ctx context.Context, key, body, ip string) (model.Message, error) {
	body = strings.TrimSpace(body)
	if body == "" {
		return model.Message{}, errs.InvalidField("message", "is empty")
	}
	if utf8.RuneCountInString(body) > model.MaxText {
		return model.Message{}, errs.InvalidField("message", "must be at most %d characters", model.MaxText)
	}
	var m model.Message
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		r, err := s.byKey(ctx, tx, key, ip)
		if err != nil {
			return err
		}
		m, err = s.reporterWrote(audit.WithActor(ctx, audit.Actor{Email: "reporter", IP: ip}), tx, r, body)
		return err
	})
	return m, err
}

// reporterWrote records a message from the reporter and puts a report that
// waited for it back in the queue.
func (s *Service) reporterWrote(ctx context.Context, tx *db.Tx, r model.Report, body string) (model.Message, error) {
	now := s.now()
	m, err := store.AddMessage(ctx, tx, r.ID, true, nil, body, now)
	if err != nil {
		return model.Message{}, err
	}
	if r.Status == model.ReportNeedInfo && r.WaitingSince != nil {
		r.PausedSeconds += int64(now.Sub(*r.WaitingSince).Seconds())
		r.Status, r.WaitingSince, r.UpdatedAt = model.ReportReceived, nil, now
		if err := store.SaveReport(ctx, tx, r); err != nil {
			return model.Message{}, err
		}
	}
	if err := audit.Record(ctx, tx, now, audit.Event{Action: "report.reply", ObjectType: "report", ObjectID: r.ID,
		OrgID: deref(r.AssignedOrgID), Summary: "the reporter wrote about " + r.TrackingID}); err != nil {
		return model.Message{}, err
	}
	return m, s.tellAssigned(ctx, tx, r, fmt.Sprintf("[%s] The reporter wrote", r.TrackingID),
		fmt.Sprintf("The reporter of %s (%s) sent a message.\n\nRead it here:\n%s\n", r.TrackingID, r.Title,
			s.link("/console/reports/"+r.ID+"#messages")), "report.reply")
}

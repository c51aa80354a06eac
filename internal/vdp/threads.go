package vdp

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/threads"
	"github.com/certhub/certhub/internal/vdp/timeline"
)

// NewThread opens a discussion in a case (its coordinators).
func (s *Service) NewThread(ctx context.Context, id *auth.Identity, caseID string, in threads.Input) (threads.Thread, error) {
	if err := in.Check(model.MaxTitle); err != nil {
		return threads.Thread{}, err
	}
	t := threads.Thread{ID: db.NewID(), Title: in.Title, Visibility: in.Visibility}
	_, err := s.caseChange(ctx, id, caseID, "thread", func(tx *db.Tx, c *model.Case, parts []model.Participant) (string, string, error) {
		if in.VendorOrgID != "" {
			ok := false
			for _, p := range parts {
				ok = ok || (p.OrgID == in.VendorOrgID && p.Role == model.RoleVendor)
			}
			if !ok {
				return "", "", errs.InvalidField("vendor_org_id", "is not a vendor in this case")
			}
			t.VendorOrgID = &in.VendorOrgID
		}
		t.CaseID, t.CreatedAt = c.ID, s.now()
		err := threads.Insert(ctx, tx, t)
		vis := model.VisibleInternal
		if t.Visibility == model.VisibleParticipants {
			vis = model.VisibleParticipants
		}
		return "opened thread " + t.Title, vis, err
	})
	return t, err
}

// ThreadPosts returns the latest posts of a thread (before seq when given)
// and marks them read.
func (s *Service) ThreadPosts(ctx context.Context, id *auth.Identity, caseID, threadID string, before int64, limit int) (threads.Page, error) {
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	var pg threads.Page
	err := s.db.Read(ctx, func(q db.Querier) error {
		c, _, v, err := s.loadCase(ctx, q, id, caseID)
		if err != nil {
			return err
		}
		t, err := threads.Get(ctx, q, c.ID, threadID)
		if err != nil {
			return err
		}
		if !v.SeesThread(t) {
			return errs.NotFound("thread not found")
		}
		_, readSeq, err := timeline.LastRead(ctx, q, id.User.ID, c.ID)
		if err != nil {
			return err
		}
		pg, err = threads.Posts(ctx, q, t, before, limit, readSeq)
		return err
	})
	if err != nil {
		return pg, err
	}
	if before == 0 && !id.IsSystem() {
		var maxSeq int64
		for _, p := range pg.Posts {
			maxSeq = max(maxSeq, p.Seq)
		}
		err = timeline.MarkRead(ctx, s.db, id.User.ID, caseID, 0, maxSeq, s.now())
	}
	return pg, err
}

// AddPost writes in a thread the caller can see. Everyone else who can see
// it is told by e-mail, with a link to the post.
func (s *Service) AddPost(ctx context.Context, id *auth.Identity, caseID, threadID, body string) (threads.Post, error) {
	body = strings.TrimSpace(body)
	if body == "" {
		return threads.Post{}, errs.InvalidField("body", "is empty")
	}
	if utf8.RuneCountInString(body) > model.MaxText {
		return threads.Post{}, errs.InvalidField("body", "must be at most %d characters", model.MaxText)
	}
	var p threads.Post
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		c, parts, v, err := s.loadCase(ctx, tx, id, caseID)
		if err != nil {
			return err
		}
		t, err := threads.Get(ctx, tx, c.ID, threadID)
		if err != nil {
			return err
		}
		if !v.SeesThread(t) {
			return errs.NotFound("thread not found")
		}
		if !v.Center() && !id.IsSystem() {
			canWrite := false
			for org := range v.Orgs {
				canWrite = canWrite || id.RoleIn(org).AtLeast(auth.RoleMember)
			}
			if !canWrite {
				return errs.Forbidden("viewers read the discussion; members write in it")
			}
		}
		now := s.now()
		p = threads.Post{ID: db.NewID(), ThreadID: t.ID, AuthorName: id.User.Name, Body: body, CreatedAt: now}
		var authorOrg *string
		for org := range v.Orgs {
			o := org
			authorOrg = &o
			break
		}
		if v.Center() {
			authorOrg = &c.OwnerOrgID
		}
		p.AuthorOrg = authorOrg
		if err := threads.AddPost(ctx, tx, id.User.ID, &p); err != nil {
			return err
		}
		vis, orgOnly := model.VisibleParticipants, (*string)(nil)
		switch t.Visibility {
		case model.VisibleInternal:
			vis = model.VisibleInternal
		case model.VisibleVendor:
			orgOnly = t.VendorOrgID
		}
		anchor := "post-" + p.ID
		if err := timeline.Add(ctx, tx, c.ID, "post", id.User.Name+" wrote in "+t.Title, vis, orgOnly, id.User.Name, anchor, now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, audit.Event{Action: "case.post", ObjectType: "case", ObjectID: c.ID, OrgID: c.OwnerOrgID,
			Summary: c.Number + ": " + id.User.Name + " wrote in " + t.Title}); err != nil {
			return err
		}
		// Tell those who can see the thread, except the writer's own side.
		link := s.link(fmt.Sprintf("/console/cases/%s/threads/%s#%s", c.ID, t.ID, anchor))
		subject := fmt.Sprintf("[%s] %s wrote in %s", c.Number, id.User.Name, t.Title)
		text := fmt.Sprintf("%s wrote in \"%s\" of case %s:\n\n%s\n\nAnswer here:\n%s\n", id.User.Name, t.Title, c.Number, body, link)
		if !v.Center() {
			if err := s.tellOrg(ctx, tx, c.OwnerOrgID, subject, text, "case.post"); err != nil {
				return err
			}
		}
		only := threads.Audience(t, orgsOf(parts), func(org string) bool { _, mine := v.Orgs[org]; return mine })
		if len(only) == 0 {
			return nil
		}
		return s.tellParticipants(ctx, tx, c, parts, only, subject, text, "case.post")
	})
	return p, err
}

// orgsOf is the participating organisations, in order.
func orgsOf(parts []model.Participant) []string {
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		out = append(out, p.OrgID)
	}
	return out
}

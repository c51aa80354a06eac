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
)

// ThreadInput opens a discussion.
type ThreadInput struct {
	Title       string `json:"title"`
	Visibility  string `json:"visibility"` // internal, participants, vendor
	VendorOrgID string `json:"vendor_org_id"`
}

// NewThread opens a discussion in a case (its coordinators).
func (s *Service) NewThread(ctx context.Context, id *auth.Identity, caseID string, in ThreadInput) (Thread, error) {
	var f errs.Fields
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" || utf8.RuneCountInString(in.Title) > maxTitle {
		f.Add("title", "is required, at most %d characters", maxTitle)
	}
	switch in.Visibility {
	case VisibleInternal, VisibleParticipants:
		in.VendorOrgID = ""
	case VisibleVendor:
		if in.VendorOrgID == "" {
			f.Add("vendor_org_id", "name the vendor who sees the thread")
		}
	default:
		f.Add("visibility", "must be internal, participants or vendor")
	}
	if err := f.Err(); err != nil {
		return Thread{}, err
	}
	t := Thread{ID: db.NewID(), Title: in.Title, Visibility: in.Visibility}
	_, err := s.caseChange(ctx, id, caseID, "thread", func(tx *db.Tx, c *Case, parts []Participant) (string, string, error) {
		if in.VendorOrgID != "" {
			ok := false
			for _, p := range parts {
				ok = ok || (p.OrgID == in.VendorOrgID && p.Role == RoleVendor)
			}
			if !ok {
				return "", "", fieldErr("vendor_org_id", "is not a vendor in this case")
			}
			t.VendorOrgID = &in.VendorOrgID
		}
		t.CaseID, t.CreatedAt = c.ID, s.now()
		_, err := tx.Exec(ctx, `INSERT INTO vdp_threads (id, case_id, title, visibility, vendor_org_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			t.ID, c.ID, t.Title, t.Visibility, t.VendorOrgID, t.CreatedAt)
		vis := VisibleInternal
		if t.Visibility == VisibleParticipants {
			vis = VisibleParticipants
		}
		return "opened thread " + t.Title, vis, err
	})
	return t, err
}

// ThreadPage is a page of a thread's posts, oldest first.
type ThreadPage struct {
	Thread Thread `json:"thread"`
	Posts  []Post `json:"posts"`
	// Older is the seq to ask for (before=) to see earlier posts; 0 when none.
	Older int64 `json:"older,omitempty"`
}

// ThreadPosts returns the latest posts of a thread (before seq when given)
// and marks them read.
func (s *Service) ThreadPosts(ctx context.Context, id *auth.Identity, caseID, threadID string, before int64, limit int) (ThreadPage, error) {
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	var pg ThreadPage
	var maxSeq int64
	err := s.db.Read(ctx, func(q db.Querier) error {
		c, _, v, err := s.loadCase(ctx, q, id, caseID)
		if err != nil {
			return err
		}
		t, err := getThread(ctx, q, c.ID, threadID)
		if err != nil {
			return err
		}
		if !v.SeesThread(t) {
			return errs.NotFound("thread not found")
		}
		_, readSeq, err := lastRead(ctx, q, id.User.ID, c.ID)
		if err != nil {
			return err
		}
		cond, args := `thread_id = $1`, []any{t.ID}
		if before > 0 {
			cond += ` AND seq < $2`
			args = append(args, before)
		}
		rows, err := q.Query(ctx, fmt.Sprintf(`SELECT seq, id, thread_id, author_name, author_org_id, body, created_at
			FROM vdp_posts WHERE %s ORDER BY seq DESC LIMIT %d`, cond, limit+1), args...)
		if err != nil {
			return fmt.Errorf("vdp: posts: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var p Post
			if err := rows.Scan(&p.Seq, &p.ID, &p.ThreadID, &p.AuthorName, &p.AuthorOrg, &p.Body, &p.CreatedAt); err != nil {
				return err
			}
			p.Unread = p.Seq > readSeq
			maxSeq = max(maxSeq, p.Seq)
			pg.Posts = append(pg.Posts, p)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(pg.Posts) > limit {
			pg.Posts = pg.Posts[:limit]
			pg.Older = pg.Posts[limit-1].Seq
		}
		// Oldest first on the page.
		for i, j := 0, len(pg.Posts)-1; i < j; i, j = i+1, j-1 {
			pg.Posts[i], pg.Posts[j] = pg.Posts[j], pg.Posts[i]
		}
		if pg.Posts == nil {
			pg.Posts = []Post{}
		}
		pg.Thread = t
		return nil
	})
	if err != nil {
		return pg, err
	}
	if before == 0 && !id.IsSystem() {
		err = s.markRead(ctx, id.User.ID, caseID, 0, maxSeq)
	}
	return pg, err
}

// AddPost writes in a thread the caller can see. Everyone else who can see
// it is told by e-mail, with a link to the post.
func (s *Service) AddPost(ctx context.Context, id *auth.Identity, caseID, threadID, body string) (Post, error) {
	body = strings.TrimSpace(body)
	if body == "" {
		return Post{}, fieldErr("body", "is empty")
	}
	if utf8.RuneCountInString(body) > maxText {
		return Post{}, fieldErr("body", "must be at most %d characters", maxText)
	}
	var p Post
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		c, parts, v, err := s.loadCase(ctx, tx, id, caseID)
		if err != nil {
			return err
		}
		t, err := getThread(ctx, tx, c.ID, threadID)
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
		p = Post{ID: db.NewID(), ThreadID: t.ID, AuthorName: id.User.Name, Body: body, CreatedAt: now}
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
		if err := tx.QueryRow(ctx, `INSERT INTO vdp_posts (id, thread_id, case_id, author_user_id, author_org_id, author_name, body, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq`, p.ID, t.ID, c.ID, nullable(id.User.ID), authorOrg, p.AuthorName, body, now).Scan(&p.Seq); err != nil {
			return fmt.Errorf("vdp: post: %w", err)
		}
		vis, orgOnly := VisibleParticipants, (*string)(nil)
		switch t.Visibility {
		case VisibleInternal:
			vis = VisibleInternal
		case VisibleVendor:
			orgOnly = t.VendorOrgID
		}
		anchor := "post-" + p.ID
		if err := addEvent(ctx, tx, c.ID, "post", id.User.Name+" wrote in "+t.Title, vis, orgOnly, id.User.Name, anchor, now); err != nil {
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
		if t.Visibility == VisibleInternal {
			return nil
		}
		var only []string
		for _, pt := range parts {
			if _, mine := v.Orgs[pt.OrgID]; mine {
				continue
			}
			if t.Visibility == VisibleParticipants || (t.VendorOrgID != nil && *t.VendorOrgID == pt.OrgID) {
				only = append(only, pt.OrgID)
			}
		}
		if len(only) == 0 {
			return nil
		}
		return s.tellParticipants(ctx, tx, c, parts, only, subject, text, "case.post")
	})
	return p, err
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

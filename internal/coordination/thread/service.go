package thread

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/pgp"
	pthreads "github.com/certhub/certhub/internal/platform/threads"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// Orgs is what threads need of the directory.
type Orgs interface {
	All(ctx context.Context, id *auth.Identity, f directory.Filter) ([]directory.Summary, error)
	GetMany(ctx context.Context, id *auth.Identity, ids []string) ([]directory.Org, error)
	Members(ctx context.Context, id *auth.Identity, orgID string) ([]auth.Member, error)
}

// People finds the account a reply by mail writes as.
type People interface {
	Identity(ctx context.Context, userID string) (*auth.Identity, error)
}

// Signer signs outgoing mail with the center's key (OpenPGP cleartext
// signature).
type Signer interface {
	ClearSign(text []byte) ([]byte, error)
}

// Outbox sends mail in the transaction of the change it tells of.
type Outbox interface {
	Send(ctx context.Context, tx *db.Tx, m notify.Mail) error
}

// Options are the service's dependencies. Without an Outbox no mail is
// sent; without a ReplyDomain (no inbound mail) the mail carries links
// only; without a Signer it is not signed.
type Options struct {
	DB                  *db.DB
	Files               *files.Store // keeps attachments (none without it)
	Orgs                Orgs
	People              People
	Outbox              Outbox
	Signer              Signer
	Now                 func() time.Time
	BaseURL, CenterName string
	ReplyDomain         string
}

// Service runs the threads between organisations.
type Service struct {
	o   Options
	now func() time.Time
}

// NewService makes the service.
func NewService(o Options) *Service {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if o.CenterName == "" {
		o.CenterName = "The coordination center"
	}
	return &Service{o: o, now: now}
}

// ReplyKind names these threads' reply addresses in the platform's table.
const ReplyKind = "coordination.thread"

var tables = pthreads.Tables{Threads: "coordination_threads", Posts: "coordination_posts"}

var system = auth.System("coordination threads")

// writesFor answers the organisations of orgs id writes for: a member
// above viewer.
func writesFor(id *auth.Identity, orgs []string) []string {
	var out []string
	for _, o := range orgs {
		if r := id.RoleIn(o); r != "" && r != auth.RoleViewer {
			out = append(out, o)
		}
	}
	return out
}

func orgIDs(ms []Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.OrgID
	}
	return out
}

// The access rule, in one place: the members of a thread's organisations
// read it (anyone else is told it does not exist, the center's staff
// too, unless the center is one of them); those above viewer write in it
// and add organisations the thread's TLP allows.

// load reads a thread the reader may see.
func (s *Service) load(ctx context.Context, q db.Querier, id *auth.Identity, threadID string) (Thread, error) {
	if id == nil {
		return Thread{}, errs.Unauthenticated("sign in to read threads")
	}
	t, err := getThread(ctx, q, threadID)
	if err != nil {
		return t, err
	}
	if !id.IsSystem() && !slices.ContainsFunc(t.Orgs, func(m Member) bool { return id.RoleIn(m.OrgID) != "" }) {
		return Thread{}, errs.NotFound("no such thread")
	}
	return t, nil
}

// directory answers the directory's organisations by ID.
func (s *Service) directory(ctx context.Context) (map[string]directory.Summary, error) {
	all, err := s.o.Orgs.All(ctx, system, directory.Filter{})
	if err != nil {
		return nil, err
	}
	out := make(map[string]directory.Summary, len(all))
	for _, o := range all {
		out[o.ID] = o
	}
	return out, nil
}

// below reports whether org is below one of members in the directory.
func below(dir map[string]directory.Summary, org string, members []string) bool {
	o, ok := dir[org]
	for range len(dir) + 1 {
		if !ok || o.ParentID == nil {
			return false
		}
		if slices.Contains(members, *o.ParentID) {
			return true
		}
		o, ok = dir[*o.ParentID]
	}
	return false
}

// mayAdd says whether the thread's TLP lets org be added to members: the
// recipients of a TLP:CLEAR or GREEN thread may bring in anyone of the
// community; of an AMBER one only their own constituents; of an
// AMBER+STRICT one nobody (its organisations are those it was opened
// with).
func mayAdd(label tlp.Label, dir map[string]directory.Summary, org string, members []string) bool {
	reach := tlp.Community
	if below(dir, org, members) {
		reach = tlp.Constituent
	}
	return tlp.Allows(label, reach)
}

// Open starts a thread between the caller's organisation and others, with
// its first message. Audited; the others are told.
func (s *Service) Open(ctx context.Context, id *auth.Identity, in Input) (View, error) {
	if id == nil {
		return View{}, errs.Unauthenticated("sign in to open threads")
	}
	var f errs.Fields
	checkTitle(&f, &in.Title)
	label := tlp.Amber
	if strings.TrimSpace(in.TLP) != "" {
		l, err := tlp.Parse(in.TLP)
		if err != nil || l == tlp.Red {
			f.Add("tlp", "CLEAR, GREEN, AMBER or AMBER+STRICT (TLP:RED is for named people, not organisations)")
		}
		label = l
	}
	mine := writesFor(id, id.OrgIDs())
	from := strings.TrimSpace(in.OrgID)
	switch {
	case from == "" && len(mine) == 1:
		from = mine[0]
	case from == "" && len(mine) == 0:
		return View{}, errs.Forbidden("viewers read threads; members open them")
	case from == "":
		f.Add("org_id", "you write for %d organisations: name the one this thread is from", len(mine))
	case !slices.Contains(mine, from):
		f.Add("org_id", "not an organisation you write for")
	}
	dir, err := s.directory(ctx)
	if err != nil {
		return View{}, err
	}
	var others []string
	for i, o := range in.OrgIDs {
		o = strings.TrimSpace(o)
		switch {
		case dir[o].ID == "":
			f.Add(fmt.Sprintf("org_ids[%d]", i), "no organisation of that ID")
		case o != from && !slices.Contains(others, o):
			others = append(others, o)
		}
	}
	if len(others) == 0 && !f.Has("org_ids[0]") {
		f.Add("org_ids", "name at least one other organisation")
	}
	if len(others)+1 > MaxOrgs {
		f.Add("org_ids", "at most %d organisations a thread", MaxOrgs)
	}
	body, berr := pthreads.CheckBody(in.Body, MaxBody)
	if e := errs.As(berr); e != nil {
		f = append(f, e.Fields...)
	}
	if err := f.Err(); err != nil {
		return View{}, err
	}
	now := s.now().UTC()
	t := Thread{ID: db.NewID(), Title: in.Title, TLP: string(label), CreatedBy: id.Label(), CreatedOrgID: from, CreatedAt: now, LastPostAt: now}
	for _, o := range append([]string{from}, others...) {
		t.Orgs = append(t.Orgs, Member{OrgID: o, Org: dir[o].Name, AddedBy: id.Label(), AddedAt: now})
	}
	p := Post{ID: db.NewID(), ThreadID: t.ID, AuthorName: id.DisplayName(), AuthorOrg: &from, Body: body, CreatedAt: now}
	mails, err := s.mails(ctx, t, p, from)
	if err != nil {
		return View{}, err
	}
	err = s.o.DB.Write(ctx, func(tx *db.Tx) error {
		if err := insertThread(ctx, tx, t); err != nil {
			return err
		}
		if err := tables.Add(ctx, tx, id.User.ID, &p); err != nil {
			return err
		}
		if err := s.send(ctx, tx, t, mails); err != nil {
			return err
		}
		if err := markRead(ctx, tx, t.ID, id.User.ID, p.Seq); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "coordination.thread.open", ObjectType: "thread", ObjectID: t.ID, OrgID: from,
			Summary: fmt.Sprintf("thread %q opened between %d organisations (TLP:%s)", t.Title, len(t.Orgs), t.TLP)})
	})
	if err != nil {
		return View{}, err
	}
	t.Posts = 1
	return View{Thread: t, Posts: []Post{p}, Files: []File{}, AsOrgs: []string{from}}, nil
}

// List answers the threads of the caller's organisations, the latest
// active first, with their unread counts.
func (s *Service) List(ctx context.Context, id *auth.Identity, limit int, cursor string) ([]Thread, string, error) {
	if id == nil {
		return nil, "", errs.Unauthenticated("sign in to read threads")
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var out []Thread
	var next string
	err := s.o.DB.Read(ctx, func(q db.Querier) error {
		var err error
		out, next, err = listThreads(ctx, q, id.OrgIDs(), id.User.ID, limit, cursor)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	dir, err := s.directory(ctx)
	if err != nil {
		return nil, "", err
	}
	for i := range out {
		for j := range out[i].Orgs {
			out[i].Orgs[j].Org = dir[out[i].Orgs[j].OrgID].Name
		}
	}
	return out, next, nil
}

// Get answers a thread and a page of its posts (before seq before, when
// given); the latest page marks the thread read for the caller.
func (s *Service) Get(ctx context.Context, id *auth.Identity, threadID string, before int64, limit int) (View, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var v View
	err := s.o.DB.Read(ctx, func(q db.Querier) error {
		t, err := s.load(ctx, q, id, threadID)
		if err != nil {
			return err
		}
		read, err := readSeq(ctx, q, t.ID, id.User.ID)
		if err != nil {
			return err
		}
		pg, err := tables.List(ctx, q, t.ID, before, limit, read)
		if err != nil {
			return err
		}
		fs, err := filesOf(ctx, q, t.ID, pg.Posts)
		if err != nil {
			return err
		}
		v = View{Thread: t, Posts: pg.Posts, Older: pg.Older, Files: fs, AsOrgs: writesFor(id, orgIDs(t.Orgs))}
		if v.AsOrgs == nil {
			v.AsOrgs = []string{}
		}
		return nil
	})
	if err != nil {
		return View{}, err
	}
	dir, err := s.directory(ctx)
	if err != nil {
		return View{}, err
	}
	for j := range v.Thread.Orgs {
		v.Thread.Orgs[j].Org = dir[v.Thread.Orgs[j].OrgID].Name
	}
	if before == 0 && len(v.Posts) > 0 && !id.IsSystem() {
		last := v.Posts[len(v.Posts)-1].Seq
		err = s.o.DB.Write(ctx, func(tx *db.Tx) error { return markRead(ctx, tx, v.Thread.ID, id.User.ID, last) })
	}
	return v, err
}

// Post writes in a thread for one of the caller's organisations in it
// (asOrg; optional when there is one). Every member of the others is
// told, by a mail with a reply address of their own. Audited.
func (s *Service) Post(ctx context.Context, id *auth.Identity, threadID, asOrg, body string) (Post, error) {
	return s.post(ctx, id, threadID, asOrg, body, pthreads.ViaWeb, nil)
}

func (s *Service) post(ctx context.Context, id *auth.Identity, threadID, asOrg, body, via string, attach *files.Staged) (Post, error) {
	body, err := pthreads.CheckBody(body, MaxBody)
	if err != nil {
		return Post{}, err
	}
	var t Thread
	if err := s.o.DB.Read(ctx, func(q db.Querier) error {
		var err error
		t, err = s.load(ctx, q, id, threadID)
		return err
	}); err != nil {
		return Post{}, err
	}
	mine := writesFor(id, orgIDs(t.Orgs))
	asOrg = strings.TrimSpace(asOrg)
	switch {
	case len(mine) == 0:
		return Post{}, errs.Forbidden("viewers read threads; members write in them")
	case asOrg == "" && len(mine) == 1:
		asOrg = mine[0]
	case asOrg == "":
		return Post{}, errs.InvalidField("org_id", "you write for %d of its organisations: name the one this is from", len(mine))
	case !slices.Contains(mine, asOrg):
		return Post{}, errs.InvalidField("org_id", "not one of its organisations you write for")
	}
	now := s.now().UTC()
	p := Post{ID: db.NewID(), ThreadID: t.ID, AuthorName: id.DisplayName(), AuthorOrg: &asOrg, Body: body, Via: via, CreatedAt: now}
	mails, err := s.mails(ctx, t, p, asOrg)
	if err != nil {
		return Post{}, err
	}
	err = s.o.DB.Write(ctx, func(tx *db.Tx) error {
		if err := tables.Add(ctx, tx, id.User.ID, &p); err != nil {
			return err
		}
		if attach != nil {
			if err := insertFile(ctx, tx, t.ID, p.ID, *attach, p.AuthorName, now); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE coordination_threads SET last_post_at = $2 WHERE id = $1`, t.ID, now); err != nil {
			return err
		}
		if err := s.send(ctx, tx, t, mails); err != nil {
			return err
		}
		if err := markRead(ctx, tx, t.ID, id.User.ID, p.Seq); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "coordination.thread.post", ObjectType: "thread", ObjectID: t.ID, OrgID: asOrg,
			Summary: fmt.Sprintf("%s wrote in %q (%s)", id.DisplayName(), t.Title, via)})
	})
	if p.Via == pthreads.ViaWeb {
		p.Via = ""
	}
	return p, err
}

// AddOrg brings another organisation into a thread, as the thread's TLP
// allows: its members read the thread from then on, what came before
// included. Audited.
func (s *Service) AddOrg(ctx context.Context, id *auth.Identity, threadID, orgID string) (Thread, error) {
	orgID = strings.TrimSpace(orgID)
	dir, err := s.directory(ctx)
	if err != nil {
		return Thread{}, err
	}
	now := s.now().UTC()
	var t Thread
	err = s.o.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		if t, err = s.load(ctx, tx, id, threadID); err != nil {
			return err
		}
		members := orgIDs(t.Orgs)
		label, _ := tlp.Parse(t.TLP)
		switch {
		case len(writesFor(id, members)) == 0:
			return errs.Forbidden("viewers read threads; members add organisations")
		case dir[orgID].ID == "":
			return errs.InvalidField("org_id", "no organisation of that ID")
		case slices.Contains(members, orgID):
			return nil
		case !mayAdd(label, dir, orgID, members):
			if label == tlp.AmberStrict {
				return errs.InvalidField("org_id", "a TLP:AMBER+STRICT thread stays between the organisations it was opened with")
			}
			return errs.InvalidField("org_id", "a TLP:AMBER thread may take in only its organisations' own constituents")
		}
		if err := insertMember(ctx, tx, t.ID, Member{OrgID: orgID, AddedBy: id.Label(), AddedAt: now}); err != nil {
			return err
		}
		t.Orgs = append(t.Orgs, Member{OrgID: orgID, Org: dir[orgID].Name, AddedBy: id.Label(), AddedAt: now})
		return audit.Record(ctx, tx, now, audit.Event{Action: "coordination.thread.add_org", ObjectType: "thread", ObjectID: t.ID, OrgID: orgID,
			Summary: fmt.Sprintf("%s added to thread %q", dir[orgID].Name, t.Title)})
	})
	return t, err
}

// ReplyByMail takes a reply to a notification: the reply address's token
// names the thread and the recipient it was made for, who writes as
// themselves (still a member above viewer of an organisation still in
// the thread). The quoted part of the mail is left out. Bounces and
// auto-replies are dropped.
func (s *Service) ReplyByMail(ctx context.Context, r pthreads.Reply, text string, automatic bool) (Post, error) {
	if automatic {
		return Post{}, nil
	}
	id, err := s.o.People.Identity(ctx, r.UserID)
	if err != nil {
		return Post{}, errs.Forbidden("the account this reply address was made for is gone")
	}
	body := pthreads.QuotedReply(text)
	if body == "" {
		return Post{}, errs.InvalidField("body", "the reply has no text above what it quotes")
	}
	return s.post(ctx, id, r.Ref, r.OrgID, body, pthreads.ViaEmail, nil)
}

// mail is one recipient's notification, made before the transaction.
type mail struct {
	userID, orgID, to string
	subject, text     string
	encrypted         bool
}

// mails makes the notification of p for every member of the thread's
// organisations but the writer's own (from): each its own reply address,
// the text encrypted to the organisation's key when it has one and
// signed by the center; a TLP:AMBER message goes only encrypted (else
// the mail says only that something awaits, with the link).
func (s *Service) mails(ctx context.Context, t Thread, p Post, from string) ([]mail, error) {
	if s.o.Outbox == nil {
		return nil, nil
	}
	var to []string
	for _, m := range t.Orgs {
		if m.OrgID != from {
			to = append(to, m.OrgID)
		}
	}
	if len(to) == 0 {
		return nil, nil
	}
	orgs, err := s.o.Orgs.GetMany(ctx, system, to)
	if err != nil {
		return nil, err
	}
	fromName := from
	if dir, err := s.directory(ctx); err == nil && dir[from].Name != "" {
		fromName = dir[from].Name
	}
	label, _ := tlp.Parse(t.TLP)
	link := fmt.Sprintf("%s/console/threads/%s#post-%s", s.o.BaseURL, t.ID, p.ID)
	var out []mail
	for _, o := range orgs {
		members, err := s.o.Orgs.Members(ctx, system, o.ID)
		if err != nil {
			return nil, err
		}
		mentioned := slices.ContainsFunc(pthreads.Mentions(p.Body), func(h string) bool {
			return strings.EqualFold(h, o.ShortName) || strings.EqualFold(h, strings.ReplaceAll(o.Name, " ", ""))
		})
		for _, m := range members {
			if m.Disabled || !notify.ValidAddress(strings.ToLower(m.Email)) {
				continue
			}
			subject := fmt.Sprintf("[TLP:%s] %s wrote in %q", t.TLP, fromName, t.Title)
			if mentioned {
				subject = fmt.Sprintf("[TLP:%s] %s mentioned %s in %q", t.TLP, fromName, o.Name, t.Title)
			}
			if label != tlp.Clear && label != tlp.Green {
				subject = fmt.Sprintf("[TLP:%s] A new message from %s", t.TLP, fromName) // the title stays out of the clear subject
			}
			clear := fmt.Sprintf("TLP:%s\n\n%s (%s) wrote in %q:\n\n%s\n\n", t.TLP, p.AuthorName, fromName, t.Title, p.Body)
			x := mail{userID: m.UserID, orgID: o.ID, to: m.Email, subject: subject}
			switch {
			case o.PGPKey != "":
				enc, err := pgp.Encrypt([]byte(s.sign(clear+s.footer(link))), o.PGPKey)
				if err != nil {
					return nil, fmt.Errorf("thread: encrypt to %s: %w", o.Name, err)
				}
				x.text, x.encrypted = enc, true
			case label == tlp.Clear || label == tlp.Green:
				x.text = s.sign(clear + s.footer(link))
			default:
				x.text = s.sign(fmt.Sprintf("TLP:%s\n\n%s wrote in a thread of %s's. The message is TLP:%s and %s has no OpenPGP key in the directory,\nso it is not sent by mail: read it here:\n%s\n\n-- \n%s\n",
					t.TLP, fromName, o.Name, t.TLP, o.Name, link, s.o.CenterName))
			}
			out = append(out, x)
		}
	}
	return out, nil
}

func (s *Service) footer(link string) string {
	return fmt.Sprintf("Answer by replying to this message, or in the console:\n%s\n\n-- \n%s\n", link, s.o.CenterName)
}

// sign wraps text in the center's OpenPGP signature when there is a key.
func (s *Service) sign(text string) string {
	if s.o.Signer == nil {
		return text
	}
	b, err := s.o.Signer.ClearSign([]byte(text))
	if err != nil {
		return text
	}
	return string(b)
}

// send mints each mail's reply address and hands the mail to the outbox,
// in the change's transaction.
func (s *Service) send(ctx context.Context, tx *db.Tx, t Thread, mails []mail) error {
	now := s.now().UTC()
	for _, m := range mails {
		out := notify.Mail{To: []string{m.to}, Subject: m.subject, Text: m.text, Tag: "coordination.thread"}
		if s.o.ReplyDomain != "" {
			token, err := pthreads.MintReply(ctx, tx, pthreads.Reply{Kind: ReplyKind, Ref: t.ID, OrgID: m.orgID, UserID: m.userID, Email: m.to}, now)
			if err != nil {
				return err
			}
			out.ReplyTo = pthreads.ReplyAddress(token, s.o.ReplyDomain)
		}
		if err := s.o.Outbox.Send(ctx, tx, out); err != nil {
			return err
		}
	}
	return nil
}

// parseTLP reads a stored label (an unknown one as RED: fail closed).
func parseTLP(s string) tlp.Label {
	l, err := tlp.Parse(s)
	if err != nil {
		return tlp.Red
	}
	return l
}

package council

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/actions"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/platform/notify"
)

// Orgs is what the council needs of the directory.
type Orgs interface {
	GetMany(ctx context.Context, id *auth.Identity, ids []string) ([]directory.Org, error)
	Members(ctx context.Context, id *auth.Identity, orgID string) ([]auth.Member, error)
}

// Records finds a record a decision or an action rests on, by kind (one
// of LinkKinds) and its ID, number or tracking ID: its label, title and
// where it is read; errs.NotFound when there is none.
type Records interface {
	Find(ctx context.Context, kind, ref string) (Link, error)
}

// Outbox sends mail in the transaction of the change it tells of.
type Outbox interface {
	Send(ctx context.Context, tx *db.Tx, m notify.Mail) error
}

// Options are the service's dependencies; Records and Outbox may be nil
// (no links, no mail).
type Options struct {
	DB      *db.DB
	Orgs    Orgs
	Records Records
	Outbox  Outbox
	// Files keeps the meetings' papers (none without it).
	Files *files.Store
	Now   func() time.Time
	Log   *slog.Logger
	// BaseURL is the server's public address, for links in mail;
	// CenterName signs the mail and organises the meetings, from
	// Organizer's address (none when "").
	BaseURL, CenterName, Organizer string
}

// Service runs the council.
type Service struct {
	db                  *db.DB
	orgs                Orgs
	records             Records
	outbox              Outbox
	files               *files.Store
	now                 func() time.Time
	log                 *slog.Logger
	baseURL, centerName string
	organizer           string
}

// NewService makes the service.
func NewService(o Options) *Service {
	now, log := o.Now, o.Log
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Service{db: o.DB, orgs: o.Orgs, records: o.Records, outbox: o.Outbox, files: o.Files, now: now, log: log,
		baseURL: strings.TrimRight(o.BaseURL, "/"), centerName: cmp.Or(o.CenterName, "The coordination center"), organizer: o.Organizer}
}

// WithClock is the service reading time from now (the demo holds a
// meeting in the past).
func (s *Service) WithClock(now func() time.Time) *Service {
	c := *s
	c.now = now
	return &c
}

var system = auth.System("council")

// Seat answers what id may do on the council, for pages.
func (s *Service) Seat(ctx context.Context, id *auth.Identity) (reads, keeps bool, err error) {
	rd, err := s.readerOf(ctx, id)
	return rd.reads(), rd.keeps, err
}

// Members lists the council's representatives, past and present (council
// members and staff).
func (s *Service) Members(ctx context.Context, id *auth.Identity) ([]MemberRecord, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := rd.mustRead("council"); err != nil {
		return nil, err
	}
	return s.members(ctx)
}

// members reads the representatives with their names.
func (s *Service) members(ctx context.Context) ([]MemberRecord, error) {
	var list []MemberRecord
	if err := s.db.Read(ctx, func(q db.Querier) (err error) { list, err = listMembers(ctx, q); return err }); err != nil {
		return nil, err
	}
	today := actions.Today(s.now())
	people := map[string]auth.Member{}
	var orgIDs []string
	for _, m := range list {
		orgIDs = append(orgIDs, m.OrgID)
	}
	slices.Sort(orgIDs)
	orgIDs = slices.Compact(orgIDs)
	names, err := directory.Names(ctx, s.orgs, system, orgIDs)
	if err != nil {
		return nil, err
	}
	for _, o := range orgIDs {
		ms, err := s.orgs.Members(ctx, system, o)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			people[m.UserID] = m
		}
	}
	for i, m := range list {
		list[i].Org, list[i].Name, list[i].Email = names[m.OrgID], cmp.Or(people[m.UserID].Name, people[m.UserID].Email), people[m.UserID].Email
		list[i].Active = active(m.TermStart, m.TermEnd, today)
	}
	return list, nil
}

// Appoint seats a representative of an organisation (a member of it) on
// the council, or (memberID given) changes their role or term. Audited.
func (s *Service) Appoint(ctx context.Context, id *auth.Identity, memberID string, in MemberInput) (MemberRecord, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return MemberRecord{}, err
	}
	if err := rd.mustKeep(); err != nil {
		return MemberRecord{}, err
	}
	if err := in.check(); err != nil {
		return MemberRecord{}, err
	}
	people, err := s.orgs.Members(ctx, system, in.OrgID)
	if err != nil {
		return MemberRecord{}, err
	}
	if !slices.ContainsFunc(people, func(m auth.Member) bool { return m.UserID == in.UserID && !m.Disabled }) {
		return MemberRecord{}, errs.InvalidField("user_id", "not an active member of the organisation")
	}
	now := s.now().UTC()
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		action := "governance.council.appoint"
		if memberID == "" {
			memberID = db.NewID()
			if _, err := tx.Exec(ctx, `INSERT INTO governance_council_members (id, org_id, user_id, role, term_start, term_end, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, memberID, in.OrgID, in.UserID, in.Role, in.TermStart, in.TermEnd, now); err != nil {
				return fmt.Errorf("council: appoint: %w", err)
			}
		} else {
			action = "governance.council.member"
			n, err := tx.Exec(ctx, `UPDATE governance_council_members SET org_id = $2, user_id = $3, role = $4, term_start = $5, term_end = $6,
				updated_at = $7 WHERE id = $1`, memberID, in.OrgID, in.UserID, in.Role, in.TermStart, in.TermEnd, now)
			if err != nil {
				return fmt.Errorf("council: member: %w", err)
			}
			if n == 0 {
				return errs.NotFound("no such council member")
			}
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: action, ObjectType: "council_member", ObjectID: memberID, OrgID: in.OrgID,
			Summary: fmt.Sprintf("council %s from %s, term from %s", in.Role, in.OrgID, in.TermStart), After: in})
	})
	if err != nil {
		return MemberRecord{}, err
	}
	list, err := s.members(ctx)
	if err != nil {
		return MemberRecord{}, err
	}
	i := slices.IndexFunc(list, func(m MemberRecord) bool { return m.ID == memberID })
	return list[i], nil
}

// activeEmails are the addresses of the members in their term.
func (s *Service) activeEmails(ctx context.Context) ([]string, error) {
	list, err := s.members(ctx)
	if err != nil {
		return nil, err
	}
	var to []string
	for _, m := range list {
		if m.Active && m.Email != "" && !slices.Contains(to, m.Email) {
			to = append(to, m.Email)
		}
	}
	return to, nil
}

// mail queues a message when there is an outbox.
func (s *Service) mail(ctx context.Context, tx *db.Tx, to []string, tag, subject, body string) error {
	if s.outbox == nil || len(to) == 0 {
		return nil
	}
	return s.outbox.Send(ctx, tx, notify.Mail{To: to, Tag: tag, Subject: subject, Text: body + "\n\n-- \n" + s.centerName + ", for the CERT Council\n"})
}

// resolve finds the records named, outside any transaction; each unknown
// one is a field error.
func (s *Service) resolve(ctx context.Context, in []LinkInput) ([]Link, error) {
	var out []Link
	var f errs.Fields
	for _, l := range in {
		if s.records == nil {
			f.Add("links", "records cannot be linked on this server")
			break
		}
		link, err := s.records.Find(ctx, l.Kind, l.Ref)
		if errs.KindOf(err) == errs.KindNotFound {
			f.Add("links", "no %s %s", l.Kind, l.Ref)
			continue
		}
		if err != nil {
			return nil, err
		}
		link.Kind = l.Kind
		out = append(out, link)
	}
	return out, f.Err()
}

package coordination

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// Orgs is what coordination needs of the directory: the organisations an
// audience resolves to, and their names.
type Orgs interface {
	All(ctx context.Context, id *auth.Identity, f directory.Filter) ([]directory.Summary, error)
	GetMany(ctx context.Context, id *auth.Identity, ids []string) ([]directory.Org, error)
	Names(ctx context.Context, id *auth.Identity, ids []string) (map[string]string, error)
}

// Publication is what an alert needs of a published publication.
type Publication struct {
	ID, TrackingID, Title, TLP string
	// Recipients are the organisations a TLP:AMBER or AMBER+STRICT
	// publication is for: an alert of it reaches no one else.
	Recipients []string
}

// Publications finds published publications (the advisory package's),
// by ID or tracking ID; errs.NotFound when there is none or it is not
// published.
type Publications interface {
	Published(ctx context.Context, ref string) (Publication, error)
}

// Options are the service's dependencies. Without an Outbox no mail is
// sent (the recipients answer in the console or the API).
type Options struct {
	DB           *db.DB
	Orgs         Orgs
	Publications Publications
	Outbox       Outbox
	Now          func() time.Time
	// BaseURL is the server's public address, for the links mailed;
	// CenterName signs the mail.
	BaseURL, CenterName string
}

// Service runs the hub's coordination between organisations: alerts that
// must be acknowledged (this file's), incident reports and threads (to
// come).
type Service struct {
	db                  *db.DB
	orgs                Orgs
	pubs                Publications
	outbox              Outbox
	now                 func() time.Time
	baseURL, centerName string
}

// NewService makes the service.
func NewService(o Options) *Service {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &Service{db: o.DB, orgs: o.Orgs, pubs: o.Publications, outbox: o.Outbox, now: now,
		baseURL: strings.TrimRight(o.BaseURL, "/"), centerName: cmp.Or(o.CenterName, "The coordination center")}
}

var system = auth.System("coordination")

// The escalation ladder's delays when an alert names none, in hours.
const (
	DefaultRemindAfter   = 24
	DefaultEscalateAfter = 48
)

// Bounds of an alert.
const (
	maxLadderHours = 24 * 30
	MaxRecipients  = 5000
	maxActions     = 4000
	maxNote        = 4000
)

// Send asks the audience of a published publication to acknowledge it
// (staff): every organisation the audience names becomes a recipient,
// delivered now; a TLP:AMBER publication reaches only its own recipients
// and a TLP:RED one, for named people, none. Audited.
func (s *Service) Send(ctx context.Context, id *auth.Identity, in AlertInput) (Alert, error) {
	if err := maySend(id); err != nil {
		return Alert{}, err
	}
	var f errs.Fields
	in.Actions = strings.TrimSpace(in.Actions)
	if utf8.RuneCountInString(in.Actions) > maxActions || strings.ContainsRune(in.Actions, 0) {
		f.Add("actions", "at most %d characters of text", maxActions)
	}
	now := s.now().UTC()
	var actBy *time.Time
	if v := strings.TrimSpace(in.ActBy); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			if d, derr := time.Parse(time.DateOnly, v); derr == nil {
				t = d.Add(24*time.Hour - time.Second) // the end of that day
			} else {
				f.Add("act_by", "a time (RFC 3339) or a date (YYYY-MM-DD)")
			}
		}
		if !t.IsZero() {
			if !t.After(now) {
				f.Add("act_by", "a time still to come")
			}
			t = t.UTC()
			actBy = &t
		}
	}
	in.RemindAfter, in.EscalateAfter = cmp.Or(in.RemindAfter, DefaultRemindAfter), cmp.Or(in.EscalateAfter, DefaultEscalateAfter)
	if in.RemindAfter < 1 || in.RemindAfter > maxLadderHours {
		f.Add("remind_after_hours", "1 to %d hours", maxLadderHours)
	}
	if in.EscalateAfter <= in.RemindAfter || in.EscalateAfter > maxLadderHours {
		f.Add("escalate_after_hours", "more than the reminder's delay, at most %d hours", maxLadderHours)
	}
	pub, err := s.pubs.Published(ctx, strings.TrimSpace(in.Advisory))
	if errs.KindOf(err) == errs.KindNotFound {
		f.Add("advisory_id", "no published publication of that ID or tracking ID")
	} else if err != nil {
		return Alert{}, err
	}
	recipients, err := s.resolve(ctx, &f, in.Audience)
	if err != nil {
		return Alert{}, err
	}
	if pub.ID != "" && len(recipients) > 0 {
		// Each recipient must be one the publication's TLP allows: its
		// own recipients, their constituents under TLP:AMBER (the one
		// rule, as the publication's readers are decided).
		label, _ := tlp.Parse(pub.TLP)
		var outside int
		for _, r := range recipients {
			reach := tlp.Community
			switch {
			case slices.Contains(pub.Recipients, r.OrgID):
				reach = tlp.RecipientOrg
			case r.ParentID != nil && slices.Contains(pub.Recipients, *r.ParentID):
				reach = tlp.Constituent
			}
			if !tlp.Allows(label, reach) {
				outside++
			}
		}
		switch {
		case outside > 0 && label == tlp.Red:
			f.Add("advisory_id", "a TLP:RED publication is for the people it names: it is not sent to organisations")
		case outside > 0:
			f.Add("audience", "%d of its %d organisations may not read the %s publication (its recipients and, under TLP:AMBER, their constituents only)",
				outside, len(recipients), label)
		}
	}
	if err := f.Err(); err != nil {
		return Alert{}, err
	}
	a := Alert{ID: db.NewID(), AdvisoryID: pub.ID, TrackingID: pub.TrackingID, Title: pub.Title, TLP: pub.TLP, Actions: in.Actions,
		ActBy: actBy, Audience: in.Audience, RemindAfter: in.RemindAfter, EscalateAfter: in.EscalateAfter, CreatedBy: id.Label(),
		CreatedAt: now, UpdatedAt: now}
	mails, err := s.deliveries(ctx, a, recipients)
	if err != nil {
		return Alert{}, err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := insertAlert(ctx, tx, a, recipients); err != nil {
			return err
		}
		if err := s.sendDeliveries(ctx, tx, a, mails); err != nil {
			return err
		}
		summary := fmt.Sprintf("%s sent to %d organisations for acknowledgement", a.TrackingID, len(recipients))
		if err := insertEvent(ctx, tx, a.ID, Event{At: now, Kind: "sent", Actor: id.Label(), Summary: summary}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "coordination.alert.send", ObjectType: "alert", ObjectID: a.ID,
			Summary: summary, After: a})
	})
	if err != nil {
		return Alert{}, err
	}
	return a, nil
}

// resolve answers the organisations an audience names, each once, with
// the CERT above it; what names no organisation is a field error in f.
func (s *Service) resolve(ctx context.Context, f *errs.Fields, au Audience) ([]Recipient, error) {
	if au.Empty() {
		f.Add("audience", "name organisations, kinds, sectors, the CII operators or CERTs whose constituents it is for")
		return nil, nil
	}
	all, err := s.orgs.All(ctx, system, directory.Filter{})
	if err != nil {
		return nil, err
	}
	byID := map[string]directory.Summary{}
	for _, o := range all {
		byID[o.ID] = o
	}
	for i, id := range au.Orgs {
		if _, ok := byID[id]; !ok {
			f.Add(fmt.Sprintf("audience.orgs[%d]", i), "no organisation of that ID")
		}
	}
	for i, k := range au.Kinds {
		if !directory.Kind(k).Valid() {
			f.Add(fmt.Sprintf("audience.kinds[%d]", i), "not a kind of organisation")
		}
	}
	for i, sec := range au.Sectors {
		if !slices.Contains(directory.Sectors, sec) {
			f.Add(fmt.Sprintf("audience.sectors[%d]", i), "one of %s", strings.Join(directory.Sectors, ", "))
		}
	}
	for i, id := range au.Constituents {
		if o, ok := byID[id]; !ok || !o.Kind.IsCERT() {
			f.Add(fmt.Sprintf("audience.constituents_of[%d]", i), "no CERT of that ID")
		}
	}
	// below reports whether o is, or is below, one of the CERTs named (a
	// chain of parents, cut at the directory's size against a cycle).
	below := func(o directory.Summary) bool {
		for range len(all) + 1 {
			if slices.Contains(au.Constituents, o.ID) {
				return true
			}
			if o.ParentID == nil {
				return false
			}
			p, ok := byID[*o.ParentID]
			if !ok {
				return false
			}
			o = p
		}
		return false
	}
	var out []Recipient
	for _, o := range all {
		if slices.Contains(au.Orgs, o.ID) || slices.Contains(au.Kinds, string(o.Kind)) || (o.Sector != "" && slices.Contains(au.Sectors, o.Sector)) ||
			(au.CII && o.CII) || (len(au.Constituents) > 0 && below(o)) {
			out = append(out, Recipient{OrgID: o.ID, Org: o.Name, ParentID: o.ParentID, State: Delivered})
		}
	}
	switch {
	case len(out) == 0 && !f.Has("audience"):
		f.Add("audience", "names no organisation of the directory")
	case len(out) > MaxRecipients:
		f.Add("audience", "names %d organisations: at most %d an alert", len(out), MaxRecipients)
	}
	return out, nil
}

// Alert answers an alert with the answers the reader may see (and, for
// staff, its timeline); "not found" to anyone the rule shows nothing.
func (s *Service) Alert(ctx context.Context, id *auth.Identity, alertID string) (Progress, error) {
	return s.progress(ctx, id, alertID, false)
}

// Acknowledgements is Alert by the publication's ID or tracking ID; a
// member of a recipient organisation reading it marks it read for that
// organisation.
func (s *Service) Acknowledgements(ctx context.Context, id *auth.Identity, advisoryRef string) (Progress, error) {
	p, err := s.progress(ctx, id, advisoryRef, true)
	if err != nil {
		return Progress{}, err
	}
	return s.markRead(ctx, id, p)
}

// Open is Alert as its page shows it: opening it marks it read for the
// reader's recipient organisations, as Acknowledgements does.
func (s *Service) Open(ctx context.Context, id *auth.Identity, alertID string) (Progress, error) {
	p, err := s.progress(ctx, id, alertID, false)
	if err != nil {
		return Progress{}, err
	}
	return s.markRead(ctx, id, p)
}

// markRead marks p read for the reader's recipient organisations that had
// not opened it yet (on the timeline, audited) and answers p as it stands
// then.
func (s *Service) markRead(ctx context.Context, id *auth.Identity, p Progress) (Progress, error) {
	now := s.now().UTC()
	var unread []int
	for i, r := range p.Items {
		if slices.Contains(p.Mine, r.OrgID) && r.State == Delivered {
			unread = append(unread, i)
		}
	}
	if len(unread) == 0 {
		return p, nil
	}
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		for _, i := range unread {
			r := &p.Items[i]
			cur, err := getRecipient(ctx, tx, p.Alert.ID, r.OrgID)
			if err != nil {
				return err
			}
			if cur.State != Delivered { // read meanwhile
				*r = withName(cur, r.Org)
				continue
			}
			cur.State, cur.ReadAt = Read, &now
			if err := updateRecipient(ctx, tx, p.Alert.ID, cur, now); err != nil {
				return err
			}
			summary := fmt.Sprintf("%s read %s", r.Org, p.Alert.TrackingID)
			if err := insertEvent(ctx, tx, p.Alert.ID, Event{At: now, Kind: "read", OrgID: r.OrgID, Actor: id.Label(), Summary: summary}); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, now, audit.Event{Action: "coordination.alert.read", ObjectType: "alert", ObjectID: p.Alert.ID,
				OrgID: r.OrgID, Summary: summary}); err != nil {
				return err
			}
			*r = withName(cur, r.Org)
		}
		return nil
	})
	if err != nil {
		return Progress{}, err
	}
	p.Counts = Counts{}
	for _, r := range p.Items {
		p.Counts.count(r)
	}
	return p, nil
}

func withName(r Recipient, name string) Recipient {
	r.Org = name
	r.NoAnswer = r.State != Acknowledged
	return r
}

func (s *Service) progress(ctx context.Context, id *auth.Identity, ref string, byAdvisory bool) (Progress, error) {
	if id == nil {
		return Progress{}, errs.Unauthenticated("sign in to read alerts")
	}
	rd := readerOf(id)
	var p Progress
	err := s.db.Read(ctx, func(q db.Querier) error {
		var err error
		if p.Alert, err = getAlert(ctx, q, ref, byAdvisory); err != nil {
			return err
		}
		if p.Items, err = listRecipients(ctx, q, p.Alert.ID, rd); err != nil {
			return err
		}
		if rd.staff {
			p.Events, err = listEvents(ctx, q, p.Alert.ID)
		}
		return err
	})
	if err != nil {
		return Progress{}, err
	}
	if len(p.Items) == 0 && !rd.staff {
		return Progress{}, errs.NotFound("no such alert")
	}
	ids := make([]string, len(p.Items))
	for i, r := range p.Items {
		ids[i] = r.OrgID
		p.Counts.count(r)
		if id.RoleIn(r.OrgID) != "" {
			p.Mine = append(p.Mine, r.OrgID)
		}
	}
	names, err := s.orgs.Names(ctx, system, ids)
	if err != nil {
		return Progress{}, err
	}
	for i := range p.Items {
		p.Items[i].Org = names[p.Items[i].OrgID]
	}
	return p, nil
}

// Acknowledge records a recipient organisation's acknowledgement of the
// alert of a publication, with its outcome and note when given (a member
// above viewer); again, it changes only what differs (idempotent).
// Audited.
func (s *Service) Acknowledge(ctx context.Context, id *auth.Identity, advisoryRef string, in AckInput) (Recipient, error) {
	if id == nil {
		return Recipient{}, errs.Unauthenticated("sign in to acknowledge alerts")
	}
	p, err := s.progress(ctx, id, advisoryRef, true)
	if err != nil {
		return Recipient{}, err
	}
	orgID := strings.TrimSpace(in.OrgID)
	var f errs.Fields
	switch {
	case orgID == "" && len(p.Mine) == 1:
		orgID = p.Mine[0]
	case orgID == "" && len(p.Mine) > 1:
		f.Add("org_id", "you are a member of %d of its recipients: name the one you answer for", len(p.Mine))
	case orgID == "":
		return Recipient{}, errs.Forbidden("none of your organisations is a recipient of this alert")
	case !slices.Contains(p.Mine, orgID):
		f.Add("org_id", "not one of your organisations among its recipients")
	}
	in.Outcome, in.Note = strings.TrimSpace(in.Outcome), strings.TrimSpace(in.Note)
	if err := f.Err(); err != nil {
		return Recipient{}, err
	}
	if err := checkAnswer(in); err != nil {
		return Recipient{}, err
	}
	if !mayAnswer(id, orgID) {
		return Recipient{}, errs.Forbidden("a viewer reads the alert; a member above viewer answers for the organisation")
	}
	var name string
	for _, r := range p.Items {
		if r.OrgID == orgID {
			name = r.Org
		}
	}
	return s.record(ctx, id, p.Alert, orgID, name, in, id.Label())
}

// Alerts lists the alerts the reader sees, newest first, with their
// progress over the recipients it sees; a page of limit (50 by default,
// at most 200) after cursor, and the next page's cursor.
func (s *Service) Alerts(ctx context.Context, id *auth.Identity, limit int, cursor string) ([]AlertSummary, string, error) {
	if id == nil {
		return nil, "", errs.Unauthenticated("sign in to read alerts")
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var list []AlertSummary
	err := s.db.Read(ctx, func(q db.Querier) error {
		var err error
		list, err = listAlerts(ctx, q, readerOf(id), limit, cursor)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	if len(list) <= limit {
		return list, "", nil
	}
	list = list[:limit]
	last := list[limit-1]
	return list, db.TimeCursor(last.CreatedAt, last.ID), nil
}

// WithClock answers the service reading time from now instead: the demo
// dataset sends its alert two days back, so its ladder has climbed.
func (s *Service) WithClock(now func() time.Time) *Service {
	c := *s
	c.now = now
	return &c
}

// Delivered counts the alerts delivered in [from, to) to the
// organisations given (a CERT and its constituents) and those
// acknowledged: the figures of a periodic report.
func (s *Service) Delivered(ctx context.Context, orgs []string, from, to time.Time) (delivered, acknowledged int, err error) {
	err = s.db.Read(ctx, func(q db.Querier) error {
		delivered, acknowledged, err = countDelivered(ctx, q, orgs, from, to)
		return err
	})
	return delivered, acknowledged, err
}

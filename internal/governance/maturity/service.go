package maturity

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
)

// Orgs is what maturity needs of the directory.
type Orgs interface {
	GetMany(ctx context.Context, id *auth.Identity, ids []string) ([]directory.Org, error)
	Members(ctx context.Context, id *auth.Identity, orgID string) ([]auth.Member, error)
}

// Records finds a record a level rests on, by kind (one of EvidenceKinds)
// and its ID, number or tracking ID: its label, title and where it is
// read; errs.NotFound when there is none.
type Records interface {
	Find(ctx context.Context, kind, ref string) (Evidence, error)
}

// Outbox sends mail in the transaction of the change it tells of.
type Outbox interface {
	Send(ctx context.Context, tx *db.Tx, m notify.Mail) error
}

// Options are the service's dependencies; Records and Outbox may be nil
// (no evidence, no mail).
type Options struct {
	DB      *db.DB
	Orgs    Orgs
	Records Records
	Outbox  Outbox
	Now     func() time.Time
	Log     *slog.Logger
	// BaseURL is the server's public address for links in mail;
	// CenterName signs the mail.
	BaseURL, CenterName string
}

// Service keeps the CERTs' maturity.
type Service struct {
	db                  *db.DB
	orgs                Orgs
	records             Records
	outbox              Outbox
	now                 func() time.Time
	log                 *slog.Logger
	baseURL, centerName string
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
	return &Service{db: o.DB, orgs: o.Orgs, records: o.Records, outbox: o.Outbox, now: now, log: log,
		baseURL: strings.TrimRight(o.BaseURL, "/"), centerName: cmp.Or(o.CenterName, "The coordination center")}
}

// WithClock is the service reading time from now (the demo assesses in
// the past).
func (s *Service) WithClock(now func() time.Time) *Service {
	c := *s
	c.now = now
	return &c
}

var system = auth.System("maturity")

func equalFold(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// names fills in the organisations' names.
func (s *Service) names(ctx context.Context, list []Assessment) error {
	var ids []string
	for _, a := range list {
		ids = append(ids, a.OrgID)
		if a.ReviewerOrgID != "" {
			ids = append(ids, a.ReviewerOrgID)
		}
	}
	names, err := directory.Names(ctx, s.orgs, system, ids)
	if err != nil {
		return err
	}
	for i, a := range list {
		list[i].Org, list[i].Reviewer = names[a.OrgID], names[a.ReviewerOrgID]
	}
	return nil
}

// List answers the assessments the caller reads (of one CERT when orgID
// is not ""): drafts first, then the latest submitted.
func (s *Service) List(ctx context.Context, id *auth.Identity, orgID string) ([]Assessment, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return nil, err
	}
	var list []Assessment
	err = s.db.Read(ctx, func(q db.Querier) error {
		if list, err = listAssessments(ctx, q, rd, orgID); err != nil {
			return err
		}
		return averages(ctx, q, list)
	})
	if err != nil {
		return nil, err
	}
	return list, s.names(ctx, list)
}

// Starts answers the CERTs the caller may start a self-assessment of or
// ask a review for (those it is an analyst of).
func (s *Service) Starts(ctx context.Context, id *auth.Identity) ([]string, error) {
	rd, err := s.readerOf(ctx, id)
	return rd.analysts, err
}

// Start starts a self-assessment of a CERT (its analysts), or a peer
// review of it by another CERT (the CERT's analysts ask; the review
// starts from its latest submitted self-assessment, levels and evidence,
// for the reviewer to confirm or change). One draft of each at a time: an
// open one is answered again. Audited; a reviewer is mailed.
func (s *Service) Start(ctx context.Context, id *auth.Identity, in StartInput) (Assessment, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return Assessment{}, err
	}
	in.OrgID = strings.TrimSpace(in.OrgID)
	if in.OrgID == "" && len(rd.analysts) == 1 {
		in.OrgID = rd.analysts[0]
	}
	in.Kind = cmp.Or(strings.TrimSpace(in.Kind), Self)
	var f errs.Fields
	if in.Kind != Self && in.Kind != Peer {
		f.Add("kind", "self or peer")
	}
	ids := []string{in.OrgID}
	if in.Kind == Peer {
		ids = append(ids, in.ReviewerOrgID)
	}
	orgs, err := s.orgs.GetMany(ctx, system, ids)
	if err != nil {
		return Assessment{}, err
	}
	kinds := map[string]directory.Kind{}
	for _, o := range orgs {
		kinds[o.ID] = o.Kind
	}
	if k, ok := kinds[in.OrgID]; !ok || !k.IsCERT() {
		f.Add("org_id", "a CERT")
	} else if !slices.Contains(rd.analysts, in.OrgID) {
		return Assessment{}, errs.Forbidden("a CERT's analysts and administrators assess it and ask for its peer review")
	}
	if in.Kind == Peer {
		switch k, ok := kinds[in.ReviewerOrgID]; {
		case !ok || !k.IsCERT():
			f.Add("reviewer_org_id", "another CERT")
		case in.ReviewerOrgID == in.OrgID:
			f.Add("reviewer_org_id", "another CERT: a team does not review itself")
		}
	} else {
		in.ReviewerOrgID = ""
	}
	if err := f.Err(); err != nil {
		return Assessment{}, err
	}
	now := s.now().UTC()
	a := Assessment{ID: db.NewID(), OrgID: in.OrgID, Kind: in.Kind, ReviewerOrgID: in.ReviewerOrgID, Model: Model, State: Draft,
		CreatedBy: id.Label(), CreatedAt: now, UpdatedAt: now}
	var to []string
	if in.Kind == Peer {
		if to, err = s.emails(ctx, in.ReviewerOrgID); err != nil {
			return Assessment{}, err
		}
	}
	existing := ""
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if existing, err = draftOf(ctx, tx, a.OrgID, a.Kind, a.ReviewerOrgID); err != nil || existing != "" {
			return err
		}
		if in.Kind == Peer {
			if a.BasedOn, err = latestSubmitted(ctx, tx, a.OrgID); err != nil {
				return err
			}
			if a.BasedOn == "" {
				return errs.Conflict("submit a self-assessment first: the peer review starts from it")
			}
		}
		if err := insertAssessment(ctx, tx, a); err != nil {
			return err
		}
		if a.BasedOn != "" {
			if err := copyLevels(ctx, tx, a.BasedOn, a.ID); err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, tx, now, audit.Event{Action: "governance.maturity.start", ObjectType: "maturity", ObjectID: a.ID, OrgID: a.OrgID,
			Summary: fmt.Sprintf("%s SIM3 assessment started", a.Kind), After: in}); err != nil {
			return err
		}
		return s.mail(ctx, tx, to, "governance.maturity.review", "A peer review of a CERT's maturity is asked of you",
			fmt.Sprintf("%s asks your team to review its SIM3 self-assessment: confirm or change each level, with the evidence behind it.\n\n%s/console/maturity/%s",
				id.Label(), s.baseURL, a.ID))
	})
	if err != nil {
		return Assessment{}, err
	}
	d, err := s.Get(ctx, system, cmp.Or(existing, a.ID))
	return d.Assessment, err
}

// Get answers an assessment with every parameter's level (-1 when not
// rated), note and evidence.
func (s *Service) Get(ctx context.Context, id *auth.Identity, ref string) (Detail, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return Detail{}, err
	}
	var d Detail
	var levels []Level
	var evidence []Evidence
	err = s.db.Read(ctx, func(q db.Querier) error {
		if d.Assessment, err = getAssessment(ctx, q, ref); err != nil {
			return err
		}
		if !rd.reads(d.Assessment) {
			return errs.NotFound("no such maturity assessment")
		}
		one := []Assessment{d.Assessment}
		if err := averages(ctx, q, one); err != nil {
			return err
		}
		d.Assessment = one[0]
		if levels, err = listLevels(ctx, q, d.ID); err != nil {
			return err
		}
		evidence, err = listEvidence(ctx, q, d.ID)
		return err
	})
	if err != nil {
		return Detail{}, err
	}
	one := []Assessment{d.Assessment}
	if err := s.names(ctx, one); err != nil {
		return Detail{}, err
	}
	d.Assessment = one[0]
	given := map[string]Level{}
	for _, l := range levels {
		given[l.Parameter] = l
	}
	for _, p := range Parameters {
		l, ok := given[p.ID]
		if !ok {
			l = Level{Parameter: p.ID, Level: -1, Evidence: []Evidence{}}
		}
		for _, e := range evidence {
			if e.Parameter == p.ID {
				l.Evidence = append(l.Evidence, e)
			}
		}
		d.Levels = append(d.Levels, l)
	}
	d.Edits = rd.edits(d.Assessment)
	return d, nil
}

// editing answers a draft the reader writes.
func (s *Service) editing(ctx context.Context, id *auth.Identity, ref string) (Assessment, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return Assessment{}, err
	}
	var a Assessment
	if err := s.db.Read(ctx, func(q db.Querier) (err error) { a, err = getAssessment(ctx, q, ref); return err }); err != nil {
		return Assessment{}, err
	}
	switch {
	case !rd.reads(a):
		return Assessment{}, errs.NotFound("no such maturity assessment")
	case a.State != Draft:
		return Assessment{}, errs.Conflict("the assessment was submitted: it is kept as it was")
	case !rd.edits(a):
		if a.Kind == Peer {
			return Assessment{}, errs.Forbidden("the reviewing CERT's analysts write a peer review")
		}
		return Assessment{}, errs.Forbidden("the CERT's analysts write its self-assessment")
	}
	return a, nil
}

// SetLevel gives a parameter of a draft a level (0 to 4) with a note;
// levels above 1 (written down) need a note or evidence. Audited.
func (s *Service) SetLevel(ctx context.Context, id *auth.Identity, ref, param string, in LevelInput) (Level, error) {
	a, err := s.editing(ctx, id, ref)
	if err != nil {
		return Level{}, err
	}
	p, ok := parameter(param)
	if !ok {
		return Level{}, errs.NotFound("no SIM3 parameter %q", param)
	}
	var f errs.Fields
	if in.Level == nil || *in.Level < 0 || *in.Level > 4 {
		f.Add("level", "a level from 0 to 4")
	}
	note := strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(note) > 4000 || strings.ContainsRune(note, 0) {
		f.Add("note", "at most 4000 characters")
	}
	if err := f.Err(); err != nil {
		return Level{}, err
	}
	now := s.now().UTC()
	l := Level{Parameter: p.ID, Level: *in.Level, Note: note, UpdatedBy: id.Label(), UpdatedAt: now, Evidence: []Evidence{}}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM governance_maturity_evidence WHERE maturity_id = $1 AND parameter = $2`, a.ID, p.ID).Scan(&n); err != nil {
			return fmt.Errorf("maturity: evidence: %w", err)
		}
		if l.Level >= 2 && note == "" && n == 0 {
			return errs.InvalidField("note", "a level of %d says it is written down: say where, or link the record it rests on", l.Level)
		}
		if err := saveLevel(ctx, tx, a.ID, p, l); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "governance.maturity.level", ObjectType: "maturity", ObjectID: a.ID, OrgID: a.OrgID,
			Summary: fmt.Sprintf("%s %s at level %d", p.ID, p.Name, l.Level), After: l})
	})
	return l, err
}

// AddEvidence links a platform record to a parameter of a draft. Audited.
func (s *Service) AddEvidence(ctx context.Context, id *auth.Identity, ref string, in EvidenceInput) (Evidence, error) {
	a, err := s.editing(ctx, id, ref)
	if err != nil {
		return Evidence{}, err
	}
	var f errs.Fields
	p, ok := parameter(in.Parameter)
	if !ok {
		f.Add("parameter", "a SIM3 parameter such as O-1")
	}
	in.Kind, in.Ref = strings.TrimSpace(in.Kind), strings.TrimSpace(in.Ref)
	if !slices.Contains(EvidenceKinds, in.Kind) {
		f.Add("kind", "one of %s", strings.Join(EvidenceKinds, ", "))
	}
	if in.Ref == "" || len(in.Ref) > 200 {
		f.Add("ref", "the record's ID, number or tracking ID")
	}
	if err := f.Err(); err != nil {
		return Evidence{}, err
	}
	if s.records == nil {
		return Evidence{}, errs.InvalidField("ref", "records cannot be linked on this server")
	}
	e, err := s.records.Find(ctx, in.Kind, in.Ref)
	if errs.KindOf(err) == errs.KindNotFound {
		return Evidence{}, errs.InvalidField("ref", "no %s %s", strings.ReplaceAll(in.Kind, "_", " "), in.Ref)
	}
	if err != nil {
		return Evidence{}, err
	}
	now := s.now().UTC()
	e.ID, e.Parameter, e.Kind, e.AddedBy, e.AddedAt = db.NewID(), p.ID, in.Kind, id.Label(), now
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := insertEvidence(ctx, tx, a.ID, e); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "governance.maturity.evidence", ObjectType: "maturity", ObjectID: a.ID, OrgID: a.OrgID,
			Summary: fmt.Sprintf("%s rests on %s %s", p.ID, in.Kind, e.Label), After: e})
	})
	return e, err
}

// Submit submits a draft once every parameter has a level (a peer review
// needs its summary); it is kept as it was from then on: the history.
// Audited; the CERT is mailed a peer review.
func (s *Service) Submit(ctx context.Context, id *auth.Identity, ref, summary string) (Assessment, error) {
	a, err := s.editing(ctx, id, ref)
	if err != nil {
		return Assessment{}, err
	}
	var f errs.Fields
	summary = strings.TrimSpace(summary)
	if utf8.RuneCountInString(summary) > 20000 || strings.ContainsRune(summary, 0) || (a.Kind == Peer && summary == "") {
		f.Add("summary", "the review's findings, 1 to 20000 characters")
	}
	var levels []Level
	if err := s.db.Read(ctx, func(q db.Querier) (err error) { levels, err = listLevels(ctx, q, a.ID); return err }); err != nil {
		return Assessment{}, err
	}
	if len(levels) < len(Parameters) {
		f.Add("levels", "%d of the %d parameters have no level yet", len(Parameters)-len(levels), len(Parameters))
	}
	if err := f.Err(); err != nil {
		return Assessment{}, err
	}
	var to []string
	if a.Kind == Peer {
		if to, err = s.emails(ctx, a.OrgID); err != nil {
			return Assessment{}, err
		}
	}
	now := s.now().UTC()
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := submit(ctx, tx, a.ID, summary, id.Label(), now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, audit.Event{Action: "governance.maturity.submit", ObjectType: "maturity", ObjectID: a.ID, OrgID: a.OrgID,
			Summary: fmt.Sprintf("%s SIM3 assessment submitted", a.Kind)}); err != nil {
			return err
		}
		return s.mail(ctx, tx, to, "governance.maturity.reviewed", "Your CERT's maturity was reviewed",
			fmt.Sprintf("The peer review of your SIM3 self-assessment is in:\n\n%s\n\n%s/console/maturity/%s", summary, s.baseURL, a.ID))
	})
	if err != nil {
		return Assessment{}, err
	}
	d, err := s.Get(ctx, system, a.ID)
	return d.Assessment, err
}

// History answers a CERT's submitted assessments, oldest first, with each
// parameter's level in each.
func (s *Service) History(ctx context.Context, id *auth.Identity, orgID string) (History, error) {
	list, err := s.List(ctx, id, orgID)
	if err != nil {
		return History{}, err
	}
	h := History{OrgID: orgID, Points: []Point{}, Levels: map[string][]int{}}
	names, err := directory.Names(ctx, s.orgs, system, []string{orgID})
	if err != nil {
		return History{}, err
	}
	h.Org = names[orgID]
	var done []Assessment
	for _, a := range list {
		if a.State == Submitted && a.SubmittedAt != nil {
			done = append(done, a)
		}
	}
	slices.SortFunc(done, func(a, b Assessment) int { return a.SubmittedAt.Compare(*b.SubmittedAt) })
	for _, p := range Parameters {
		h.Levels[p.ID] = make([]int, len(done))
	}
	for i, a := range done {
		h.Points = append(h.Points, Point{ID: a.ID, Kind: a.Kind, Reviewer: a.Reviewer, SubmittedAt: *a.SubmittedAt, Average: a.Average, ByGroup: a.ByGroup})
		var levels []Level
		if err := s.db.Read(ctx, func(q db.Querier) (err error) { levels, err = listLevels(ctx, q, a.ID); return err }); err != nil {
			return History{}, err
		}
		for _, p := range Parameters {
			h.Levels[p.ID][i] = -1
		}
		for _, l := range levels {
			if _, ok := h.Levels[l.Parameter]; ok {
				h.Levels[l.Parameter][i] = l.Level
			}
		}
	}
	return h, nil
}

// emails are the addresses of the analysts and administrators of orgID.
func (s *Service) emails(ctx context.Context, orgID string) ([]string, error) {
	people, err := s.orgs.Members(ctx, system, orgID)
	if err != nil {
		return nil, err
	}
	return auth.Handlers(people), nil
}

// mail queues a message when there is an outbox.
func (s *Service) mail(ctx context.Context, tx *db.Tx, to []string, tag, subject, body string) error {
	if s.outbox == nil || len(to) == 0 {
		return nil
	}
	return s.outbox.Send(ctx, tx, notify.Mail{To: to, Tag: tag, Subject: subject, Text: body + "\n\n-- \n" + s.centerName + "\n"})
}

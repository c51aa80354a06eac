package reporting

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
)

// Orgs is what reporting needs of the directory.
type Orgs interface {
	GetMany(ctx context.Context, id *auth.Identity, ids []string) ([]directory.Org, error)
	All(ctx context.Context, id *auth.Identity, f directory.Filter) ([]directory.Summary, error)
	Members(ctx context.Context, id *auth.Identity, orgID string) ([]auth.Member, error)
}

// Records counts what a CERT handled in [from, to), from each domain's
// own records.
type Records interface {
	Figures(ctx context.Context, orgID string, from, to time.Time) (Figures, error)
}

// Outbox sends mail in the transaction of the change it tells of.
type Outbox interface {
	Send(ctx context.Context, tx *db.Tx, m notify.Mail) error
}

// Options are the service's dependencies; Outbox may be nil.
type Options struct {
	DB      *db.DB
	Orgs    Orgs
	Records Records
	Outbox  Outbox
	Now     func() time.Time
	Log     *slog.Logger
	BaseURL string
	// CenterName signs the mail.
	CenterName string
}

// Service runs periodic reporting.
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

var system = auth.System("reporting")

// Reviews reports whether id reviews reports (for pages).
func (s *Service) Reviews(ctx context.Context, id *auth.Identity) bool {
	rd, err := s.readerOf(ctx, id)
	return err == nil && rd.reviews
}

// Writable answers the organisations id writes reports for that have a
// schedule (for pages).
func (s *Service) Writable(ctx context.Context, id *auth.Identity) ([]Schedule, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return nil, err
	}
	all, err := s.schedules(ctx)
	if err != nil {
		return nil, err
	}
	var out []Schedule
	for _, sc := range all {
		if rd.writesOrg(sc.OrgID) {
			out = append(out, sc)
		}
	}
	return out, nil
}

// Schedules lists the reporting schedules (reviewers see all, others
// their own organisations').
func (s *Service) Schedules(ctx context.Context, id *auth.Identity) ([]Schedule, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return nil, err
	}
	all, err := s.schedules(ctx)
	if err != nil {
		return nil, err
	}
	out := []Schedule{}
	for _, sc := range all {
		if rd.readsOrg(sc.OrgID) {
			out = append(out, sc)
		}
	}
	return out, nil
}

func (s *Service) schedules(ctx context.Context) ([]Schedule, error) {
	var list []Schedule
	if err := s.db.Read(ctx, func(q db.Querier) (err error) { list, err = listSchedules(ctx, q); return err }); err != nil {
		return nil, err
	}
	names, err := s.names(ctx, orgIDs(list))
	for i := range list {
		list[i].Org = names[list[i].OrgID]
	}
	return list, err
}

func orgIDs(list []Schedule) []string {
	out := make([]string, len(list))
	for i, sc := range list {
		out[i] = sc.OrgID
	}
	return out
}

// names answers the directory's names of organisations.
func (s *Service) names(ctx context.Context, ids []string) (map[string]string, error) {
	return directory.Names(ctx, s.orgs, system, ids)
}

// SetSchedule sets how often a CERT reports (reviewers). Audited.
func (s *Service) SetSchedule(ctx context.Context, id *auth.Identity, orgID string, in ScheduleInput) (Schedule, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return Schedule{}, err
	}
	if err := rd.mustReview(); err != nil {
		return Schedule{}, err
	}
	first, err := in.check()
	if err != nil {
		return Schedule{}, err
	}
	orgs, err := s.orgs.GetMany(ctx, system, []string{orgID})
	if err != nil {
		return Schedule{}, err
	}
	if len(orgs) == 0 {
		return Schedule{}, errs.NotFound("no such organisation")
	}
	if !orgs[0].Kind.IsCERT() || orgs[0].Kind == directory.KindNationalCERT || orgs[0].Kind == directory.KindCoordinationCenter {
		return Schedule{}, errs.InvalidField("org_id", "a sectoral, provincial, government or CII CERT reports to the National CERT")
	}
	now := s.now().UTC()
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := putSchedule(ctx, tx, orgID, in, first.Start.Format("2006-01-02"), id.Label(), now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "governance.report.schedule", ObjectType: "org", ObjectID: orgID, OrgID: orgID,
			Summary: fmt.Sprintf("%s reports %s from %s, due %d days after each period", orgs[0].Name, in.Frequency, first.Name, in.DueDays), After: in})
	})
	if err != nil {
		return Schedule{}, err
	}
	all, err := s.schedules(ctx)
	for _, sc := range all {
		if sc.OrgID == orgID {
			return sc, err
		}
	}
	return Schedule{}, err
}

// scheduleOf answers an organisation's schedule.
func (s *Service) scheduleOf(ctx context.Context, orgID string) (Schedule, error) {
	all, err := s.schedules(ctx)
	if err != nil {
		return Schedule{}, err
	}
	for _, sc := range all {
		if sc.OrgID == orgID {
			return sc, nil
		}
	}
	return Schedule{}, errs.InvalidField("org_id", "the organisation has no reporting schedule")
}

// Open assembles a draft report of an organisation for a period from the
// records (its analysts and administrators: the report is the CERT's
// own word); a draft or returned report of that period is assembled
// again instead. Audited.
func (s *Service) Open(ctx context.Context, id *auth.Identity, orgID, period string) (Report, bool, error) {
	x, err := s.open(ctx, id, orgID, period)
	return x.Report, x.created, err
}

type opened struct {
	Report
	created bool
}

func (s *Service) open(ctx context.Context, id *auth.Identity, orgID, period string) (opened, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return opened{}, err
	}
	if !rd.writesOrg(orgID) {
		return opened{}, errs.Forbidden("the CERT's analysts and administrators write its reports")
	}
	sc, err := s.scheduleOf(ctx, orgID)
	if err != nil {
		return opened{}, err
	}
	p, err := ParsePeriod(period)
	if err != nil {
		return opened{}, err
	}
	var f errs.Fields
	if p.Quarterly() != (sc.Frequency == Quarterly) {
		f.Add("period", "%s reports %s: a %s", sc.Org, sc.Frequency, map[bool]string{true: "quarter such as 2026-Q4", false: "month such as 2026-11"}[sc.Frequency == Quarterly])
	}
	now := s.now().UTC()
	if p.Start.Format("2006-01-02") < sc.Since {
		f.Add("period", "%s reports from %s", sc.Org, sc.Since)
	}
	if p.Start.After(now) {
		f.Add("period", "the period has not begun")
	}
	if err := f.Err(); err != nil {
		return opened{}, err
	}
	figures, err := s.records.Figures(ctx, orgID, p.Start, p.End)
	if err != nil {
		return opened{}, err
	}
	var out opened
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := tx.Lock(ctx, "governance.report."+orgID+"."+p.Name); err != nil {
			return err
		}
		old, ok, err := reportOf(ctx, tx, orgID, p.Name)
		if err != nil {
			return err
		}
		switch {
		case ok && (old.Status == Submitted || old.Status == Accepted):
			return errs.Conflict("the report for %s is %s", p.Name, old.Status)
		case ok:
			if err := setFigures(ctx, tx, old.ID, figures, now); err != nil {
				return err
			}
			out.Report = old
		default:
			out.Report = Report{ID: db.NewID(), OrgID: orgID, Period: p.Name, PeriodStart: p.Start.Format("2006-01-02"), PeriodEnd: p.End.Format("2006-01-02"),
				Status: Draft, Figures: figures, AssembledAt: now, CreatedAt: now}
			out.created = true
			if err := insertReport(ctx, tx, out.Report); err != nil {
				return err
			}
		}
		if out.Report, err = getReport(ctx, tx, out.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "governance.report.assemble", ObjectType: "report", ObjectID: out.ID, OrgID: orgID,
			Summary: fmt.Sprintf("assembled the %s report of %s from the records (%d incidents)", p.Name, sc.Org, figures.Incidents)})
	})
	if err != nil {
		return opened{}, err
	}
	out.Org = sc.Org
	return out, nil
}

// Get answers a report the reader may read (404 otherwise).
func (s *Service) Get(ctx context.Context, id *auth.Identity, reportID string) (Report, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return Report{}, err
	}
	var x Report
	if err := s.db.Read(ctx, func(q db.Querier) (err error) { x, err = getReport(ctx, q, reportID); return err }); err != nil {
		return Report{}, err
	}
	if !rd.readsOrg(x.OrgID) {
		return Report{}, errs.NotFound("no such report")
	}
	names, err := s.names(ctx, []string{x.OrgID})
	x.Org = names[x.OrgID]
	return x, err
}

// List answers the reports the reader may read, the latest first.
func (s *Service) List(ctx context.Context, id *auth.Identity, f ReportFilter, limit int, cursor string) ([]Report, string, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return nil, "", err
	}
	if f.Status != "" && f.Status != Draft && f.Status != Submitted && f.Status != Returned && f.Status != Accepted {
		return nil, "", errs.InvalidField("status", "draft, submitted, returned or accepted")
	}
	var orgs []string
	if !rd.reviews {
		orgs = append([]string{}, rd.reads...)
	}
	var out []Report
	var next string
	err = s.db.Read(ctx, func(q db.Querier) (err error) {
		out, next, err = listReports(ctx, q, orgs, f, limit, cursor)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	ids := make([]string, len(out))
	for i, x := range out {
		ids[i] = x.OrgID
	}
	names, err := s.names(ctx, ids)
	for i := range out {
		out[i].Org = names[out[i].OrgID]
	}
	return out, next, err
}

// change applies fn to a report under its lock and audits it.
func (s *Service) change(ctx context.Context, id *auth.Identity, reportID string, fn func(tx *db.Tx, rd reader, x *Report, now time.Time) (string, error)) (Report, error) {
	rd, err := s.readerOf(ctx, id)
	if err != nil {
		return Report{}, err
	}
	now := s.now().UTC()
	var out Report
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		x, err := getReport(ctx, tx, reportID)
		if err != nil {
			return err
		}
		if !rd.readsOrg(x.OrgID) {
			return errs.NotFound("no such report")
		}
		before := x
		summary, err := fn(tx, rd, &x, now)
		if err != nil {
			return err
		}
		if out, err = getReport(ctx, tx, x.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "governance.report." + out.Status, ObjectType: "report", ObjectID: out.ID,
			OrgID: out.OrgID, Summary: summary, Before: before.Narrative, After: out.Narrative})
	})
	if err != nil {
		return Report{}, err
	}
	names, err := s.names(ctx, []string{out.OrgID})
	out.Org = names[out.OrgID]
	return out, err
}

// SaveNarrative writes a draft or returned report's narrative sections
// (its CERT's analysts and administrators). Audited.
func (s *Service) SaveNarrative(ctx context.Context, id *auth.Identity, reportID string, n Narrative) (Report, error) {
	if err := n.check(); err != nil {
		return Report{}, err
	}
	return s.change(ctx, id, reportID, func(tx *db.Tx, rd reader, x *Report, now time.Time) (string, error) {
		if !rd.writesOrg(x.OrgID) {
			return "", errs.Forbidden("the CERT's analysts and administrators write its reports")
		}
		if x.Status != Draft && x.Status != Returned {
			return "", errs.Conflict("the report is %s", x.Status)
		}
		if _, err := tx.Exec(ctx, `UPDATE governance_reports SET summary = $2, highlights = $3, challenges = $4, plans = $5, updated_at = $6 WHERE id = $1`,
			x.ID, n.Summary, n.Highlights, n.Challenges, n.Plans, now); err != nil {
			return "", fmt.Errorf("reporting: narrative: %w", err)
		}
		x.Narrative = n
		return "wrote the narrative of the " + x.Period + " report", nil
	})
}

// Submit submits a draft or returned report to the National CERT, its
// figures assembled once more from the records and kept as they are
// then; the period must be over and the summary written. Audited; the
// reviewers are told.
func (s *Service) Submit(ctx context.Context, id *auth.Identity, reportID string) (Report, error) {
	x, err := s.Get(ctx, id, reportID)
	if err != nil {
		return Report{}, err
	}
	p, err := ParsePeriod(x.Period)
	if err != nil {
		return Report{}, err
	}
	figures, err := s.records.Figures(ctx, x.OrgID, p.Start, p.End)
	if err != nil {
		return Report{}, err
	}
	to, err := s.reviewerAddresses(ctx)
	if err != nil {
		return Report{}, err
	}
	return s.change(ctx, id, reportID, func(tx *db.Tx, rd reader, x *Report, now time.Time) (string, error) {
		if !rd.writesOrg(x.OrgID) {
			return "", errs.Forbidden("the CERT's analysts and administrators submit its reports")
		}
		switch {
		case x.Status != Draft && x.Status != Returned:
			return "", errs.Conflict("the report is %s", x.Status)
		case now.Before(p.End):
			return "", errs.Conflict("the period ends on %s: submit it then", p.End.Format("2006-01-02"))
		case x.Summary == "":
			return "", errs.InvalidField("summary", "write the summary before submitting")
		}
		if err := setFigures(ctx, tx, x.ID, figures, now); err != nil {
			return "", err
		}
		if _, err := tx.Exec(ctx, `UPDATE governance_reports SET status = 'submitted', submitted_at = $2, submitted_by = $3, updated_at = $2 WHERE id = $1`,
			x.ID, now, id.DisplayName()); err != nil {
			return "", fmt.Errorf("reporting: submit: %w", err)
		}
		if s.outbox != nil && len(to) > 0 {
			if err := s.outbox.Send(ctx, tx, notify.Mail{To: to, Tag: "governance.report", Subject: "Periodic report submitted: " + x.Period,
				Text: fmt.Sprintf("A CERT submitted its report for %s.\n\nReview it: %s/console/periodic-reports/%s\n\n-- \n%s\n", x.Period, s.baseURL, x.ID, s.centerName)}); err != nil {
				return "", err
			}
		}
		return "submitted the " + x.Period + " report", nil
	})
}

// reviewerAddresses are the national CERT's analysts and administrators.
func (s *Service) reviewerAddresses(ctx context.Context) ([]string, error) {
	nat, err := s.orgs.All(ctx, system, directory.Filter{Kind: directory.KindNationalCERT})
	if err != nil {
		return nil, err
	}
	var to []string
	for _, o := range nat {
		ms, err := s.orgs.Members(ctx, system, o.ID)
		if err != nil {
			return nil, err
		}
		to = append(to, auth.Handlers(ms)...)
	}
	return to, nil
}

// Review accepts a submitted report, or returns it with a note saying
// what to change (reviewers). Audited; the reporting CERT is told.
func (s *Service) Review(ctx context.Context, id *auth.Identity, reportID string, accept bool, note string) (Report, error) {
	note = strings.TrimSpace(note)
	var f errs.Fields
	f.Text("note", note, !accept, 5000)
	if err := f.Err(); err != nil {
		if !accept && note == "" {
			return Report{}, errs.InvalidField("note", "say what the CERT is to change")
		}
		return Report{}, err
	}
	x, err := s.Get(ctx, id, reportID)
	if err != nil {
		return Report{}, err
	}
	people, err := s.orgs.Members(ctx, system, x.OrgID)
	if err != nil {
		return Report{}, err
	}
	return s.change(ctx, id, reportID, func(tx *db.Tx, rd reader, x *Report, now time.Time) (string, error) {
		if err := rd.mustReview(); err != nil {
			return "", err
		}
		if x.Status != Submitted {
			return "", errs.Conflict("only a submitted report is reviewed; this one is %s", x.Status)
		}
		status := Accepted
		if !accept {
			status = Returned
		}
		if _, err := tx.Exec(ctx, `UPDATE governance_reports SET status = $2, reviewed_at = $3, reviewed_by = $4, review_note = $5, updated_at = $3 WHERE id = $1`,
			x.ID, status, now, id.DisplayName(), note); err != nil {
			return "", fmt.Errorf("reporting: review: %w", err)
		}
		to := auth.Handlers(people)
		if s.outbox != nil && len(to) > 0 {
			text := fmt.Sprintf("The National CERT %s your report for %s.", map[bool]string{true: "accepted", false: "returned"}[accept], x.Period)
			if note != "" {
				text += "\n\n" + note
			}
			if err := s.outbox.Send(ctx, tx, notify.Mail{To: to, Tag: "governance.report.review", Subject: "Periodic report " + status + ": " + x.Period,
				Text: text + fmt.Sprintf("\n\n%s/console/periodic-reports/%s\n\n-- \n%s\n", s.baseURL, x.ID, s.centerName)}); err != nil {
				return "", err
			}
		}
		return status + " the " + x.Period + " report", nil
	})
}

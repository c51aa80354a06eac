package assessment

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
	"github.com/certhub/certhub/internal/platform/actions"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	kc "github.com/certhub/certhub/internal/platform/catalogue"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
)

// Orgs is what assessments need of the directory.
type Orgs interface {
	GetMany(ctx context.Context, id *auth.Identity, ids []string) ([]directory.Org, error)
	Members(ctx context.Context, id *auth.Identity, orgID string) ([]auth.Member, error)
}

// Labs tells whether a lab's accreditation stands at a time
// (procurement's, wired in app).
type Labs interface {
	Accredited(ctx context.Context, orgID string, at time.Time) (bool, error)
}

// Outbox sends mail in the transaction of the change it tells of.
type Outbox interface {
	Send(ctx context.Context, tx *db.Tx, m notify.Mail) error
}

// Options are the service's dependencies; Labs and Outbox may be nil (no
// lab assesses; no mail).
type Options struct {
	DB     *db.DB
	Orgs   Orgs
	Labs   Labs
	Outbox Outbox
	Now    func() time.Time
	Log    *slog.Logger
	// BaseURL is the server's public address for links in mail;
	// CenterName signs the mail.
	BaseURL, CenterName string
}

// Service keeps baselines and assessments.
type Service struct {
	db                  *db.DB
	orgs                Orgs
	labs                Labs
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
	return &Service{db: o.DB, orgs: o.Orgs, labs: o.Labs, outbox: o.Outbox, now: now, log: log,
		baseURL: strings.TrimRight(o.BaseURL, "/"), centerName: cmp.Or(o.CenterName, "The coordination center")}
}

// WithClock is the service reading time from now (the demo assesses in
// the past).
func (s *Service) WithClock(now func() time.Time) *Service {
	c := *s
	c.now = now
	return &c
}

var system = auth.System("assessment")

// names fills in the organisations' names of list.
func (s *Service) names(ctx context.Context, list []Assessment) error {
	var ids []string
	for _, a := range list {
		ids = append(ids, a.OrgID, a.AssessorOrgID)
		if a.CERTOrgID != "" {
			ids = append(ids, a.CERTOrgID)
		}
	}
	names, err := directory.Names(ctx, s.orgs, system, ids)
	if err != nil {
		return err
	}
	for i, a := range list {
		list[i].Org, list[i].Assessor, list[i].CERT = names[a.OrgID], names[a.AssessorOrgID], names[a.CERTOrgID]
	}
	return nil
}

// List answers the assessments the caller reads, open ones first, the
// newest first.
func (s *Service) List(ctx context.Context, id *auth.Identity, f Filter) ([]Assessment, error) {
	rd, err := readerOf(id)
	if err != nil {
		return nil, err
	}
	if f.State != "" && !slices.Contains([]string{Planned, InProgress, Reported, Closed}, f.State) {
		return nil, errs.InvalidField("state", "one of planned, in_progress, reported, closed")
	}
	var list []Assessment
	if err := s.db.Read(ctx, func(q db.Querier) (err error) { list, err = listAssessments(ctx, q, rd, f, s.now()); return err }); err != nil {
		return nil, err
	}
	return list, s.names(ctx, list)
}

// read answers an assessment the reader reads (errs.NotFound otherwise).
func (s *Service) read(ctx context.Context, q db.Querier, rd reader, ref string) (Assessment, error) {
	a, err := getAssessment(ctx, q, ref, s.now())
	if err != nil {
		return Assessment{}, err
	}
	if !rd.reads(a) {
		return Assessment{}, errs.NotFound("no such assessment")
	}
	return a, nil
}

// Get answers an assessment whole: its controls, verdicts, scores by
// family and remediation plan.
func (s *Service) Get(ctx context.Context, id *auth.Identity, ref string) (Detail, error) {
	rd, err := readerOf(id)
	if err != nil {
		return Detail{}, err
	}
	var d Detail
	err = s.db.Read(ctx, func(q db.Querier) error {
		if d.Assessment, err = s.read(ctx, q, rd, ref); err != nil {
			return err
		}
		if d.Results, err = results.Of(ctx, q, d.ID); err != nil {
			return err
		}
		d.Plan, err = planItems(ctx, q, d.ID, s.now())
		return err
	})
	if err != nil {
		return Detail{}, err
	}
	b, err := s.baseline(ctx, d.Baseline, d.BaselineVersion)
	if err != nil {
		return Detail{}, err
	}
	d.Controls = b.Requirements
	d.Families = familyScores(b.Catalogue, d.Results)
	one := []Assessment{d.Assessment}
	if err := s.names(ctx, one); err != nil {
		return Detail{}, err
	}
	d.Assessment = one[0]
	var owners []string
	for _, p := range d.Plan {
		owners = append(owners, p.OwnerOrgID)
	}
	names, err := directory.Names(ctx, s.orgs, system, owners)
	if err != nil {
		return Detail{}, err
	}
	for i, p := range d.Plan {
		d.Plan[i].OwnerOrg = names[p.OwnerOrgID]
		d.Plan[i].Moves = d.State != Closed && rd.moves(d.Assessment, p.OwnerOrgID)
	}
	d.Can = rd.can(d.Assessment)
	return d, nil
}

// familyScores scores each family of c from the verdicts given.
func familyScores(c kc.Catalogue, given []kc.Result) []FamilyScore {
	verdict := map[string]string{}
	for _, r := range given {
		verdict[r.Requirement] = r.Verdict
	}
	var out []FamilyScore
	for _, fam := range c.Families() {
		fs := FamilyScore{Family: fam}
		var points float64
		for _, r := range c.Requirements {
			if r.Family != fam {
				continue
			}
			fs.Controls++
			if v, ok := verdict[r.ID]; ok && v != NotApplicable {
				fs.Applicable++
				points += score(v)
			}
		}
		if fs.Applicable > 0 {
			fs.Score = float64(int(points/float64(fs.Applicable)*1000+0.5)) / 10
		}
		out = append(out, fs)
	}
	return out
}

// Open opens an assessment of an organisation against the latest version
// of a baseline: by the center's staff, or by the analysts of the CERT the
// organisation is a constituent of. The assessor is a CERT or a lab whose
// accreditation stands. Audited; the organisation and the assessor are
// mailed.
func (s *Service) Open(ctx context.Context, id *auth.Identity, in Input) (Assessment, error) {
	return s.open(ctx, id, in, "")
}

// open opens an assessment, the re-assessment of follows when it is not "".
func (s *Service) open(ctx context.Context, id *auth.Identity, in Input, follows string) (Assessment, error) {
	rd, err := readerOf(id)
	if err != nil {
		return Assessment{}, err
	}
	now := s.now().UTC()
	var f errs.Fields
	in.Scope = text(&f, "scope", in.Scope, 4000, true)
	in.StartsOn = strings.TrimSpace(in.StartsOn)
	if in.StartsOn == "" {
		in.StartsOn = actions.Today(now)
	} else if _, err := time.Parse("2006-01-02", in.StartsOn); err != nil {
		f.Add("starts_on", "a day as YYYY-MM-DD")
	}
	switch {
	case in.ReassessMonths == 0:
		in.ReassessMonths = 12
	case in.ReassessMonths < 1 || in.ReassessMonths > 60:
		f.Add("reassess_months", "1 to 60 months")
	}
	b, err := s.baseline(ctx, strings.TrimSpace(in.Baseline), 0)
	if errs.KindOf(err) == errs.KindNotFound {
		f.Add("baseline", "no such baseline")
	} else if err != nil {
		return Assessment{}, err
	}
	var org, assessor directory.Org
	orgs, err := s.orgs.GetMany(ctx, system, []string{in.OrgID, in.AssessorOrgID})
	if err != nil {
		return Assessment{}, err
	}
	for _, o := range orgs {
		if o.ID == in.OrgID {
			org = o
		}
		if o.ID == in.AssessorOrgID {
			assessor = o
		}
	}
	cert := ""
	if org.ID == "" {
		f.Add("org_id", "no such organisation")
	} else {
		cert = org.Parent()
		if !rd.staff && !rd.in(cert, auth.RoleAnalyst) {
			return Assessment{}, errs.Forbidden("the analysts of the CERT an organisation is a constituent of, or the center's staff, open its assessments")
		}
	}
	switch {
	case assessor.ID == "":
		f.Add("assessor_org_id", "no such organisation")
	case assessor.Kind == directory.KindLab:
		ok := false
		if s.labs != nil {
			if ok, err = s.labs.Accredited(ctx, assessor.ID, now); err != nil {
				return Assessment{}, err
			}
		}
		if !ok {
			f.Add("assessor_org_id", "the lab's accreditation does not stand")
		}
	case !assessor.Kind.IsCERT() && assessor.Kind != directory.KindCoordinationCenter:
		f.Add("assessor_org_id", "a CERT or an accredited lab")
	}
	if err := f.Err(); err != nil {
		return Assessment{}, err
	}
	a := Assessment{ID: db.NewID(), OrgID: org.ID, Sector: org.Sector, CERTOrgID: cert, AssessorOrgID: assessor.ID, Baseline: b.Baseline,
		BaselineVersion: b.Version, Scope: in.Scope, State: Planned, StartsOn: in.StartsOn, ReassessMonths: in.ReassessMonths,
		CreatedBy: id.Label(), CreatedAt: now}
	to, err := s.emails(ctx, org.ID, assessor.ID)
	if err != nil {
		return Assessment{}, err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		n, err := tx.NextNumber(ctx, fmt.Sprintf("governance.assessment.%d", now.Year()))
		if err != nil {
			return err
		}
		a.Number = fmt.Sprintf("AS-%d-%03d", now.Year(), n)
		if err := insertAssessment(ctx, tx, a); err != nil {
			return err
		}
		if follows != "" {
			if err := followed(ctx, tx, follows, a.ID, now); err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, tx, now, audit.Event{Action: "governance.assessment.open", ObjectType: "assessment", ObjectID: a.ID, OrgID: a.OrgID,
			Summary: fmt.Sprintf("%s opened: %s against %s v%d by %s", a.Number, org.Name, b.Baseline, b.Version, assessor.Name), After: in}); err != nil {
			return err
		}
		return s.mail(ctx, tx, to, "governance.assessment.open", a.Number+": an assessment is planned",
			fmt.Sprintf("An assessment of %s against %s (version %d) is planned from %s, by %s.\n\nScope: %s\n\n%s/console/assessments/%s",
				org.Name, b.Title, b.Version, a.StartsOn, assessor.Name, a.Scope, s.baseURL, a.ID))
	})
	if err != nil {
		return Assessment{}, err
	}
	d, err := s.Get(ctx, system, a.ID)
	return d.Assessment, err
}

// SetResult records the assessor's verdict on a control, with its
// evidence (notes, required unless met) and the shortfall's severity (the
// control's own when left out of one not met). The first verdict starts
// the fieldwork. Audited.
func (s *Service) SetResult(ctx context.Context, id *auth.Identity, ref, control string, in ResultInput) (kc.Result, error) {
	rd, err := readerOf(id)
	if err != nil {
		return kc.Result{}, err
	}
	var a Assessment
	if err := s.db.Read(ctx, func(q db.Querier) (err error) { a, err = s.read(ctx, q, rd, ref); return err }); err != nil {
		return kc.Result{}, err
	}
	if !rd.can(a).Assess {
		if a.State == Reported || a.State == Closed {
			return kc.Result{}, errs.Conflict("the assessment was reported: its verdicts are final")
		}
		return kc.Result{}, errs.Forbidden("only the assessor records verdicts")
	}
	b, err := s.baseline(ctx, a.Baseline, a.BaselineVersion)
	if err != nil {
		return kc.Result{}, err
	}
	c, ok := b.Find(control)
	if !ok {
		return kc.Result{}, errs.NotFound("no control %q in version %d of %s", control, b.Version, b.Baseline)
	}
	var f errs.Fields
	in.Verdict, in.Severity = strings.TrimSpace(in.Verdict), strings.TrimSpace(in.Severity)
	if !slices.Contains(Verdicts, in.Verdict) {
		f.Add("verdict", "one of %s", strings.Join(Verdicts, ", "))
	}
	notes := strings.TrimSpace(in.Notes)
	if (notes == "" && in.Verdict != Met) || utf8.RuneCountInString(notes) > 8000 || strings.ContainsRune(notes, 0) {
		f.Add("notes", "the evidence: what was seen, read or tested (1 to 8000 characters; required unless met)")
	}
	switch {
	case in.Severity != "" && !slices.Contains(kc.Severities, in.Severity):
		f.Add("severity", "one of %s", strings.Join(kc.Severities, ", "))
	case in.Verdict == Met || in.Verdict == NotApplicable:
		in.Severity = ""
	case in.Severity == "":
		in.Severity = c.Severity
	}
	if err := f.Err(); err != nil {
		return kc.Result{}, err
	}
	now := s.now().UTC()
	r := kc.Result{Requirement: c.ID, Verdict: in.Verdict, Severity: in.Severity, Notes: notes, UpdatedBy: id.Label(), UpdatedAt: now}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if a.State == Planned {
			if err := setState(ctx, tx, a.ID, Planned, InProgress, now); err != nil {
				return err
			}
		}
		if err := results.Save(ctx, tx, a.ID, r); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "governance.assessment.result", ObjectType: "assessment", ObjectID: a.ID,
			OrgID: a.OrgID, Summary: fmt.Sprintf("%s: %s %s", a.Number, c.ID, in.Verdict), After: r})
	})
	return r, err
}

// Report ends the fieldwork: every control has a verdict; the assessor's
// summary is required. The next assessment falls due ReassessMonths
// later. The organisation and its CERT are mailed. Audited.
func (s *Service) Report(ctx context.Context, id *auth.Identity, ref string, in ReportInput) (Assessment, error) {
	rd, err := readerOf(id)
	if err != nil {
		return Assessment{}, err
	}
	var a Assessment
	if err := s.db.Read(ctx, func(q db.Querier) (err error) { a, err = s.read(ctx, q, rd, ref); return err }); err != nil {
		return Assessment{}, err
	}
	if !rd.can(a).Report {
		if a.State == Reported || a.State == Closed {
			return Assessment{}, errs.Conflict("the assessment was reported already")
		}
		return Assessment{}, errs.Forbidden("only the assessor reports")
	}
	var f errs.Fields
	summary := text(&f, "summary", in.Summary, 20000, true)
	if a.Assessed < a.Controls {
		f.Add("results", "%d of %d controls have no verdict yet", a.Controls-a.Assessed, a.Controls)
	}
	if err := f.Err(); err != nil {
		return Assessment{}, err
	}
	now := s.now().UTC()
	next := now.AddDate(0, a.ReassessMonths, 0).Format("2006-01-02")
	to, err := s.emails(ctx, a.OrgID, a.CERTOrgID)
	if err != nil {
		return Assessment{}, err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := reported(ctx, tx, a.ID, summary, next, now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, audit.Event{Action: "governance.assessment.report", ObjectType: "assessment", ObjectID: a.ID,
			OrgID: a.OrgID, Summary: fmt.Sprintf("%s reported: score %.1f%%, next due %s", a.Number, a.Score, next)}); err != nil {
			return err
		}
		return s.mail(ctx, tx, to, "governance.assessment.report", a.Number+": the assessment is reported",
			fmt.Sprintf("The assessment %s is reported: %.1f%% of the applicable controls met.\n\n%s\n\nThe findings and the remediation plan: %s/console/assessments/%s",
				a.Number, a.Score, summary, s.baseURL, a.ID))
	})
	if err != nil {
		return Assessment{}, err
	}
	d, err := s.Get(ctx, system, a.ID)
	return d.Assessment, err
}

// emails are the addresses of the analysts and administrators of orgs.
func (s *Service) emails(ctx context.Context, orgs ...string) ([]string, error) {
	var to []string
	for _, o := range orgs {
		if o == "" {
			continue
		}
		people, err := s.orgs.Members(ctx, system, o)
		if err != nil {
			return nil, err
		}
		for _, e := range auth.Handlers(people) {
			if !slices.Contains(to, e) {
				to = append(to, e)
			}
		}
	}
	return to, nil
}

// mail queues a message when there is an outbox.
func (s *Service) mail(ctx context.Context, tx *db.Tx, to []string, tag, subject, body string) error {
	if s.outbox == nil || len(to) == 0 {
		return nil
	}
	return s.outbox.Send(ctx, tx, notify.Mail{To: to, Tag: tag, Subject: subject, Text: body + "\n\n-- \n" + s.centerName + "\n"})
}

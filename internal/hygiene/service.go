package hygiene

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/hygiene/probe"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/notify"
)

// Orgs is what hygiene needs of the directory.
type Orgs interface {
	GetMany(ctx context.Context, id *auth.Identity, ids []string) ([]directory.Org, error)
	Members(ctx context.Context, id *auth.Identity, orgID string) ([]auth.Member, error)
	Constituencies(ctx context.Context, id *auth.Identity) (map[string]directory.Constituency, error)
}

// Outbox sends mail in the transaction of the change it tells of.
type Outbox interface {
	Send(ctx context.Context, tx *db.Tx, m notify.Mail) error
}

// Queue is the name of the job queue checks run on; its worker count is
// the cap on runs at once (per process).
const Queue = "hygiene"

// Defaults.
const (
	DefaultInterval = 7 * 24 * time.Hour // CISA's cyber hygiene scans weekly
	// recheckAfter is how soon after a run an organisation may ask for
	// another.
	recheckAfter = 10 * time.Minute
)

// Options are the service's dependencies and settings.
type Options struct {
	DB     *db.DB
	Orgs   Orgs
	Outbox Outbox
	// Probe configures the checks (resolvers, rate, ports…); Known is
	// what exposure matches banners against.
	Probe probe.Options
	// Interval is how often each organisation is checked (default a week).
	Interval time.Duration
	// NotifyAt is the least severity a new finding is mailed about
	// (default high).
	NotifyAt probe.Severity
	Now      func() time.Time
	Log      *slog.Logger
	// BaseURL is the server's public address for links in mail;
	// CenterName signs the mail.
	BaseURL, CenterName string
}

// Service keeps the hygiene of constituents.
type Service struct {
	db                  *db.DB
	orgs                Orgs
	outbox              Outbox
	prober              *probe.Prober
	queue               *jobs.Queue
	interval            time.Duration
	notifyAt            probe.Severity
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
	if o.Probe.Now == nil {
		o.Probe.Now = now
	}
	notifyAt := cmp.Or(o.NotifyAt, probe.High)
	return &Service{db: o.DB, orgs: o.Orgs, outbox: o.Outbox, prober: probe.New(o.Probe), interval: cmp.Or(o.Interval, DefaultInterval),
		notifyAt: notifyAt, now: now, log: log, baseURL: strings.TrimRight(o.BaseURL, "/"), centerName: cmp.Or(o.CenterName, "The coordination center")}
}

var system = auth.System("hygiene")

// org answers the directory's record of an organisation, as the platform
// reads it (errs.NotFound when there is none).
func (s *Service) org(ctx context.Context, orgID string) (directory.Org, error) {
	return directory.One(ctx, s.orgs, system, orgID)
}

// visible answers the organisation when the reader reads its hygiene, and
// errs.NotFound otherwise (nobody learns whether another is checked).
func (s *Service) visible(ctx context.Context, rd reader, orgID string) (directory.Org, error) {
	o, err := s.org(ctx, orgID)
	if err != nil {
		return o, err
	}
	if !rd.Reads(o.ID, o.Parent()) {
		return directory.Org{}, errs.NotFound("no such organisation")
	}
	return o, nil
}

// names fills in organisations' names.
func (s *Service) names(ctx context.Context, ids []string) (map[string]string, error) {
	return directory.Names(ctx, s.orgs, system, ids)
}

// Report answers an organisation's hygiene.
func (s *Service) Report(ctx context.Context, id *auth.Identity, orgID string) (Report, error) {
	rd, err := readerOf(id)
	if err != nil {
		return Report{}, err
	}
	o, err := s.visible(ctx, rd, orgID)
	if err != nil {
		return Report{}, err
	}
	rep := Report{OrgID: o.ID, Org: o.Name, Sector: o.Sector, CERTOrgID: o.Parent(), Can: rd.can(o.ID, o.Parent()),
		Results: []Result{}, Findings: []Finding{}, History: []Run{}}
	err = s.db.Read(ctx, func(q db.Querier) error {
		if rep.Permission, err = getPermission(ctx, q, o.ID); err != nil {
			return err
		}
		if t, ok, err := trackedOrg(ctx, q, o.ID); err != nil {
			return err
		} else if ok {
			rep.NextAt = &t.NextAt
		}
		if rep.Pending, err = pendingRun(ctx, q, o.ID); err != nil {
			return err
		}
		if rep.History, err = listRuns(ctx, q, o.ID, 104); err != nil {
			return err
		}
		for i, r := range rep.History {
			if r.State == Done {
				rep.Latest = &rep.History[i]
				rep.Score, rep.CheckedAt = r.Score, r.FinishedAt
				if rep.Results, err = listResults(ctx, q, r.ID); err != nil {
					return err
				}
				break
			}
		}
		all, err := orgFindings(ctx, q, o.ID)
		for _, f := range all {
			if f.State == Open {
				rep.Findings = append(rep.Findings, f)
			}
		}
		return err
	})
	if err != nil {
		return Report{}, err
	}
	describeResults(rep.Results)
	describeFindings(rep.Findings, map[string]string{o.ID: o.Name})
	return rep, nil
}

// order puts results in the catalogue's order, then by target.
var order = func() map[string]int {
	m := map[string]int{}
	for i, c := range probe.Catalogue {
		m[c.ID] = i
	}
	return m
}()

func describeResults(list []Result) {
	for i, r := range list {
		c, _ := probe.Lookup(r.Check)
		list[i].Title, list[i].Group = c.Title, c.Group
		if r.Status == probe.Fail {
			list[i].Fix = c.Fix
		}
	}
	slices.SortStableFunc(list, func(a, b Result) int {
		return cmp.Or(cmp.Compare(order[a.Check], order[b.Check]), cmp.Compare(a.Target, b.Target))
	})
}

func describeFindings(list []Finding, names map[string]string) {
	for i, f := range list {
		c, _ := probe.Lookup(f.Check)
		list[i].Title, list[i].Fix, list[i].Org = c.Title, c.Fix, names[f.OrgID]
	}
}

// Findings answers the findings the caller reads, the most severe first.
func (s *Service) Findings(ctx context.Context, id *auth.Identity, f FindingFilter) ([]Finding, int, error) {
	rd, err := readerOf(id)
	if err != nil {
		return nil, 0, err
	}
	f.State = cmp.Or(f.State, Open)
	if !slices.Contains([]string{Open, Fixed, "all"}, f.State) {
		return nil, 0, errs.InvalidField("state", "one of open, fixed, all")
	}
	if f.Severity != "" && probe.Severity(f.Severity).Rank() < 0 {
		return nil, 0, errs.InvalidField("severity", "one of info, low, medium, high, critical")
	}
	if f.Check != "" {
		if _, ok := probe.Lookup(f.Check); !ok {
			return nil, 0, errs.InvalidField("check", "no such check")
		}
	}
	f.Page = max(f.Page, 1)
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	var list []Finding
	var total int
	if err := s.db.Read(ctx, func(q db.Querier) (err error) { list, total, err = listFindings(ctx, q, rd, f); return err }); err != nil {
		return nil, 0, err
	}
	var ids []string
	for _, x := range list {
		ids = append(ids, x.OrgID)
	}
	names, err := s.names(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	describeFindings(list, names)
	return list, total, nil
}

// Run answers one run with its results.
func (s *Service) Run(ctx context.Context, id *auth.Identity, runID string) (Run, []Result, error) {
	rd, err := readerOf(id)
	if err != nil {
		return Run{}, nil, err
	}
	var r Run
	var results []Result
	err = s.db.Read(ctx, func(q db.Querier) error {
		if r, err = getRun(ctx, q, runID); err != nil {
			return err
		}
		if !rd.Reads(r.OrgID, r.CERTOrgID) {
			return errs.NotFound("no such run")
		}
		results, err = listResults(ctx, q, r.ID)
		return err
	})
	if err != nil {
		return Run{}, nil, err
	}
	describeResults(results)
	names, err := s.names(ctx, []string{r.OrgID})
	r.Org = names[r.OrgID]
	return r, results, err
}

// RequestCheck queues a run of an organisation's checks now. A run queued
// or running already is answered instead of a second; a run asked for
// within minutes of the last is refused.
func (s *Service) RequestCheck(ctx context.Context, id *auth.Identity, orgID string) (Run, error) {
	rd, err := readerOf(id)
	if err != nil {
		return Run{}, err
	}
	if orgID == "" {
		return Run{}, errs.InvalidField("org_id", "the organisation to check")
	}
	o, err := s.visible(ctx, rd, orgID)
	if errs.KindOf(err) == errs.KindNotFound {
		return Run{}, errs.InvalidField("org_id", "no such organisation")
	}
	if err != nil {
		return Run{}, err
	}
	if !rd.can(o.ID, o.Parent()).Check {
		return Run{}, errs.Forbidden("the organisation's members, its CERT's analysts and the center's staff run its checks")
	}
	if len(o.Constituency.Domains) == 0 && len(o.Constituency.CIDRs) == 0 {
		return Run{}, errs.InvalidField("org_id", "the organisation has no domain or address range in the directory to check")
	}
	now := s.now().UTC()
	var out Run
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if p, err := pendingRun(ctx, tx, o.ID); err != nil {
			return err
		} else if p != nil {
			out = *p
			return nil
		}
		recent, err := listRuns(ctx, tx, o.ID, 1)
		if err != nil {
			return err
		}
		if len(recent) == 1 && recent[0].Trigger == "request" && now.Sub(recent[0].CreatedAt) < recheckAfter {
			wait := recent[0].CreatedAt.Add(recheckAfter).Sub(now)
			return errs.RateLimited(int(wait.Seconds())+1, "the organisation was checked on request at %s; ask again after %s",
				recent[0].CreatedAt.Format("15:04"), recent[0].CreatedAt.Add(recheckAfter).Format("15:04 UTC"))
		}
		if err := track(ctx, tx, []tracked{{OrgID: o.ID, Sector: o.Sector, CERTOrgID: o.Parent(), NextAt: now.Add(s.interval)}}); err != nil {
			return err
		}
		out = Run{ID: db.NewID(), OrgID: o.ID, Sector: o.Sector, CERTOrgID: o.Parent(), Trigger: "request", RequestedBy: id.Label(),
			State: Queued, CreatedAt: now}
		if err := s.enqueue(ctx, tx, out); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "hygiene.check.request", ObjectType: "hygiene_run", ObjectID: out.ID, OrgID: o.ID,
			Summary: "asked for a hygiene check of " + o.Name + " now"})
	})
	out.Org = o.Name
	return out, err
}

// enqueue records a queued run and its job in tx.
func (s *Service) enqueue(ctx context.Context, tx *db.Tx, r Run) error {
	if err := insertRun(ctx, tx, r); err != nil {
		return err
	}
	if s.queue == nil {
		return nil
	}
	return s.queue.Enqueue(ctx, tx, CheckArgs{RunID: r.ID, OrgID: r.OrgID}, &jobs.InsertOpts{Queue: Queue, MaxAttempts: 2})
}

var selectorRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// SetPermission records what checks an organisation allows (an empty list
// of categories withdraws its permission).
func (s *Service) SetPermission(ctx context.Context, id *auth.Identity, orgID string, in PermissionInput) (*Permission, error) {
	rd, err := readerOf(id)
	if err != nil {
		return nil, err
	}
	o, err := s.visible(ctx, rd, orgID)
	if err != nil {
		return nil, err
	}
	if !rd.can(o.ID, o.Parent()).Permit {
		return nil, errs.Forbidden("the organisation's administrators, its CERT's analysts and the center's staff record its scanning permission")
	}
	now := s.now().UTC()
	var f errs.Fields
	cats := []string{}
	for _, c := range in.Categories {
		c = strings.ToLower(strings.TrimSpace(c))
		if !slices.Contains(probe.Categories, c) {
			f.Add("categories", "each of dns, mail, web, exposure")
			break
		}
		if !slices.Contains(cats, c) {
			cats = append(cats, c)
		}
	}
	slices.SortFunc(cats, func(a, b string) int {
		return cmp.Compare(slices.Index(probe.Categories, a), slices.Index(probe.Categories, b))
	})
	in.GrantedBy = strings.TrimSpace(in.GrantedBy)
	if in.GrantedBy == "" && rd.In(o.ID, auth.RoleAdmin) {
		in.GrantedBy = id.Label()
	}
	if len(cats) > 0 && in.GrantedBy == "" {
		f.Add("granted_by", "who at the organisation granted the permission")
	}
	f.Text("granted_by", in.GrantedBy, false, 200)
	f.Text("reference", in.Reference, false, 500)
	in.GrantedOn = strings.TrimSpace(in.GrantedOn)
	if in.GrantedOn == "" {
		in.GrantedOn = now.Format(time.DateOnly)
	}
	if d, err := time.Parse(time.DateOnly, in.GrantedOn); err != nil {
		f.Add("granted_on", "a date, YYYY-MM-DD")
	} else if d.After(now) {
		f.Add("granted_on", "not in the future")
	}
	sels := []string{}
	for _, v := range in.DKIMSelectors {
		for _, sel := range strings.Split(v, ",") {
			if sel = strings.TrimSpace(sel); sel == "" {
				continue
			}
			if !selectorRE.MatchString(sel) {
				f.Add("dkim_selectors", "selectors are DNS labels, such as s1 or google")
				break
			}
			sels = append(sels, sel)
		}
	}
	if len(sels) > 20 {
		f.Add("dkim_selectors", "at most 20 selectors")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	p := Permission{OrgID: o.ID, Categories: cats, GrantedBy: in.GrantedBy, GrantedOn: in.GrantedOn, Reference: strings.TrimSpace(in.Reference),
		DKIMSelectors: sels, SignedSecurityTxt: in.SignedSecurityTxt, RecordedBy: id.Label(), RecordedAt: now}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		before, err := getPermission(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		if len(cats) == 0 {
			if err := deletePermission(ctx, tx, o.ID); err != nil {
				return err
			}
			return audit.Record(ctx, tx, now, audit.Event{Action: "hygiene.permission.withdraw", ObjectType: "org", ObjectID: o.ID, OrgID: o.ID,
				Summary: "scanning permission of " + o.Name + " withdrawn", Before: before})
		}
		if err := putPermission(ctx, tx, p); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "hygiene.permission.record", ObjectType: "org", ObjectID: o.ID, OrgID: o.ID,
			Summary: fmt.Sprintf("scanning permission of %s: %s, granted by %s on %s", o.Name, strings.Join(cats, ", "), p.GrantedBy, p.GrantedOn),
			Before:  before, After: p})
	})
	if err != nil {
		return nil, err
	}
	if len(cats) == 0 {
		return nil, nil
	}
	return &p, nil
}

package incident

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/coordination/deadline"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/files"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/settings"
)

// Orgs is what incidents need of the directory.
type Orgs interface {
	All(ctx context.Context, id *auth.Identity, f directory.Filter) ([]directory.Summary, error)
	GetMany(ctx context.Context, id *auth.Identity, ids []string) ([]directory.Org, error)
	Members(ctx context.Context, id *auth.Identity, orgID string) ([]auth.Member, error)
}

// Routes finds the CERT responsible for an incident by the rules the
// disclosure program routes its reports by (sector, CII); ok false when
// no rule matches.
type Routes interface {
	Responsible(ctx context.Context, sectors []string, cii bool) (orgID string, ok bool, err error)
}

// Indicators hands an incident's indicators to threat intelligence, as
// observations of a source named for the incident, under its TLP, owned
// by the CERT that handles it.
type Indicators interface {
	Share(ctx context.Context, source, tlp, ownerOrgID string, indicators []string) error
}

// Outbox sends mail in the transaction of the change it tells of.
type Outbox interface {
	Send(ctx context.Context, tx *db.Tx, m notify.Mail) error
}

// Options are the service's dependencies; Routes, Indicators and Outbox
// may be nil (no rules, no sharing, no mail).
type Options struct {
	DB         *db.DB
	Orgs       Orgs
	Routes     Routes
	Indicators Indicators
	Outbox     Outbox
	// Files keeps attachments (none without it).
	Files *files.Store
	Now   func() time.Time
	Log   *slog.Logger
	// BaseURL is the server's public address, for links in mail;
	// CenterName signs the mail.
	BaseURL, CenterName string
}

// Service handles incident reports.
type Service struct {
	db                  *db.DB
	orgs                Orgs
	routes              Routes
	indicators          Indicators
	outbox              Outbox
	files               *files.Store
	now                 func() time.Time
	log                 *slog.Logger
	baseURL, centerName string
	public              *auth.Limiter // public reports and replies per address
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
	return &Service{db: o.DB, orgs: o.Orgs, routes: o.Routes, indicators: o.Indicators, outbox: o.Outbox, files: o.Files,
		now: now, log: log, public: auth.NewSharedLimiter(o.DB, "incident.public", 5, 2*time.Minute, now), baseURL: strings.TrimRight(o.BaseURL, "/"),
		centerName: cmp.Or(o.CenterName, "The coordination center")}
}

var system = auth.System("incident")

// regimePrefix names the settings that hold the regimes staff define.
const regimePrefix = "coordination.regime."

// Regimes answers the deadline regimes incidents may be under: the
// built-in ones, then those staff defined, by ID.
func (s *Service) Regimes(ctx context.Context) ([]deadline.Regime, error) {
	out := slices.Clone(deadline.Builtin)
	var set map[string]string
	err := s.db.Read(ctx, func(q db.Querier) error {
		var err error
		set, err = settings.Prefixed(ctx, q, regimePrefix)
		return err
	})
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		r, err := deadline.ParseRegime([]byte(set[k]))
		if err != nil { // stored by SetRegime, which checked it
			s.log.Error("incident: stored regime no longer reads", "key", k, "err", err)
			continue
		}
		if !slices.ContainsFunc(out, func(g deadline.Regime) bool { return g.ID == r.ID }) {
			out = append(out, r)
		}
	}
	return out, nil
}

// SetRegime defines (or redefines) a deadline regime from its JSON
// (staff); a built-in one cannot be changed. Audited.
func (s *Service) SetRegime(ctx context.Context, id *auth.Identity, want string, data []byte) (deadline.Regime, error) {
	if err := mayAdminister(id); err != nil {
		return deadline.Regime{}, err
	}
	r, err := deadline.ParseRegime(data)
	if err != nil {
		return r, err
	}
	if r.ID != want {
		return r, errs.InvalidField("id", "the regime's id must be the one in its address (%s)", want)
	}
	if slices.ContainsFunc(deadline.Builtin, func(g deadline.Regime) bool { return g.ID == r.ID }) {
		return r, errs.InvalidField("id", "%s is built in: give your own regime another ID", r.ID)
	}
	now := s.now().UTC()
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := settings.Put(ctx, tx, regimePrefix+r.ID, string(data), now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "coordination.regime.set", ObjectType: "regime", ObjectID: r.ID,
			Summary: "deadline regime " + r.ID + " set", After: r})
	})
	return r, err
}

func mayAdminister(id *auth.Identity) error {
	switch {
	case id == nil:
		return errs.Unauthenticated("sign in")
	case !id.IsSystem() && !id.IsStaff():
		return errs.Forbidden("only the coordination center's staff define deadline regimes")
	}
	return nil
}

// pick answers the regimes of ids, in the order of all.
func pick(all []deadline.Regime, ids []string) []deadline.Regime {
	var out []deadline.Regime
	for _, r := range all {
		if slices.Contains(ids, r.ID) {
			out = append(out, r)
		}
	}
	return out
}

// facts are what an incident's clocks count from.
func facts(in Incident, steps []stepRow) deadline.Facts {
	reported := in.ReportedAt
	f := deadline.Facts{Detected: in.DetectedAt, Aware: cmp.Or(in.AwareAt, in.DetectedAt), Reported: &reported, Done: map[string]time.Time{}}
	for _, st := range steps {
		if st.done != nil {
			f.Done[st.key] = *st.done
		}
	}
	return f
}

// clocks answers the incident's clocks and sets its next due time and
// alarm from them: a closed incident has neither.
func clocks(in *Incident, regimes []deadline.Regime, steps []stepRow, now time.Time) []deadline.Clock {
	cs := deadline.Clocks(pick(regimes, in.Regimes), facts(*in, steps), now)
	in.NextDueAt, in.alarmAt = nil, nil
	if in.Closed() {
		return cs
	}
	told := map[string]bool{}
	for _, st := range steps {
		told[st.key] = st.overdueAt != nil
	}
	for _, c := range deadline.Next(cs) {
		due := *c.Due
		if in.NextDueAt == nil {
			in.NextDueAt = &due
		}
		if in.alarmAt == nil && !told[deadline.Key(c.Regime, c.Step)] {
			in.alarmAt = &due
		}
	}
	return cs
}

// directoryOf is the directory as routing and escalation read it.
type directoryOf struct {
	byID     map[string]directory.Summary
	national string // the national CERT ("" when there is none)
	center   string // the coordination center
}

func (s *Service) directory(ctx context.Context) (directoryOf, error) {
	all, err := s.orgs.All(ctx, system, directory.Filter{})
	if err != nil {
		return directoryOf{}, err
	}
	d := directoryOf{byID: map[string]directory.Summary{}}
	for _, o := range all {
		d.byID[o.ID] = o
		switch {
		case o.Kind == directory.KindNationalCERT && d.national == "":
			d.national = o.ID
		case o.Kind == directory.KindCoordinationCenter && d.center == "":
			d.center = o.ID
		}
	}
	return d, nil
}

// top is the CERT escalations end with: the national CERT, else the
// coordination center.
func (d directoryOf) top() string { return cmp.Or(d.national, d.center) }

// certAbove answers the CERT above org in the directory ("" when none).
func (d directoryOf) certAbove(org string) string {
	o, ok := d.byID[org]
	for range len(d.byID) + 1 {
		if !ok || o.ParentID == nil {
			return ""
		}
		if o, ok = d.byID[*o.ParentID]; ok && o.Kind.IsCERT() {
			return o.ID
		}
	}
	return ""
}

func (d directoryOf) name(id string) string {
	if o, ok := d.byID[id]; ok {
		return o.Name
	}
	return id
}

// route answers the CERT responsible for an incident of the reporter (""
// for a citizen) in sector, and why: the routing rules first, then the
// reporter's own CERT above it in the directory, then the top.
func (s *Service) route(ctx context.Context, d directoryOf, reporter, sector string, cii bool) (string, string, error) {
	if s.routes != nil {
		var sectors []string
		if sector != "" {
			sectors = []string{sector}
		}
		org, ok, err := s.routes.Responsible(ctx, sectors, cii)
		if err != nil {
			return "", "", err
		}
		if o, known := d.byID[org]; ok && known && o.Kind.IsCERT() {
			return org, "by the routing rules", nil
		}
	}
	if reporter != "" {
		if o := d.byID[reporter]; o.Kind.IsCERT() {
			return reporter, "its own CERT", nil
		}
		if c := d.certAbove(reporter); c != "" {
			return c, "the reporter's CERT", nil
		}
	}
	if t := d.top(); t != "" {
		return t, "no rule or CERT above the reporter", nil
	}
	return "", "", errs.Conflict("the directory has no CERT to route incidents to: add the national CERT first")
}

// escalates reports whether severity or scope take an incident to the
// national CERT.
func escalates(in Incident) bool {
	return in.Severity == "critical" || in.CrossBorder || in.CII
}

// Report records an incident a signed-in member reports for their
// organisation (staff for any organisation), by the portal or the API:
// classified, routed to the responsible CERT, escalated to the national
// CERT when severity or scope demand it, its clocks started. The owning
// CERT is told; its indicators go to threat intelligence. Audited.
func (s *Service) Report(ctx context.Context, id *auth.Identity, in Input, channel string) (Incident, error) {
	if id == nil {
		return Incident{}, errs.Unauthenticated("sign in to report incidents")
	}
	org := strings.TrimSpace(in.ReporterOrgID)
	if org == "" {
		var mine []string
		for _, m := range id.Memberships {
			if above(id, m.OrgID) {
				mine = append(mine, m.OrgID)
			}
		}
		switch {
		case len(mine) == 1:
			org = mine[0]
		case len(mine) > 1:
			return Incident{}, errs.InvalidField("reporter_org_id", "you report for %d organisations: name the one this is for", len(mine))
		case !id.IsStaff() && !id.IsSystem():
			return Incident{}, errs.Forbidden("viewers read incidents; members report them")
		}
	}
	if org != "" {
		if err := mayReport(id, org); err != nil {
			return Incident{}, err
		}
	}
	in.ReporterOrgID = org
	if in.ReporterName == "" {
		in.ReporterName = id.DisplayName()
	}
	if in.ReporterEmail == "" && id.User.Email != "" {
		in.ReporterEmail = id.User.Email
	}
	inc, _, err := s.report(ctx, in, channel, id.Label(), false)
	return inc, err
}

// ReportPublic records an incident a citizen reports through the public
// form, without an account: a name and an address to answer are
// required. It answers the secret of the follow link (shown once, never
// stored).
func (s *Service) ReportPublic(ctx context.Context, in Input, ip string) (Incident, string, error) {
	if ok, wait := s.public.Allow(ctx, ip); !ok {
		return Incident{}, "", errs.RateLimited(wait, "too many reports from your address; wait %d seconds and try again", wait)
	}
	ctx = audit.WithActor(ctx, audit.Actor{Email: "reporter (public form)", IP: ip})
	in.ReporterOrgID, in.Regimes = "", nil
	return s.report(ctx, in, ChannelPublic, cmp.Or(strings.TrimSpace(in.ReporterName), "a member of the public"), true)
}

func (s *Service) report(ctx context.Context, raw Input, channel, actor string, public bool) (Incident, string, error) {
	now := s.now().UTC()
	regimes, err := s.Regimes(ctx)
	if err != nil {
		return Incident{}, "", err
	}
	c, f := raw.check(regimes, now)
	if public && c.ReporterEmail == "" && !f.Has("reporter_email") {
		f.Add("reporter_email", "is required: the CERT answers you there")
	}
	d, err := s.directory(ctx)
	if err != nil {
		return Incident{}, "", err
	}
	var reporter *directory.Summary
	if c.ReporterOrgID != "" {
		o, ok := d.byID[c.ReporterOrgID]
		if !ok {
			f.Add("reporter_org_id", "no organisation of that ID")
		}
		reporter = &o
	}
	if err := f.Err(); err != nil {
		return Incident{}, "", err
	}
	inc := Incident{ID: db.NewID(), Title: c.Title, Description: c.Description, Class: c.Class, Type: c.Type, Severity: c.Severity,
		TLP: c.TLP, Status: StatusNew, Channel: channel, ReporterName: c.ReporterName, ReporterEmail: c.ReporterEmail,
		Sector: c.Sector, CrossBorder: c.CrossBorder, AffectedUsers: c.AffectedUsers, ImpactHours: c.ImpactHours, Systems: c.Systems,
		Indicators: c.Indicators, Regimes: c.Regimes, DetectedAt: c.detected, AwareAt: c.aware, ReportedAt: now, CreatedAt: now, UpdatedAt: now}
	if inc.Indicators == nil {
		inc.Indicators = []string{} // as a stored incident reads: an empty list, not null
	}
	if c.CII != nil {
		inc.CII = *c.CII
	}
	if reporter != nil {
		inc.ReporterOrgID = &reporter.ID
		inc.Sector = cmp.Or(inc.Sector, reporter.Sector)
		if c.CII == nil {
			inc.CII = reporter.CII
		}
	}
	var why string
	inc.OwnerOrgID, why, err = s.route(ctx, d, c.ReporterOrgID, inc.Sector, inc.CII)
	if err != nil {
		return Incident{}, "", err
	}
	clocks(&inc, regimes, nil, now)
	var secret, hash string
	var followHash *string
	if public {
		secret, hash = auth.NewLinkSecret()
		followHash = &hash
	}
	escalated := escalates(inc) && d.national != "" && d.national != inc.OwnerOrgID
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		n, err := tx.NextNumber(ctx, fmt.Sprintf("incident.%d", now.Year()))
		if err != nil {
			return err
		}
		inc.Number = fmt.Sprintf("INC-%d-%04d", now.Year(), n)
		if err := insertIncident(ctx, tx, inc, followHash); err != nil {
			return err
		}
		who := cmp.Or(d.name(c.ReporterOrgID), inc.ReporterName)
		if c.ReporterOrgID == "" {
			who = cmp.Or(inc.ReporterName, inc.ReporterEmail, "a member of the public")
		}
		events := []Event{
			{At: now, Kind: "reported", Visibility: Reporter, Actor: actor, Summary: fmt.Sprintf("reported by %s %s", who, channelPhrase[channel])},
			{At: now, Kind: "routed", Visibility: Reporter, Actor: "certhub", Summary: fmt.Sprintf("routed to %s (%s)", d.name(inc.OwnerOrgID), why)},
		}
		if escalated {
			if err := involve(ctx, tx, inc.ID, d.national, ReasonEscalated, now); err != nil {
				return err
			}
			events = append(events, Event{At: now, Kind: "escalated", Visibility: CERTs, Actor: "certhub",
				Summary: fmt.Sprintf("escalated to %s: %s", d.name(d.national), scope(inc))})
		}
		for _, e := range events {
			if err := insertEvent(ctx, tx, inc.ID, e); err != nil {
				return err
			}
		}
		tell := []string{inc.OwnerOrgID}
		if escalated {
			tell = append(tell, d.national)
		}
		if err := s.tell(ctx, tx, tell, inc, fmt.Sprintf("New incident %s", inc.Number),
			fmt.Sprintf("%s reported an incident (%s, severity %s), routed to %s.", who, inc.Label(), inc.Severity, d.name(inc.OwnerOrgID))); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "coordination.incident.report", ObjectType: "incident", ObjectID: inc.ID,
			OrgID: inc.OwnerOrgID, Summary: fmt.Sprintf("%s reported by %s, routed to %s", inc.Number, who, d.name(inc.OwnerOrgID)), After: inc})
	})
	if err != nil {
		return Incident{}, "", err
	}
	s.share(ctx, inc)
	return inc, secret, nil
}

// channelPhrase says how a report came, for the timeline.
var channelPhrase = map[string]string{ChannelPortal: "in the portal", ChannelAPI: "through the API", ChannelEmail: "by e-mail",
	ChannelPublic: "through the public form", ChannelFederation: "from a linked certhub instance"}

// scope says why an incident went to the national CERT.
func scope(in Incident) string {
	var why []string
	if in.Severity == "critical" {
		why = append(why, "critical severity")
	}
	if in.CII {
		why = append(why, "critical information infrastructure")
	}
	if in.CrossBorder {
		why = append(why, "cross-border")
	}
	return strings.Join(why, ", ")
}

// share hands the incident's indicators to threat intelligence, after its
// transaction; what fails is on the incident's timeline for its CERT.
func (s *Service) share(ctx context.Context, in Incident) {
	if s.indicators == nil || len(in.Indicators) == 0 {
		return
	}
	err := s.indicators.Share(ctx, "Incident "+in.Number, in.TLP, in.OwnerOrgID, in.Indicators)
	summary := fmt.Sprintf("%d indicators shared with threat intelligence (source \"Incident %s\", TLP:%s)", len(in.Indicators), in.Number, in.TLP)
	if err != nil {
		s.log.Warn("incident: indicators not shared", "incident", in.Number, "err", err)
		summary = "indicators not shared with threat intelligence: " + err.Error()
	}
	werr := s.db.Write(ctx, func(tx *db.Tx) error {
		return insertEvent(ctx, tx, in.ID, Event{At: s.now().UTC(), Kind: "indicators", Visibility: Internal, Actor: "certhub", Summary: summary})
	})
	if werr != nil {
		s.log.Error("incident: timeline", "incident", in.Number, "err", werr)
	}
}

// tell mails the contacts of orgs about the incident: what happened and a
// link; the title only when its TLP lets it travel in clear mail.
func (s *Service) tell(ctx context.Context, tx *db.Tx, orgs []string, in Incident, subject, what string) error {
	if s.outbox == nil || len(orgs) == 0 {
		return nil
	}
	list, err := s.orgs.GetMany(ctx, system, orgs)
	if err != nil {
		return err
	}
	for _, o := range list {
		to := o.Addresses()
		if len(to) == 0 {
			continue
		}
		title := in.Title
		if in.TLP != "CLEAR" && in.TLP != "GREEN" {
			title = "(TLP:" + in.TLP + ": read it in the console)"
		}
		text := fmt.Sprintf("%s\n\nIncident %s: %s\n\nOpen it: %s/console/incidents/%s\n\n-- \n%s\n", what, in.Number, title, s.baseURL, in.ID, s.centerName)
		if err := s.outbox.Send(ctx, tx, notify.Mail{To: to, Subject: "[" + in.Number + "] " + strings.TrimPrefix(subject, "["+in.Number+"] "),
			Text: text, Tag: "coordination.incident"}); err != nil {
			return err
		}
	}
	return nil
}

// tellPublic mails a citizen reporter that the CERT has written, with no
// content: the follow link (which only they hold) shows it.
func (s *Service) tellPublic(ctx context.Context, tx *db.Tx, in Incident) error {
	if s.outbox == nil || in.ReporterEmail == "" || in.ReporterOrgID != nil {
		return nil
	}
	return s.outbox.Send(ctx, tx, notify.Mail{To: []string{in.ReporterEmail}, Tag: "coordination.incident.public",
		Subject: fmt.Sprintf("[%s] The CERT has answered your incident report", in.Number),
		Text: fmt.Sprintf("The CERT handling your incident report %s has written to you.\n\nOpen the follow link you were given when you reported it to read the answer.\n\n-- \n%s\n",
			in.Number, s.centerName)})
}

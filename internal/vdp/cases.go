package vdp

import (
	"context"
	"fmt"
	"net/url"
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
	"github.com/certhub/certhub/internal/ssvc"
)

// loadCase loads a case with what decides who sees it, and id's standing.
// A case id may not see is not found.
func (s *Service) loadCase(ctx context.Context, q db.Querier, id *auth.Identity, caseID string) (Case, []Participant, CaseViewer, error) {
	c, err := getCase(ctx, q, caseID)
	if err != nil {
		return c, nil, CaseViewer{}, err
	}
	parts, err := listParticipants(ctx, q, c.ID)
	if err != nil {
		return c, nil, CaseViewer{}, err
	}
	subs, err := submitterOrgs(ctx, q, c.ID)
	if err != nil {
		return c, nil, CaseViewer{}, err
	}
	v := viewCase(id, c, parts, subs, s.now())
	if v.Level == LevelNone {
		return c, nil, v, errs.NotFound("case not found")
	}
	return c, parts, v, nil
}

// named gives the participants their organisations' names from the
// directory and puts them in the order they are shown: by role, then name.
func (s *Service) named(ctx context.Context, parts []Participant) error {
	if len(parts) == 0 {
		return nil
	}
	ids := make([]string, len(parts))
	for i, p := range parts {
		ids[i] = p.OrgID
	}
	orgs, err := s.orgs.GetMany(ctx, system, ids)
	if err != nil {
		return fmt.Errorf("vdp: participants: %w", err)
	}
	names := make(map[string]string, len(orgs))
	for _, o := range orgs {
		names[o.ID] = o.Name
	}
	for i := range parts {
		parts[i].OrgName = names[parts[i].OrgID]
	}
	// The directory keys a name by its lower case: the order of its lists.
	slices.SortStableFunc(parts, func(a, b Participant) int {
		if a.Role != b.Role {
			return strings.Compare(string(a.Role), string(b.Role))
		}
		return strings.Compare(strings.ToLower(a.OrgName), strings.ToLower(b.OrgName))
	})
	return nil
}

// orgName is an organisation's name in the directory.
func (s *Service) orgName(ctx context.Context, orgID string) (string, error) {
	o, err := s.orgs.Get(ctx, system, orgID)
	if err != nil {
		return "", fmt.Errorf("vdp: organisation %s: %w", orgID, err)
	}
	return o.Name, nil
}

// runTx loads a case for a change only those who run it may make.
func (s *Service) runTx(ctx context.Context, tx *db.Tx, id *auth.Identity, caseID string) (Case, []Participant, CaseViewer, error) {
	c, parts, v, err := s.loadCase(ctx, tx, id, caseID)
	if err != nil {
		return c, parts, v, err
	}
	if !v.Run {
		return c, parts, v, errs.Forbidden("only the coordinators of this case change it")
	}
	return c, parts, v, nil
}

// caseChange runs fn on a case the caller runs, saves it, adds a timeline
// event and an audit record.
func (s *Service) caseChange(ctx context.Context, id *auth.Identity, caseID, action string, fn func(tx *db.Tx, c *Case, parts []Participant) (summary, visibility string, err error)) (Case, error) {
	var out Case
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		c, parts, _, err := s.runTx(ctx, tx, id, caseID)
		if err != nil {
			return err
		}
		before := c
		summary, visibility, err := fn(tx, &c, parts)
		if err != nil {
			return err
		}
		c.UpdatedAt = s.now()
		if err := saveCase(ctx, tx, c); err != nil {
			return err
		}
		out = c
		if err := addEvent(ctx, tx, c.ID, action, summary, visibility, nil, id.User.Name, "", c.UpdatedAt); err != nil {
			return err
		}
		return audit.Record(ctx, tx, c.UpdatedAt, audit.Event{Action: "case." + action, ObjectType: "case", ObjectID: c.ID,
			OrgID: c.OwnerOrgID, Summary: c.Number + ": " + summary, Before: before, After: c})
	})
	return out, err
}

// AcceptInput says what to do with a valid report: take it into a new case
// (Title), attach it to an existing case (CaseID), or only track it (Track).
type AcceptInput struct {
	CaseID string `json:"case_id"`
	Title  string `json:"title"`
	Track  bool   `json:"track"`
}

// Accept takes a report into a case (or tracks it without coordinating).
func (s *Service) Accept(ctx context.Context, id *auth.Identity, reportID string, in AcceptInput) (Report, *Case, error) {
	var out Report
	var created *Case
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		r, err := s.triageTx(ctx, tx, id, reportID)
		if err != nil {
			return err
		}
		if !r.Status.Open() {
			return errs.Conflict("the report is %s already", r.Status)
		}
		before := r
		now := s.now()
		s.close(&r, ReportAccepted)
		r.ClosedAt = nil
		if r.Validity == "" {
			r.Validity = "valid"
		}
		var summary, msg string
		switch {
		case in.Track:
			r.Status = ReportTracked
			r.ClosedAt = &now
			summary = "tracked without coordination"
			msg = "Thank you. We have confirmed your report and are tracking it; we are not coordinating a disclosure ourselves."
		case in.CaseID != "":
			c, _, _, err := s.runTx(ctx, tx, id, in.CaseID)
			if errs.KindOf(err) == errs.KindNotFound {
				return fieldErr("case_id", "is not a case you coordinate")
			}
			if err != nil {
				return err
			}
			r.CaseID = &c.ID
			summary = "attached to " + c.Number
			msg = "We have accepted your report and handle it in case " + c.Number + "."
			if err := addEvent(ctx, tx, c.ID, "report", "report "+r.TrackingID+" attached", VisibleInternal, nil, id.User.Name, "reports", now); err != nil {
				return err
			}
		default:
			c, err := s.newCase(ctx, tx, id, r, in.Title)
			if err != nil {
				return err
			}
			created = &c
			r.CaseID = &c.ID
			summary = "opened case " + c.Number
			msg = "We have accepted your report and opened case " + c.Number + " to coordinate it with the vendor."
		}
		r.UpdatedAt = now
		if err := saveReport(ctx, tx, r); err != nil {
			return err
		}
		out = r
		if err := audit.Record(ctx, tx, now, audit.Event{Action: "report.accept", ObjectType: "report", ObjectID: r.ID,
			OrgID: deref(r.AssignedOrgID), Summary: r.TrackingID + ": " + summary, Before: trimForAudit(before), After: trimForAudit(r)}); err != nil {
			return err
		}
		return s.tellReporter(ctx, tx, r, &id.User.ID, msg, "Your report was accepted")
	})
	return out, created, err
}

// newCase opens a case from a report: its first vulnerability comes from
// the report, its vendor (when known) and submitting organisation take part.
func (s *Service) newCase(ctx context.Context, tx *db.Tx, id *auth.Identity, r Report, title string) (Case, error) {
	now := s.now()
	title = strings.TrimSpace(title)
	if title == "" {
		title = r.Title
	}
	if utf8.RuneCountInString(title) > maxTitle {
		return Case{}, fieldErr("title", "must be at most %d characters", maxTitle)
	}
	owner := deref(r.AssignedOrgID)
	if owner == "" {
		cc, err := s.coordinationCenter(ctx)
		if err != nil {
			return Case{}, err
		}
		if cc == "" {
			return Case{}, errs.Conflict("the directory has no coordination center to own the case: add the center's organisation to the directory first")
		}
		owner = cc
	}
	n, err := tx.NextNumber(ctx, fmt.Sprintf("case.%d", now.Year()))
	if err != nil {
		return Case{}, err
	}
	c := Case{ID: db.NewID(), Number: fmt.Sprintf("CC-%d-%04d", now.Year(), n), Title: title, Status: CaseOpen, References: []string{},
		OwnerOrgID: owner, TLP: string(tlp.AmberStrict), Embargo: "none", CreatedAt: now, UpdatedAt: now}
	if r.Public {
		c.Facts.PublicAware = &now
	}
	if r.Exploited {
		c.Facts.AttacksObserved = &now
	}
	if err := insertCase(ctx, tx, c); err != nil {
		return Case{}, err
	}
	v := Vuln{ID: db.NewID(), CaseID: c.ID, Position: 1, Title: r.Title, Description: r.Description, CWE: r.CWE,
		CVSS3: r.CVSS3, CVSS4: r.CVSS4, CreatedAt: now, UpdatedAt: now}
	if err := saveVuln(ctx, tx, v, true); err != nil {
		return Case{}, err
	}
	if r.VendorOrgID != nil {
		if err := saveParticipant(ctx, tx, Participant{CaseID: c.ID, OrgID: *r.VendorOrgID, Role: RoleVendor, AddedAt: now}); err != nil {
			return Case{}, err
		}
	}
	if r.SubmitterOrgID != nil && *r.SubmitterOrgID != owner {
		role := RoleConstituent
		if o, err := s.orgs.Get(ctx, system, *r.SubmitterOrgID); err == nil && o.Kind.IsCERT() {
			role = RoleCERT
		}
		if err := saveParticipant(ctx, tx, Participant{CaseID: c.ID, OrgID: *r.SubmitterOrgID, Role: role, AddedAt: now}); err != nil {
			return Case{}, err
		}
	}
	for _, t := range []Thread{{Title: "Coordination", Visibility: VisibleParticipants}, {Title: "Internal notes", Visibility: VisibleInternal}} {
		if _, err := tx.Exec(ctx, `INSERT INTO vdp_threads (id, case_id, title, visibility, created_at) VALUES ($1, $2, $3, $4, $5)`,
			db.NewID(), c.ID, t.Title, t.Visibility, now); err != nil {
			return Case{}, fmt.Errorf("vdp: thread: %w", err)
		}
	}
	if err := addEvent(ctx, tx, c.ID, "opened", "case opened from report "+r.TrackingID, VisibleParticipants, nil, id.User.Name, "", now); err != nil {
		return Case{}, err
	}
	return c, audit.Record(ctx, tx, now, audit.Event{Action: "case.open", ObjectType: "case", ObjectID: c.ID, OrgID: owner,
		Summary: "opened " + c.Number + ": " + c.Title, After: c})
}

// CaseDetail is a case as one viewer may see it.
type CaseDetail struct {
	Case         Case                 `json:"case"`
	Participants []Participant        `json:"participants"`
	Vulns        []Vuln               `json:"vulnerabilities"`
	Statuses     []VendorStatus       `json:"vendor_statuses"`
	Threads      []Thread             `json:"threads"`
	Events       []Event              `json:"timeline"`
	Dates        []DateChange         `json:"publication_date_changes"`
	Reports      []Report             `json:"reports,omitempty"`
	Unread       int                  `json:"unread"`
	Viewer       ViewerSummary        `json:"viewer"`
	Messages     map[string][]Message `json:"reporter_messages,omitempty"`
}

// ViewerSummary tells a client what the caller may do.
type ViewerSummary struct {
	Level   string   `json:"level"` // center, participant, public
	Run     bool     `json:"run"`
	Orgs    []string `json:"orgs,omitempty"`
	Vendors []string `json:"vendor_orgs,omitempty"`
}

// VendorStatus is one vendor's standing for one vulnerability and product.
// A vendor without a statement is "unknown".
type VendorStatus struct {
	VendorOrgID string `json:"vendor_org_id"`
	VendorName  string `json:"vendor_name"`
	VulnID      string `json:"vuln_id"`
	ProductStatus
}

func levelName(l Level) string {
	switch l {
	case LevelCenter:
		return "center"
	case LevelParticipant:
		return "participant"
	case LevelPublic:
		return "public"
	}
	return ""
}

// GetCase returns a case as id may see it, marks what id has now seen, and
// records that a vendor's member looked at it.
func (s *Service) GetCase(ctx context.Context, id *auth.Identity, caseID string) (CaseDetail, error) {
	var d CaseDetail
	var v CaseViewer
	var maxEvent int64
	var parts []Participant
	var statuses []ProductStatus
	authors := map[string][]string{}
	err := s.db.Read(ctx, func(q db.Querier) error {
		c, ps, viewer, err := s.loadCase(ctx, q, id, caseID)
		if err != nil {
			return err
		}
		v, parts = viewer, ps
		d.Case = c
		d.Viewer = ViewerSummary{Level: levelName(v.Level), Run: v.Run}
		for o, r := range v.Orgs {
			d.Viewer.Orgs = append(d.Viewer.Orgs, o)
			if r == RoleVendor {
				d.Viewer.Vendors = append(d.Viewer.Vendors, o)
			}
		}
		slices.Sort(d.Viewer.Orgs)
		slices.Sort(d.Viewer.Vendors)
		if d.Vulns, err = listVulns(ctx, q, c.ID); err != nil {
			return err
		}
		if statuses, err = listStatuses(ctx, q, c.ID); err != nil {
			return err
		}
		eventSeq, postSeq := int64(0), int64(0)
		if id != nil && !id.IsSystem() {
			if eventSeq, postSeq, err = lastRead(ctx, q, id.User.ID, c.ID); err != nil {
				return err
			}
		}
		if v.Level >= LevelParticipant {
			threads, err := listThreads(ctx, q, c.ID)
			if err != nil {
				return err
			}
			unread, err := unreadPosts(ctx, q, c.ID, postSeq)
			if err != nil {
				return err
			}
			d.Threads = []Thread{}
			for _, t := range threads {
				if v.SeesThread(t) {
					t.Unread = unread[t.ID]
					d.Unread += t.Unread
					d.Threads = append(d.Threads, t)
				}
			}
			events, err := listEvents(ctx, q, c.ID, 200)
			if err != nil {
				return err
			}
			d.Events = []Event{}
			for _, e := range events {
				maxEvent = max(maxEvent, e.Seq)
				if v.SeesEvent(e.visibility, e.orgID) {
					e.Unread = e.Seq > eventSeq
					d.Events = append(d.Events, e.Event)
				}
			}
			if d.Dates, err = listDates(ctx, q, c.ID); err != nil {
				return err
			}
		}
		if v.Center() {
			if d.Reports, err = listCaseReports(ctx, q, c.ID); err != nil {
				return err
			}
			d.Messages = map[string][]Message{}
			for _, r := range d.Reports {
				if d.Messages[r.ID], authors[r.ID], err = listMessages(ctx, q, r.ID); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return d, err
	}
	// Names come from the directory and the accounts, after the snapshot
	// is read: their services read on connections of their own.
	if err := s.named(ctx, parts); err != nil {
		return d, err
	}
	if v.Level == LevelPublic {
		d.Participants = []Participant{}
		for _, p := range parts {
			if p.Role == RoleVendor {
				d.Participants = append(d.Participants, Participant{OrgID: p.OrgID, OrgName: p.OrgName, Role: p.Role})
			}
		}
	} else {
		d.Participants = parts
	}
	d.Statuses = vendorMatrix(parts, d.Vulns, statuses, v)
	names := map[string]string{}
	for rid, msgs := range d.Messages {
		if err := s.nameAuthors(ctx, names, msgs, authors[rid]); err != nil {
			return d, err
		}
	}
	if id != nil && !id.IsSystem() && v.Level >= LevelParticipant {
		// The case page shows the timeline: its events are now seen. Posts
		// count as read only when their thread is opened.
		if err := s.markRead(ctx, id.User.ID, d.Case.ID, maxEvent, 0); err != nil {
			return d, err
		}
		if err := s.markSeen(ctx, id, d.Case, d.Participants, v); err != nil {
			return d, err
		}
	}
	return d, nil
}

// vendorMatrix fills in, for every vendor, vulnerability and product the
// statements that exist, and "unknown" for every vendor and vulnerability
// without one, as far as the viewer may see.
func vendorMatrix(parts []Participant, vulns []Vuln, statuses []ProductStatus, v CaseViewer) []VendorStatus {
	var out []VendorStatus
	for _, p := range parts {
		if p.Role != RoleVendor || !v.SeesStatus(p.OrgID) {
			continue
		}
		for _, vu := range vulns {
			found := false
			for _, st := range statuses {
				if st.VendorOrgID == p.OrgID && st.VulnID == vu.ID {
					out = append(out, VendorStatus{VendorOrgID: p.OrgID, VendorName: p.OrgName, VulnID: vu.ID, ProductStatus: st})
					found = true
				}
			}
			if !found {
				out = append(out, VendorStatus{VendorOrgID: p.OrgID, VendorName: p.OrgName, VulnID: vu.ID,
					ProductStatus: ProductStatus{VulnID: vu.ID, VendorOrgID: p.OrgID, Status: StatusUnknown}})
			}
		}
	}
	if out == nil {
		out = []VendorStatus{}
	}
	return out
}

// markSeen notes that a vendor's member opened the case (VINCE's "seen").
func (s *Service) markSeen(ctx context.Context, id *auth.Identity, c Case, parts []Participant, v CaseViewer) error {
	for _, p := range parts {
		if p.Role != RoleVendor || !v.IsVendor(p.OrgID) || p.SeenAt != nil || p.NotifiedAt == nil {
			continue
		}
		err := s.db.Write(ctx, func(tx *db.Tx) error {
			now := s.now()
			n, err := tx.Exec(ctx, `UPDATE vdp_participants SET seen_at = $3 WHERE case_id = $1 AND org_id = $2 AND seen_at IS NULL`, c.ID, p.OrgID, now)
			if err != nil || n == 0 {
				return err
			}
			orgID := p.OrgID
			if err := addEvent(ctx, tx, c.ID, "seen", p.OrgName+" opened the case", VisibleInternal, &orgID, id.User.Name, "vendors", now); err != nil {
				return err
			}
			return audit.Record(ctx, tx, now, audit.Event{Action: "case.vendor.seen", ObjectType: "case", ObjectID: c.ID,
				OrgID: p.OrgID, Summary: c.Number + ": " + p.OrgName + " opened the case"})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func listDates(ctx context.Context, q db.Querier, caseID string) ([]DateChange, error) {
	rows, err := q.Query(ctx, `SELECT old_at, new_at, reason, created_at FROM vdp_date_changes WHERE case_id = $1 ORDER BY created_at`, caseID)
	if err != nil {
		return nil, fmt.Errorf("vdp: date changes: %w", err)
	}
	defer rows.Close()
	out := []DateChange{}
	for rows.Next() {
		var d DateChange
		if err := rows.Scan(&d.OldAt, &d.NewAt, &d.Reason, &d.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// ListCases returns a page of the cases id takes part in (all, for staff), newest first.
func (s *Service) ListCases(ctx context.Context, id *auth.Identity, f CaseFilter) ([]Case, string, error) {
	if id == nil {
		return nil, "", errs.Unauthenticated("sign in to see cases")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if f.Status != "" && f.Status != "active" && !slices.Contains(CaseStatuses, CaseStatus(f.Status)) {
		return nil, "", fieldErr("status", "must be active, open, coordinating, remediation, disclosed or closed")
	}
	after, err := db.DecodeCursor(f.Cursor, 2)
	if err != nil {
		return nil, "", err
	}
	var afterAt *time.Time
	afterID := ""
	if after != nil {
		t, err := time.Parse(time.RFC3339Nano, after[0])
		if err != nil {
			return nil, "", fieldErr("cursor", "is not a cursor this server issued")
		}
		afterAt, afterID = &t, after[1]
	}
	out, err := listCases(ctx, s.db, id.OrgIDs(), id.IsStaff() || id.IsSystem(), f, afterAt, afterID)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = db.EncodeCursor(last.CreatedAt.UTC().Format(time.RFC3339Nano), last.ID)
	}
	return out, next, nil
}

// CaseChanges edit a case; nil fields stay as they are.
type CaseChanges struct {
	Title      *string   `json:"title"`
	Summary    *string   `json:"summary"`
	References *[]string `json:"references"`
	Status     *string   `json:"status"`
	TLP        *string   `json:"tlp"`
	Embargo    *string   `json:"embargo"`
	Owner      *string   `json:"owner_org_id"`
}

// UpdateCase edits a case. Disclosing it ends the embargo (now, unless the
// publication date has come already) and marks it TLP:CLEAR.
func (s *Service) UpdateCase(ctx context.Context, id *auth.Identity, caseID string, ch CaseChanges) (Case, error) {
	var f errs.Fields
	if ch.Title != nil {
		*ch.Title = strings.TrimSpace(*ch.Title)
		if *ch.Title == "" || utf8.RuneCountInString(*ch.Title) > maxTitle {
			f.Add("title", "is required, at most %d characters", maxTitle)
		}
	}
	if ch.Summary != nil && utf8.RuneCountInString(*ch.Summary) > maxText {
		f.Add("summary", "must be at most %d characters", maxText)
	}
	if ch.References != nil {
		var refs []string
		for i, ref := range *ch.References {
			ref = strings.TrimSpace(ref)
			if ref == "" {
				continue
			}
			if u, err := url.Parse(ref); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(ref) > 2000 {
				f.Add(fmt.Sprintf("references[%d]", i), "must be a web address starting with https://")
			}
			refs = append(refs, ref)
		}
		if len(refs) > maxRefs {
			f.Add("references", "at most %d references", maxRefs)
		}
		*ch.References = refs
	}
	if ch.Status != nil && !slices.Contains(CaseStatuses, CaseStatus(*ch.Status)) {
		f.Add("status", "must be open, coordinating, remediation, disclosed or closed")
	}
	var label tlp.Label
	if ch.TLP != nil {
		l, err := tlp.Parse(*ch.TLP)
		if err != nil {
			f.Add("tlp", "%s", err.Error())
		}
		label = l
	}
	if ch.Embargo != nil && !slices.Contains(EmbargoStates, *ch.Embargo) {
		f.Add("embargo", "must be none, proposed, active, revise or exited")
	}
	if ch.Owner != nil {
		o, err := s.orgs.Get(ctx, system, *ch.Owner)
		if err != nil || !o.Kind.IsCERT() {
			f.Add("owner_org_id", "must be a CERT of the directory")
		}
	}
	if err := f.Err(); err != nil {
		return Case{}, err
	}
	return s.caseChange(ctx, id, caseID, "update", func(tx *db.Tx, c *Case, parts []Participant) (string, string, error) {
		var what []string
		now := s.now()
		if ch.Title != nil && *ch.Title != c.Title {
			c.Title = *ch.Title
			what = append(what, "title")
		}
		if ch.Summary != nil && *ch.Summary != c.Summary {
			c.Summary = strings.TrimSpace(*ch.Summary)
			what = append(what, "summary")
		}
		if ch.References != nil && !slices.Equal(*ch.References, c.References) {
			c.References = *ch.References
			what = append(what, "references")
		}
		if ch.TLP != nil && string(label) != c.TLP {
			c.TLP = string(label)
			what = append(what, "TLP "+c.TLP)
		}
		if ch.Embargo != nil && *ch.Embargo != c.Embargo {
			c.Embargo = *ch.Embargo
			what = append(what, "embargo "+c.Embargo)
		}
		if ch.Owner != nil && *ch.Owner != c.OwnerOrgID {
			c.OwnerOrgID = *ch.Owner
			what = append(what, "owner")
		}
		if ch.Status != nil && CaseStatus(*ch.Status) != c.Status {
			c.Status = CaseStatus(*ch.Status)
			what = append(what, "status "+string(c.Status))
			switch c.Status {
			case CaseDisclosed:
				c.DisclosedAt = &now
				if c.PublicationAt == nil || c.PublicationAt.After(now) {
					old := c.PublicationAt
					c.PublicationAt = &now
					if _, err := tx.Exec(ctx, `INSERT INTO vdp_date_changes (id, case_id, old_at, new_at, reason, by_user_id, created_at)
						VALUES ($1, $2, $3, $4, $5, $6, $7)`, db.NewID(), c.ID, old, now, "disclosed", id.User.ID, now); err != nil {
						return "", "", err
					}
				}
				c.Embargo, c.TLP = "exited", string(tlp.Clear)
				if c.Facts.PublicAware == nil {
					c.Facts.PublicAware = &now
				}
			case CaseClosed:
				c.ClosedAt = &now
			default:
				c.ClosedAt = nil
			}
		}
		if len(what) == 0 {
			return "no change", VisibleInternal, nil
		}
		return "changed " + strings.Join(what, ", "), VisibleParticipants, nil
	})
}

// SetFact records (or clears) one of Vultron's case facts.
func (s *Service) SetFact(ctx context.Context, id *auth.Identity, caseID, fact string, on bool) (Case, error) {
	if !slices.Contains(FactNames, fact) {
		return Case{}, fieldErr("fact", "must be one of %s", strings.Join(FactNames, ", "))
	}
	return s.caseChange(ctx, id, caseID, "fact", func(tx *db.Tx, c *Case, _ []Participant) (string, string, error) {
		p := c.Facts.field(fact)
		now := s.now()
		switch {
		case on && *p == nil:
			*p = &now
			return strings.ReplaceAll(fact, "_", " ") + ": yes", VisibleParticipants, nil
		case !on && *p != nil:
			*p = nil
			return strings.ReplaceAll(fact, "_", " ") + ": no", VisibleParticipants, nil
		}
		return "no change", VisibleInternal, nil
	})
}

// SetPublicationDate sets the expected publication date (the end of the
// embargo). Changing a set date needs a reason; participants are told.
func (s *Service) SetPublicationDate(ctx context.Context, id *auth.Identity, caseID string, at time.Time, reason string) (Case, error) {
	reason = strings.TrimSpace(reason)
	at = at.UTC().Truncate(time.Second)
	return s.caseChange(ctx, id, caseID, "date", func(tx *db.Tx, c *Case, parts []Participant) (string, string, error) {
		if c.DisclosedAt != nil {
			return "", "", errs.Conflict("the case is disclosed: its publication date is history")
		}
		if c.PublicationAt != nil && reason == "" {
			return "", "", fieldErr("reason", "say why the date changes (an extension needs a reason)")
		}
		now := s.now()
		if !at.After(now) {
			return "", "", fieldErr("publication_at", "must be in the future; to publish now, mark the case disclosed")
		}
		if reason == "" {
			reason = "set"
		}
		old := c.PublicationAt
		c.PublicationAt = &at
		if c.Embargo == "none" || c.Embargo == "proposed" {
			c.Embargo = "active"
		}
		if _, err := tx.Exec(ctx, `INSERT INTO vdp_date_changes (id, case_id, old_at, new_at, reason, by_user_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, db.NewID(), c.ID, old, at, reason, id.User.ID, now); err != nil {
			return "", "", fmt.Errorf("vdp: date change: %w", err)
		}
		summary := "publication date set to " + at.Format("2006-01-02 15:04 UTC")
		if old != nil {
			summary = fmt.Sprintf("publication date moved from %s to %s: %s", old.Format("2006-01-02"), at.Format("2006-01-02"), reason)
		}
		if err := s.tellParticipants(ctx, tx, *c, parts, nil, "["+c.Number+"] Publication date: "+at.Format("2006-01-02"),
			fmt.Sprintf("%s.\n\nCase %s: %s\n%s\n", strings.ToUpper(summary[:1])+summary[1:], c.Number, c.Title,
				s.link("/console/cases/"+c.ID+"#dates")), "case.date"); err != nil {
			return "", "", err
		}
		return summary, VisibleParticipants, nil
	})
}

// tellParticipants mails every participant (all, or those in only), each
// encrypted to its key when it has one.
func (s *Service) tellParticipants(ctx context.Context, tx *db.Tx, c Case, parts []Participant, only []string, subject, body, tag string) error {
	var ids []string
	for _, p := range parts {
		if only == nil || slices.Contains(only, p.OrgID) {
			ids = append(ids, p.OrgID)
		}
	}
	return s.tellOrgs(ctx, tx, ids, subject, body, tag)
}

// tellOrg mails an organisation, encrypted to its OpenPGP key when it has one.
func (s *Service) tellOrg(ctx context.Context, tx *db.Tx, orgID, subject, body, tag string) error {
	return s.tellOrgs(ctx, tx, []string{orgID}, subject, body, tag)
}

// tellOrgs mails each organisation's members (or, without members, its
// contacts) and its vulnerability and security contacts, encrypted to the
// organisation's key when it has one. The organisations and their members
// load in a fixed number of queries, so a post to a 150-vendor case does not
// cost 150 round trips per vendor.
func (s *Service) tellOrgs(ctx context.Context, tx *db.Tx, ids []string, subject, body, tag string) error {
	if len(ids) == 0 {
		return nil
	}
	orgs, err := s.orgs.GetMany(ctx, system, ids)
	if err != nil {
		return err
	}
	members, err := auth.MembersOf(ctx, tx, ids)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		to := memberAddresses(members[o.ID], auth.RoleMember)
		noMembers := len(to) == 0
		for _, c := range o.Contacts {
			if c.Email != "" && (noMembers || c.Role == "vulnerability" || c.Role == "security") {
				to = append(to, c.Email)
			}
		}
		if err := s.mail(ctx, tx, to, subject, body, tag, o.PGPKey); err != nil {
			return err
		}
	}
	return nil
}

// ParticipantInput adds an organisation to a case.
type ParticipantInput struct {
	OrgID string          `json:"org_id"`
	Role  ParticipantRole `json:"role"`
}

// AddParticipant adds an organisation to a case (without telling it yet).
func (s *Service) AddParticipant(ctx context.Context, id *auth.Identity, caseID string, in ParticipantInput) (Case, error) {
	// The input is checked here but reported inside the change, after the
	// caller's right to run the case: who may not, learns nothing more.
	var invalid error
	o, err := s.orgs.Get(ctx, system, in.OrgID)
	switch {
	case !slices.Contains(ParticipantRoles, in.Role):
		invalid = fieldErr("role", "must be vendor, cert, constituent or coordinator")
	case err != nil:
		invalid = fieldErr("org_id", "is not an organisation of the directory")
	case in.Role == RoleVendor && o.Kind != directory.KindVendor:
		invalid = fieldErr("org_id", "%s is not a vendor", o.Name)
	case (in.Role == RoleCERT || in.Role == RoleCoordinator) && !o.Kind.IsCERT():
		invalid = fieldErr("org_id", "%s is not a CERT", o.Name)
	}
	return s.caseChange(ctx, id, caseID, "participant", func(tx *db.Tx, c *Case, parts []Participant) (string, string, error) {
		if invalid != nil {
			return "", "", invalid
		}
		for _, p := range parts {
			if p.OrgID == o.ID {
				return "", "", errs.Conflict("%s takes part already", o.Name)
			}
		}
		if o.ID == c.OwnerOrgID {
			return "", "", errs.Conflict("%s runs the case", o.Name)
		}
		err := saveParticipant(ctx, tx, Participant{CaseID: c.ID, OrgID: o.ID, Role: in.Role, AddedAt: s.now()})
		return "added " + o.Name + " as " + string(in.Role), VisibleParticipants, err
	})
}

// RemoveParticipant takes an organisation out of a case.
func (s *Service) RemoveParticipant(ctx context.Context, id *auth.Identity, caseID, orgID string) (Case, error) {
	return s.caseChange(ctx, id, caseID, "participant", func(tx *db.Tx, c *Case, parts []Participant) (string, string, error) {
		for _, p := range parts {
			if p.OrgID == orgID {
				if _, err := tx.Exec(ctx, `DELETE FROM vdp_participants WHERE case_id = $1 AND org_id = $2`, c.ID, orgID); err != nil {
					return "", "", err
				}
				name, err := s.orgName(ctx, orgID)
				return "removed " + name, VisibleParticipants, err
			}
		}
		return "", "", errs.NotFound("the organisation does not take part in the case")
	})
}

// NotifyVendor tells a vendor about the case by e-mail (encrypted when it
// has a key) and in its portal. The first vendor contact starts the clock of
// the publication date policy and the embargo.
func (s *Service) NotifyVendor(ctx context.Context, id *auth.Identity, caseID, orgID string) (Case, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return Case{}, err
	}
	return s.caseChange(ctx, id, caseID, "notify", func(tx *db.Tx, c *Case, parts []Participant) (string, string, error) {
		i := slices.IndexFunc(parts, func(p Participant) bool { return p.OrgID == orgID && p.Role == RoleVendor })
		if i < 0 {
			return "", "", fieldErr("org_id", "is not a vendor in this case")
		}
		p := parts[i]
		name, err := s.orgName(ctx, p.OrgID)
		if err != nil {
			return "", "", err
		}
		p.OrgName = name
		now := s.now()
		p.NotifiedAt = &now
		if err := saveParticipant(ctx, tx, p); err != nil {
			return "", "", err
		}
		if c.FirstVendorContactAt == nil {
			c.FirstVendorContactAt = &now
			if c.PublicationAt == nil {
				at := now.Add(time.Duration(st.PublicationDays) * 24 * time.Hour).Truncate(time.Second)
				c.PublicationAt = &at
				if _, err := tx.Exec(ctx, `INSERT INTO vdp_date_changes (id, case_id, old_at, new_at, reason, by_user_id, created_at)
					VALUES ($1, $2, NULL, $3, $4, $5, $6)`, db.NewID(), c.ID, at, fmt.Sprintf("policy: %d days after the first vendor contact", st.PublicationDays),
					id.User.ID, now); err != nil {
					return "", "", err
				}
			}
		}
		if c.Facts.VendorAware == nil {
			c.Facts.VendorAware = &now
		}
		if c.Embargo == "none" {
			c.Embargo = "active"
		}
		if c.Status == CaseOpen {
			c.Status = CaseCoordinating
		}
		if err := s.ensureVendorThread(ctx, tx, c.ID, p); err != nil {
			return "", "", err
		}
		pub := "to be agreed"
		if c.PublicationAt != nil {
			pub = c.PublicationAt.Format("2006-01-02 15:04 UTC")
		}
		body := fmt.Sprintf("%s coordinates the disclosure of a vulnerability that may affect your products.\n\n"+
			"Case: %s — %s\nExpected publication: %s\n\nPlease sign in to read the details, tell us which products are affected, "+
			"and agree on a fix and the publication date:\n%s\n\nThe details are under embargo until publication: do not share them.\n",
			s.centerName, c.Number, c.Title, pub, s.link("/console/cases/"+c.ID))
		if err := s.tellOrg(ctx, tx, p.OrgID, "["+c.Number+"] Vulnerability report for "+p.OrgName, body, "case.vendor"); err != nil {
			return "", "", err
		}
		return "notified " + p.OrgName, VisibleParticipants, nil
	})
}

func (s *Service) ensureVendorThread(ctx context.Context, tx *db.Tx, caseID string, p Participant) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM vdp_threads WHERE case_id = $1 AND vendor_org_id = $2`, caseID, p.OrgID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO vdp_threads (id, case_id, title, visibility, vendor_org_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		db.NewID(), caseID, "With "+p.OrgName, VisibleVendor, p.OrgID, s.now())
	return err
}

// participantChange lets a member of a participating organisation change
// its own standing in the case (acknowledge, tracking ID).
func (s *Service) participantChange(ctx context.Context, id *auth.Identity, caseID, orgID string, fn func(p *Participant) (string, error)) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		c, parts, v, err := s.loadCase(ctx, tx, id, caseID)
		if err != nil {
			return err
		}
		if _, mine := v.Orgs[orgID]; !mine && !v.Run {
			return errs.Forbidden("only members of the organisation (or the coordinators) change its standing in the case")
		}
		if !id.IsSystem() && !id.IsStaff() && v.Orgs[orgID] != "" && !id.RoleIn(orgID).AtLeast(auth.RoleMember) {
			return errs.Forbidden("viewers of the organisation cannot change its standing")
		}
		i := slices.IndexFunc(parts, func(p Participant) bool { return p.OrgID == orgID })
		if i < 0 {
			return errs.NotFound("the organisation does not take part in the case")
		}
		p := parts[i]
		if p.OrgName, err = s.orgName(ctx, p.OrgID); err != nil {
			return err
		}
		summary, err := fn(&p)
		if err != nil {
			return err
		}
		if err := saveParticipant(ctx, tx, p); err != nil {
			return err
		}
		now := s.now()
		if err := addEvent(ctx, tx, c.ID, "participant", p.OrgName+" "+summary, VisibleInternal, &p.OrgID, id.User.Name, "vendors", now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "case.participant.update", ObjectType: "case", ObjectID: c.ID,
			OrgID: orgID, Summary: c.Number + ": " + p.OrgName + " " + summary})
	})
}

// AcknowledgeCase records that a participant (a vendor) acknowledged the case.
func (s *Service) AcknowledgeCase(ctx context.Context, id *auth.Identity, caseID, orgID string) error {
	return s.participantChange(ctx, id, caseID, orgID, func(p *Participant) (string, error) {
		if p.AcknowledgedAt != nil {
			return "", errs.Conflict("acknowledged already")
		}
		now := s.now()
		p.AcknowledgedAt = &now
		if p.SeenAt == nil {
			p.SeenAt = &now
		}
		return "acknowledged the case", nil
	})
}

// SetTrackingID records a participant's own tracking ID for the case.
func (s *Service) SetTrackingID(ctx context.Context, id *auth.Identity, caseID, orgID, tracking string) error {
	tracking = strings.TrimSpace(tracking)
	if utf8.RuneCountInString(tracking) > 100 || strings.ContainsAny(tracking, "\r\n") {
		return fieldErr("tracking_id", "must be one line of at most 100 characters")
	}
	return s.participantChange(ctx, id, caseID, orgID, func(p *Participant) (string, error) {
		p.TheirTracking = tracking
		return "set its tracking ID to " + orDash(tracking), nil
	})
}

// VulnInput adds or edits a vulnerability.
type VulnInput struct {
	Title       *string           `json:"title"`
	Description *string           `json:"description"`
	CWE         *string           `json:"cwe"`
	CVSS3       *string           `json:"cvss3"`
	CVSS4       *string           `json:"cvss4"`
	SSVC        map[string]string `json:"ssvc"` // supplier table decision points
}

func applyVuln(v *Vuln, in VulnInput) error {
	var f errs.Fields
	if in.Title != nil {
		t := strings.TrimSpace(*in.Title)
		if t == "" || utf8.RuneCountInString(t) > maxTitle {
			f.Add("title", "is required, at most %d characters", maxTitle)
		}
		v.Title = t
	} else if v.Title == "" {
		f.Add("title", "is required")
	}
	if in.Description != nil {
		if utf8.RuneCountInString(*in.Description) > maxText {
			f.Add("description", "must be at most %d characters", maxText)
		}
		v.Description = strings.TrimSpace(*in.Description)
	}
	if in.CWE != nil {
		cwe, problem := NormalizeCWE(*in.CWE)
		if problem != "" {
			f.Add("cwe", "%s", problem)
		}
		v.CWE = cwe
	}
	if in.CVSS3 != nil {
		sc, err := ParseVector("cvss3", *in.CVSS3, "3")
		if e := errs.As(err); e != nil {
			f = append(f, e.Fields...)
		}
		v.CVSS3 = sc
	}
	if in.CVSS4 != nil {
		sc, err := ParseVector("cvss4", *in.CVSS4, "4")
		if e := errs.As(err); e != nil {
			f = append(f, e.Fields...)
		}
		v.CVSS4 = sc
	}
	if in.SSVC != nil {
		if len(in.SSVC) == 0 {
			v.SSVC = nil
		} else {
			sup, _ := ssvc.Get("supplier")
			d, err := sup.Decide(in.SSVC)
			if err != nil {
				f.Add("ssvc", "%s", err.Error())
			} else {
				v.SSVC = &d
			}
		}
	}
	return f.Err()
}

// AddVuln adds a vulnerability to a case.
func (s *Service) AddVuln(ctx context.Context, id *auth.Identity, caseID string, in VulnInput) (Vuln, error) {
	var v Vuln
	if err := applyVuln(&v, in); err != nil {
		return Vuln{}, err
	}
	_, err := s.caseChange(ctx, id, caseID, "vulnerability", func(tx *db.Tx, c *Case, _ []Participant) (string, string, error) {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(position), 0) FROM vdp_vulns WHERE case_id = $1`, c.ID).Scan(&n); err != nil {
			return "", "", err
		}
		now := s.now()
		v.ID, v.CaseID, v.Position, v.CreatedAt, v.UpdatedAt = db.NewID(), c.ID, n+1, now, now
		return "added vulnerability " + v.Title, VisibleParticipants, saveVuln(ctx, tx, v, true)
	})
	return v, err
}

// UpdateVuln edits a vulnerability.
func (s *Service) UpdateVuln(ctx context.Context, id *auth.Identity, caseID, vulnID string, in VulnInput) (Vuln, error) {
	var out Vuln
	_, err := s.caseChange(ctx, id, caseID, "vulnerability", func(tx *db.Tx, c *Case, _ []Participant) (string, string, error) {
		v, err := scanVuln(tx.QueryRow(ctx, `SELECT `+vulnColumns+` FROM vdp_vulns WHERE id = $1 AND case_id = $2`, vulnID, c.ID))
		if err != nil {
			return "", "", errs.NotFound("vulnerability not found")
		}
		if err := applyVuln(&v, in); err != nil {
			return "", "", err
		}
		v.UpdatedAt = s.now()
		out = v
		return "updated vulnerability " + v.Title, VisibleParticipants, saveVuln(ctx, tx, v, false)
	})
	return out, err
}

// StatusInput is a vendor's statement about a product.
type StatusInput struct {
	VulnID        string `json:"vuln_id"`
	VendorOrgID   string `json:"vendor_org_id"`
	Product       string `json:"product"`
	Status        string `json:"status"`
	Statement     string `json:"statement"`
	FixedVersions string `json:"fixed_versions"`
	Mitigation    string `json:"mitigation"`
	Workaround    string `json:"workaround"`
}

// SetStatus records a vendor's statement. The vendor's own members and the
// coordinators may state it.
func (s *Service) SetStatus(ctx context.Context, id *auth.Identity, caseID string, in StatusInput) (ProductStatus, error) {
	var f errs.Fields
	in.Product = strings.TrimSpace(in.Product)
	if in.Product == "" || utf8.RuneCountInString(in.Product) > maxTitle {
		f.Add("product", "name the product (at most %d characters)", maxTitle)
	}
	if !ValidProductStatus(in.Status) {
		f.Add("status", "must be under_investigation, known_affected, fixed or known_not_affected")
	}
	for field, v := range map[string]string{"statement": in.Statement, "mitigation": in.Mitigation, "workaround": in.Workaround} {
		if utf8.RuneCountInString(v) > maxText {
			f.Add(field, "must be at most %d characters", maxText)
		}
	}
	if utf8.RuneCountInString(in.FixedVersions) > maxShort {
		f.Add("fixed_versions", "must be at most %d characters", maxShort)
	}
	if in.Status == StatusFixed && strings.TrimSpace(in.FixedVersions) == "" {
		f.Add("fixed_versions", "name the versions that fix it")
	}
	if err := f.Err(); err != nil {
		return ProductStatus{}, err
	}
	var out ProductStatus
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		c, parts, v, err := s.loadCase(ctx, tx, id, caseID)
		if err != nil {
			return err
		}
		if !v.Run && !(v.IsVendor(in.VendorOrgID) && id.RoleIn(in.VendorOrgID).AtLeast(auth.RoleMember)) {
			return errs.Forbidden("only the vendor and the coordinators state a vendor's products")
		}
		pi := slices.IndexFunc(parts, func(p Participant) bool { return p.OrgID == in.VendorOrgID && p.Role == RoleVendor })
		if pi < 0 {
			return fieldErr("vendor_org_id", "is not a vendor in this case")
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM vdp_vulns WHERE id = $1 AND case_id = $2`, in.VulnID, c.ID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fieldErr("vuln_id", "is not a vulnerability of this case")
		}
		now := s.now()
		out = ProductStatus{ID: db.NewID(), VulnID: in.VulnID, VendorOrgID: in.VendorOrgID, Product: in.Product, Status: in.Status,
			Statement: strings.TrimSpace(in.Statement), FixedVersions: strings.TrimSpace(in.FixedVersions),
			Mitigation: strings.TrimSpace(in.Mitigation), Workaround: strings.TrimSpace(in.Workaround), UpdatedBy: id.User.Name, UpdatedAt: now}
		if _, err := tx.Exec(ctx, `INSERT INTO vdp_product_status (id, case_id, vuln_id, vendor_org_id, product, status, statement,
			fixed_versions, mitigation, workaround, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (vuln_id, vendor_org_id, product) DO UPDATE SET status = excluded.status, statement = excluded.statement,
			fixed_versions = excluded.fixed_versions, mitigation = excluded.mitigation, workaround = excluded.workaround,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`, out.ID, c.ID, out.VulnID, out.VendorOrgID,
			out.Product, out.Status, out.Statement, out.FixedVersions, out.Mitigation, out.Workaround, out.UpdatedBy, now); err != nil {
			return fmt.Errorf("vdp: status: %w", err)
		}
		p := parts[pi]
		if p.OrgName, err = s.orgName(ctx, p.OrgID); err != nil {
			return err
		}
		if p.AcknowledgedAt == nil && v.IsVendor(p.OrgID) {
			// A statement from the vendor is an acknowledgement.
			p.AcknowledgedAt = &now
			if p.SeenAt == nil {
				p.SeenAt = &now
			}
			if err := saveParticipant(ctx, tx, p); err != nil {
				return err
			}
		}
		if in.Status == StatusFixed && c.Facts.FixReady == nil {
			c.Facts.FixReady = &now
			if c.Status == CaseOpen || c.Status == CaseCoordinating {
				c.Status = CaseRemediation
			}
			c.UpdatedAt = now
			if err := saveCase(ctx, tx, c); err != nil {
				return err
			}
		}
		vendor := p.OrgID
		summary := fmt.Sprintf("%s: %s is %s", p.OrgName, out.Product, strings.ReplaceAll(out.Status, "_", " "))
		if err := addEvent(ctx, tx, c.ID, "status", summary, VisibleParticipants, &vendor, id.User.Name, "status", now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, audit.Event{Action: "case.status", ObjectType: "case", ObjectID: c.ID,
			OrgID: vendor, Summary: c.Number + ": " + summary, After: out}); err != nil {
			return err
		}
		if v.IsVendor(vendor) {
			return s.tellOrg(ctx, tx, c.OwnerOrgID, "["+c.Number+"] "+summary, summary+"\n\n"+s.link("/console/cases/"+c.ID+"#status")+"\n", "case.status")
		}
		return nil
	})
	return out, err
}

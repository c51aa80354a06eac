package vdp

import (
	"context"
	"slices"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/vdp/model"
	"github.com/certhub/certhub/internal/vdp/store"
	"github.com/certhub/certhub/internal/vdp/threads"
	"github.com/certhub/certhub/internal/vdp/timeline"
)

// CaseDetail is a case as one viewer may see it.
type CaseDetail struct {
	Case         model.Case                 `json:"case"`
	Participants []model.Participant        `json:"participants"`
	Vulns        []model.Vuln               `json:"vulnerabilities"`
	Statuses     []VendorStatus             `json:"vendor_statuses"`
	Threads      []threads.Thread           `json:"threads"`
	Events       []timeline.Event           `json:"timeline"`
	Dates        []model.DateChange         `json:"publication_date_changes"`
	Reports      []model.Report             `json:"reports,omitempty"`
	Unread       int                        `json:"unread"`
	Viewer       ViewerSummary              `json:"viewer"`
	Messages     map[string][]model.Message `json:"reporter_messages,omitempty"`
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
	model.ProductStatus
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
	var parts []model.Participant
	var statuses []model.ProductStatus
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
			if r == model.RoleVendor {
				d.Viewer.Vendors = append(d.Viewer.Vendors, o)
			}
		}
		slices.Sort(d.Viewer.Orgs)
		slices.Sort(d.Viewer.Vendors)
		if d.Vulns, err = store.ListVulns(ctx, q, c.ID); err != nil {
			return err
		}
		if statuses, err = store.ListStatuses(ctx, q, c.ID); err != nil {
			return err
		}
		eventSeq, postSeq := int64(0), int64(0)
		if id != nil && !id.IsSystem() {
			if eventSeq, postSeq, err = timeline.LastRead(ctx, q, id.User.ID, c.ID); err != nil {
				return err
			}
		}
		if v.Level >= LevelParticipant {
			ths, err := threads.List(ctx, q, c.ID)
			if err != nil {
				return err
			}
			unread, err := threads.Unread(ctx, q, c.ID, postSeq)
			if err != nil {
				return err
			}
			d.Threads = []threads.Thread{}
			for _, t := range ths {
				if v.SeesThread(t) {
					t.Unread = unread[t.ID]
					d.Unread += t.Unread
					d.Threads = append(d.Threads, t)
				}
			}
			events, err := timeline.List(ctx, q, c.ID, 200)
			if err != nil {
				return err
			}
			d.Events = []timeline.Event{}
			for _, e := range events {
				maxEvent = max(maxEvent, e.Seq)
				if v.SeesEvent(e.Visibility, e.OrgID) {
					e.Unread = e.Seq > eventSeq
					d.Events = append(d.Events, e.Event)
				}
			}
			if d.Dates, err = store.ListDates(ctx, q, c.ID); err != nil {
				return err
			}
		}
		if v.Center() {
			if d.Reports, err = store.ListCaseReports(ctx, q, c.ID); err != nil {
				return err
			}
			d.Messages = map[string][]model.Message{}
			for _, r := range d.Reports {
				if d.Messages[r.ID], authors[r.ID], err = store.ListMessages(ctx, q, r.ID); err != nil {
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
		d.Participants = []model.Participant{}
		for _, p := range parts {
			if p.Role == model.RoleVendor {
				d.Participants = append(d.Participants, model.Participant{OrgID: p.OrgID, OrgName: p.OrgName, Role: p.Role})
			}
		}
	} else {
		d.Participants = parts
	}
	d.Statuses = vendorMatrix(parts, d.Vulns, statuses, v)
	names := map[string]string{}
	for rid, msgs := range d.Messages {
		if err := s.reports.NameAuthors(ctx, names, msgs, authors[rid]); err != nil {
			return d, err
		}
	}
	if id != nil && !id.IsSystem() && v.Level >= LevelParticipant {
		// The case page shows the timeline: its events are now seen. Posts
		// count as read only when their thread is opened.
		if err := timeline.MarkRead(ctx, s.db, id.User.ID, d.Case.ID, maxEvent, 0, s.now()); err != nil {
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
func vendorMatrix(parts []model.Participant, vulns []model.Vuln, statuses []model.ProductStatus, v CaseViewer) []VendorStatus {
	var out []VendorStatus
	for _, p := range parts {
		if p.Role != model.RoleVendor || !v.SeesStatus(p.OrgID) {
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
					ProductStatus: model.ProductStatus{VulnID: vu.ID, VendorOrgID: p.OrgID, Status: model.StatusUnknown}})
			}
		}
	}
	if out == nil {
		out = []VendorStatus{}
	}
	return out
}

// markSeen notes that a vendor's member opened the case (VINCE's "seen").
func (s *Service) markSeen(ctx context.Context, id *auth.Identity, c model.Case, parts []model.Participant, v CaseViewer) error {
	for _, p := range parts {
		if p.Role != model.RoleVendor || !v.IsVendor(p.OrgID) || p.SeenAt != nil || p.NotifiedAt == nil {
			continue
		}
		err := s.db.Write(ctx, func(tx *db.Tx) error {
			now := s.now()
			n, err := tx.Exec(ctx, `UPDATE vdp_participants SET seen_at = $3 WHERE case_id = $1 AND org_id = $2 AND seen_at IS NULL`, c.ID, p.OrgID, now)
			if err != nil || n == 0 {
				return err
			}
			orgID := p.OrgID
			if err := timeline.Add(ctx, tx, c.ID, "seen", p.OrgName+" opened the case", model.VisibleInternal, &orgID, id.User.Name, "vendors", now); err != nil {
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

package incident

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/coordination/deadline"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// AddNote writes a note of a visibility the writer may use (the owner any;
// the reporter its exchange with the owner; an involved CERT the CERTs').
// The owning CERT's first note to the reporter is its first response.
// Those who may read it are told. Audited.
func (s *Service) AddNote(ctx context.Context, id *auth.Identity, ref string, in NoteInput) (Note, error) {
	var f errs.Fields
	text(&f, "body", &in.Body, true, MaxText)
	in.Visibility = strings.TrimSpace(in.Visibility)
	if in.Visibility != "" && !slices.Contains(Visibilities, in.Visibility) {
		f.Add("visibility", "one of %s", strings.Join(Visibilities, ", "))
	}
	if err := f.Err(); err != nil {
		return Note{}, err
	}
	var n Note
	_, err := s.change(ctx, id, ref, "note", func(st standing) error {
		if !st.writes && !st.handles {
			return errs.Forbidden("viewers read incidents; members write in them")
		}
		return nil
	}, func(tx *db.Tx, inc *Incident, inv []Involved, st standing, d directoryOf, now time.Time) ([]Event, error) {
		vis := in.Visibility
		if vis == "" {
			switch {
			case st.handles:
				vis = Internal
			case st.reporter:
				vis = Reporter
			default:
				vis = CERTs
			}
		}
		if !st.mayWrite(vis) {
			return nil, errs.InvalidField("visibility", "you may not write a note for %s", visibilityLabel(vis))
		}
		var org *string
		switch {
		case st.handles && !st.staff || st.owner:
			org = &inc.OwnerOrgID
		case st.reporter && vis == Reporter:
			org = inc.ReporterOrgID
		default:
			for _, v := range inv {
				if above(id, v.OrgID) {
					o := v.OrgID
					org = &o
					break
				}
			}
		}
		n = Note{ID: db.NewID(), Visibility: vis, Body: in.Body, AuthorName: id.DisplayName(), AuthorOrgID: org, CreatedAt: now}
		if err := insertNote(ctx, tx, inc.ID, n); err != nil {
			return nil, err
		}
		events := []Event{{Kind: "note", Visibility: vis, Summary: fmt.Sprintf("note for %s", visibilityLabel(vis))}}
		fromOwner := st.handles
		if vis == Reporter && fromOwner && inc.FirstResponse == nil {
			inc.FirstResponse = &now
			fr := deadline.FirstResponse.Steps[0]
			due := fr.After.From(inc.ReportedAt)
			if _, err := markStep(ctx, tx, inc.ID, deadline.Key(deadline.FirstResponse.ID, fr.ID), now, &due, id.Label()); err != nil {
				return nil, err
			}
			events = append(events, Event{Kind: "first_response", Visibility: Reporter, Summary: "first response to the reporter"})
		}
		if inc.Status == StatusNew && fromOwner {
			inc.Status = StatusOpen
		}
		// Tell those who may read it, except the writer's side.
		var tell []string
		switch vis {
		case Reporter:
			if fromOwner {
				if inc.ReporterOrgID != nil {
					tell = append(tell, *inc.ReporterOrgID)
				} else if err := s.tellPublic(ctx, tx, *inc); err != nil {
					return nil, err
				}
			} else {
				tell = append(tell, inc.OwnerOrgID)
			}
		case CERTs:
			for _, o := range append([]string{inc.OwnerOrgID}, orgsOf(inv)...) {
				if org == nil || o != *org {
					tell = append(tell, o)
				}
			}
		}
		if err := s.tell(ctx, tx, tell, *inc, "New note on "+inc.Number, fmt.Sprintf("%s wrote on incident %s.", id.DisplayName(), inc.Number)); err != nil {
			return nil, err
		}
		return events, nil
	})
	return n, err
}

func orgsOf(inv []Involved) []string {
	out := make([]string, len(inv))
	for i, v := range inv {
		out[i] = v.OrgID
	}
	return out
}

func visibilityLabel(v string) string {
	switch v {
	case Internal:
		return "the owning CERT only"
	case Reporter:
		return "the owning CERT and the reporter"
	case CERTs:
		return "every CERT involved"
	}
	return v
}

package vdp

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/tlp"
	"github.com/certhub/certhub/internal/vdp/model"
)

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
func (s *Service) UpdateCase(ctx context.Context, id *auth.Identity, caseID string, ch CaseChanges) (model.Case, error) {
	var f errs.Fields
	if ch.Title != nil {
		*ch.Title = strings.TrimSpace(*ch.Title)
		if *ch.Title == "" || utf8.RuneCountInString(*ch.Title) > model.MaxTitle {
			f.Add("title", "is required, at most %d characters", model.MaxTitle)
		}
	}
	if ch.Summary != nil && utf8.RuneCountInString(*ch.Summary) > model.MaxText {
		f.Add("summary", "must be at most %d characters", model.MaxText)
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
		if len(refs) > model.MaxRefs {
			f.Add("references", "at most %d references", model.MaxRefs)
		}
		*ch.References = refs
	}
	if ch.Status != nil && !slices.Contains(model.CaseStatuses, model.CaseStatus(*ch.Status)) {
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
	if ch.Embargo != nil && !slices.Contains(model.EmbargoStates, *ch.Embargo) {
		f.Add("embargo", "must be none, proposed, active, revise or exited")
	}
	if ch.Owner != nil {
		o, err := s.orgs.Get(ctx, system, *ch.Owner)
		if err != nil || !o.Kind.IsCERT() {
			f.Add("owner_org_id", "must be a CERT of the directory")
		}
	}
	if err := f.Err(); err != nil {
		return model.Case{}, err
	}
	return s.caseChange(ctx, id, caseID, "update", func(tx *db.Tx, c *model.Case, parts []model.Participant) (string, string, error) {
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
		if ch.Status != nil && model.CaseStatus(*ch.Status) != c.Status {
			c.Status = model.CaseStatus(*ch.Status)
			what = append(what, "status "+string(c.Status))
			switch c.Status {
			case model.CaseDisclosed:
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
			case model.CaseClosed:
				c.ClosedAt = &now
			default:
				c.ClosedAt = nil
			}
		}
		if len(what) == 0 {
			return "no change", model.VisibleInternal, nil
		}
		return "changed " + strings.Join(what, ", "), model.VisibleParticipants, nil
	})
}

// SetFact records (or clears) one of Vultron's case facts.
func (s *Service) SetFact(ctx context.Context, id *auth.Identity, caseID, fact string, on bool) (model.Case, error) {
	if !slices.Contains(model.FactNames, fact) {
		return model.Case{}, errs.InvalidField("fact", "must be one of %s", strings.Join(model.FactNames, ", "))
	}
	return s.caseChange(ctx, id, caseID, "fact", func(tx *db.Tx, c *model.Case, _ []model.Participant) (string, string, error) {
		var at *time.Time
		if on {
			now := s.now()
			at = &now
		}
		if c.Facts.Set(fact, at) {
			if on {
				return strings.ReplaceAll(fact, "_", " ") + ": yes", model.VisibleParticipants, nil
			}
			return strings.ReplaceAll(fact, "_", " ") + ": no", model.VisibleParticipants, nil
		}
		return "no change", model.VisibleInternal, nil
	})
}

// SetPublicationDate sets the expected publication date (the end of the
// embargo). Changing a set date needs a reason; participants are told.
func (s *Service) SetPublicationDate(ctx context.Context, id *auth.Identity, caseID string, at time.Time, reason string) (model.Case, error) {
	reason = strings.TrimSpace(reason)
	at = at.UTC().Truncate(time.Second)
	return s.caseChange(ctx, id, caseID, "date", func(tx *db.Tx, c *model.Case, parts []model.Participant) (string, string, error) {
		if c.DisclosedAt != nil {
			return "", "", errs.Conflict("the case is disclosed: its publication date is history")
		}
		if c.PublicationAt != nil && reason == "" {
			return "", "", errs.InvalidField("reason", "say why the date changes (an extension needs a reason)")
		}
		now := s.now()
		if !at.After(now) {
			return "", "", errs.InvalidField("publication_at", "must be in the future; to publish now, mark the case disclosed")
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
		return summary, model.VisibleParticipants, nil
	})
}

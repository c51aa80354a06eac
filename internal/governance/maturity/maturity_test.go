package maturity_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/governance/maturity"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
)

var dir = map[string]directory.Org{
	"ncert":     {ID: "ncert", Name: "National CERT", Kind: directory.KindNationalCERT},
	"bankcert":  {ID: "bankcert", Name: "Banking CERT", Kind: directory.KindSectoralCERT},
	"telcocert": {ID: "telcocert", Name: "Telecom CERT", Kind: directory.KindSectoralCERT},
	"bank":      {ID: "bank", Name: "A Bank", Kind: directory.KindConstituent},
}

type orgs struct{}

func (orgs) GetMany(_ context.Context, _ *auth.Identity, ids []string) ([]directory.Org, error) {
	var out []directory.Org
	for _, id := range ids {
		if o, ok := dir[id]; ok {
			out = append(out, o)
		}
	}
	return out, nil
}

func (orgs) Members(_ context.Context, _ *auth.Identity, org string) ([]auth.Member, error) {
	return []auth.Member{{Membership: auth.Membership{UserID: "a-" + org, OrgID: org, Role: auth.RoleAdmin}, Email: "a@" + org + ".example"}}, nil
}

// records knows one exercise, X-1.
type records struct{}

func (records) Find(_ context.Context, kind, ref string) (maturity.Evidence, error) {
	if kind == "exercise" && ref == "X-1" {
		return maturity.Evidence{Ref: "x1", Label: "tabletop, 2026-10-01", Title: "Ransomware at a bank", URL: "/console/training/exercises/x1"}, nil
	}
	return maturity.Evidence{}, errs.NotFound("no %s %s", kind, ref)
}

type outbox struct {
	mu sync.Mutex
	to []string
}

func (o *outbox) Send(_ context.Context, _ *db.Tx, m notify.Mail) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.to = append(o.to, m.To...)
	return nil
}

func person(role auth.Role, org string) *auth.Identity {
	return &auth.Identity{User: auth.User{ID: string(role) + "-" + org, Name: string(role) + " of " + org},
		Memberships: []auth.Membership{{UserID: string(role) + "-" + org, OrgID: org, Role: role}}}
}

var staff = &auth.Identity{User: auth.User{ID: "staff", Name: "Staff", PlatformRole: auth.PlatformCoordinator}}

func lvl(n int) maturity.LevelInput { return maturity.LevelInput{Level: &n, Note: "In the handbook"} }

// TestMaturity: BankCERT rates itself on the 44 parameters, with
// evidence, and submits; the levels are then kept as they were; TelcoCERT
// reviews it starting from those levels and changes one; the history shows
// both; who reads and writes what.
func TestMaturity(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for id, o := range dir {
			if _, err := d.Exec(ctx, `INSERT INTO orgs (id, name, name_key, kind, created_at, updated_at) VALUES ($1, $2, $1, $3, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
				id, o.Name, string(o.Kind)); err != nil {
				t.Fatal(err)
			}
		}
		now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
		out := &outbox{}
		s := maturity.NewService(maturity.Options{DB: d, Orgs: orgs{}, Records: records{}, Outbox: out, Now: func() time.Time { return now }})
		analyst, viewer := person(auth.RoleAnalyst, "bankcert"), person(auth.RoleViewer, "bankcert")

		if len(maturity.Parameters) != 44 {
			t.Fatalf("SIM3 has 44 parameters, the list %d", len(maturity.Parameters))
		}
		_, err := s.Start(ctx, viewer, maturity.StartInput{OrgID: "bankcert"})
		if errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("a viewer started one: %v", err)
		}
		_, err = s.Start(ctx, person(auth.RoleAdmin, "bank"), maturity.StartInput{OrgID: "bank"})
		if !errs.HasField(err, "org_id") {
			t.Errorf("a bank (not a CERT) assessed: %v", err)
		}
		_, err = s.Start(ctx, analyst, maturity.StartInput{OrgID: "bankcert", Kind: maturity.Peer, ReviewerOrgID: "telcocert"})
		if errs.KindOf(err) != errs.KindConflict {
			t.Errorf("a review before any self-assessment: %v", err)
		}
		a, err := s.Start(ctx, analyst, maturity.StartInput{})
		if err != nil || a.OrgID != "bankcert" || a.Kind != maturity.Self || a.State != maturity.Draft {
			t.Fatalf("start: %+v %v", a, err)
		}
		if again, _ := s.Start(ctx, analyst, maturity.StartInput{OrgID: "bankcert"}); again.ID != a.ID {
			t.Errorf("a second draft: %s", again.ID)
		}

		// Levels: 0 to 4; written-down levels need a note or evidence.
		_, err = s.SetLevel(ctx, analyst, a.ID, "O-6", lvl(1))
		if errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("O-6 (withdrawn): %v", err)
		}
		if _, err = s.SetLevel(ctx, analyst, a.ID, "O-1", lvl(5)); !errs.HasField(err, "level") {
			t.Errorf("level 5: %v", err)
		}
		three := 3
		if _, err = s.SetLevel(ctx, analyst, a.ID, "P-7", maturity.LevelInput{Level: &three}); !errs.HasField(err, "note") {
			t.Errorf("level 3 resting on nothing: %v", err)
		}
		if _, err = s.AddEvidence(ctx, analyst, a.ID, maturity.EvidenceInput{Parameter: "P-7", Kind: "exercise", Ref: "X-9"}); !errs.HasField(err, "ref") {
			t.Errorf("an unknown exercise: %v", err)
		}
		if _, err = s.AddEvidence(ctx, analyst, a.ID, maturity.EvidenceInput{Parameter: "Z-1", Kind: "memo", Ref: ""}); !errs.HasField(err, "parameter") ||
			!errs.HasField(err, "kind") || !errs.HasField(err, "ref") {
			t.Errorf("bad evidence: %v", err)
		}
		if e, err := s.AddEvidence(ctx, analyst, a.ID, maturity.EvidenceInput{Parameter: "p-7", Kind: "exercise", Ref: "X-1"}); err != nil || e.Title != "Ransomware at a bank" {
			t.Fatalf("evidence: %+v %v", e, err)
		}
		if _, err = s.SetLevel(ctx, analyst, a.ID, "P-7", maturity.LevelInput{Level: &three}); err != nil {
			t.Errorf("level 3 resting on the exercise: %v", err)
		}
		if _, err = s.SetLevel(ctx, viewer, a.ID, "O-1", lvl(2)); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("a viewer rated: %v", err)
		}
		if _, err = s.SetLevel(ctx, person(auth.RoleAdmin, "telcocert"), a.ID, "O-1", lvl(2)); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("another CERT rated: %v", err)
		}
		if _, err = s.Submit(ctx, analyst, a.ID, ""); !errs.HasField(err, "levels") {
			t.Errorf("submitted with 43 missing: %v", err)
		}
		for _, p := range maturity.Parameters {
			if p.ID == "P-7" {
				continue
			}
			n := map[string]int{"O": 2, "H": 1, "T": 3, "P": 2}[p.Group]
			if _, err := s.SetLevel(ctx, analyst, a.ID, p.ID, lvl(n)); err != nil {
				t.Fatalf("%s: %v", p.ID, err)
			}
		}
		now = now.Add(time.Hour)
		sub, err := s.Submit(ctx, analyst, a.ID, "")
		if err != nil || sub.State != maturity.Submitted || sub.Rated != 44 || sub.ByGroup["T"] != 3 || sub.ByGroup["H"] != 1 {
			t.Fatalf("submit: %+v %v", sub, err)
		}
		if _, err = s.SetLevel(ctx, analyst, a.ID, "O-1", lvl(4)); errs.KindOf(err) != errs.KindConflict {
			t.Errorf("changed after submission: %v", err)
		}

		// The peer review starts from it; TelcoCERT changes P-7.
		now = now.AddDate(0, 1, 0)
		r, err := s.Start(ctx, analyst, maturity.StartInput{OrgID: "bankcert", Kind: maturity.Peer, ReviewerOrgID: "telcocert"})
		if err != nil || r.BasedOn != a.ID || r.Rated != 44 || r.Reviewer != "Telecom CERT" {
			t.Fatalf("review: %+v %v", r, err)
		}
		if len(out.to) != 1 || out.to[0] != "a@telcocert.example" {
			t.Errorf("the reviewer was told: %v", out.to)
		}
		if _, err = s.SetLevel(ctx, analyst, r.ID, "P-7", lvl(1)); errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("the reviewed CERT wrote its own review: %v", err)
		}
		reviewer := person(auth.RoleAnalyst, "telcocert")
		dt, err := s.Get(ctx, reviewer, r.ID)
		if err != nil || !dt.Edits || len(dt.Levels) != 44 {
			t.Fatalf("the reviewer's view: %v %v", dt.Edits, err)
		}
		for _, l := range dt.Levels {
			if l.Parameter == "P-7" && (l.Level != 3 || len(l.Evidence) != 1) {
				t.Errorf("P-7 copied: %+v", l)
			}
		}
		if _, err := s.SetLevel(ctx, reviewer, r.ID, "P-7", lvl(2)); err != nil {
			t.Fatal(err)
		}
		if _, err = s.Submit(ctx, reviewer, r.ID, ""); !errs.HasField(err, "summary") {
			t.Errorf("a review without findings: %v", err)
		}
		now = now.Add(time.Hour)
		if _, err := s.Submit(ctx, reviewer, r.ID, "P-7 is practised, not yet approved."); err != nil {
			t.Fatal(err)
		}

		// Who reads what; the history.
		for who, n := range map[*auth.Identity]int{viewer: 2, reviewer: 1, person(auth.RoleViewer, "ncert"): 2, staff: 2,
			person(auth.RoleAdmin, "bank"): 0} {
			if list, err := s.List(ctx, who, ""); err != nil || len(list) != n {
				t.Errorf("%s lists %d (%v), want %d", who.User.ID, len(list), err, n)
			}
		}
		if _, err := s.Get(ctx, reviewer, a.ID); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("the reviewer read the self-assessment itself: %v", err)
		}
		h, err := s.History(ctx, viewer, "bankcert")
		if err != nil || len(h.Points) != 2 || h.Points[0].Kind != maturity.Self || h.Levels["P-7"][0] != 3 || h.Levels["P-7"][1] != 2 ||
			h.Points[1].Reviewer != "Telecom CERT" {
			t.Errorf("history: %+v %v", h, err)
		}
	})
}

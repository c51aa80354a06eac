package vdp

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/vdp/model"
)

// The hand-off to the advisory capability carries the public-facing facts
// and every vendor's standing — a silent vendor as "unknown" — and nothing
// of the reporter's contact or the discussion; only coordinators get it.
func TestHandoffForTheAdvisory(t *testing.T) {
	w := newWorld(t, dbtest.Open(t, db.SQLite))
	ctx := context.Background()
	_, c := w.acceptedCase()
	coord := w.id["coord"]
	if _, err := w.svc.AddParticipant(ctx, coord, c.ID, ParticipantInput{OrgID: w.org["netforge"], Role: model.RoleVendor}); err != nil {
		t.Fatal(err)
	}
	det, err := w.svc.GetCase(ctx, coord, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.SetStatus(ctx, w.id["vendor"], c.ID, StatusInput{VulnID: det.Vulns[0].ID, VendorOrgID: w.org["examplesoft"],
		Product: "NetBank Portal", Status: model.StatusFixed, FixedVersions: "4.2.1"}); err != nil {
		t.Fatal(err)
	}
	h, err := w.svc.Handoff(ctx, coord, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if h.CaseNumber != c.Number || len(h.Vulns) != 1 || len(h.Credits) != 1 || h.Credits[0] != "Ada Researcher" || len(h.Products) != 2 {
		t.Fatalf("hand-off %+v", h)
	}
	got := map[string]string{}
	for _, p := range h.Products {
		got[p.Vendor] = p.Status + " " + p.FixedVersions
	}
	if got["Examplesoft Ltd"] != "fixed 4.2.1" || got["NetForge Systems"] != "unknown " {
		t.Fatalf("products %v", got)
	}
	b, _ := json.Marshal(h)
	if strings.Contains(strings.ToLower(string(b)), "ada@researcher.example") {
		t.Fatal("the reporter's address is in the hand-off")
	}
	for _, who := range []string{"vendor", "bank_analyst", "nobody"} {
		if _, err := w.svc.Handoff(ctx, w.id[who], c.ID); err == nil {
			t.Errorf("%s got the hand-off", who)
		}
	}
}

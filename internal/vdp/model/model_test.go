package model_test

import (
	"testing"
	"time"

	"github.com/certhub/certhub/internal/vdp/model"
)

// TestFacts: a fact is set once (its first time kept), cleared, and
// unknown names change nothing.
func TestFacts(t *testing.T) {
	t.Parallel()
	first, later := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	var f model.Facts
	for _, name := range model.FactNames {
		if f.At(name) != nil {
			t.Fatalf("%s is set on an empty case", name)
		}
		if !f.Set(name, &first) || f.At(name) == nil || !f.At(name).Equal(first) {
			t.Errorf("%s: not set", name)
		}
		if f.Set(name, &later) || !f.At(name).Equal(first) {
			t.Errorf("%s: setting it again moved its time", name)
		}
	}
	if f.FixReady == nil || f.AttacksObserved == nil {
		t.Errorf("the fields behind the names: %+v", f)
	}
	if !f.Set("fix_ready", nil) || f.FixReady != nil || f.Set("fix_ready", nil) {
		t.Error("clearing a fact")
	}
	if f.Set("bogus", &first) || f.At("bogus") != nil {
		t.Error("an unknown fact was set")
	}
}

// TestEmbargoAndContact: a case is embargoed until it is disclosed and its
// publication date has passed; a vendor's contact is the furthest step.
func TestEmbargoAndContact(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	for _, tt := range []struct {
		disclosed, publication *time.Time
		want                   bool
	}{
		{nil, nil, true}, {&past, nil, true}, {nil, &past, true}, {&past, &future, true}, {&past, &past, false}, {&past, &now, false},
	} {
		c := model.Case{DisclosedAt: tt.disclosed, PublicationAt: tt.publication}
		if got := c.Embargoed(now); got != tt.want {
			t.Errorf("disclosed %v, publication %v: embargoed %v, want %v", tt.disclosed, tt.publication, got, tt.want)
		}
	}
	p := model.Participant{}
	for _, step := range []struct {
		set  func()
		want string
	}{
		{func() {}, "not notified"}, {func() { p.NotifiedAt = &past }, "notified"},
		{func() { p.SeenAt = &past }, "seen"}, {func() { p.AcknowledgedAt = &past }, "acknowledged"},
	} {
		step.set()
		if got := p.Contact(); got != step.want {
			t.Errorf("contact %q, want %q", got, step.want)
		}
	}
	if !model.ReportReceived.Open() || !model.ReportNeedInfo.Open() || model.ReportAccepted.Open() || model.ReportDuplicate.Open() {
		t.Error("which reports are open")
	}
	if model.ValidProductStatus(model.StatusUnknown) || !model.ValidProductStatus(model.StatusFixed) {
		t.Error(`"unknown" is no statement a vendor makes; "fixed" is`)
	}
}

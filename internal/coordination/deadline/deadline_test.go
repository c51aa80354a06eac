package deadline

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/errs"
)

func TestParseDelay(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Delay
		out  string
	}{
		{"24h", Delay{Hours: 24}, "24h"},
		{"72 hours", Delay{Hours: 72}, "3d"},
		{"1 hour", Delay{Hours: 1}, "1h"},
		{"3d", Delay{Hours: 72}, "3d"},
		{"1 day", Delay{Hours: 24}, "24h"},
		{"30 days", Delay{Hours: 720}, "30d"},
		{" 1 Month ", Delay{Months: 1}, "1 month"},
		{"6 months", Delay{Months: 6}, "6 months"},
	} {
		got, err := ParseDelay(tt.in)
		if err != nil || got != tt.want || got.String() != tt.out {
			t.Errorf("%q: %+v %q %v, want %+v %q", tt.in, got, got.String(), err, tt.want, tt.out)
		}
		if again, err := ParseDelay(got.String()); err != nil || again != got {
			t.Errorf("%q does not read back: %+v %v", got.String(), again, err)
		}
	}
	for _, bad := range []string{"", "0h", "24", "1.5h", "-1h", "1y", "25 months", "17545h", "h", "24 h h"} {
		if d, err := ParseDelay(bad); err == nil {
			t.Errorf("%q read as %+v", bad, d)
		}
	}
}

func TestDelayFrom(t *testing.T) {
	jan31 := time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC)
	if got := (Delay{Months: 1}).From(jan31); !got.Equal(time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("a month after 31 January: %s", got)
	}
	if got := (Delay{Hours: 72}).From(jan31); !got.Equal(time.Date(2026, 2, 3, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("72 hours after: %s", got)
	}
}

// An incident under NIS2 and the CSIRT's first response: each step's due
// time counts from its own event; what is done in time is met, after it
// late; what counts from a step not done yet is pending; the queue puts
// the most overdue first.
func TestClocks(t *testing.T) {
	aware := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	reported := aware.Add(5 * time.Hour)
	f := Facts{Aware: &aware, Reported: &reported, Done: map[string]time.Time{
		Key("nis2", "early-warning"): aware.Add(20 * time.Hour),
	}}
	now := aware.Add(30 * time.Hour)
	clocks := Clocks(Builtin, f, now)
	state := func(cs []Clock) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.Regime+"/"+c.Step+"="+string(c.State))
		}
		return strings.Join(s, " ")
	}
	if got, want := state(clocks), "nis2/early-warning=met nis2/notification=running nis2/final-report=pending first-response/first-response=overdue"; got != want {
		t.Fatalf("clocks:\n%s\nwant\n%s", got, want)
	}
	if c := clocks[1]; !c.Due.Equal(aware.Add(72*time.Hour)) || c.Left == nil || *c.Left != 42*3600 {
		t.Errorf("notification: due %v, left %v", c.Due, c.Left)
	}
	if c := clocks[3]; !c.Due.Equal(reported.Add(24*time.Hour)) || *c.Left != -3600 || c.By != ByCERT {
		t.Errorf("first response: due %v, left %d, by %s", c.Due, *c.Left, c.By)
	}
	if c := clocks[2]; c.Due != nil || c.Left != nil {
		t.Errorf("the final report counts from a notification not made yet: %+v", c)
	}
	if got := state(Next(clocks)); got != "first-response/first-response=overdue nis2/notification=running" {
		t.Errorf("next: %s", got)
	}

	// The notification comes late; the final report is then due a month
	// after it, and runs.
	notified := aware.Add(80 * time.Hour)
	f.Done[Key("nis2", "notification")] = notified
	f.Done[Key("first-response", "first-response")] = reported.Add(2 * time.Hour)
	clocks = Clocks(Builtin, f, notified.Add(time.Hour))
	if got, want := state(clocks), "nis2/early-warning=met nis2/notification=late nis2/final-report=running first-response/first-response=met"; got != want {
		t.Fatalf("after the notification:\n%s\nwant\n%s", got, want)
	}
	if c := clocks[2]; !c.Due.Equal(notified.AddDate(0, 1, 0)) {
		t.Errorf("final report due %v, want a month after %v", c.Due, notified)
	}
	if got := state(Next(clocks)); got != "nis2/final-report=running" {
		t.Errorf("next: %s", got)
	}

	// Nothing known yet: every step that counts from an event is pending;
	// a step done before its start was known is met.
	none := Clocks([]Regime{NIS2}, Facts{Done: map[string]time.Time{Key("nis2", "early-warning"): aware}}, now)
	if got := state(none); got != "nis2/early-warning=met nis2/notification=pending nis2/final-report=pending" {
		t.Errorf("nothing known: %s", got)
	}
}

// The built-in regimes write as JSON that reads back the same; each kind
// of bad regime is named by its field.
func TestParseRegime(t *testing.T) {
	for _, r := range Builtin {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseRegime(b)
		if err != nil || !reflect.DeepEqual(got, r) {
			t.Errorf("%s: %+v %v\n%s", r.ID, got, err, b)
		}
	}
	step := `{"id": "s", "title": "Step", "by": "cert", "after": "24h", "from": "report"}`
	for _, tt := range []struct{ in, field string }{
		{`[]`, "regime"},
		{`{"id": "x", "title": "X", "steps": [` + step + `]} {}`, "regime"},
		{`{"id": "Has Space", "title": "X", "steps": [` + step + `]}`, "id"},
		{`{"id": "x", "title": "", "steps": [` + step + `]}`, "title"},
		{`{"id": "x", "title": "X\u0000", "steps": [` + step + `]}`, "title"},
		{`{"id": "x", "title": "X", "steps": []}`, "steps"},
		{`{"id": "x", "title": "X", "steps": [` + step + `, ` + step + `]}`, "steps[1].id"},
		{`{"id": "x", "title": "X", "steps": [{"id": "s", "title": "S", "by": "nobody", "after": "24h", "from": "report"}]}`, "steps[0].by"},
		{`{"id": "x", "title": "X", "steps": [{"id": "s", "title": "S", "by": "cert", "after": "soon", "from": "report"}]}`, "steps[0].after"},
		{`{"id": "x", "title": "X", "steps": [{"id": "s", "title": "S", "by": "cert", "after": "24h", "from": "lunch"}]}`, "steps[0].from"},
		{`{"id": "x", "title": "X", "steps": [{"id": "s", "title": "S", "by": "cert", "after": "24h", "from": "previous"}]}`, "steps[0].from"},
		{`{"id": "x", "title": "X", "description": "` + strings.Repeat("d", 2001) + `", "steps": [` + step + `]}`, "description"},
		{`{"id": "x", "title": "X", "steps": [` + strings.Repeat(step+",", 20) + step + `]}`, "steps"},
	} {
		if _, err := ParseRegime([]byte(tt.in)); !errs.HasField(err, tt.field) {
			t.Errorf("%.70s: %v, want a problem with %s", tt.in, err, tt.field)
		}
	}
	if _, err := ParseRegime(make([]byte, MaxBytes+1)); !errs.HasField(err, "regime") {
		t.Errorf("an oversized regime: %v", err)
	}
}

// FuzzParseRegime: any input is read or refused naming a field; what is
// read writes back as JSON that reads again the same, and its clocks
// compute without a panic.
func FuzzParseRegime(f *testing.F) {
	for _, r := range Builtin {
		b, _ := json.Marshal(r)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRegime(data)
		if err != nil {
			if e := errs.As(err); e == nil || len(e.Fields) == 0 {
				t.Fatalf("refused without naming a field: %v", err)
			}
			return
		}
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseRegime(out)
		if err != nil || !reflect.DeepEqual(again, r) {
			t.Fatalf("its own JSON reads back as %+v (%v)\n%s", again, err, out)
		}
		now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
		day := now.Add(-24 * time.Hour)
		if n := len(Clocks([]Regime{r}, Facts{Detected: &day, Aware: &day, Reported: &now}, now)); n != len(r.Steps) {
			t.Fatalf("%d clocks for %d steps", n, len(r.Steps))
		}
	})
}

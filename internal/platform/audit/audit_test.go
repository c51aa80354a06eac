package audit_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func record(t *testing.T, d *db.DB, n int) {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.Actor{UserID: "u1", Email: "a@example.org", IP: "192.0.2.1"})
	for i := range n {
		err := d.Write(ctx, func(tx *db.Tx) error {
			return audit.Record(ctx, tx, t0.Add(time.Duration(i)*time.Second), audit.Event{
				Action: "org.update", ObjectType: "org", ObjectID: "o1", OrgID: "o1",
				Summary: "changed the name",
				Before:  map[string]any{"name": "Old"}, After: map[string]any{"name": "New"},
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestVerifyAcceptsAnIntactChain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		record(t, d, 5)
		rep, err := audit.Verify(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Problem != nil || rep.Rows != 5 || rep.HeadSeq != 5 || rep.HeadHash == "" {
			t.Fatalf("report = %+v", rep)
		}
	})
}

func TestVerifyNamesTheFirstTamperedRow(t *testing.T) {
	tests := []struct {
		name    string
		tamper  string
		wantSeq int64
		reason  string
	}{
		{"edited content", `UPDATE audit_log SET summary = 'nothing happened' WHERE seq = 3`, 3, "edited"},
		{"edited actor", `UPDATE audit_log SET actor_email = 'someone@else' WHERE seq = 2`, 2, "edited"},
		{"deleted middle row", `DELETE FROM audit_log WHERE seq = 3`, 3, "missing"},
		{"deleted last rows", `DELETE FROM audit_log WHERE seq >= 4`, 4, "deleted from the end"},
		{"replaced hash", `UPDATE audit_log SET hash = 'f00' WHERE seq = 2`, 2, "edited"},
		{"edited newest row and its hash", `UPDATE audit_log SET hash = 'abc' WHERE seq = 5`, 5, "edited"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				ctx := context.Background()
				record(t, d, 5)
				if _, err := d.Exec(ctx, tt.tamper); err != nil {
					t.Fatal(err)
				}
				rep, err := audit.Verify(ctx, d)
				if err != nil {
					t.Fatal(err)
				}
				if rep.Problem == nil {
					t.Fatalf("tampering (%s) not detected", tt.tamper)
				}
				if rep.Problem.Seq != tt.wantSeq || !strings.Contains(rep.Problem.Reason, tt.reason) {
					t.Fatalf("problem = %v, want row %d (%s)", rep.Problem, tt.wantSeq, tt.reason)
				}
			})
		})
	}
}

func TestRecordedEntriesCarryActorAndObjects(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		record(t, d, 3)
		got, next, err := audit.List(ctx, d, audit.Filter{Action: "org.", Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || next != 2 || got[0].Seq != 3 {
			t.Fatalf("first page: %d entries, next %d", len(got), next)
		}
		e := got[0]
		if e.ActorEmail != "a@example.org" || e.ActorIP != "192.0.2.1" || string(e.Before) != `{"name":"Old"}` || string(e.After) != `{"name":"New"}` {
			t.Fatalf("entry = %+v", e)
		}
		if !e.At.Equal(t0.Add(2 * time.Second)) {
			t.Fatalf("at = %v", e.At)
		}
		rest, next, err := audit.List(ctx, d, audit.Filter{Action: "org.", Before: 2})
		if err != nil || len(rest) != 1 || next != 0 || rest[0].Seq != 1 {
			t.Fatalf("second page: %+v next %d err %v", rest, next, err)
		}
		none, _, err := audit.List(ctx, d, audit.Filter{Action: "user."})
		if err != nil || len(none) != 0 {
			t.Fatalf("filter by action prefix: %d entries, %v", len(none), err)
		}
	})
}

func TestRolledBackChangesLeaveNoRecord(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		_ = d.Write(ctx, func(tx *db.Tx) error {
			if err := audit.Record(ctx, tx, t0, audit.Event{Action: "x.y", ObjectType: "x"}); err != nil {
				return err
			}
			return context.Canceled
		})
		record(t, d, 1)
		rep, err := audit.Verify(ctx, d)
		if err != nil || rep.Problem != nil || rep.Rows != 1 {
			t.Fatalf("report %+v err %v", rep, err)
		}
	})
}

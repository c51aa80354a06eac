package audit_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
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

// TestLanesLetWritersAppendAtOnce: transactions that overlap on
// PostgreSQL (three nodes' pools on one database) append to different
// lanes instead of waiting for one head row; every lane verifies, a
// transaction's rows stay in one lane, and tampering in any lane is named
// with its lane.
func TestLanesLetWritersAppendAtOnce(t *testing.T) {
	ctx := context.Background()
	dsn := dbtest.DSN(t, db.Postgres)
	var nodes [3]*db.DB
	for i := range nodes {
		d, err := db.Open(ctx, db.Options{DSN: dsn})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		nodes[i] = d
	}
	// Eight transactions hold their lanes at once: each waits, inside its
	// transaction, until all eight have written their first row.
	const writers = 8
	var ready sync.WaitGroup
	ready.Add(writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			err := nodes[i%3].Write(ctx, func(tx *db.Tx) error {
				for j := range 2 {
					if err := audit.Record(ctx, tx, t0, audit.Event{Action: "x.write", ObjectType: "x", ObjectID: fmt.Sprintf("%d-%d", i, j)}); err != nil {
						return err
					}
					if j == 0 {
						ready.Done()
						ready.Wait()
					}
				}
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var lanes int
	if err := nodes[0].QueryRow(ctx, `SELECT COUNT(DISTINCT lane) FROM audit_log`).Scan(&lanes); err != nil || lanes != writers {
		t.Fatalf("%d lanes used (%v), want %d: the writers waited for one another", lanes, err, writers)
	}
	var split int
	if err := nodes[0].QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT substr(object_id, 1, 1) FROM audit_log GROUP BY substr(object_id, 1, 1) HAVING COUNT(DISTINCT lane) > 1) s`).Scan(&split); err != nil || split != 0 {
		t.Fatalf("%d transactions wrote to two lanes (%v)", split, err)
	}
	rep, err := audit.Verify(ctx, nodes[1])
	if err != nil || rep.Problem != nil || rep.Rows != 2*writers || rep.HeadSeq != 2*writers {
		t.Fatalf("report %+v (%v)", rep, err)
	}
	// Then a writer alone takes the lowest lane again.
	record(t, nodes[2], 1)
	var lane int
	if err := nodes[0].QueryRow(ctx, `SELECT lane FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&lane); err != nil || lane != 1 {
		t.Fatalf("a lone writer took lane %d (%v)", lane, err)
	}
	var victim int
	if err := nodes[0].QueryRow(ctx, `SELECT MAX(lane) FROM audit_log`).Scan(&victim); err != nil {
		t.Fatal(err)
	}
	if _, err := nodes[0].Exec(ctx, `UPDATE audit_log SET summary = 'nothing' WHERE lane = $1 AND lane_seq = 2`, victim); err != nil {
		t.Fatal(err)
	}
	rep, err = audit.Verify(ctx, nodes[0])
	if err != nil || rep.Problem == nil || rep.Problem.Lane != victim || rep.Problem.Seq != 2 || !strings.Contains(rep.Problem.Reason, "edited") {
		t.Fatalf("an edit in lane %d: %+v (%v)", victim, rep.Problem, err)
	}
}

// TestVerifyChecksEveryLane: rows of the log from before lanes (lane 0,
// headed by audit_head) and a lane's head deleted or reset are found.
func TestVerifyChecksEveryLane(t *testing.T) {
	for _, tc := range []struct {
		tamper, reason string
	}{
		{`DELETE FROM audit_lanes WHERE lane = 1`, "has no head"},
		{`UPDATE audit_lanes SET seq = 5 WHERE lane = 1`, "deleted from the end"},
		{`UPDATE audit_lanes SET seq = 4 WHERE lane = 2`, "has no rows but 4 were written"},
		{`UPDATE audit_log SET lane = 0 WHERE lane = 1 AND lane_seq = 1`, "the row was edited"},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				ctx := context.Background()
				record(t, d, 3)
				if _, err := d.Exec(ctx, tc.tamper); err != nil {
					t.Fatal(err)
				}
				rep, err := audit.Verify(ctx, d)
				if err != nil || rep.Problem == nil || !strings.Contains(rep.Problem.Reason, tc.reason) {
					t.Errorf("%s: %+v (%v), want %q", tc.tamper, rep.Problem, err, tc.reason)
				}
			})
		})
	}
}

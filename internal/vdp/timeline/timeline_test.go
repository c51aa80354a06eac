package timeline_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/vdp/timeline"
)

// TestTimeline: entries come back newest first, as many as asked, with
// whom they concern; a read mark never goes back; on both engines.
func TestTimeline(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, q := range []string{
			`INSERT INTO users (id, email, name, platform_role, sessions_valid_after, created_at, updated_at)
				VALUES ('u1', 'a@cc.example', 'A', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
			`INSERT INTO orgs (id, name, name_key, kind, sector, created_at, updated_at)
				VALUES ('cc', 'CC', 'cc', 'cert', 'government', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
			`INSERT INTO vdp_cases (id, number, title, status, owner_org_id, created_at, updated_at)
				VALUES ('c1', 'CC-2026-0001', 'T', 'open', 'cc', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
				('c2', 'CC-2026-0002', 'U', 'open', 'cc', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
		} {
			if _, err := d.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		vendor := "netforge"
		err := d.Write(ctx, func(tx *db.Tx) error {
			for i, e := range []struct {
				caseID, kind, visibility string
				org                      *string
			}{
				{"c1", "opened", "participants", nil},
				{"c2", "opened", "participants", nil},
				{"c1", "vendor.notified", "internal", &vendor},
				{"c1", "status", "participants", nil},
			} {
				if err := timeline.Add(ctx, tx, e.caseID, e.kind, e.kind+" summary", e.visibility, e.org, "A", "", at.Add(time.Duration(i)*time.Minute)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := timeline.List(ctx, d, "c1", 2)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range got {
			kinds = append(kinds, e.Kind+"/"+e.Visibility)
		}
		if diff := cmp.Diff([]string{"status/participants", "vendor.notified/internal"}, kinds); diff != "" {
			t.Fatalf("the newest two of c1 (-want +got):\n%s", diff)
		}
		if got[1].OrgID == nil || *got[1].OrgID != vendor || got[0].OrgID != nil || !got[0].CreatedAt.Equal(at.Add(3*time.Minute)) ||
			got[0].Seq <= got[1].Seq {
			t.Errorf("entries %+v", got)
		}

		if e, p, err := timeline.LastRead(ctx, d, "u1", "c1"); err != nil || e != 0 || p != 0 {
			t.Fatalf("nothing read yet: %d %d %v", e, p, err)
		}
		for _, m := range []struct{ event, post int64 }{{5, 2}, {3, 7}} {
			if err := timeline.MarkRead(ctx, d, "u1", "c1", m.event, m.post, at); err != nil {
				t.Fatal(err)
			}
		}
		if e, p, err := timeline.LastRead(ctx, d, "u1", "c1"); err != nil || e != 5 || p != 7 {
			t.Errorf("marks went back: %d %d %v, want 5 7", e, p, err)
		}
		if err := timeline.MarkRead(ctx, d, "", "c1", 9, 9, at); err != nil {
			t.Fatalf("the system's read: %v", err)
		}
	})
}

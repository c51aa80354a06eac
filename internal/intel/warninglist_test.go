package intel

import (
	"context"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

// TestIngestSuppressesWarninglisted: ingest rejects what an enabled list
// names, and follows a change of the lists at once (the lists themselves:
// intel/warninglist).
func TestIngestSuppressesWarninglisted(t *testing.T) {
	s := newService(t, dbtest.Open(t, db.SQLite))
	ctx := context.Background()
	src, err := s.EnsureSource(ctx, sys, "noisy", "GREEN", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Ingest(ctx, sys, src, strings.NewReader("10.0.0.5\n8.8.8.8\n198.51.100.7\n"), IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 1 || res.Rejected != 2 || !strings.Contains(res.Errors[0].Message, "known benign (private") {
		t.Fatalf("%+v", res)
	}
	staff := &auth.Identity{User: auth.User{ID: "u-staff", PlatformRole: auth.PlatformCoordinator}}
	if _, err := s.Warninglists().SetEnabled(ctx, staff, "public-resolvers", false); err != nil {
		t.Fatal(err)
	}
	if res, err = s.Ingest(ctx, sys, src, strings.NewReader("8.8.4.4\n"), IngestOptions{}); err != nil || res.New != 1 {
		t.Fatalf("8.8.4.4 with the resolvers' list off: %+v %v", res, err)
	}
}

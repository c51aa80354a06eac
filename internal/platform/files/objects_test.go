package files

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

// fakeS3 serves an in-memory S3 on loopback with the bucket "certhub".
func fakeS3(t *testing.T) (string, *s3mem.Backend) {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("certhub"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return "s3://key:secret@" + u.Host + "/certhub/attachments?insecure=1", backend
}

// TestObjects: with object storage configured, new files' bytes go to the
// bucket (their rows stay in the database), every node configured with it
// reads them, files already in the database are still read from there,
// and a node without the bucket says where the file is.
func TestObjects(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		loc, backend := fakeS3(t)
		s := NewStore(d, t.TempDir())
		before, err := s.Stage(ctx, "old.txt", strings.NewReader("stored before the bucket\n"))
		if err != nil {
			t.Fatal(err)
		}
		o, err := OpenObjects(ctx, loc)
		if err != nil {
			t.Fatal(err)
		}
		s.UseObjects(o)
		body := strings.Repeat("a packet capture's worth of text\n", 20_000)
		f, err := s.Stage(ctx, "big.txt", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Stage(ctx, "again.txt", strings.NewReader(body)); err != nil {
			t.Fatal(err)
		}
		obj, err := backend.HeadObject("certhub", "attachments/"+f.SHA256)
		if err != nil || obj.Size != int64(len(body)) {
			t.Fatalf("the object in the bucket: %+v %v", obj, err)
		}
		var chunks int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM file_chunks WHERE sha256 = $1`, f.SHA256).Scan(&chunks); err != nil || chunks != 0 {
			t.Fatalf("%d chunks of the file in the database (%v)", chunks, err)
		}
		other := NewStore(d, t.TempDir()) // another node, same bucket
		o2, err := OpenObjects(ctx, loc)
		if err != nil {
			t.Fatal(err)
		}
		other.UseObjects(o2)
		if got := read(t, other, f.SHA256); got != body {
			t.Fatalf("the other node read %d bytes", len(got))
		}
		if got := read(t, other, before.SHA256); got != "stored before the bucket\n" {
			t.Fatalf("a file stored in the database before: %q", got)
		}
		if missing, err := s.Missing(ctx, []string{f.SHA256, before.SHA256}); err != nil || len(missing) != 0 {
			t.Fatalf("missing %v (%v)", missing, err)
		}
		if n, err := s.Count(ctx); err != nil || n != 2 {
			t.Fatalf("count %d (%v)", n, err)
		}
		// A node without the bucket cannot read it, and says why.
		if _, err := NewStore(d, "").Open(ctx, f.SHA256); err == nil || !strings.Contains(err.Error(), "--files-s3") {
			t.Fatalf("without the bucket: %v", err)
		}
		// An object gone from the bucket is an error at once, not half a download.
		if _, err := backend.DeleteObject("certhub", "attachments/"+f.SHA256); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(ctx, f.SHA256); err == nil || errors.Is(err, ErrNotFound) {
			t.Fatalf("an object deleted from the bucket: %v", err)
		}
	})
}

func TestOpenObjectsRefusesBadLocations(t *testing.T) {
	loc, _ := fakeS3(t)
	ctx := context.Background()
	for _, bad := range []string{"http://host/bucket", "s3:///bucket", "s3://host", strings.Replace(loc, "/certhub/", "/no-such-bucket/", 1)} {
		if _, err := OpenObjects(ctx, bad); err == nil {
			t.Errorf("%s was accepted", bad)
		}
	}
}

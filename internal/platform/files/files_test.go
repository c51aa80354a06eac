package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
)

func TestStage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		s := NewStore(d, dir)
		f, err := s.Stage(ctx, `C:\Users\ada\poc "1".txt`, strings.NewReader("the proof of concept\n"))
		if err != nil {
			t.Fatal(err)
		}
		if f.Filename != "poc _1_.txt" || f.ContentType != "text/plain" || f.Size != 21 || len(f.SHA256) != 64 {
			t.Errorf("staged %+v", f)
		}
		if got := read(t, s, f.SHA256); got != "the proof of concept\n" {
			t.Errorf("stored %q", got)
		}
		if left, _ := filepath.Glob(filepath.Join(dir, "tmp", "*")); len(left) > 0 {
			t.Errorf("temporary files left behind: %v", left)
		}
		for name, body := range map[string]string{"empty": "", "program": "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"} {
			if _, err := s.Stage(ctx, name, strings.NewReader(body)); errs.KindOf(err) != errs.KindInvalid {
				t.Errorf("%s: %v, want the file refused as invalid", name, err)
			}
		}
		// Too large: refused with 413, nothing stored.
		_, err = s.Stage(ctx, "big.txt", strings.NewReader(strings.Repeat("a", MaxSize+1)))
		var se *httpx.StatusError
		if !errors.As(err, &se) || se.Status != 413 {
			t.Errorf("an 11 MB file: %v", err)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM file_blobs`).Scan(&n); err != nil || n != 1 {
			t.Errorf("%d files stored (%v), want 1", n, err)
		}
	})
}

// TestLargeFileInChunks stores a file of several chunks (the last one
// short), reads it back whole through small reads, and stores the same
// content again without a second copy.
func TestLargeFileInChunks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d, t.TempDir())
		body := make([]byte, 3*chunkSize+1234)
		copy(body, "%PDF-1.7\n")
		for i := 9; i < len(body); i++ {
			body[i] = byte(i * 7)
		}
		f, err := s.Stage(ctx, "report.pdf", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if f.ContentType != "application/pdf" || f.Size != int64(len(body)) {
			t.Fatalf("staged %+v", f)
		}
		r, err := s.Open(ctx, f.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(iotest.OneByteReader(io.LimitReader(r, 10)))
		if err != nil || string(got) != "%PDF-1.7\n\x3f" {
			t.Fatalf("first bytes %q (%v)", got, err)
		}
		rest, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(append(got, rest...), body) {
			t.Fatalf("read back %d bytes (%v), want the %d stored", len(got)+len(rest), err, len(body))
		}
		var chunks int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM file_chunks WHERE sha256 = $1`, f.SHA256).Scan(&chunks); err != nil || chunks != 4 {
			t.Fatalf("%d chunks (%v), want 4", chunks, err)
		}
		if _, err := s.Stage(ctx, "again.pdf", bytes.NewReader(body)); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM file_chunks`).Scan(&chunks); err != nil || chunks != 4 {
			t.Fatalf("%d chunks after the same file again (%v), want 4", chunks, err)
		}
	})
}

// TestTwoNodesStoreTheSameFile: two processes on one database storing the
// same content at once both succeed, one copy is kept, and each reads
// what the other stored.
func TestTwoNodesStoreTheSameFile(t *testing.T) {
	ctx := context.Background()
	dsn := dbtest.DSN(t, db.Postgres)
	var stores [2]*Store
	for i := range stores {
		d, err := db.Open(ctx, db.Options{DSN: dsn})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		stores[i] = NewStore(d, t.TempDir())
	}
	body := strings.Repeat("evidence ", 100_000)
	var wg sync.WaitGroup
	sums := make([]string, len(stores))
	errs := make([]error, len(stores))
	for i, s := range stores {
		wg.Go(func() {
			f, err := s.Stage(ctx, "e.txt", strings.NewReader(body))
			sums[i], errs[i] = f.SHA256, err
		})
	}
	wg.Wait()
	for i := range stores {
		if errs[i] != nil {
			t.Fatalf("node %d: %v", i, errs[i])
		}
	}
	only, err := stores[0].Stage(ctx, "only-here.txt", strings.NewReader("node A's note\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, stores[1], only.SHA256); got != "node A's note\n" {
		t.Fatalf("node B read %q", got)
	}
	if got := read(t, stores[1], sums[0]); got != body {
		t.Fatalf("node B read %d bytes of the shared file", len(got))
	}
}

// TestImportLegacyFiles: files an older version kept on disk are read
// before they are imported, imported once (a file whose content does not
// match its name is refused), and read from the database afterwards.
func TestImportLegacyFiles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		put := func(content string) string {
			sum := fmt.Sprintf("%x", sha256.Sum256([]byte(content)))
			p := filepath.Join(dir, "attachments", sum[:2], sum)
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			return sum
		}
		a, b := put("first file\n"), put("second file\n")
		s := NewStore(d, dir)
		if got := read(t, s, a); got != "first file\n" {
			t.Fatalf("before the import: %q", got)
		}
		if missing, err := s.Missing(ctx, []string{a, b}); err != nil || len(missing) != 2 {
			t.Fatalf("missing %v (%v)", missing, err)
		}
		if n, err := s.Import(ctx); err != nil || n != 2 {
			t.Fatalf("imported %d (%v), want 2", n, err)
		}
		if n, err := s.Import(ctx); err != nil || n != 0 {
			t.Fatalf("imported %d again (%v), want 0", n, err)
		}
		if err := os.RemoveAll(filepath.Join(dir, "attachments")); err != nil {
			t.Fatal(err)
		}
		if got := read(t, s, b); got != "second file\n" {
			t.Fatalf("after the import: %q", got)
		}
		if missing, err := s.Missing(ctx, []string{a, b, strings.Repeat("0", 64)}); err != nil || len(missing) != 1 {
			t.Fatalf("missing %v (%v)", missing, err)
		}
		bad := put("not what the name says\n")
		if err := os.Rename(filepath.Join(dir, "attachments", bad[:2], bad), filepath.Join(dir, "attachments", bad[:2], bad[:2]+strings.Repeat("0", 62))); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Import(ctx); err == nil || !strings.Contains(err.Error(), "does not hold the content") {
			t.Fatalf("a file whose content does not match its name: %v", err)
		}
	})
}

func read(t *testing.T, s *Store, sum string) string {
	t.Helper()
	r, err := s.Open(context.Background(), sum)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSniffAndCleanFilename(t *testing.T) {
	if got := Sniff([]byte("\xd4\xc3\xb2\xa1\x02\x00\x04\x00")); got != "application/vnd.tcpdump.pcap" {
		t.Errorf("a packet capture sniffed as %q", got)
	}
	if got := Sniff([]byte("%PDF-1.7\n")); got != "application/pdf" {
		t.Errorf("a PDF sniffed as %q", got)
	}
	for in, want := range map[string]string{"../../etc/passwd": "passwd", "..": "attachment", "": "attachment", "a\x00b": "a_b",
		strings.Repeat("é", 300): strings.Repeat("é", 200)} {
		if got := CleanFilename(in); got != want {
			t.Errorf("CleanFilename(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOpenMissing(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	s := NewStore(d, t.TempDir())
	for _, sum := range []string{strings.Repeat("ab", 32), "../../etc/passwd", strings.Repeat("AB", 32)} {
		if _, err := s.Open(context.Background(), sum); !errors.Is(err, ErrNotFound) {
			t.Errorf("%q: %v, want not found", sum, err)
		}
	}
}

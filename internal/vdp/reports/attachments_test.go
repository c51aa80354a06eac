package reports

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

// stalledReader gives its first bytes, says so, then waits for release
// before giving the rest: an uploader on a slow line.
type stalledReader struct {
	first, rest []byte
	started     chan struct{}
	release     chan struct{}
	once        sync.Once
}

func (r *stalledReader) Read(p []byte) (int, error) {
	if len(r.first) > 0 {
		n := copy(p, r.first)
		r.first = r.first[n:]
		return n, nil
	}
	r.once.Do(func() { close(r.started) })
	<-r.release
	if len(r.rest) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.rest)
	r.rest = r.rest[n:]
	return n, nil
}

// TestUploadHoldsNoWriteLock: while an upload's body is still arriving,
// other writers commit (on SQLite the upload used to hold the one writer
// connection for as long as the client took); the file then lands intact.
func TestUploadHoldsNoWriteLock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, dir := newService(t, d)
		ctx := context.Background()
		r, rc, err := s.SubmitPublic(ctx, goodReport(), "web", "198.51.100.70")
		if err != nil {
			t.Fatal(err)
		}
		body := []byte(strings.Repeat("proof of concept line\n", 400))
		slow := &stalledReader{first: body[:600], rest: body[600:], started: make(chan struct{}), release: make(chan struct{})}
		done := make(chan error, 1)
		go func() {
			_, err := s.AttachByKey(ctx, rc.key, "poc.txt", slow, "198.51.100.70")
			done <- err
		}()
		select {
		case <-slow.started:
		case err := <-done:
			t.Fatalf("the upload ended before its body did: %v", err)
		}
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := d.Write(wctx, func(tx *db.Tx) error {
			_, err := tx.Exec(wctx, `INSERT INTO settings (key, value, updated_at) VALUES ('during-upload', '', $1)`, time.Now())
			return err
		}); err != nil {
			t.Fatalf("a writer waited on a slow upload: %v", err)
		}
		close(slow.release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		atts, err := s.listAttachments(ctx, d, r.ID)
		if err != nil || len(atts) != 1 || atts[0].Size != int64(len(body)) {
			t.Fatalf("attachments %+v (%v)", atts, err)
		}
		f, err := s.files.Open(ctx, atts[0].SHA256)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(f)
		f.Close()
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("stored file differs (%d bytes, %v)", len(got), err)
		}
		// A refused file and a broken body leave nothing behind.
		if _, err := s.AttachByKey(ctx, rc.key, "x.exe", bytes.NewReader([]byte("MZ\x90\x00\x03")), "198.51.100.70"); err == nil {
			t.Fatal("an executable was accepted")
		}
		if _, err := s.AttachByKey(ctx, rc.key, "cut.txt", io.MultiReader(strings.NewReader("text"), failingReader{}), "198.51.100.70"); err == nil {
			t.Fatal("a broken body was accepted")
		}
		entries, _ := filepath.Glob(filepath.Join(dir, "tmp", "upload-*"))
		if len(entries) != 0 {
			t.Fatalf("temporary files left: %v", entries)
		}
		if atts, _ := s.listAttachments(ctx, d, r.ID); len(atts) != 1 {
			t.Fatalf("%d attachments after refusals, want 1", len(atts))
		}
	})
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, fmt.Errorf("connection reset") }

// dripReader gives size bytes of text, one chunk per tick, until stop.
type dripReader struct {
	left int
	tick time.Duration
	stop <-chan struct{}
}

func (r *dripReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	select {
	case <-r.stop:
		return 0, io.ErrUnexpectedEOF
	case <-time.After(r.tick):
	}
	n := min(len(p), r.left, 1024)
	for i := range n {
		p[i] = 'a' + byte(i%26)
	}
	r.left -= n
	return n, nil
}

// BenchmarkWriterDuringSlowUploads measures one small write transaction
// (ns/op) with no upload under way and with 20 clients uploading 200 KB
// files at 100 KB/s each through the follow link, on SQLite, where writes
// are serialised. The two figures stay the same: uploads are staged on
// disk before their short transaction. docs/performance.md has the numbers.
//
//	go test ./internal/vdp/reports -run '^$' -bench WriterDuringSlowUploads
func BenchmarkWriterDuringSlowUploads(b *testing.B) {
	for _, uploads := range []int{0, 20} {
		b.Run(fmt.Sprintf("uploads=%d", uploads), func(b *testing.B) {
			d := dbtest.Open(b, db.SQLite)
			s, _ := newService(b, d)
			ctx := context.Background()
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for i := range uploads {
				ip := fmt.Sprintf("198.51.100.%d", 100+i)
				_, rc, err := s.SubmitPublic(ctx, goodReport(), "web", ip)
				if err != nil {
					b.Fatal(err)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						_, _ = s.AttachByKey(ctx, rc.key, "poc.txt", &dripReader{left: 200 << 10, tick: 10 * time.Millisecond, stop: stop}, ip)
					}
				}()
			}
			time.Sleep(50 * time.Millisecond) // the uploads are under way
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if err := d.Write(ctx, func(tx *db.Tx) error {
					_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, '', $2)`, fmt.Sprintf("bench-%d", i), time.Now())
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			close(stop)
			wg.Wait()
		})
	}
}

package files

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/platform/errs"
)

func TestStage(t *testing.T) {
	s := NewStore(t.TempDir())
	f, err := s.Stage(`C:\Users\ada\poc "1".txt`, strings.NewReader("the proof of concept\n"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Filename != "poc _1_.txt" || f.ContentType != "text/plain" || f.Size != 21 || len(f.SHA256) != 64 {
		t.Errorf("staged %+v", f)
	}
	r, err := s.Open(f.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if b, _ := io.ReadAll(r); string(b) != "the proof of concept\n" {
		t.Errorf("stored %q", b)
	}
	if left, _ := filepath.Glob(filepath.Join(s.dir, "upload-*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}

	for name, body := range map[string]string{"empty": "", "program": "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"} {
		if _, err := s.Stage(name, strings.NewReader(body)); errs.KindOf(err) != errs.KindInvalid {
			t.Errorf("%s: %v, want the file refused as invalid", name, err)
		}
	}
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
	s := NewStore(t.TempDir())
	if _, err := s.Open(strings.Repeat("ab", 32)); !os.IsNotExist(err) {
		t.Errorf("missing file: %v", err)
	}
}

package smtptest

import (
	"net/smtp"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/certhub/certhub/internal/failtest"
)

// send delivers one message to s as a mail client would.
func send(t *testing.T, s *Server, from string, to []string, msg string) {
	t.Helper()
	if err := smtp.SendMail(s.Addr, nil, from, to, []byte(strings.ReplaceAll(msg, "\n", "\r\n"))); err != nil {
		t.Fatalf("send: %v", err)
	}
}

func TestServerKeepsWhatItReceives(t *testing.T) {
	t.Parallel()
	s := Start(t)
	if !strings.HasPrefix(s.URL(), "smtp://127.0.0.1:") || !strings.HasSuffix(s.URL(), "?tls=none") {
		t.Errorf("URL %q", s.URL())
	}
	send(t, s, "cc@cert.example", []string{"soc@bank.example", "ciso@bank.example"}, `From: CC <cc@cert.example>
To: soc@bank.example
Subject: Advisory CC-SA-2026-0001 published
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Update to 3.2 =E2=80=94 now. A line broken by quoted-printa=
ble.
`)
	got := s.Wait(t, 1)
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	m := got[0]
	if d := cmp.Diff([]string{"soc@bank.example", "ciso@bank.example"}, m.To); d != "" {
		t.Errorf("envelope recipients (-want +got):\n%s", d)
	}
	if m.From != "cc@cert.example" || m.Header.Get("Subject") != "Advisory CC-SA-2026-0001 published" {
		t.Errorf("from %q, subject %q", m.From, m.Header.Get("Subject"))
	}
	if want := "Update to 3.2 — now. A line broken by quoted-printable.\r\n"; m.Body != want {
		t.Errorf("body %q, want the decoded %q", m.Body, want)
	}
	if !strings.Contains(string(m.Raw), "=E2=80=94") {
		t.Error("Raw is not the message as sent")
	}
}

func TestWaitForFindsTheNewestMatchingMessage(t *testing.T) {
	t.Parallel()
	s := Start(t)
	msg := func(subject, body string) string {
		return "Subject: " + subject + "\n\n" + body + "\n"
	}
	send(t, s, "cc@cert.example", []string{"Lina@Research.example"}, msg("Your report was received", "first"))
	send(t, s, "cc@cert.example", []string{"other@research.example"}, msg("Your report was received", "not hers"))
	// Mail goes out from background jobs: the test waits for a message
	// that arrives after it started waiting.
	sent := make(chan error, 1)
	go func() {
		time.Sleep(50 * time.Millisecond)
		sent <- smtp.SendMail(s.Addr, nil, "cc@cert.example", []string{"lina@research.example"},
			[]byte("Subject: Your report was received again\r\n\r\nsecond\r\n"))
	}()
	if m := s.Wait(t, 3); len(m) != 3 {
		t.Fatalf("Wait(3) returned %d", len(m))
	}
	if err := <-sent; err != nil {
		t.Fatalf("send: %v", err)
	}
	if m := s.WaitFor(t, "lina@research.example", "report was received"); m.Body != "second\r\n" {
		t.Errorf("WaitFor returned %q, want the newest message to lina", m.Body)
	}
	if m := s.WaitFor(t, "other@research.example", "received"); m.Body != "not hers\r\n" {
		t.Errorf("WaitFor(other) returned %q", m.Body)
	}
}

// Waiting for mail that never comes fails after 15 seconds, naming what
// was waited for.
func TestWaitingForMailThatNeverComesFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &Server{got: make(chan struct{}, 1)}
		s.msgs = []Message{{To: []string{"lina@research.example"}, Header: map[string][]string{"Subject": {"Something else"}}}}
		for name, wait := range map[string]func(testing.TB){
			"Wait":    func(tb testing.TB) { s.Wait(tb, 2) },
			"WaitFor": func(tb testing.TB) { s.WaitFor(tb, "lina@research.example", "published") },
		} {
			start := time.Now()
			r := failtest.Run(t, wait)
			if waited := time.Since(start); waited != 15*time.Second {
				t.Errorf("%s gave up after %v, want 15s", name, waited)
			}
			if !strings.Contains(r.Failed, "smtptest:") || (name == "WaitFor" && !strings.Contains(r.Failed, "lina@research.example")) {
				t.Errorf("%s failed with %q", name, r.Failed)
			}
		}
	})
}

package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/notify/smtptest"
	"github.com/certhub/certhub/internal/platform/seal"
)

var testKey, _ = seal.Parse(strings.Repeat("5a", 32))

func queue(t *testing.T, d *db.DB) *jobs.Queue {
	t.Helper()
	q, err := jobs.New(d, jobs.Options{Work: true, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func run(t *testing.T, q *jobs.Queue) {
	t.Helper()
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		q.Stop(ctx)
	})
}

func TestMailIsDeliveredOverSMTPOnlyAfterCommit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv := smtptest.Start(t)
		q := queue(t, d)
		m, err := notify.NewMailer(notify.MailConfig{URL: srv.URL(), From: "CERT CC <cc@cert.example>"}, testKey, nil)
		if err != nil {
			t.Fatal(err)
		}
		jobs.AddWorker(q, m)
		run(t, q)
		ctx := context.Background()
		_ = d.Write(ctx, func(tx *db.Tx) error {
			_ = notify.NewOutbox(q, testKey).Send(ctx, tx, notify.Mail{To: []string{"never@example.org"}, Subject: "rolled back", Text: "x"})
			return errs.Invalid("abandon")
		})
		body := "Your account at the CERT hub is ready.\nA long line that needs encoding: " + strings.Repeat("é", 50)
		if err := d.Write(ctx, func(tx *db.Tx) error {
			return notify.NewOutbox(q, testKey).Send(ctx, tx, notify.Mail{To: []string{"analyst@bank.example"}, Subject: "Welcome", Text: body, Tag: "user.invite"})
		}); err != nil {
			t.Fatal(err)
		}
		msgs := srv.Wait(t, 1)
		time.Sleep(100 * time.Millisecond) // a rolled-back message would have arrived with it
		msgs = srv.Messages()
		if len(msgs) != 1 {
			t.Fatalf("%d messages arrived, want only the committed one", len(msgs))
		}
		got := msgs[0]
		if got.To[0] != "analyst@bank.example" || got.Header.Get("Subject") != "Welcome" ||
			got.Header.Get("Auto-Submitted") != "auto-generated" || got.Header.Get("X-Certhub-Tag") != "user.invite" {
			t.Fatalf("headers: to=%v %v", got.To, got.Header)
		}
		if !strings.Contains(strings.ReplaceAll(got.Body, "\r\n", "\n"), body) {
			t.Fatalf("body = %q", got.Body)
		}
	})
}

func TestMailWithoutARelayGoesToTheOutbox(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	q := queue(t, d)
	dir := t.TempDir()
	m, err := notify.NewMailer(notify.MailConfig{From: "cc@cert.example", OutboxDir: dir}, testKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	jobs.AddWorker(q, m)
	run(t, q)
	ctx := context.Background()
	if err := d.Write(ctx, func(tx *db.Tx) error {
		return notify.NewOutbox(q, testKey).Send(ctx, tx, notify.Mail{To: []string{"a@example.org"}, Subject: "Hello outbox", Text: "body"})
	}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		if len(files) == 1 {
			b, _ := os.ReadFile(files[0])
			if !strings.Contains(string(b), "Subject: Hello outbox") {
				t.Fatalf("outbox file: %s", b)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no outbox file")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestMailConfigIsChecked(t *testing.T) {
	for _, cfg := range []notify.MailConfig{
		{URL: "smtp://relay.example", From: ""},
		{URL: "http://relay.example", From: "a@example.org"},
		{URL: "smtp://relay.example?tls=maybe", From: "a@example.org"},
		{URL: "smtp://relay.example:99999", From: "a@example.org"},
		{From: "a@example.org"},
		{URL: "smtp://relay.example", From: "not an address"},
	} {
		if _, err := notify.NewMailer(cfg, testKey, nil); err == nil {
			t.Errorf("NewMailer(%+v) accepted a bad configuration", cfg)
		}
	}
	m, err := notify.NewMailer(notify.MailConfig{URL: "smtp://user:s3cret@relay.example:2525", From: "a@example.org"}, testKey, nil)
	if err != nil || strings.Contains(m.Describe(), "s3cret") || !strings.Contains(m.Describe(), "relay.example:2525") {
		t.Fatalf("Describe = %q, %v", m.Describe(), err)
	}
}

func TestValidAddress(t *testing.T) {
	for s, want := range map[string]bool{
		"soc@bank.example": true, "admin@localhost": true, "a.b+c@sub.example.org": true,
		"": false, "no-at.example": false, "Name <a@b.example>": false, "a@b": false, "a b@c.example": false,
		"a@b.example\r\nBcc: x@y.example": false,
	} {
		if got := notify.ValidAddress(s); got != want {
			t.Errorf("ValidAddress(%q) = %v, want %v", s, got, want)
		}
	}
}

func insertOrg(t *testing.T, d *db.DB, id string) {
	t.Helper()
	_, err := d.Exec(context.Background(), `INSERT INTO orgs (id, name, name_key, kind, created_at, updated_at) VALUES ($1, $1, $1, 'constituent', $2, $2)`, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
}

func TestWebhooksAreSignedAndRetried(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		type hit struct {
			header http.Header
			body   []byte
		}
		hits := make(chan hit, 10)
		fails := 1
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			if fails > 0 {
				fails--
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			hits <- hit{r.Header.Clone(), b}
		}))
		defer recv.Close()
		insertOrg(t, d, "org-1")
		key, _ := seal.Parse(strings.Repeat("11", 32))
		q := queue(t, d)
		wh := notify.NewWebhooks(d, q, key, time.Now, true, nil)
		run(t, q)
		ctx := context.Background()
		hook, secret, err := wh.Create(ctx, "org-1", recv.URL+"/hook", []string{"org.updated"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "whsec_") || hook.ID == "" {
			t.Fatalf("hook %+v secret %q", hook, secret)
		}
		var stored string
		_ = d.QueryRow(ctx, `SELECT secret FROM webhooks WHERE id = $1`, hook.ID).Scan(&stored)
		if strings.Contains(stored, secret) {
			t.Fatal("webhook secret stored in the clear")
		}
		if err := d.Write(ctx, func(tx *db.Tx) error {
			if err := wh.Emit(ctx, tx, "org-1", "org.created", map[string]string{"ignored": "yes"}); err != nil {
				return err
			}
			return wh.Emit(ctx, tx, "org-1", "org.updated", map[string]string{"name": "Bank"})
		}); err != nil {
			t.Fatal(err)
		}
		var h hit
		select {
		case h = <-hits:
		case <-time.After(20 * time.Second):
			t.Fatal("webhook not delivered after a failed first attempt")
		}
		if err := notify.Verify(secret, h.header.Get(notify.SignatureHeader), h.body, time.Now(), 5*time.Minute); err != nil {
			t.Fatalf("signature: %v", err)
		}
		if err := notify.Verify("whsec_wrong", h.header.Get(notify.SignatureHeader), h.body, time.Now(), 5*time.Minute); err == nil {
			t.Fatal("signature verified with the wrong secret")
		}
		if err := notify.Verify(secret, h.header.Get(notify.SignatureHeader), h.body, time.Now().Add(time.Hour), 5*time.Minute); err == nil {
			t.Fatal("an old signature was accepted")
		}
		var del notify.Delivery
		if err := json.Unmarshal(h.body, &del); err != nil || del.Event != "org.updated" || string(del.Data) != `{"name":"Bank"}` {
			t.Fatalf("delivery %s: %v", h.body, err)
		}
		if h.header.Get("Certhub-Event") != "org.updated" || h.header.Get("Certhub-Delivery") != del.ID {
			t.Fatalf("headers %v", h.header)
		}
		select {
		case extra := <-hits:
			t.Fatalf("an unsubscribed event was delivered: %s", extra.body)
		case <-time.After(300 * time.Millisecond):
		}
	})
}

func TestWebhookInputIsValidated(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	insertOrg(t, d, "org-1")
	key, _ := seal.Parse(strings.Repeat("11", 32))
	q := queue(t, d)
	wh := notify.NewWebhooks(d, q, key, time.Now, true, nil)
	tests := []struct {
		url    string
		events []string
		field  string
	}{
		{"ftp://example.org/x", []string{"*"}, "url"},
		{"/relative", []string{"*"}, "url"},
		{"https://user:pw@example.org/", []string{"*"}, "url"},
		{"https://example.org/", nil, "events"},
		{"https://example.org/", []string{"Org Updated"}, "events[0]"},
	}
	for _, tt := range tests {
		_, _, err := wh.Create(context.Background(), "org-1", tt.url, tt.events)
		e := errs.As(err)
		if e == nil || e.Kind != errs.KindInvalid || len(e.Fields) == 0 || e.Fields[0].Field != tt.field {
			t.Errorf("Create(%q, %v) = %v, want an error on %s", tt.url, tt.events, err, tt.field)
		}
	}
	// Whether the organisation exists is the directory's to say
	// (directory.AddWebhook): the kernel holds its id only.
}

func TestWebhooksGoOnlyToPublicAddresses(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	insertOrg(t, d, "org-1")
	key, _ := seal.Parse(strings.Repeat("11", 32))
	wh := notify.NewWebhooks(d, queue(t, d), key, time.Now, false, nil)
	for _, u := range []string{"http://127.0.0.1:8080/x", "http://localhost/x", "https://10.1.2.3/", "http://169.254.169.254/latest/meta-data/",
		"http://[::1]/", "http://[fd00::1]/", "http://100.64.0.1/"} {
		_, _, err := wh.Create(context.Background(), "org-1", u, []string{"*"})
		if e := errs.As(err); e == nil || e.Kind != errs.KindInvalid || e.Fields[0].Field != "url" {
			t.Errorf("Create(%s) = %v, want it refused", u, err)
		}
	}
	if _, _, err := wh.Create(context.Background(), "org-1", "https://soar.bank.example/hook", []string{"*"}); err != nil {
		t.Fatalf("a public name was refused: %v", err)
	}
}

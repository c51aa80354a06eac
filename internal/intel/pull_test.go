package intel

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
)

func pullService(t testing.TB, d *db.DB) *Service {
	clk := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { return clk }
	return NewService(Options{DB: d, Now: now, AllowPrivate: true, Directory: directory.NewService(d, nil, nil, now, nil)})
}

func TestSourceValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		orgsForAccess(t, d)
		s := NewService(Options{DB: d, Now: time.Now, Directory: directory.NewService(d, nil, nil, time.Now, nil)}) // public addresses only
		ctx := context.Background()
		str := func(v string) *string { return &v }
		num := func(v int) *int { return &v }
		if _, err := s.CreateSource(ctx, member("bank", auth.RoleAdmin), SourceInput{Name: str("x")}); errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("a constituent configured a source: %v", err)
		}
		for _, c := range []struct {
			in    SourceInput
			field string
		}{
			{SourceInput{Name: str("")}, "name"},
			{SourceInput{Name: str("a"), Kind: str("ftp")}, "kind"},
			{SourceInput{Name: str("a"), Kind: str("url"), URL: str("http://127.0.0.1/feed")}, "url"},
			{SourceInput{Name: str("a"), Kind: str("url"), URL: str("http://user:pw@feed.example/")}, "url"},
			{SourceInput{Name: str("a"), Kind: str("url"), URL: str("file:///etc/passwd")}, "url"},
			{SourceInput{Name: str("a"), Kind: str("url"), URL: str("https://feed.example/x"), IntervalMinutes: num(1)}, "interval_minutes"},
			{SourceInput{Name: str("a"), TLP: str("WHITE-ish")}, "tlp"},
			{SourceInput{Name: str("a"), Confidence: num(101)}, "confidence"},
			{SourceInput{Name: str("a"), Format: str("xml")}, "format"},
			{SourceInput{Name: str("a"), Collection: str("org-nobody")}, "collection"},
			{SourceInput{Name: str("a"), OwnerOrgID: str("nobody")}, "owner_org_id"},
			{SourceInput{Name: str("a"), Credentials: &Credentials{HeaderName: "Authorization"}}, "credentials.header_name"},
			{SourceInput{Name: str("a"), Credentials: &Credentials{HeaderName: "Bad Header", HeaderValue: "x"}}, "credentials.header_name"},
			{SourceInput{Name: str("a"), Credentials: &Credentials{Password: "x"}}, "credentials.username"},
		} {
			_, err := s.CreateSource(ctx, sys, c.in)
			if e := errs.As(err); e == nil || e.Kind != errs.KindInvalid || !hasField(e, c.field) {
				t.Errorf("%+v: want an error on %s, got %v", c.in, c.field, err)
			}
		}
		src, err := s.CreateSource(ctx, sys, SourceInput{Name: str("Bank sensors"), Kind: str("misp_feed"), URL: str("https://misp.bank.example/feed"),
			OwnerOrgID: str("bank"), Collection: str("org-bank"), TLP: str("amber"), IntervalMinutes: num(30),
			Credentials: &Credentials{HeaderName: "Authorization", HeaderValue: "s3cret-key"}})
		if err != nil {
			t.Fatal(err)
		}
		if src.URL != "https://misp.bank.example/feed/" || src.Format != "misp" || src.TLP != "AMBER" || src.Collection != "org-bank" ||
			!src.HasCredentials || src.NextRunAt == nil {
			t.Fatalf("created: %+v", src)
		}
		b, _ := json.Marshal(src)
		if strings.Contains(string(b), "s3cret") {
			t.Fatalf("the credentials leak: %s", b)
		}
		var sealed string
		if err := d.QueryRow(ctx, `SELECT auth_sealed FROM intel_sources WHERE id = $1`, src.ID).Scan(&sealed); err != nil || strings.Contains(sealed, "s3cret") {
			t.Fatalf("stored in the clear: %q %v", sealed, err)
		}
		if _, err := s.CreateSource(ctx, sys, SourceInput{Name: str("Bank sensors")}); !hasField(errs.As(err), "name") {
			t.Fatalf("a second source of the same name: %v", err)
		}
		// Members of the owner see it (not its credentials) but cannot change it; others do not see it.
		if got, err := s.GetSource(ctx, member("bank", auth.RoleViewer), src.ID); err != nil || got.ID != src.ID {
			t.Fatalf("the owner's member: %v", err)
		}
		if _, err := s.GetSource(ctx, member("ins", auth.RoleAdmin), src.ID); errs.KindOf(err) != errs.KindNotFound {
			t.Fatalf("another organisation sees the source: %v", err)
		}
		if list, err := s.Sources(ctx, member("ins", auth.RoleAdmin)); err != nil || len(list) != 0 {
			t.Fatalf("another organisation lists %d sources: %v", len(list), err)
		}
		if _, err := s.UpdateSource(ctx, member("bank", auth.RoleAdmin), src.ID, SourceInput{Enabled: new(bool)}); errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("the owner changed its source: %v", err)
		}
		off, err := s.UpdateSource(ctx, sys, src.ID, SourceInput{Enabled: new(bool)})
		if err != nil || off.Enabled || off.NextRunAt != nil || !off.HasCredentials {
			t.Fatalf("disabled: %+v %v", off, err)
		}
		cleared, err := s.UpdateSource(ctx, sys, src.ID, SourceInput{Credentials: &Credentials{}})
		if err != nil || cleared.HasCredentials {
			t.Fatalf("credentials cleared: %+v %v", cleared, err)
		}
	})
}

// hasField reports whether e names field among its fields.
func hasField(e *errs.Error, field string) bool {
	return e != nil && errs.Fields(e.Fields).Has(field)
}

// TestPullURL: a list over HTTP, fetched again only when it changed
// (ETag), with Basic credentials; a failing server fails the run and says
// why on the source.
func TestPullURL(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := pullService(t, d)
		ctx := context.Background()
		var mu sync.Mutex
		body, status := "198.51.100.7\nevil[.]example\nnot an indicator!\n", http.StatusOK
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			if u, p, ok := r.BasicAuth(); !ok || u != "certhub" || p != "pw" {
				http.Error(w, "who are you", http.StatusUnauthorized)
				return
			}
			if status != http.StatusOK {
				http.Error(w, "down", status)
				return
			}
			etag := fmt.Sprintf(`"%d"`, len(body))
			if r.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", etag)
			fmt.Fprint(w, body)
		}))
		defer srv.Close()
		str := func(v string) *string { return &v }
		src, err := s.CreateSource(ctx, sys, SourceInput{Name: str("blocklist"), Kind: str("url"), URL: str(srv.URL + "/list.txt"),
			TLP: str("GREEN"), Credentials: &Credentials{Username: "certhub", Password: "pw"}})
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Pull(ctx, src.ID, "")
		if err != nil || res.New != 2 || res.Rejected != 1 {
			t.Fatalf("first pull: %+v %v", res, err)
		}
		run, err := s.GetRun(ctx, sys, res.RunID)
		if err != nil || run.Status != RunOK || run.New != 2 || run.Rejected != 1 || len(run.Errors) != 1 || run.Errors[0].Line != 3 ||
			run.ReadBytes != int64(len(body)) || run.FinishedAt == nil {
			t.Fatalf("the run: %+v %v", run, err)
		}
		res, err = s.Pull(ctx, src.ID, "")
		if err != nil || res.Total() != 0 {
			t.Fatalf("pull of an unchanged list: %+v %v", res, err)
		}
		if run, _ := s.GetRun(ctx, sys, res.RunID); run.Message != "not modified since the last pull" {
			t.Fatalf("unchanged run: %+v", run)
		}
		mu.Lock()
		body = "198.51.100.7\n203.0.113.9\n198.51.100.200\n"
		mu.Unlock()
		if res, err = s.Pull(ctx, src.ID, ""); err != nil || res.New != 2 || res.Updated != 1 {
			t.Fatalf("pull of a changed list: %+v %v", res, err)
		}
		mu.Lock()
		status = http.StatusBadGateway
		mu.Unlock()
		if _, err = s.Pull(ctx, src.ID, ""); err == nil || !strings.Contains(err.Error(), "502") {
			t.Fatalf("pull from a failing server: %v", err)
		}
		got, err := s.GetSource(ctx, sys, src.ID)
		if err != nil || got.LastStatus != RunFailed || !strings.Contains(got.LastError, "502 Bad Gateway") {
			t.Fatalf("the source after a failure: %+v %v", got, err)
		}
		runs, next, err := s.Runs(ctx, sys, src.ID, 2, "")
		if err != nil || len(runs) != 2 || next == "" || runs[0].Status != RunFailed {
			t.Fatalf("runs: %+v %q %v", runs, next, err)
		}
		rest, next, err := s.Runs(ctx, sys, src.ID, 10, next)
		if err != nil || len(rest) != 2 || next != "" || rest[1].ID == runs[1].ID || rest[1].New != 2 {
			t.Fatalf("the next page of runs: %+v %q %v", rest, next, err)
		}
	})
}

// TestPullMISPFeed: a MISP feed made of PyMISP's test events (read in
// place) and one of ours; a second pull fetches nothing; an event whose
// timestamp changed is fetched again.
func TestPullMISPFeed(t *testing.T) {
	dir := filepath.Join(officialMISP, "misp", "mispevent_testfiles")
	events := map[string]json.RawMessage{}
	manifest := map[string]map[string]any{}
	for _, name := range []string{"existing_event.json", "shadow.json"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var e struct {
			UUID      string `json:"uuid"`
			Timestamp string `json:"timestamp"`
			Info      string `json:"info"`
		}
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatal(err)
		}
		events[e.UUID] = json.RawMessage(`{"Event":` + string(b) + `}`)
		manifest[e.UUID] = map[string]any{"info": e.Info, "timestamp": e.Timestamp}
	}
	ours := "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
	events[ours] = json.RawMessage(`{"Event":{"uuid":"` + ours + `","info":"phishing wave","timestamp":"1763800000","Tag":[{"name":"tlp:green"}],
		"Attribute":[{"type":"ip-dst","value":"198.51.100.77"},{"type":"domain","value":"login-bank.example"},{"type":"url","value":"hxxps://login-bank[.]example/x"}]}}`)
	manifest[ours] = map[string]any{"info": "phishing wave", "timestamp": 1763800000}
	manifest["../../etc/passwd"] = map[string]any{"timestamp": 1}
	var mu sync.Mutex
	fetched := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("Authorization") != "feed-key" {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		name := strings.TrimPrefix(r.URL.Path, "/feed/")
		fetched[name]++
		if name == "manifest.json" {
			_ = json.NewEncoder(w).Encode(manifest)
			return
		}
		e, ok := events[strings.TrimSuffix(name, ".json")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(e)
	}))
	defer srv.Close()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		mu.Lock()
		clear(fetched)
		manifest[ours]["timestamp"] = 1763800000
		mu.Unlock()
		s := pullService(t, d)
		ctx := context.Background()
		str := func(v string) *string { return &v }
		src, err := s.CreateSource(ctx, sys, SourceInput{Name: str("partner MISP"), Kind: str("misp_feed"), URL: str(srv.URL + "/feed"),
			Credentials: &Credentials{HeaderName: "Authorization", HeaderValue: "feed-key"}})
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Pull(ctx, src.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if fetched[ours+".json"] != 1 || len(fetched) != 4 || res.New < 3+4 { // ours, and existing_event's domains at least
			t.Fatalf("first pull fetched %v: %+v", fetched, res)
		}
		var label string
		if err := d.QueryRow(ctx, `SELECT b.tlp FROM intel_observations b JOIN intel_observables v ON v.id = b.observable_id
			WHERE v.value = 'login-bank.example'`).Scan(&label); err != nil || label != "GREEN" {
			t.Fatalf("the event's tlp tag: %q %v", label, err)
		}
		if res, err = s.Pull(ctx, src.ID, ""); err != nil || res.Total() != 0 || fetched[ours+".json"] != 1 {
			t.Fatalf("second pull: %+v %v (%v)", res, err, fetched)
		}
		mu.Lock()
		manifest[ours]["timestamp"] = "1763900000"
		mu.Unlock()
		if res, err = s.Pull(ctx, src.ID, ""); err != nil || res.New != 0 || res.Updated != 3 || fetched[ours+".json"] != 2 {
			t.Fatalf("pull after an event changed: %+v %v (%v)", res, err, fetched)
		}
		run, err := s.GetRun(ctx, sys, res.RunID)
		if err != nil || run.Message != "4 events in the manifest, 1 new or changed" {
			t.Fatalf("the run: %+v %v", run, err)
		}
	})
}

package pages_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/browsertest"
)

// TestBrowserResumeRun: a run whose node stopped shows as interrupted with
// a button to resume it; resuming loads the rest and the page follows the
// run to its end. A constituent sees no such run.
func TestBrowserResumeRun(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	ctx := context.Background()
	coord := s.Token("coordinator@cc.example")
	list := "198.51.100.71\n198.51.100.72\nresume-test.example\n"
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/intel/ingest?source=Center%20sensors", strings.NewReader(list))
	req.Header.Set("Authorization", "Bearer "+coord)
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Prefer", "respond-async")
	r := s.Do(http.DefaultClient, req)
	if r.Status != http.StatusAccepted {
		t.Fatalf("push: %d %s", r.Status, r.Body)
	}
	runID := r.JSON(t)["id"].(string)
	// Loaded, and its kept input deleted (just after the run says ok).
	deadline := time.Now().Add(time.Minute)
	for {
		var chunks int
		if err := s.DB.QueryRow(ctx, `SELECT input_chunks FROM intel_runs WHERE id = $1`, runID).Scan(&chunks); err != nil {
			t.Fatal(err)
		}
		if chunks == 0 && s.API("GET", "/api/v1/intel/runs/"+runID, coord, nil).JSON(t)["status"] == "ok" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the push never loaded")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// As if its node had died after the first record: interrupted, its
	// input kept, one record loaded.
	if _, err := s.DB.Exec(ctx, `INSERT INTO intel_run_inputs (run_id, seq, data) VALUES ($1, 0, $2)`, runID, []byte(list)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.Exec(ctx, `UPDATE intel_runs SET status = 'interrupted', input_chunks = 1, resume_items = 1, n_new = 1, n_updated = 0,
		message = 'The node loading it stopped before the load ended: resume it to load the rest.', finished_at = NULL WHERE id = $1`, runID); err != nil {
		t.Fatal(err)
	}

	b := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(b, "coordinator@cc.example", "certhub-demo-2026")
	b.Go("/console/intel/runs/" + runID)
	b.Expect("#status", "nterrupted")
	b.Expect(".problem", "resume it to load the rest")
	b.Expect("#resume", "Resume the load")
	b.Shot("63-intel-run-interrupted")
	b.Click("#resume button")
	deadline = time.Now().Add(time.Minute)
	for !strings.Contains(b.Text("#status"), "OK") {
		if time.Now().After(deadline) {
			t.Fatalf("the resumed run never ended: %s", b.Text("#status"))
		}
		time.Sleep(300 * time.Millisecond)
		b.Go("/console/intel/runs/" + runID)
	}
	if b.Count("#resume") != 0 {
		t.Fatal("a finished run still offers to be resumed")
	}
	run := s.API("GET", "/api/v1/intel/runs/"+runID, coord, nil).JSON(t)
	if run["resumable"] != false || run["new"].(float64)+run["updated"].(float64) != 3 {
		t.Fatalf("after the resume: %v", run)
	}
	phone := browsertest.New(t, s.URL, 390, 844)
	apptest.SignIn(phone, "ciso@firstbank.example", "certhub-demo-2026")
	phone.Go("/console/intel/runs/" + runID)
	if h := phone.Text("h1"); strings.Contains(h, "Run of") || phone.Count("#resume") != 0 {
		t.Fatalf("a constituent reads the center's run: %q", h)
	}
}

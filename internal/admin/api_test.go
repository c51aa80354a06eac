package admin_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
)

func TestAPIAuditAndJobs(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	coord := s.Token("coordinator@cc.example")
	r := s.API("GET", "/api/v1/audit?action=org.&limit=5", coord, nil)
	var page struct {
		Items []struct {
			Seq    int64  `json:"seq"`
			Action string `json:"action"`
		} `json:"items"`
		Next string `json:"next_cursor"`
	}
	if err := json.Unmarshal(r.Body, &page); err != nil || len(page.Items) != 5 || page.Next == "" || page.Items[0].Action != "org.create" {
		t.Fatalf("audit page: %d %s", r.Status, r.Body)
	}
	older := s.API("GET", "/api/v1/audit?action=org.&limit=5&cursor="+page.Next, coord, nil)
	var olderPage struct {
		Items []struct {
			Seq    int64  `json:"seq"`
			Action string `json:"action"`
		} `json:"items"`
	}
	if older.Status != 200 || json.Unmarshal(older.Body, &olderPage) != nil || len(olderPage.Items) == 0 {
		t.Fatalf("older page: %d %s", older.Status, older.Body)
	}
	for _, it := range olderPage.Items {
		if it.Seq >= page.Items[4].Seq || !strings.HasPrefix(it.Action, "org.") {
			t.Fatalf("older page holds seq %d %q, want only org.* rows older than %d", it.Seq, it.Action, page.Items[4].Seq)
		}
	}
	v := s.API("GET", "/api/v1/audit/verify", coord, nil)
	if v.Status != 200 || v.JSON(t)["ok"] != true {
		t.Fatalf("verify: %s", v.Body)
	}
	apptest.Problem(t, s.API("GET", "/api/v1/audit", s.Token("lead@bank-cert.example"), nil), 403)
	if j := s.API("GET", "/api/v1/jobs?state=completed,available,scheduled", coord, nil); j.Status != 200 {
		t.Fatalf("jobs: %d %s", j.Status, j.Body)
	}
	apptest.FieldNamed(t, apptest.Problem(t, s.Malformed().API("GET", "/api/v1/jobs?state=exploded", coord, nil), 422), "state")
	apptest.Problem(t, s.API("POST", "/api/v1/jobs/1/retry", coord, nil), 403)
	apptest.Problem(t, s.API("GET", "/api/v1/jobs/999999", coord, nil), 404)
}

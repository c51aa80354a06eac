package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/apptest"
)

// TestLabAccessMatrix: every read path of evaluations — each GET route
// of the API and the console under /evaluations — read by the demo's lab
// evaluator while the lab stands accredited (it reads the evaluations
// assigned to it, never the one still waiting), then once its
// accreditation has lapsed (the last day passed), and by a lab of the
// directory that was never accredited: neither reads anything, and their
// lists are empty. A new read path without a row fails the test.
func TestLabAccessMatrix(t *testing.T) {
	clock := apptest.NewClock()
	s := apptest.Start(t, apptest.Options{Demo: true, Now: clock.Now})
	coord := s.Token("coordinator@cc.example")
	ctx := t.Context()
	one := func(q string, args ...any) string {
		t.Helper()
		var v string
		if err := s.DB.QueryRow(ctx, q, args...).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	assigned := one(`SELECT id FROM procurement_evaluations WHERE product = 'Edge Firewall' AND version = '9.2'`)
	waiting := one(`SELECT id FROM procurement_evaluations WHERE product = 'Edge Firewall' AND version = '10.0'`)
	report := one(`SELECT id FROM procurement_evaluation_files WHERE evaluation_id = $1 AND kind = 'report'`, assigned)
	// A second lab in the directory, never accredited, with a member.
	r := s.API("POST", "/api/v1/orgs", coord, map[string]any{"name": "Unaccredited Test House", "kind": "lab", "country": "PK",
		"contacts": []any{map[string]any{"role": "security", "email": "lab@unaccredited.example"}}})
	if r.Status != http.StatusCreated {
		t.Fatalf("lab: %d %s", r.Status, r.Body)
	}
	other := r.JSON(t)["id"].(string)
	if r := s.API("POST", "/api/v1/orgs/"+other+"/members", coord, map[string]any{"email": "tester@unaccredited.example", "name": "Una Tester", "role": "analyst"}); r.Status != http.StatusCreated {
		t.Fatalf("member: %d %s", r.Status, r.Body)
	}

	type row struct{ path, accredited string } // Y or -: what the accredited lab gets
	rows := map[string][]row{
		"GET /api/v1/evaluations":                                {{"/api/v1/evaluations", "Y"}},
		"GET /api/v1/evaluations/{id}":                           {{"/api/v1/evaluations/" + assigned, "Y"}, {"/api/v1/evaluations/" + waiting, "-"}},
		"GET /api/v1/evaluations/{id}/sbom-check":                {{"/api/v1/evaluations/" + assigned + "/sbom-check", "Y"}},
		"GET /api/v1/evaluations/{id}/files/{file}":              {{"/api/v1/evaluations/" + assigned + "/files/" + report, "Y"}},
		"GET /console/procurement/evaluations":                   {{"/console/procurement/evaluations", "Y"}},
		"GET /console/procurement/evaluations/new":               {{"/console/procurement/evaluations/new", "Y"}},
		"GET /console/procurement/evaluations/{id}":              {{"/console/procurement/evaluations/" + assigned, "Y"}, {"/console/procurement/evaluations/" + waiting, "-"}},
		"GET /console/procurement/evaluations/{id}/files/{file}": {{"/console/procurement/evaluations/" + assigned + "/files/" + report, "Y"}},
	}
	for _, rt := range s.Router.Routes() {
		if rt.Method == "GET" && strings.Contains(rt.Path, "/evaluations") {
			if _, ok := rows["GET "+rt.Path]; !ok {
				t.Errorf("a read path of evaluations without a row: GET %s", rt.Path)
			}
		}
	}
	// Lists answer 200 whoever asks; what matters is what is in them.
	lists := map[string]bool{"/api/v1/evaluations": true, "/console/procurement/evaluations": true, "/console/procurement/evaluations/new": true}
	tokens := map[string]string{}
	for _, who := range []string{"evaluator@ncstl.example", "tester@unaccredited.example"} {
		tokens[who] = s.Token(who)
	}
	read := func(who, path string) (bool, string) {
		t.Helper()
		req, err := http.NewRequest("GET", s.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tokens[who])
		res := s.Do(http.DefaultClient, req)
		switch {
		case res.Status >= 500:
			t.Fatalf("%s as %s: %d", path, who, res.Status)
		case lists[path]:
			return res.Status == http.StatusOK && strings.Contains(string(res.Body), assigned), string(res.Body)
		}
		return res.Status == http.StatusOK, string(res.Body)
	}
	check := func(who, when string, accredited bool) {
		t.Helper()
		for route, rs := range rows {
			for _, x := range rs {
				if x.path == "/console/procurement/evaluations/new" {
					continue // a form, not an evaluation
				}
				want := accredited && x.accredited == "Y"
				if got, body := read(who, x.path); got != want {
					t.Errorf("%s %s: %s reads %s: %v, want %v\n%.300s", when, route, who, x.path, got, want, body)
				}
			}
		}
	}
	check("evaluator@ncstl.example", "accredited", true)
	check("tester@unaccredited.example", "never accredited", false)

	// The accreditation's last day passes.
	labID := s.OrgID("National Cyber Security Testing Lab")
	until := clock.Now().AddDate(0, 0, 3).Format(time.DateOnly)
	if r := s.API("PUT", "/api/v1/labs/"+labID+"/accreditation", coord, `{"categories": ["firewall", "network_device"], "state": "active",
		"valid_from": "2026-01-01", "valid_until": "`+until+`"}`); r.Status != http.StatusOK {
		t.Fatalf("shorten: %d %s", r.Status, r.Body)
	}
	check("evaluator@ncstl.example", "before its last day", true)
	clock.Add(4 * 24 * time.Hour)
	check("evaluator@ncstl.example", "lapsed", false)
}

package training_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/pgp"
)

// Through the real server, on both engines, every answer checked against
// openapi.json: staff add a course and a session of one seat; a bank's
// member asks, another bank cannot see it, the bank's administrator
// approves; a second person waits and moves up when the first withdraws;
// after the session the result issues a certificate whose signed
// statement verifies with the center's published key, and whose public
// check shows what it prints and nothing more.
func TestTrainingAPI(t *testing.T) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			clock := apptest.NewClock()
			s := apptest.Start(t, apptest.Options{Demo: true, Engine: engine, Now: clock.Now})
			coord, soc, ciso, other, cert := s.Token("coordinator@cc.example"), s.Token("soc@firstbank.example"), s.Token("ciso@firstbank.example"),
				s.Token("security@crescent-mf.example"), s.Token("analyst@bank-cert.example")
			r := s.API("POST", "/api/v1/courses", coord, map[string]any{"title": "Phishing response drill", "topic": "incident_response",
				"level": "foundation", "duration_hours": 4, "pass_mark": 60, "materials": []string{"https://example.org/drill.pdf"}})
			if r.Status != http.StatusCreated {
				t.Fatalf("course: %d %s", r.Status, r.Body)
			}
			course := r.JSON(t)["id"].(string)
			if r := s.API("POST", "/api/v1/courses", soc, map[string]any{"title": "Mine", "topic": "incident_response", "level": "foundation", "duration_hours": 1}); r.Status != http.StatusForbidden {
				t.Errorf("a bank adds a course: %d", r.Status)
			}
			if r := s.Malformed().API("POST", "/api/v1/courses", coord, map[string]any{"title": "x", "topic": "cooking", "level": "foundation", "duration_hours": 1}); r.Status != http.StatusUnprocessableEntity ||
				!strings.Contains(string(r.Body), `"field":"topic"`) {
				t.Errorf("a bad topic: %d %s", r.Status, r.Body)
			}
			start := clock.Now().Add(72 * time.Hour).UTC()
			r = s.API("POST", "/api/v1/sessions", coord, map[string]any{"course_id": course, "starts_at": start.Format(time.RFC3339),
				"ends_at": start.Add(4 * time.Hour).Format(time.RFC3339), "online": true, "seats": 1})
			if r.Status != http.StatusCreated {
				t.Fatalf("session: %d %s", r.Status, r.Body)
			}
			session := r.JSON(t)["id"].(string)
			if r := s.Malformed().API("POST", "/api/v1/sessions", coord, map[string]any{"course_id": course, "starts_at": "soon", "ends_at": "later", "seats": 0}); r.Status != http.StatusUnprocessableEntity ||
				!strings.Contains(string(r.Body), `"field":"starts_at"`) || !strings.Contains(string(r.Body), `"field":"seats"`) {
				t.Errorf("a bad session: %d %s", r.Status, r.Body)
			}

			r = s.API("POST", "/api/v1/sessions/"+session+"/enrolments", soc, map[string]any{})
			if r.Status != http.StatusCreated || r.JSON(t)["status"] != "requested" {
				t.Fatalf("enrol: %d %s", r.Status, r.Body)
			}
			asked := r.Header.Get("Location")
			if r := s.API("GET", asked, other, nil); r.Status != http.StatusNotFound {
				t.Errorf("another bank reads the enrolment: %d", r.Status)
			}
			if r := s.API("GET", asked, cert, nil); r.Status != http.StatusOK {
				t.Errorf("the bank's CERT reads it: %d", r.Status)
			}
			if r := s.API("POST", asked+"/decision", soc, map[string]any{"approve": true}); r.Status != http.StatusForbidden {
				t.Errorf("approving oneself: %d", r.Status)
			}
			if r := s.API("POST", asked+"/decision", ciso, map[string]any{"approve": true}); r.Status != http.StatusOK || r.JSON(t)["status"] != "enrolled" {
				t.Fatalf("approve: %d %s", r.Status, r.Body)
			}
			r = s.API("POST", "/api/v1/sessions/"+session+"/enrolments", other, map[string]any{})
			if r.Status != http.StatusCreated || r.JSON(t)["status"] != "waiting" || r.JSON(t)["position"] != float64(1) {
				t.Fatalf("the second: %d %s", r.Status, r.Body)
			}
			waiting := r.Header.Get("Location")
			if r := s.API("POST", asked+"/cancel", soc, map[string]any{"reason": "a clash"}); r.Status != http.StatusOK {
				t.Fatalf("withdraw: %d %s", r.Status, r.Body)
			}
			if r := s.API("GET", waiting, other, nil); r.JSON(t)["status"] != "enrolled" {
				t.Fatalf("the waiting list did not move: %s", r.Body)
			}
			if r := s.API("GET", "/api/v1/enrolments?session_id="+session, cert, nil); r.Status != http.StatusOK || len(r.JSON(t)["items"].([]any)) != 2 {
				t.Errorf("BankCERT's view of the session: %d %s", r.Status, r.Body) // both its banks'
			}
			if r := s.API("GET", "/api/v1/enrolments?session_id="+session, ciso, nil); r.Status != http.StatusOK || len(r.JSON(t)["items"].([]any)) != 1 {
				t.Errorf("First Example Bank's view of the session: %d %s", r.Status, r.Body) // its own, not Crescent's
			}

			if r := s.API("POST", waiting+"/result", coord, map[string]any{"attended": true, "score": 80}); r.Status != http.StatusConflict {
				t.Errorf("a result before the session: %d %s", r.Status, r.Body)
			}
			clock.Add(80 * time.Hour)
			if r := s.Malformed().API("POST", waiting+"/result", coord, map[string]any{"attended": true}); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("a result without the score the pass mark needs: %d %s", r.Status, r.Body)
			}
			r = s.API("POST", waiting+"/result", coord, map[string]any{"attended": true, "score": 80})
			if r.Status != http.StatusOK || r.JSON(t)["status"] != "completed" {
				t.Fatalf("result: %d %s", r.Status, r.Body)
			}
			code := r.JSON(t)["certificate"].(string)
			r = s.API("GET", "/api/v1/certificates/"+strings.ToLower(code), "", nil)
			if r.Status != http.StatusOK || r.JSON(t)["valid"] != true || r.JSON(t)["holder_name"] != "Asad Crescent Security" ||
				r.JSON(t)["course_title"] != "Phishing response drill" || r.JSON(t)["completed_on"] != start.Add(4*time.Hour).Format("2006-01-02") ||
				len(r.JSON(t)) != 6 { // and nothing more
				t.Fatalf("public check: %d %s", r.Status, r.Body)
			}
			web := s.Client()
			signed := web.Get("/certificates/" + code + "/certificate.txt.asc")
			if err := pgp.VerifyClearSigned(signed.Body, s.CenterKey.Public); err != nil || !bytes.Contains(signed.Body, []byte("Holder: Asad Crescent Security")) {
				t.Errorf("the signed statement: %v\n%s", err, signed.Body)
			}
			pdf := web.Get("/certificates/" + code + "/certificate.pdf")
			if pdf.Status != http.StatusOK || pdf.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf.Body, []byte("%PDF-")) {
				t.Errorf("PDF: %d %s", pdf.Status, pdf.Header.Get("Content-Type"))
			}
			if r := s.API("POST", "/api/v1/certificates/"+code+"/revoke", coord, map[string]any{"reason": "Recorded against the wrong person."}); r.Status != http.StatusOK || r.JSON(t)["valid"] != false {
				t.Fatalf("revoke: %d %s", r.Status, r.Body)
			}
			if r := web.Get("/certificates/" + code); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "Recorded against the wrong person.") {
				t.Errorf("the page of a revoked certificate: %d", r.Status)
			}
			if r := web.Get("/certificates/" + code + "/certificate.pdf"); r.Status != http.StatusConflict {
				t.Errorf("the PDF of a revoked certificate: %d", r.Status)
			}
			// BankCERT's figures: its banks, not another sector's operators.
			if r := s.API("GET", "/api/v1/training/capacity?format=csv", cert, nil); r.Status != http.StatusOK || !strings.HasPrefix(string(r.Body), "org_id,name,kind") ||
				!strings.Contains(string(r.Body), "First Example Bank") || strings.Contains(string(r.Body), "Karakoram") {
				t.Errorf("capacity CSV: %d\n%s", r.Status, r.Body)
			}
		})
	}
}

// The demo's exercises through the API: a participant reads the
// ransomware tabletop (all its injects delivered, an overdue action of
// Crescent's), another sector's operator gets 404, Crescent closes its
// action, and the center plans a new exercise and gives an action.
func TestExercisesAPI(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	coord, bank, crescent, telco := s.Token("coordinator@cc.example"), s.Token("ciso@firstbank.example"),
		s.Token("security@crescent-mf.example"), s.Token("noc@karakoram-telecom.example")
	list := s.API("GET", "/api/v1/exercises", bank, nil).JSON(t)["items"].([]any)
	if len(list) != 1 {
		t.Fatalf("the bank's exercises: %v", list)
	}
	loc := "/api/v1/exercises/" + list[0].(map[string]any)["id"].(string)
	if r := s.API("GET", loc, telco, nil); r.Status != http.StatusNotFound {
		t.Errorf("another sector reads the tabletop: %d", r.Status)
	}
	v := s.API("GET", loc, crescent, nil).JSON(t)
	if len(v["injects"].([]any)) != 3 || v["hidden_injects"] != float64(0) {
		t.Errorf("injects: %v", v["injects"])
	}
	var overdue string
	for _, a := range v["actions"].([]any) {
		if a := a.(map[string]any); a["overdue"] == true {
			overdue = a["id"].(string)
		}
	}
	if overdue == "" {
		t.Fatalf("no overdue action: %v", v["actions"])
	}
	if r := s.API("POST", loc+"/actions/"+overdue, bank, map[string]any{"status": "done"}); r.Status != http.StatusForbidden {
		t.Errorf("another bank closed Crescent's action: %d", r.Status)
	}
	if r := s.API("POST", loc+"/actions/"+overdue, crescent, map[string]any{"status": "done", "note": "Restored in 3 h 40 min."}); r.Status != http.StatusOK ||
		r.JSON(t)["status"] != "done" {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	start := time.Now().Add(48 * time.Hour).UTC()
	r := s.API("POST", "/api/v1/exercises", coord, map[string]any{"title": "Phishing wave", "kind": "tabletop", "scenario": "A wave of phishing.",
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).Format(time.RFC3339), "orgs": []string{s.OrgID("First Example Bank")}})
	if r.Status != http.StatusCreated {
		t.Fatalf("plan: %d %s", r.Status, r.Body)
	}
	x := r.Header.Get("Location")
	if r := s.API("POST", x+"/injects", coord, map[string]any{"minute": 10, "title": "A customer calls", "body": "Her account was emptied."}); r.Status != http.StatusCreated {
		t.Fatalf("inject: %d %s", r.Status, r.Body)
	}
	if r := s.API("GET", x, bank, nil); r.JSON(t)["hidden_injects"] != float64(1) {
		t.Errorf("the bank sees an inject before its time: %s", r.Body)
	}
	if r := s.Malformed().API("POST", x+"/actions", coord, map[string]any{"title": "Train the call centre", "owner_org_id": s.OrgID("Ravi Mobile")}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("an action for an organisation not taking part: %d", r.Status)
	}
	if r := s.API("POST", x+"/notes", bank, map[string]any{"kind": "lesson", "body": "The call centre has no script."}); r.Status != http.StatusCreated {
		t.Errorf("a lesson: %d %s", r.Status, r.Body)
	}
}

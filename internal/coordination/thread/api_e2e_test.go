package thread_test

import (
	"net/http"
	"net/mail"
	"net/smtp"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/demo"
	"github.com/certhub/certhub/internal/platform/db"
)

// Threads between organisations through the real server, on both
// engines: only their organisations' members read them; the TLP limits
// who may be brought in; every member of the others is mailed with a
// reply address of their own, and a reply by e-mail lands in the thread
// without what it quotes, as its recipient; a forged or foreign reply
// address is refused.
func TestThreadsAndRepliesByMail(t *testing.T) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Engine: engine, Demo: true, Configure: func(c *app.Config) {
				c.SMTPListen, c.ReportAddress = "127.0.0.1:0", "report@cert.example"
			}})
			cert, telco, bank, vendor := s.Token("analyst@bank-cert.example"), s.Token("lead@telco-cert.example"),
				s.Token("ciso@firstbank.example"), s.Token("psirt@examplesoft.example")
			r := s.API("GET", "/api/v1/threads", cert, nil)
			if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "Web shell callbacks") {
				t.Fatalf("the demo's thread: %d %s", r.Status, r.Body)
			}
			demoID := r.JSON(t)["items"].([]any)[0].(map[string]any)["id"].(string)
			if r := s.API("GET", "/api/v1/threads", bank, nil); r.Status != http.StatusOK || strings.Contains(string(r.Body), "Web shell") {
				t.Errorf("a bank lists the CERTs' thread: %d %s", r.Status, r.Body)
			}
			for _, tok := range []string{bank, vendor} {
				if r := s.API("GET", "/api/v1/threads/"+demoID, tok, nil); r.Status != http.StatusNotFound {
					t.Errorf("an outsider read the thread: %d %s", r.Status, r.Body)
				}
			}
			// AMBER: a member's own constituent may come in, a vendor not.
			if r := s.Malformed().API("POST", "/api/v1/threads/"+demoID+"/orgs", cert, map[string]any{"org_id": s.OrgID("Examplesoft Ltd")}); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("a vendor brought into a TLP:AMBER thread: %d %s", r.Status, r.Body)
			}
			if r := s.API("POST", "/api/v1/threads/"+demoID+"/orgs", cert, map[string]any{"org_id": s.OrgID("Crescent Microfinance")}); r.Status != http.StatusOK {
				t.Errorf("a constituent brought in: %d %s", r.Status, r.Body)
			}

			// A new TLP:CLEAR thread from TelcoCERT to BankCERT.
			r = s.API("POST", "/api/v1/threads", telco, map[string]any{"title": "Exercise next month", "tlp": "CLEAR",
				"org_ids": []string{s.OrgID("Banking Sector CERT")}, "body": "Shall we run the joint exercise on the 14th? @BankCERT"})
			if r.Status != http.StatusCreated || !strings.HasPrefix(r.Header.Get("Location"), "/api/v1/threads/") {
				t.Fatalf("open: %d %s", r.Status, r.Body)
			}
			loc := r.Header.Get("Location")
			m := s.SMTP.WaitFor(t, "analyst@bank-cert.example", "mentioned Banking Sector CERT")
			addr, err := mail.ParseAddress(m.Header.Get("Reply-To"))
			if err != nil {
				t.Fatalf("the notification's Reply-To: %q", m.Header.Get("Reply-To"))
			}
			replyTo := addr.Address
			if !strings.HasPrefix(replyTo, "reply+") || !strings.HasSuffix(replyTo, "@cert.example") {
				t.Fatalf("the notification's reply address: %q", replyTo)
			}
			if lead := s.SMTP.WaitFor(t, "lead@bank-cert.example", "mentioned"); strings.Contains(lead.Header.Get("Reply-To"), replyTo) {
				t.Error("two recipients share a reply address")
			}
			send := func(to, body string) error {
				msg := "From: someone@elsewhere.example\r\nTo: " + to + "\r\nSubject: Re: the exercise\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n")
				return smtp.SendMail(s.MailAddr(), nil, "someone@elsewhere.example", []string{to}, []byte(msg))
			}
			if err := send(replyTo, "Yes, the 14th works for us.\n\nOn Sunday, TelcoCERT wrote:\n> Shall we run the joint exercise"); err != nil {
				t.Fatal(err)
			}
			r = s.API("GET", loc, telco, nil)
			body := string(r.Body)
			if r.Status != http.StatusOK || !strings.Contains(body, "Yes, the 14th works for us.") || strings.Contains(body, "> Shall we") ||
				!strings.Contains(body, `"via":"email"`) || !strings.Contains(body, "Fatima BankCERT Analyst") {
				t.Errorf("the reply by mail: %d %s", r.Status, body)
			}
			// A file posted from the console, downloaded by the other side.
			web := s.Client()
			web.Login("analyst@bank-cert.example", demo.Password)
			threadID := strings.TrimPrefix(loc, "/api/v1/threads/")
			if r := web.Upload("/console/threads/"+threadID+"/attachments", nil, "file", "plan.txt", "Exercise plan, draft 1\n"); r.Status != http.StatusSeeOther {
				t.Fatalf("attach: %d %s", r.Status, r.Body)
			}
			r = s.API("GET", loc, telco, nil)
			fs := r.JSON(t)["files"].([]any)
			if len(fs) != 1 || !strings.Contains(string(r.Body), "Attached plan.txt") {
				t.Fatalf("the thread's files: %s", r.Body)
			}
			if r := s.API("GET", loc+"/attachments/"+fs[0].(map[string]any)["id"].(string), telco, nil); r.Status != http.StatusOK || string(r.Body) != "Exercise plan, draft 1\n" {
				t.Errorf("download: %d %q", r.Status, r.Body)
			}
			if r := s.API("GET", loc+"/attachments/"+fs[0].(map[string]any)["id"].(string), bank, nil); r.Status != http.StatusNotFound {
				t.Errorf("an outsider downloaded the file: %d", r.Status)
			}
			if err := send("reply+"+strings.Repeat("a", 32)+"@cert.example", "forged"); err == nil || !strings.Contains(err.Error(), "unknown") {
				t.Errorf("a forged reply address: %v", err)
			}
			if err := send("reply+"+strings.TrimPrefix(strings.Split(replyTo, "@")[0], "reply+")+"@other.example", "elsewhere"); err == nil {
				t.Error("mail for another domain was taken")
			}
			if r := s.Malformed().API("POST", "/api/v1/threads", telco, map[string]any{"title": "x", "tlp": "RED", "org_ids": []string{"nope"}, "body": ""}); r.Status != http.StatusUnprocessableEntity ||
				!strings.Contains(string(r.Body), `"field":"tlp"`) || !strings.Contains(string(r.Body), `"field":"org_ids[0]"`) || !strings.Contains(string(r.Body), `"field":"body"`) {
				t.Errorf("bad input: %d %s", r.Status, r.Body)
			}
		})
	}
}

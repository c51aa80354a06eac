package incident_test

import (
	"net/http"
	"net/smtp"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/apptest"
)

// Incidents by e-mail, through the real listener: a report mailed to the
// incident address becomes an incident of the national CERT with a
// receipt carrying the follow link; an auto-reply is dropped.
func TestIncidentsByMail(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true, Configure: func(c *app.Config) {
		c.SMTPListen, c.ReportAddress, c.IncidentAddress = "127.0.0.1:0", "report@cert.example", "Incident@CERT.example"
	}})
	send := func(headers, body string) error {
		msg := strings.ReplaceAll(headers+"\n\n"+body, "\n", "\r\n")
		return smtp.SendMail(s.MailAddr(), nil, "reporter@mail.example", []string{"incident@cert.example"}, []byte(msg))
	}
	if err := send("From: Rida Reporter <Reporter@Mail.example>\nTo: incident@cert.example\nSubject: Our web server was defaced",
		"The front page of www.school.example shows a defacement since this morning."); err != nil {
		t.Fatal(err)
	}
	m := s.SMTP.WaitFor(t, "reporter@mail.example", "Your incident report was received")
	link := regexp.MustCompile(`https?://\S+/report-incident/follow\?key=\S+`).FindString(m.Body)
	if link == "" {
		t.Fatalf("no follow link in the receipt: %q", m.Body)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	r := s.API("GET", "/api/v1/public/incidents/follow?key="+url.QueryEscape(u.Query().Get("key")), "", nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "Our web server was defaced") || !strings.Contains(string(r.Body), "National CERT") {
		t.Fatalf("follow: %d %s", r.Status, r.Body)
	}
	r = s.API("GET", "/api/v1/incidents?q=defaced", s.Token("analyst@ncert.example"), nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "Our web server was defaced") {
		t.Errorf("the national CERT's queue: %d %s", r.Status, r.Body)
	}
	// An auto-reply is no report: no incident, and no receipt to answer
	// it (other mail of the first report may still be on its way).
	receipts := func() int {
		n := 0
		for _, m := range s.SMTP.Messages() {
			if slices.Contains(m.To, "reporter@mail.example") {
				n++
			}
		}
		return n
	}
	before := receipts()
	if err := send("From: reporter@mail.example\nTo: incident@cert.example\nSubject: Out of office\nAuto-Submitted: auto-replied", "Away."); err != nil {
		t.Fatal(err)
	}
	r = s.API("GET", "/api/v1/incidents?q=office", s.Token("coordinator@cc.example"), nil)
	if strings.Contains(string(r.Body), "Out of office") || receipts() != before {
		t.Errorf("an auto-reply became an incident: %s (%d mails to the reporter, %d before)", r.Body, receipts(), before)
	}
}

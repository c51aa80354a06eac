package vdp_test

import (
	"context"
	"errors"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/pgp"
	"github.com/certhub/certhub/internal/vdp/model"
)

// Reports by e-mail, through the real listener and the real store: a new
// report with a receipt whose replies come back threaded; a reply with a
// file; a stranger using a tracking ID; PGP/MIME to the center's key; an
// auto-reply; and no relaying.
func TestReportsByMail(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true, Configure: func(c *app.Config) {
		c.SMTPListen, c.ReportAddress = "127.0.0.1:0", "Report@CERT.example"
	}})
	ctx := context.Background()
	sys := auth.System("test")
	send := func(from, to, msg string) error {
		msg = strings.ReplaceAll(strings.TrimLeft(msg, "\n"), "\n", "\r\n")
		return smtp.SendMail(s.MailAddr(), nil, from, []string{to}, []byte(msg))
	}
	reports := func() []model.Report {
		list, _, err := s.VDP.Reports().List(ctx, sys, model.ReportFilter{Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	before := len(reports())

	// The public report page tells researchers they may write instead.
	if d := apptest.Doc(t, s.Client().Get("/report")); !strings.Contains(d.Find("#report-by-mail").Text(), "report@cert.example") {
		t.Fatalf("the report page does not offer the address: %q", d.Find("#report-by-mail").Text())
	}

	if err := send("finder@research.example", "report@cert.example", `
From: Fay Finder <Finder@Research.example>
To: report@cert.example
Subject: SQL injection in the tax portal login

The username field of https://tax.example/login is injectable.
`); err != nil {
		t.Fatal(err)
	}
	list := reports()
	if len(list) != before+1 {
		t.Fatalf("%d reports, want %d", len(list), before+1)
	}
	r := list[len(list)-1] // oldest first
	if r.Source != "email" || r.Title != "SQL injection in the tax portal login" || r.Reporter.Email != "finder@research.example" ||
		r.Reporter.Name != "Fay Finder" || !strings.Contains(r.Description, "username field") {
		t.Fatalf("%+v", r)
	}
	receipt := s.SMTP.WaitFor(t, "finder@research.example", r.TrackingID)
	if !strings.Contains(receipt.Header.Get("Reply-To"), "report@cert.example") || !strings.Contains(receipt.Body, "Reply to this message") {
		t.Fatalf("receipt: %+v", receipt)
	}

	// The reporter replies to the receipt, with a screenshot.
	reply := `
From: finder@research.example
To: report@cert.example
Subject: Re: [` + r.TrackingID + `] We received your report
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain

It also works on the password-reset form.
--b
Content-Type: image/png
Content-Disposition: attachment; filename="reset.png"
Content-Transfer-Encoding: base64

iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==
--b--
`
	if err := send("finder@research.example", "report@cert.example", reply); err != nil {
		t.Fatal(err)
	}
	if n := len(reports()); n != before+1 {
		t.Fatalf("the reply made a new report (%d reports)", n)
	}
	msgs, err := s.VDP.Reports().Messages(ctx, sys, r.ID)
	if err != nil || len(msgs) != 1 || !msgs[0].FromReporter || !strings.Contains(msgs[0].Body, "password-reset form") ||
		!strings.HasPrefix(msgs[0].Body, "[By e-mail from finder@research.example; the sender's address is not authenticated.]") {
		t.Fatalf("messages %+v %v", msgs, err)
	}
	atts, err := s.VDP.Reports().Attachments(ctx, sys, r.ID)
	if err != nil || len(atts) != 1 || atts[0].Filename != "reset.png" || atts[0].ContentType != "image/png" {
		t.Fatalf("attachments %+v %v", atts, err)
	}

	// Someone else naming the tracking ID does not get into the report.
	if err := send("mallory@evil.example", "report@cert.example", strings.ReplaceAll(reply, "From: finder@research.example", "From: mallory@evil.example")); err != nil {
		t.Fatal(err)
	}
	if msgs, _ := s.VDP.Reports().Messages(ctx, sys, r.ID); len(msgs) != 1 {
		t.Fatal("a stranger's mail was added to the report")
	}
	if n := len(reports()); n != before+2 {
		t.Fatalf("the stranger's mail is not a report of its own (%d reports)", n)
	}

	// PGP/MIME encrypted to the center's published key.
	inner := "Content-Type: text/plain; charset=utf-8\r\n\r\nRemote code execution in the SCADA historian, port 4840.\r\n"
	enc, err := pgp.Encrypt([]byte(inner), s.VDP.CenterKey().Public)
	if err != nil {
		t.Fatal(err)
	}
	if err := send("quiet@research.example", "report@cert.example", `
From: quiet@research.example
To: report@cert.example
Subject: Encrypted report
Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="e"

--e
Content-Type: application/pgp-encrypted

Version: 1
--e
Content-Type: application/octet-stream

`+enc+`
--e--
`); err != nil {
		t.Fatal(err)
	}
	list = reports()
	r = list[len(list)-1]
	if r.Title != "Encrypted report" || !strings.Contains(r.Description, "SCADA historian") || strings.Contains(r.Description, "BEGIN PGP") {
		t.Fatalf("the encrypted report: %+v", r)
	}

	// An auto-reply is dropped without an answer; other addresses are refused.
	n, sent := len(reports()), len(s.SMTP.Messages())
	if err := send("vacation@research.example", "report@cert.example", "From: vacation@research.example\nAuto-Submitted: auto-replied\nSubject: Out of office\n\nAway.\n"); err != nil {
		t.Fatal(err)
	}
	if len(reports()) != n {
		t.Fatal("an auto-reply became a report")
	}
	var te *textproto.Error
	if err := send("spammer@evil.example", "ceo@bank.example", "Subject: relay\n\nx\n"); !errors.As(err, &te) || te.Code != 550 {
		t.Fatalf("relaying: %v", err)
	}
	s.SMTP.Wait(t, sent) // nothing new is owed; the count only grows
	for _, m := range s.SMTP.Messages()[sent:] {
		if m.To[0] == "vacation@research.example" {
			t.Fatal("the auto-reply was answered")
		}
	}

	// The reports made from mail are in the audit log with their source.
	es, _, err := audit.List(ctx, s.DB, audit.Filter{Action: "report.submit"})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range es {
		found = found || strings.Contains(e.Summary, r.TrackingID+" received (email)")
	}
	if !found {
		t.Fatalf("no audit entry for %s", r.TrackingID)
	}
}

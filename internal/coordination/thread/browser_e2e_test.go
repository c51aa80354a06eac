package thread_test

import (
	"net/mail"
	"net/smtp"
	"testing"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/browsertest"
	"github.com/certhub/certhub/internal/demo"
)

// In Chromium: BankCERT's lead finds the demo's thread with its unread
// messages, answers it, and opens a thread with a bank (a refusal beside
// the field first); the bank reads it on a phone and answers; an
// outsider is told the thread does not exist; BankCERT's analyst answers
// by replying to the notification mail, and the bank sees the reply.
func TestBrowserThreads(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true, Configure: func(c *app.Config) {
		c.SMTPListen, c.ReportAddress = "127.0.0.1:0", "report@cert.example"
	}})
	cert := browsertest.New(t, s.URL, 1280, 900)
	apptest.SignIn(cert, "lead@bank-cert.example", demo.Password)
	cert.Go("/console/threads")
	cert.Expect("#threads", "Web shell callbacks", "Telecom Sector CERT", "2 new")
	cert.Click("#threads a")
	cert.Expect("#posts", "a hosting provider our operators peer with", "Seen twice this month")
	cert.Fill("#f-body", "Thank you both: we close our side once the VPS is down.")
	cert.Click("#reply button[type=submit]")
	cert.Expect(".flash", "Sent")
	cert.Expect("#posts", "we close our side")
	cert.Shot("98-thread")
	demoThread := cert.Path()

	cert.Go("/console/threads/new")
	cert.Fill("#f-title", "Phishing kit aimed at your customers")
	cert.Fill("#f-body", "We see a kit copying your login page. Can you confirm the domains?")
	cert.Click("main form button[type=submit]")
	cert.Expect("main form", "name at least one other organisation")
	cert.Select("#f-org_ids", s.OrgID("First Example Bank"))
	cert.Click("main form button[type=submit]")
	cert.Expect(".flash", "Thread opened")
	page := cert.Path()

	bank := browsertest.New(t, s.URL, 390, 844)
	apptest.SignIn(bank, "ciso@firstbank.example", demo.Password)
	bank.Go("/console/threads")
	bank.Expect("#threads", "Phishing kit aimed at your customers", "1 new")
	bank.Go(page)
	bank.Fill("#f-body", "Confirmed: firstbank-login.example.net is not ours.")
	bank.Click("#reply button[type=submit]")
	bank.Expect("#posts", "is not ours")
	if bank.Overflows() {
		t.Error("the thread page is wider than a phone")
	}
	bank.Shot("99-thread-phone")
	bank.Go(demoThread)
	bank.Expect("main", "Error 404")

	// BankCERT's analyst answers the bank's message from the mail it got.
	m := s.SMTP.WaitFor(t, "analyst@bank-cert.example", "A new message from First Example Bank")
	addr, err := mail.ParseAddress(m.Header.Get("Reply-To"))
	if err != nil {
		t.Fatalf("Reply-To: %q", m.Header.Get("Reply-To"))
	}
	msg := "From: analyst@bank-cert.example\r\nTo: " + addr.Address + "\r\nSubject: Re\r\n\r\nNoted, we are taking it down.\r\n\r\n> Confirmed: firstbank-login\r\n"
	if err := smtp.SendMail(s.MailAddr(), nil, "analyst@bank-cert.example", []string{addr.Address}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	bank.Go(page)
	bank.Expect("#posts", "Noted, we are taking it down.", "by e-mail", "Fatima BankCERT Analyst")
}

package apptest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/certhub/certhub/internal/browsertest"
)

// Doc parses r's body as an HTML page, to assert on by CSS selector.
func Doc(t testing.TB, r Response) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Text is the text of what sel selects in d, its white space collapsed.
func Text(d *goquery.Document, sel string) string {
	return strings.Join(strings.Fields(d.Find(sel).Text()), " ")
}

// SignIn signs out whoever is signed in in the browser, then signs in as
// email.
func SignIn(b *browsertest.Browser, email, password string) {
	b.Go("/login")
	if b.Count(".who button") > 0 {
		b.Click(".who button")
		b.Go("/login")
	}
	b.Fill("#f-email", email)
	b.Fill("#f-password", password)
	b.Click("#login button[type=submit]")
}

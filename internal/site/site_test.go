package site_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
)

// The public website's pages: the CERTs and their RFC 2350 texts are
// public, other organisations are not; anonymous pages are cacheable with
// an ETag, signed-in ones are not stored.
func TestPublicSite(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	c := s.Client()

	home := apptest.Doc(t, c.Get("/"))
	if got := apptest.Text(home, "#latest"); !strings.Contains(got, "Acme SecureGate") {
		t.Fatalf("home lists %q", got)
	}
	if got := apptest.Text(home, "#alerts"); !strings.Contains(got, "Phishing campaign") || strings.Contains(got, "Credential-stuffing") {
		t.Fatalf("home alerts %q", got)
	}
	if home.Find("main h1").Length() != 1 || home.Find("nav[aria-label=Website]").Length() != 1 {
		t.Fatal("the home page lacks its heading or navigation landmark")
	}

	certs := apptest.Doc(t, c.Get("/certs"))
	list := apptest.Text(certs, "#certs")
	for _, want := range []string{"National CERT", "Banking Sector CERT", "Provincial CERT Sindh"} {
		if !strings.Contains(list, want) {
			t.Errorf("the CERT list lacks %s", want)
		}
	}
	for _, not := range []string{"First Example Bank", "NetForge", "Examplia National CSIRT", "Ministry"} {
		if strings.Contains(list, not) {
			t.Errorf("the public CERT list shows %s", not)
		}
	}
	if r := c.Get("/certs/" + s.OrgID("First Example Bank")); r.Status != http.StatusNotFound {
		t.Errorf("a constituent's page answered %d", r.Status)
	}
	bank := s.OrgID("Banking Sector CERT")
	page := apptest.Doc(t, c.Get("/certs/"+bank))
	if !strings.Contains(apptest.Text(page, "pre.rfc2350"), "Description of Banking Sector CERT according to RFC 2350") {
		t.Errorf("the CERT page lacks its RFC 2350 text")
	}
	r := c.Get("/certs/" + bank + "/rfc2350.txt")
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") || !strings.Contains(string(r.Body), "2. Contact Information") {
		t.Errorf("rfc2350.txt: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	// An organisation the directory does not list on the website is not shown.
	sindh := s.OrgID("Provincial CERT Sindh")
	no := false
	if _, err := s.Directory.Update(context.Background(), auth.System("test"), sindh, directory.OrgInput{Listed: &no}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(apptest.Text(apptest.Doc(t, c.Get("/certs")), "#certs"), "Sindh") || c.Get("/certs/"+sindh).Status != http.StatusNotFound {
		t.Error("an unlisted CERT is on the website")
	}
	if strings.Contains(string(c.Get("/certs/"+bank).Body), "soc@bank-cert.example") && !strings.Contains(apptest.Text(page, "pre.rfc2350"), "soc@bank-cert.example") {
		t.Error("a contact address that is not in the RFC 2350 text is on the page")
	}
	about := apptest.Doc(t, c.Get("/about"))
	if !strings.Contains(apptest.Text(about, "h1"), "National CERT") {
		t.Errorf("/about is about %q", apptest.Text(about, "h1"))
	}

	// Caching: an anonymous page has an ETag and answers 304 to it.
	first := c.Get("/advisories")
	etag := first.Header.Get("ETag")
	if etag == "" || !strings.Contains(first.Header.Get("Cache-Control"), "public") {
		t.Fatalf("anonymous listing: ETag %q, Cache-Control %q", etag, first.Header.Get("Cache-Control"))
	}
	req, _ := http.NewRequest("GET", s.URL+"/advisories", nil)
	req.Header.Set("If-None-Match", etag)
	if r := s.Do(http.DefaultClient, req); r.Status != http.StatusNotModified {
		t.Errorf("conditional request: %d", r.Status)
	}
	c.Login("analyst@ncert.example", "certhub-demo-2026")
	signed := c.Get("/advisories")
	if signed.Header.Get("ETag") != "" || signed.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("a signed-in page is cacheable: %q %q", signed.Header.Get("ETag"), signed.Header.Get("Cache-Control"))
	}
	if !strings.Contains(string(signed.Body), "Console") {
		t.Error("a signed-in visitor of the website has no way back to the console")
	}
}

package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
)

// The public website's pages: the CERTs and their RFC 2350 texts are
// public, other organisations are not; anonymous pages are cacheable with
// an ETag, signed-in ones are not stored.
func TestPublicSite(t *testing.T) {
	s := start(t, options{demo: true})
	c := s.client()

	home := doc(t, c.get("/"))
	if got := text(home, "#latest"); !strings.Contains(got, "Acme SecureGate") {
		t.Fatalf("home lists %q", got)
	}
	if got := text(home, "#alerts"); !strings.Contains(got, "Phishing campaign") || strings.Contains(got, "Credential-stuffing") {
		t.Fatalf("home alerts %q", got)
	}
	if home.Find("main h1").Length() != 1 || home.Find("nav[aria-label=Website]").Length() != 1 {
		t.Fatal("the home page lacks its heading or navigation landmark")
	}

	certs := doc(t, c.get("/certs"))
	list := text(certs, "#certs")
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
	if r := c.get("/certs/" + s.orgID(t, "First Example Bank")); r.Status != http.StatusNotFound {
		t.Errorf("a constituent's page answered %d", r.Status)
	}
	bank := s.orgID(t, "Banking Sector CERT")
	page := doc(t, c.get("/certs/"+bank))
	if !strings.Contains(text(page, "pre.rfc2350"), "Description of Banking Sector CERT according to RFC 2350") {
		t.Errorf("the CERT page lacks its RFC 2350 text")
	}
	r := c.get("/certs/" + bank + "/rfc2350.txt")
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") || !strings.Contains(string(r.Body), "2. Contact Information") {
		t.Errorf("rfc2350.txt: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	// An organisation the directory does not list on the website is not shown.
	sindh := s.orgID(t, "Provincial CERT Sindh")
	no := false
	if _, err := s.Directory.Update(context.Background(), auth.System("test"), sindh, directory.OrgInput{Listed: &no}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text(doc(t, c.get("/certs")), "#certs"), "Sindh") || c.get("/certs/"+sindh).Status != http.StatusNotFound {
		t.Error("an unlisted CERT is on the website")
	}
	if strings.Contains(string(c.get("/certs/"+bank).Body), "soc@bank-cert.example") && !strings.Contains(text(page, "pre.rfc2350"), "soc@bank-cert.example") {
		t.Error("a contact address that is not in the RFC 2350 text is on the page")
	}
	about := doc(t, c.get("/about"))
	if !strings.Contains(text(about, "h1"), "National CERT") {
		t.Errorf("/about is about %q", text(about, "h1"))
	}

	// Caching: an anonymous page has an ETag and answers 304 to it.
	first := c.get("/advisories")
	etag := first.Header.Get("ETag")
	if etag == "" || !strings.Contains(first.Header.Get("Cache-Control"), "public") {
		t.Fatalf("anonymous listing: ETag %q, Cache-Control %q", etag, first.Header.Get("Cache-Control"))
	}
	req, _ := http.NewRequest("GET", s.URL+"/advisories", nil)
	req.Header.Set("If-None-Match", etag)
	if r := s.do(http.DefaultClient, req); r.Status != http.StatusNotModified {
		t.Errorf("conditional request: %d", r.Status)
	}
	c.login("analyst@ncert.example", "certhub-demo-2026")
	signed := c.get("/advisories")
	if signed.Header.Get("ETag") != "" || signed.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("a signed-in page is cacheable: %q %q", signed.Header.Get("ETag"), signed.Header.Get("Cache-Control"))
	}
	if !strings.Contains(string(signed.Body), "Console") {
		t.Error("a signed-in visitor of the website has no way back to the console")
	}
}

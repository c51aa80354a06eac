package directory_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
)

func TestDirectoryPagesFollowTheAccessRule(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	bank := s.Client()
	bank.Login("ciso@firstbank.example", "certhub-demo-2026")
	d := apptest.Doc(t, bank.Get("/console/orgs"))
	names := apptest.Text(d, "#orgs tbody")
	if !strings.Contains(names, "First Example Bank") || !strings.Contains(names, "National CERT") {
		t.Fatalf("a bank's admin lacks entries: %s", names)
	}
	for _, hidden := range []string{"Karakoram Telecom", "Crescent Microfinance", "Examplesoft"} {
		if strings.Contains(names, hidden) {
			t.Errorf("a bank's admin sees %s", hidden)
		}
	}
	if d.Find("a.button[href='/console/orgs/new']").Length() != 0 {
		t.Error("a constituent's admin is offered New organisation")
	}
	if d.Find(".top nav a[href='/console/users']").Length() != 0 {
		t.Error("a constituent's admin sees the Users menu")
	}
	// Another constituent's page does not exist for them.
	var telco string
	for _, o := range mustList(t, s) {
		if o.Name == "Karakoram Telecom" {
			telco = o.ID
		}
	}
	if r := bank.Get("/console/orgs/" + telco); r.Status != 404 {
		t.Fatalf("another constituent's page: %d", r.Status)
	}
	if r := bank.Get("/console/users"); r.Status != 403 {
		t.Fatalf("users page for a constituent: %d", r.Status)
	}
	// Editing their own organisation: a bad network is shown beside the field, the rest kept.
	var own string
	for _, o := range mustList(t, s) {
		if o.Name == "First Example Bank" {
			own = o.ID
		}
	}
	edit := apptest.Doc(t, bank.Get("/console/orgs/"+own+"/edit"))
	if edit.Find("#f-kind").Length() != 0 || edit.Find("input[name=cii]").Length() != 0 {
		t.Error("a constituent's admin is offered the structural fields")
	}
	form := url.Values{}
	edit.Find("#org-form input, #org-form textarea, #org-form select").Each(func(_ int, sel *goquery.Selection) {
		name, _ := sel.Attr("name")
		if name == "" {
			return
		}
		if goquery.NodeName(sel) == "textarea" {
			form.Set(name, sel.Text())
			return
		}
		if goquery.NodeName(sel) == "select" {
			v, _ := sel.Find("option[selected]").Attr("value")
			form.Set(name, v)
			return
		}
		if typ, _ := sel.Attr("type"); typ == "checkbox" {
			if _, on := sel.Attr("checked"); on {
				form.Set(name, "on")
			}
			return
		}
		v, _ := sel.Attr("value")
		form.Set(name, v)
	})
	if form.Get("name") != "First Example Bank" || !strings.Contains(form.Get("cidrs"), "198.51.100.0/27") {
		t.Fatalf("edit form not filled: %v", form)
	}
	form.Set("cidrs", form.Get("cidrs")+"\n10.0.0.300/8")
	form.Set("description", "Our new description")
	r := bank.Post("/console/orgs/"+own, form)
	page := apptest.Doc(t, r)
	if r.Status != 422 || !strings.Contains(apptest.Text(page, "#f-constituency\\.cidrs ~ .field-error"), "not a network") {
		t.Fatalf("bad network: %d %q", r.Status, apptest.Text(page, ".field-error"))
	}
	if v := page.Find("#f-description").Text(); v != "Our new description" {
		t.Fatalf("typed description lost: %q", v)
	}
	if v := page.Find("#f-constituency\\.cidrs").Text(); !strings.Contains(v, "10.0.0.300/8") {
		t.Fatalf("typed networks lost: %q", v)
	}
	// A forged row index does not make the server loop or allocate.
	forged := url.Values{}
	for k, v := range form {
		forged[k] = v
	}
	forged.Set("contacts[999999999999].name", "x")
	forged.Set("contacts[", "x")
	if r := bank.Post("/console/orgs/"+own, forged); r.Status >= 500 {
		t.Fatalf("forged contact index: %d", r.Status)
	}
	form.Set("cidrs", strings.Replace(form.Get("cidrs"), "10.0.0.300/8", "", 1))
	if r := bank.Post("/console/orgs/"+own, form); r.Status != 303 {
		t.Fatalf("save: %d %s", r.Status, r.Body)
	}
	shown := apptest.Doc(t, bank.Get("/console/orgs/"+own))
	if !strings.Contains(apptest.Text(shown, "main"), "Our new description") || !strings.Contains(apptest.Text(shown, "#cidrs"), "198.51.100.0/27") {
		t.Fatal("saved changes not shown")
	}
	if txt := bank.Get("/console/orgs/" + own + "/rfc2350.txt"); txt.Status != 200 || !strings.Contains(string(txt.Body), "2.1 Name of the Team") {
		t.Fatalf("RFC 2350 text: %d", txt.Status)
	}
	// The national CERT's public key downloads.
	var ncert string
	for _, o := range mustList(t, s) {
		if o.Name == "National CERT" {
			ncert = o.ID
		}
	}
	if key := bank.Get("/console/orgs/" + ncert + "/key.asc"); key.Status != 200 || !strings.Contains(string(key.Body), "BEGIN PGP PUBLIC KEY BLOCK") {
		t.Fatalf("key download: %d", key.Status)
	}
	nat := apptest.Doc(t, bank.Get("/console/orgs/"+ncert))
	if !regexp.MustCompile(`^([0-9A-F]{4} ){9}[0-9A-F]{4}$`).MatchString(apptest.Text(nat, "#fingerprint")) {
		t.Fatalf("fingerprint shown as %q", apptest.Text(nat, "#fingerprint"))
	}
}

func mustList(t *testing.T, s *apptest.Server) []directory.Summary {
	t.Helper()
	all, err := s.Directory.All(context.Background(), auth.System("test"), directory.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return all
}

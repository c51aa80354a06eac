package directory_test

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/pgp"
)

func TestAPIOrganisations(t *testing.T) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Demo: true, Engine: engine})
			coord := s.Token("coordinator@cc.example")
			pub, _, err := pgp.GenerateKey("Indus Payments SOC", "soc@induspay.example", 0, time.Now().Add(-time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			list := s.API("GET", "/api/v1/orgs?kind=sectoral_cert", coord, nil)
			var sectoral struct {
				Items []map[string]any `json:"items"`
			}
			json.Unmarshal(list.Body, &sectoral)
			if list.Status != 200 || len(sectoral.Items) != 4 {
				t.Fatalf("sectoral CERTs: %d %s", list.Status, list.Body)
			}
			bankCERT := ""
			for _, o := range sectoral.Items {
				if o["name"] == "Banking Sector CERT" {
					bankCERT = o["id"].(string)
				}
			}
			created := s.API("POST", "/api/v1/orgs", coord, map[string]any{
				"name": "Indus Payments", "kind": "constituent", "parent_id": bankCERT, "sector": "banking", "country": "pk", "cii": true,
				"contacts":     []map[string]any{{"role": "24x7", "email": "SOC@InduSpay.example", "phone": "+92 21 1234567", "available_24x7": true}},
				"pgp_key":      pub,
				"constituency": map[string]any{"cidrs": []string{"192.0.2.128/26", "2001:db8:9::/48"}, "asns": []int{64510}, "domains": []string{"induspay.example"}},
			})
			if created.Status != 201 {
				t.Fatalf("create: %d %s", created.Status, created.Body)
			}
			o := created.JSON(t)
			id := o["id"].(string)
			if created.Header.Get("Location") != "/api/v1/orgs/"+id || o["country"] != "PK" || o["pgp_fingerprint"] == "" ||
				o["parent_id"] != bankCERT || o["created_at"] == "" || o["updated_at"] == "" {
				t.Fatalf("created org %v (Location %q)", o, created.Header.Get("Location"))
			}
			c := o["contacts"].([]any)[0].(map[string]any)
			if c["email"] != "soc@induspay.example" || c["available_24x7"] != true {
				t.Fatalf("contact %v", c)
			}
			// The bank CERT's analyst sees it; another sector's constituent does not, not even that it exists.
			if r := s.API("GET", "/api/v1/orgs/"+id, s.Token("analyst@bank-cert.example"), nil); r.Status != 200 {
				t.Fatalf("bank CERT analyst: %d", r.Status)
			}
			apptest.Problem(t, s.API("GET", "/api/v1/orgs/"+id, s.Token("noc@karakoram-telecom.example"), nil), 404)
			// The bank CERT's admin may edit it but not change its structure.
			lead := s.Token("lead@bank-cert.example")
			if r := s.API("PATCH", "/api/v1/orgs/"+id, lead, map[string]any{"description": "Payments switch"}); r.Status != 200 || r.JSON(t)["description"] != "Payments switch" {
				t.Fatalf("patch by the sector CERT admin: %d %s", r.Status, r.Body)
			}
			apptest.Problem(t, s.API("PATCH", "/api/v1/orgs/"+id, lead, map[string]any{"cii": false}), 403)
			apptest.Problem(t, s.API("PATCH", "/api/v1/orgs/"+id, s.Token("ciso@firstbank.example"), map[string]any{"description": "x"}), 404)
			// Overlaps are reported.
			other := s.API("POST", "/api/v1/orgs", coord, map[string]any{"name": "Overlapping Co", "kind": "constituent",
				"constituency": map[string]any{"cidrs": []string{"192.0.2.128/25"}}})
			if other.Status != 201 {
				t.Fatalf("second org: %s", other.Body)
			}
			ov := s.API("GET", "/api/v1/orgs/"+id+"/overlaps", coord, nil)
			if ov.Status != 200 || !strings.Contains(string(ov.Body), "Overlapping Co") {
				t.Fatalf("overlaps: %s", ov.Body)
			}
			// Pages of two, by name, never repeating or skipping.
			seen := map[string]bool{}
			cursor := ""
			for pages := 0; ; pages++ {
				r := s.API("GET", "/api/v1/orgs?limit=2&cursor="+url.QueryEscape(cursor), coord, nil)
				var page struct {
					Items []struct {
						ID string `json:"id"`
					} `json:"items"`
					Next string `json:"next_cursor"`
				}
				if err := json.Unmarshal(r.Body, &page); err != nil || r.Status != 200 {
					t.Fatalf("page: %d %s", r.Status, r.Body)
				}
				for _, it := range page.Items {
					if seen[it.ID] {
						t.Fatalf("%s listed twice", it.ID)
					}
					seen[it.ID] = true
				}
				if page.Next == "" {
					break
				}
				cursor = page.Next
				if pages > 50 {
					t.Fatal("pagination does not end")
				}
			}
			if len(seen) != 28 {
				t.Fatalf("paged through %d organisations, want 28 (26 of the demo and 2 new)", len(seen))
			}
			// Delete: a coordinator may not; an admin may.
			apptest.Problem(t, s.API("DELETE", "/api/v1/orgs/"+other.JSON(t)["id"].(string), coord, nil), 403)
			admin := s.Token("admin@localhost", auth.ScopeRead, auth.ScopeWrite, auth.ScopeAdmin)
			if r := s.API("DELETE", "/api/v1/orgs/"+other.JSON(t)["id"].(string), admin, nil); r.Status != 204 {
				t.Fatalf("delete: %d %s", r.Status, r.Body)
			}
			apptest.Problem(t, s.API("DELETE", "/api/v1/orgs/"+bankCERT, admin, nil), 409)
		})
	}
}

func TestAPIBadInputIsAnsweredPrecisely(t *testing.T) {
	s := apptest.Start(t, apptest.Options{})
	tok := s.Token("admin@localhost")
	valid := func(extra string) string {
		return `{"name": "Bad Input Co", "kind": "constituent"` + extra + `}`
	}
	tests := []struct {
		name   string
		ctype  string
		body   string
		status int
		field  string
	}{
		{"malformed JSON", "application/json", `{"name": "x",`, 400, ""},
		{"not JSON at all", "application/json", `name=x`, 400, ""},
		{"wrong type", "application/json", valid(`, "cii": "yes"`), 422, "cii"},
		{"wrong nested type", "application/json", valid(`, "constituency": {"asns": ["AS64500"]}`), 422, "constituency.asns"},
		{"unknown field", "application/json", valid(`, "colour": "blue"`), 422, "colour"},
		{"form body", "application/x-www-form-urlencoded", "name=x", 415, ""},
		{"oversized", "application/json", valid(`, "description": "` + strings.Repeat("x", 600<<10) + `"`), 413, ""},
		{"missing name", "application/json", `{"kind": "constituent"}`, 422, "name"},
		{"unknown kind", "application/json", `{"name": "X", "kind": "bank"}`, 422, "kind"},
		{"invalid CIDR", "application/json", valid(`, "constituency": {"cidrs": ["192.0.2.0/24", "192.0.2.300/24"]}`), 422, "constituency.cidrs[1]"},
		{"host bits", "application/json", valid(`, "constituency": {"cidrs": ["192.0.2.1/24"]}`), 422, "constituency.cidrs[0]"},
		{"invalid ASN", "application/json", valid(`, "constituency": {"asns": [0]}`), 422, "constituency.asns[0]"},
		{"invalid domain", "application/json", valid(`, "constituency": {"domains": ["not a domain"]}`), 422, "constituency.domains[0]"},
		{"invalid e-mail", "application/json", valid(`, "contacts": [{"role": "24x7", "email": "soc@"}]`), 422, "contacts[0].email"},
		{"invalid key", "application/json", valid(`, "pgp_key": "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnope\n-----END PGP PUBLIC KEY BLOCK-----"`), 422, "pgp_key"},
		{"invalid country", "application/json", valid(`, "country": "Pakistan"`), 422, "country"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", s.URL+"/api/v1/orgs", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", tt.ctype)
			req.Header.Set("Authorization", "Bearer "+tok)
			p := apptest.Problem(t, s.Malformed().Do(http.DefaultClient, req), tt.status)
			if tt.field != "" {
				apptest.FieldNamed(t, p, tt.field)
			}
		})
	}
	apptest.FieldNamed(t, apptest.Problem(t, s.Malformed().API("GET", "/api/v1/orgs?limit=0", tok, nil), 422), "limit")
	apptest.FieldNamed(t, apptest.Problem(t, s.API("GET", "/api/v1/orgs?cursor=%7Bbad", tok, nil), 422), "cursor")
	apptest.FieldNamed(t, apptest.Problem(t, s.Malformed().API("GET", "/api/v1/orgs?cii=maybe", tok, nil), 422), "cii")
	apptest.Problem(t, s.Malformed().API("GET", "/api/v1/no-such-thing", tok, nil), 404)
	apptest.Problem(t, s.API("GET", "/api/v1/orgs/no-such-org", tok, nil), 404)
	apptest.Problem(t, s.Malformed().API("PUT", "/api/v1/orgs", tok, `{}`), 405)
	// Nothing of the rejected requests was stored.
	var list struct{ Items []any }
	json.Unmarshal(s.API("GET", "/api/v1/orgs", tok, nil).Body, &list)
	if len(list.Items) != 0 {
		t.Fatalf("%d organisations stored from bad input", len(list.Items))
	}
}

func TestAPIExport(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	coord := s.Token("coordinator@cc.example")
	if r := s.API("POST", "/api/v1/orgs", coord, map[string]any{"name": "=HYPERLINK(\"http://evil\")", "kind": "vendor"}); r.Status != 201 {
		t.Fatalf("create: %s", r.Body)
	}
	r := s.API("GET", "/api/v1/orgs/export?format=csv", coord, nil)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("csv export: %d %v", r.Status, r.Header)
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 28 || rows[0][0] != "id" || rows[0][12] != "cidrs" {
		t.Fatalf("%d csv rows, header %v", len(rows), rows[0])
	}
	found := false
	for _, row := range rows[1:] {
		if strings.Contains(row[1], "HYPERLINK") {
			found = true
			if !strings.HasPrefix(row[1], "'=") {
				t.Fatalf("formula not defused: %q", row[1])
			}
		}
		if row[1] == "First Example Bank" && (!strings.Contains(row[12], "198.51.100.0/27") || row[13] != "AS64497") {
			t.Fatalf("bank row %v", row)
		}
	}
	if !found {
		t.Fatal("new org missing from export")
	}
	// A constituent's member exports only what they may see.
	j := s.API("GET", "/api/v1/orgs/export?format=json", s.Token("soc@firstbank.example"), nil)
	var orgs []map[string]any
	if err := json.Unmarshal(j.Body, &orgs); err != nil {
		t.Fatalf("json export: %v\n%s", err, j.Body)
	}
	for _, o := range orgs {
		if o["kind"] == "constituent" && o["name"] != "First Example Bank" {
			t.Fatalf("a bank member exported another constituent: %v", o["name"])
		}
		if o["kind"] == "vendor" {
			t.Fatalf("a constituent exported a vendor: %v", o["name"])
		}
	}
	if len(orgs) != 12 {
		t.Fatalf("bank member exported %d organisations, want the 11 community entries and the bank", len(orgs))
	}
	apptest.FieldNamed(t, apptest.Problem(t, s.Malformed().API("GET", "/api/v1/orgs/export?format=xml", coord, nil), 422), "format")
}

func TestAPIMembersInviteByMail(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	lead := s.Token("lead@bank-cert.example")
	var bank string
	var list struct {
		Items []struct{ ID, Name string }
	}
	json.Unmarshal(s.API("GET", "/api/v1/orgs?q=first+example", lead, nil).Body, &list)
	if len(list.Items) != 1 {
		t.Fatalf("find the bank: %v", list)
	}
	bank = list.Items[0].ID
	r := s.API("POST", "/api/v1/orgs/"+bank+"/members", lead, map[string]any{"email": "New.Analyst@FirstBank.example", "name": "New Analyst", "role": "analyst"})
	if r.Status != 201 || r.JSON(t)["account_created"] != true {
		t.Fatalf("add member: %d %s", r.Status, r.Body)
	}
	apptest.FieldNamed(t, apptest.Problem(t, s.Malformed().API("POST", "/api/v1/orgs/"+bank+"/members", lead, map[string]any{"email": "x@firstbank.example", "name": "X", "role": "boss"}), 422), "role")
	apptest.Problem(t, s.API("POST", "/api/v1/orgs/"+bank+"/members", s.Token("soc@firstbank.example"), map[string]any{"email": "y@firstbank.example", "name": "Y", "role": "admin"}), 403)

	m := s.SMTP.WaitFor(t, "new.analyst@firstbank.example", "Your account")
	link := regexp.MustCompile(`http://127\.0\.0\.1:\d+/account/password\?token=\S+`).FindString(m.Body)
	if link == "" {
		t.Fatalf("no link in the invitation:\n%s", m.Body)
	}
	u, _ := url.Parse(link)
	c := s.Client()
	if p := c.Get(u.RequestURI()); p.Status != 200 || !strings.Contains(string(p.Body), "new.analyst@firstbank.example") {
		t.Fatalf("invitation page: %d", p.Status)
	}
	token := u.Query().Get("token")
	if p := c.Post("/account/password", url.Values{"token": {token}, "password": {"short"}, "confirm": {"short"}}); p.Status != 422 {
		t.Fatalf("weak password accepted: %d", p.Status)
	}
	pw := "a new analyst's long password"
	if p := c.Post("/account/password", url.Values{"token": {token}, "password": {pw}, "confirm": {pw}}); p.Status != 303 {
		t.Fatalf("set password: %d %s", p.Status, p.Body)
	}
	c.Login("new.analyst@firstbank.example", pw)
	if p := c.Get("/account/password?token=" + url.QueryEscape(token)); p.Status != 404 {
		t.Fatalf("the link worked twice: %d", p.Status)
	}
	members := s.API("GET", "/api/v1/orgs/"+bank+"/members", lead, nil)
	if !strings.Contains(string(members.Body), "new.analyst@firstbank.example") {
		t.Fatalf("members: %s", members.Body)
	}
}

func TestAPIWebhookDeliveredOnChange(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	got := make(chan *http.Request, 5)
	bodies := make(chan []byte, 5)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r
		bodies <- b
	}))
	defer recv.Close()
	tok := s.Token("ciso@firstbank.example")
	var list struct{ Items []struct{ ID string } }
	json.Unmarshal(s.API("GET", "/api/v1/orgs?q=first+example", tok, nil).Body, &list)
	bank := list.Items[0].ID
	r := s.API("POST", "/api/v1/orgs/"+bank+"/webhooks", tok, map[string]any{"url": recv.URL + "/hook", "events": []string{"org.updated"}})
	if r.Status != 201 {
		t.Fatalf("register webhook: %d %s", r.Status, r.Body)
	}
	secret := r.JSON(t)["secret"].(string)
	if l := s.API("GET", "/api/v1/orgs/"+bank+"/webhooks", tok, nil); strings.Contains(string(l.Body), secret) {
		t.Fatal("the webhook secret is listed again")
	}
	if r := s.API("PATCH", "/api/v1/orgs/"+bank, tok, map[string]any{"website": "https://www.firstbank.example/security"}); r.Status != 200 {
		t.Fatalf("patch: %s", r.Body)
	}
	select {
	case req := <-got:
		body := <-bodies
		if err := notify.Verify(secret, req.Header.Get(notify.SignatureHeader), body, time.Now(), time.Minute); err != nil {
			t.Fatalf("signature: %v", err)
		}
		if !strings.Contains(string(body), "https://www.firstbank.example/security") || req.Header.Get("Certhub-Event") != "org.updated" {
			t.Fatalf("delivery %s", body)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no webhook delivery")
	}
}

package federation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/federation"
	"github.com/certhub/certhub/internal/platform/auth"

	"github.com/gocsaf/csaf/v3/csaf"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// instance is one certhub with its administrator's token.
type instance struct {
	*apptest.Server
	name, admin string
}

func start(t *testing.T, name string) instance {
	// Each its own data (its own center key), not the shared template's.
	s := apptest.Start(t, apptest.Options{Demo: true, Configure: func(c *app.Config) { c.CenterName = name }})
	return instance{Server: s, name: name, admin: s.Token("admin@localhost", auth.ScopeRead, auth.ScopeWrite, auth.ScopeAdmin)}
}

// link makes an active link between a (offering) and b (answering), each
// naming the other by an organisation of its directory; it answers the
// link's id on each side.
func link(t *testing.T, a instance, aPeer string, b instance, bPeer string, aCeiling, bCeiling string) (string, string) {
	t.Helper()
	return linkWith(t, a, aPeer, b, bPeer, aCeiling, bCeiling, nil, nil)
}

// linkWith is link with more of a's offer (aMore) and of b's answer
// (bMore).
func linkWith(t *testing.T, a instance, aPeer string, b instance, bPeer string, aCeiling, bCeiling string, aMore, bMore map[string]any) (string, string) {
	t.Helper()
	body := map[string]any{"peer_org_id": a.OrgID(aPeer), "peer_url": b.URL, "shares": []string{"intel", "csaf"}, "tlp_ceiling": aCeiling}
	maps.Copy(body, aMore)
	r := a.API("POST", "/api/v1/federation/links", a.admin, body)
	if r.Status != http.StatusCreated {
		t.Fatalf("%s offers: %d %s", a.name, r.Status, r.Body)
	}
	offer := r.JSON(t)
	if offer["status"] != federation.Offered || offer["document"] == nil {
		t.Fatalf("%s's offer: %s", a.name, r.Body)
	}
	body = map[string]any{"peer_org_id": b.OrgID(bPeer), "document": offer["document"],
		"peer_fingerprint": a.CenterKey.Fingerprint, "shares": []string{"intel", "csaf"}, "tlp_ceiling": bCeiling}
	maps.Copy(body, bMore)
	r = b.API("POST", "/api/v1/federation/links", b.admin, body)
	if r.Status != http.StatusCreated {
		t.Fatalf("%s answers: %d %s", b.name, r.Status, r.Body)
	}
	answer := r.JSON(t)
	if answer["status"] != federation.Active {
		t.Fatalf("%s's answer: %s", b.name, r.Body)
	}
	r = a.API("POST", "/api/v1/federation/links/"+offer["id"].(string)+"/accept", a.admin, map[string]any{"document": answer["document"],
		"peer_fingerprint": b.CenterKey.Fingerprint})
	if r.Status != http.StatusOK || r.JSON(t)["status"] != federation.Active {
		t.Fatalf("%s accepts: %d %s", a.name, r.Status, r.Body)
	}
	return offer["id"].(string), answer["id"].(string)
}

// pull fetches, now, what the link brings from the peer.
func (in instance) pull(t *testing.T, linkID string) map[string]any {
	t.Helper()
	v := in.API("GET", "/api/v1/federation/links/"+linkID, in.admin, nil).JSON(t)
	st, _ := v["intel"].(map[string]any)
	if st == nil {
		t.Fatalf("%s's link pulls nothing: %v", in.name, v)
	}
	if _, err := in.Intel.Pull(context.Background(), st["source_id"].(string), ""); err != nil {
		t.Logf("%s's pull: %v", in.name, err)
	}
	if _, err := in.Federation.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	return in.API("GET", "/api/v1/federation/links/"+linkID, in.admin, nil).JSON(t)
}

// sources answers which sources an instance knows value from ("" when
// it does not know it).
func (in instance) sources(t *testing.T, value string) string {
	t.Helper()
	r := in.API("POST", "/api/v1/intel/lookup", in.admin, map[string]any{"values": []string{value}})
	if r.Status != http.StatusOK {
		t.Fatalf("%s's lookup: %d %s", in.name, r.Status, r.Body)
	}
	var out struct {
		Matches []struct {
			Sources []string `json:"sources"`
		} `json:"matches"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Matches) == 0 {
		return ""
	}
	s := out.Matches[0].Sources
	slices.Sort(s)
	return strings.Join(s, ", ")
}

// taxii sends a TAXII 2.1 request and answers its JSON, failing unless
// the status is want.
func (in instance) taxii(t *testing.T, method, path, token, body string, want int) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(method, in.URL+path, strings.NewReader(body))
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	if body != "" {
		req.Header.Set("Content-Type", "application/taxii+json;version=2.1")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	r := in.Do(http.DefaultClient, req)
	if r.Status != want {
		t.Fatalf("%s %s on %s: %d (want %d) %s", method, path, in.name, r.Status, want, r.Body)
	}
	return r.JSON(t)
}

func (in instance) ingest(t *testing.T, source, tlp, body string) {
	t.Helper()
	req, _ := http.NewRequest("POST", in.URL+"/api/v1/intel/ingest?source="+url.QueryEscape(source)+"&tlp="+url.QueryEscape(tlp), strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+in.admin)
	req.Header.Set("Content-Type", "text/plain")
	if r := in.Do(http.DefaultClient, req); r.Status != http.StatusOK {
		t.Fatalf("%s ingests: %d %s", in.name, r.Status, r.Body)
	}
}

// Three instances: the national CERT's and two sectoral CERTs'. Each
// sectoral CERT links with the national one by signed documents; the
// intelligence each shares reaches the others through the national
// instance (pulled from the bank, pushed by the power CERT, which the
// national instance cannot reach), attributed, never above the ceiling,
// never back to where it came from; the national instance aggregates both
// sectoral CSAF providers, mirrors the bank's directory records, and hands
// on to the power CERT an incident the bank handed over; a document
// tampered with, signed by another key, meant for another instance or sent
// twice is refused; a revoked link carries nothing more, and what it
// brought stays attributed.
func TestThreeInstances(t *testing.T) {
	national, bank, power := start(t, "National CERT"), start(t, "Banking Sector CERT"), start(t, "Power Sector CERT")

	// Refusals first, with an offer from the national CERT to the bank.
	all := []string{"intel", "csaf", "directory", "transfers"}
	r := national.API("POST", "/api/v1/federation/links", national.admin, map[string]any{"peer_org_id": national.OrgID("Banking Sector CERT"),
		"peer_url": bank.URL, "tlp_ceiling": "AMBER", "shares": all, "home_org_id": national.OrgID("National CERT")})
	if r.Status != http.StatusCreated {
		t.Fatalf("offer: %d %s", r.Status, r.Body)
	}
	offer := r.JSON(t)
	doc := offer["document"].(map[string]any)
	answer := func(in instance, d map[string]any, fingerprint string) apptest.Response {
		return in.API("POST", "/api/v1/federation/links", in.admin, map[string]any{"peer_org_id": in.OrgID("National CERT"),
			"document": d, "peer_fingerprint": fingerprint})
	}
	tampered := map[string]any{"document": strings.Replace(doc["document"].(string), `"AMBER"`, `"RED"`, 1), "signature": doc["signature"]}
	for _, tt := range []struct {
		name string
		in   instance
		doc  map[string]any
		fp   string
		want string
	}{
		{"tampered with", bank, tampered, "", "signature does not verify"},
		{"another key expected", bank, doc, power.CenterKey.Fingerprint, "not " + power.CenterKey.Fingerprint},
		{"meant for another instance", power, doc, "", "is for " + bank.URL},
		{"not a document", bank, map[string]any{"document": "{\"type\":1}", "signature": "x"}, "", "is not a link document"},
	} {
		r := answer(tt.in, tt.doc, tt.fp)
		p := apptest.Problem(t, r, http.StatusUnprocessableEntity)
		if !strings.Contains(fmt.Sprint(p["errors"]), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, p["errors"], tt.want)
		}
	}
	// The bank answers properly (its own ceiling AMBER+STRICT: the link's
	// is the lower, AMBER); the same document again is a replay.
	r = bank.API("POST", "/api/v1/federation/links", bank.admin, map[string]any{"peer_org_id": bank.OrgID("National CERT"),
		"document": doc, "peer_fingerprint": national.CenterKey.Fingerprint, "shares": all, "tlp_ceiling": "AMBER+STRICT",
		"home_org_id": bank.OrgID("Banking Sector CERT")})
	if r.Status != http.StatusCreated {
		t.Fatalf("the bank answers: %d %s", r.Status, r.Body)
	}
	bankAnswer := r.JSON(t)
	if bankAnswer["effective_tlp_ceiling"] != "AMBER" || bankAnswer["peer_fingerprint"] != national.CenterKey.Fingerprint {
		t.Fatalf("the bank's link: %s", r.Body)
	}
	apptest.Problem(t, answer(bank, doc, ""), http.StatusConflict)
	nbLink, bnLink := offer["id"].(string), bankAnswer["id"].(string)
	// The national CERT accepts; a tampered answer first is refused and
	// recorded on the link.
	ad := bankAnswer["document"].(map[string]any)
	bad := map[string]any{"document": ad["document"].(string) + " ", "signature": ad["signature"]}
	apptest.Problem(t, national.API("POST", "/api/v1/federation/links/"+nbLink+"/accept", national.admin, map[string]any{"document": bad}),
		http.StatusUnprocessableEntity)
	r = national.API("POST", "/api/v1/federation/links/"+nbLink+"/accept", national.admin, map[string]any{"document": ad})
	if r.Status != http.StatusOK {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	apptest.Problem(t, national.API("POST", "/api/v1/federation/links/"+nbLink+"/accept", national.admin, map[string]any{"document": ad}),
		http.StatusConflict)
	v := national.API("GET", "/api/v1/federation/links/"+nbLink, national.admin, nil).JSON(t)
	if fmt.Sprint(v["events"]) == "" || !strings.Contains(fmt.Sprint(v["events"]), "refused") || v["effective_tlp_ceiling"] != "AMBER" {
		t.Fatalf("the national side of the link: %v", v)
	}
	// The national CERT cannot reach the power CERT's instance: the power
	// CERT pushes what it shares instead of being pulled.
	transfers := []string{"intel", "csaf", "transfers"}
	npLink, pnLink := linkWith(t, national, "Power Sector CERT", power, "National CERT", "AMBER", "AMBER",
		map[string]any{"shares": transfers}, map[string]any{"shares": transfers, "intel_push": true})
	if v := national.API("GET", "/api/v1/federation/links/"+npLink, national.admin, nil).JSON(t); v["peer_intel_push"] != true {
		t.Fatalf("the national side of the pushed link: %v", v)
	}
	if src, ok, err := national.Intel.PeerSource(context.Background(), npLink); err != nil || !ok || src.Kind != "push" || src.NextRunAt != nil {
		t.Fatalf("the national CERT's source of what the power CERT pushes: %+v %v %v", src, ok, err)
	}

	// Only administrators manage links; staff read them; others do not
	// learn they exist.
	coord := national.Token("coordinator@cc.example")
	if r := national.API("GET", "/api/v1/federation/links", coord, nil); r.Status != http.StatusOK {
		t.Errorf("a coordinator lists the links: %d", r.Status)
	}
	if r := national.API("GET", "/api/v1/federation/links/"+nbLink, coord, nil); r.Status != http.StatusOK || r.JSON(t)["document"] != nil {
		t.Errorf("a coordinator reads a link, without its document: %d %s", r.Status, r.Body)
	}
	apptest.Problem(t, national.API("POST", "/api/v1/federation/links/"+nbLink+"/revoke", coord, map[string]any{"reason": "no"}), http.StatusForbidden)
	apptest.Problem(t, national.API("GET", "/api/v1/federation/links", national.Token("analyst@bank-cert.example"), nil), http.StatusNotFound)

	// The bank's intelligence: GREEN crosses, AMBER+STRICT stays home.
	bank.ingest(t, "bank-sensors", "GREEN", "198.51.100.201\nbank-phish.example\n")
	bank.ingest(t, "bank-sensors", "AMBER+STRICT", "198.51.100.202\n")
	national.pull(t, nbLink)
	if got := national.sources(t, "198.51.100.201"); got != "Federation: Banking Sector CERT" {
		t.Errorf("the national CERT knows the bank's GREEN address from %q", got)
	}
	if got := national.sources(t, "198.51.100.202"); got != "" {
		t.Errorf("the bank's AMBER+STRICT address crossed a link of AMBER: %q", got)
	}
	// The national CERT's own, with the bank's: the power CERT gets both;
	// the bank gets the national one, not its own back.
	national.ingest(t, "national-sensors", "GREEN", "203.0.113.77\n")
	power.pull(t, pnLink)
	if got := power.sources(t, "198.51.100.201"); got != "Federation: National CERT" {
		t.Errorf("the power CERT knows the bank's address from %q", got)
	}
	if got := power.sources(t, "203.0.113.77"); got != "Federation: National CERT" {
		t.Errorf("the power CERT knows the national address from %q", got)
	}
	lv := bank.pull(t, bnLink)
	if got := bank.sources(t, "203.0.113.77"); got != "Federation: National CERT" {
		t.Errorf("the bank knows the national address from %q", got)
	}
	if got := bank.sources(t, "198.51.100.201"); got != "bank-sensors" {
		t.Errorf("the bank's own address came back to it: %q", got)
	}
	if lv["last_ok_at"] == nil || lv["last_error"] != nil {
		t.Errorf("the bank's link after a pull that worked: %v", lv)
	}
	// And the power CERT's, pushed to the national instance and on to the
	// bank: GREEN crosses, AMBER+STRICT stays home, and nothing the power
	// CERT got from the national one is pushed back.
	power.ingest(t, "power-sensors", "GREEN", "192.0.2.150\n")
	power.ingest(t, "power-sensors", "AMBER+STRICT", "192.0.2.151\n")
	if _, err := power.Federation.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if v := power.API("GET", "/api/v1/federation/links/"+pnLink, power.admin, nil).JSON(t); v["intel_push"] != true || v["last_ok_at"] == nil || v["last_error"] != nil {
		t.Errorf("the power CERT's link after its push: %v", v)
	}
	if got := national.sources(t, "192.0.2.151"); got != "" {
		t.Errorf("the power CERT pushed its AMBER+STRICT address: %q", got)
	}
	if got := national.sources(t, "203.0.113.77"); got != "national-sensors" {
		t.Errorf("the power CERT pushed the national CERT's own address back: %q", got)
	}
	// A pushing peer adds only as itself and within the ceiling; a pulled
	// one does not add at all.
	collection := national.API("GET", "/api/v1/federation/links/"+npLink, national.admin, nil).JSON(t)["collection"].(string)
	var colURL string
	for _, c := range national.taxii(t, "GET", "/taxii2/api/collections/", national.admin, "", http.StatusOK)["collections"].([]any) {
		if c.(map[string]any)["alias"] == collection {
			colURL = "/taxii2/api/collections/" + c.(map[string]any)["id"].(string) + "/objects/"
		}
	}
	red := `{"objects":[{"type":"indicator","spec_version":"2.1","id":"indicator--6f1b8a9e-3c41-4d4e-9a7e-1c2b3d4e5f60","created":"2026-12-01T00:00:00Z",
		"modified":"2026-12-01T00:00:00Z","pattern":"[ipv4-addr:value = '192.0.2.152']","pattern_type":"stix","valid_from":"2026-12-01T00:00:00Z",
		"object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]}]}`
	powerTok := national.Token("link-"+strings.ToLower(npLink)+"@federation.invalid", auth.ScopeRead, auth.ScopeWrite)
	st := national.taxii(t, "POST", colURL, powerTok, red, http.StatusAccepted)
	if st["failure_count"] != 1.0 || !strings.Contains(fmt.Sprint(st["failures"]), "above the link's ceiling") {
		t.Errorf("a RED object pushed over an AMBER link: %v", st)
	}
	bankTok := national.Token("link-"+strings.ToLower(nbLink)+"@federation.invalid", auth.ScopeRead, auth.ScopeWrite)
	national.taxii(t, "POST", colURL, bankTok, red, http.StatusForbidden)
	bank.pull(t, bnLink)
	if got := bank.sources(t, "192.0.2.150"); got != "Federation: National CERT" {
		t.Errorf("the bank knows the power CERT's address from %q", got)
	}
	national.pull(t, nbLink)                                                // nothing the national CERT sent the bank comes back
	if _, err := power.Federation.Check(context.Background()); err != nil { // nor what the power CERT pulled from it
		t.Fatal(err)
	}
	if got := national.sources(t, "192.0.2.150"); got != "Federation: Power Sector CERT" {
		t.Errorf("the national CERT knows the power address from %q", got)
	}

	ctx := context.Background()
	// CSAF: the national instance aggregates both sectoral CERTs' providers.
	if n, err := national.Federation.SyncDue(ctx); err != nil || n != 2 {
		t.Fatalf("providers read: %d %v", n, err)
	}
	var providers struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(national.API("GET", "/api/v1/federation/csaf-providers", national.admin, nil).Body, &providers); err != nil ||
		len(providers.Items) != 2 {
		t.Fatalf("providers: %v %v", providers, err)
	}
	for _, p := range providers.Items {
		if (p["link_id"] != nbLink && p["link_id"] != npLink) || p["documents"].(float64) < 1 || p["rejected"] != 0.0 || p["last_error"] != nil {
			t.Errorf("a sectoral provider: %v", p)
		}
	}
	code, body := get(t, national.URL+"/.well-known/csaf-aggregator/aggregator.json")
	var agg csaf.Aggregator
	if err := json.Unmarshal(body, &agg); code != http.StatusOK || err != nil || len(agg.CSAFProviders) != 2 {
		t.Fatalf("aggregator.json: %d %v %s", code, err, body)
	}
	// Directory: the bank's CERT masters its constituents' records; a
	// change there reaches the national directory.
	site := "https://www.firstbank.example/branches"
	if _, err := bank.Directory.Update(ctx, auth.System("test"), bank.OrgID("First Example Bank"), directory.OrgInput{Website: &site}); err != nil {
		t.Fatal(err)
	}
	if r := national.API("POST", "/api/v1/federation/links/"+nbLink+"/directory", national.admin, nil); r.Status != http.StatusOK || r.JSON(t)["updated"] != 1.0 {
		t.Fatalf("the national CERT mirrors the bank's records: %d %s", r.Status, r.Body)
	}
	if o, err := national.Directory.Get(ctx, auth.System("test"), national.OrgID("First Example Bank")); err != nil || o.Website != site {
		t.Errorf("the bank's change did not reach the national directory: %q %v", o.Website, err)
	}
	// Transfers: an incident the bank's CERT handles goes to the national
	// instance, which hands it on to the power CERT.
	r = bank.API("POST", "/api/v1/incidents", bank.Token("soc@firstbank.example"), map[string]any{"title": "Ransomware at a payment switch",
		"rsit_class": "malicious-code", "severity": "high", "tlp": "AMBER", "detected_at": "2026-12-01T10:00:00Z"})
	if r.Status != http.StatusCreated {
		t.Fatalf("report: %d %s", r.Status, r.Body)
	}
	r = bank.API("POST", "/api/v1/federation/links/"+bnLink+"/transfers", bank.Token("analyst@bank-cert.example"),
		map[string]any{"ref": r.JSON(t)["id"], "reason": "The switch serves the grid's billing too."})
	if r.Status != http.StatusCreated {
		t.Fatalf("the bank hands over: %d %s", r.Status, r.Body)
	}
	r = national.API("POST", "/api/v1/federation/links/"+npLink+"/transfers", national.Token("coordinator@cc.example"),
		map[string]any{"ref": r.JSON(t)["their_ref"], "reason": "For the power sector."})
	if r.Status != http.StatusCreated {
		t.Fatalf("the national CERT hands over: %d %s", r.Status, r.Body)
	}
	if v := power.API("GET", "/api/v1/incidents/"+r.JSON(t)["their_ref"].(string), power.admin, nil); v.Status != http.StatusOK ||
		!strings.Contains(string(v.Body), "Ransomware at a payment switch") || !strings.Contains(string(v.Body), `"channel":"federation"`) {
		t.Errorf("the power CERT's incident: %d %s", v.Status, v.Body)
	}

	// The national CERT revokes the bank's link: the bank's pulls fail (and
	// its link says so), nothing more comes from the bank, what came stays.
	apptest.Problem(t, national.API("POST", "/api/v1/federation/links/"+nbLink+"/revoke", national.admin, map[string]any{"reason": " "}),
		http.StatusUnprocessableEntity)
	r = national.API("POST", "/api/v1/federation/links/"+nbLink+"/revoke", national.admin, map[string]any{"reason": "The bank's instance is retired."})
	if r.Status != http.StatusOK || r.JSON(t)["status"] != federation.Revoked {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	bank.ingest(t, "bank-sensors", "GREEN", "198.51.100.203\n")
	national.ingest(t, "national-sensors", "GREEN", "203.0.113.78\n")
	lv = bank.pull(t, bnLink)
	if got := bank.sources(t, "203.0.113.78"); got != "" {
		t.Errorf("the bank still gets the national CERT's intelligence: %q", got)
	}
	if e, _ := lv["last_error"].(string); !strings.Contains(e, "401") || lv["failures"] != 1.0 {
		t.Errorf("the bank's link after the national CERT revoked it: %v", lv)
	}
	// A peer that keeps failing is tried less and less often.
	for i, want := range []time.Duration{15 * time.Minute, 30 * time.Minute} {
		if i > 0 {
			lv = bank.pull(t, bnLink)
		}
		st := lv["intel"].(map[string]any)
		last, _ := time.Parse(time.RFC3339Nano, st["last_run_at"].(string))
		next, _ := time.Parse(time.RFC3339Nano, st["next_run_at"].(string))
		if lv["failures"] != float64(i+1) || next.Sub(last) < want {
			t.Errorf("after %d failures the next pull is %v after the last (want %v): %v", i+1, next.Sub(last), want, lv)
		}
	}
	if n, err := bank.Federation.Check(context.Background()); err != nil || n != 1 {
		t.Fatalf("check: %d %v", n, err)
	}
	if lv := bank.API("GET", "/api/v1/federation/links/"+bnLink, bank.admin, nil).JSON(t); lv["failures"] != 2.0 {
		t.Errorf("a check without a new pull counted a failure: %v", lv["failures"])
	}
	src, ok, err := national.Intel.PeerSource(context.Background(), nbLink)
	if err != nil || !ok || src.Enabled {
		t.Fatalf("the revoked link's source: %+v %v %v", src, ok, err)
	}
	if src.NextRunAt != nil {
		t.Errorf("the revoked link's source is still scheduled at %v", src.NextRunAt)
	}
	if got := national.sources(t, "198.51.100.203"); got != "" {
		t.Errorf("the bank's intelligence still flows after the revocation: %q", got)
	}
	if got := national.sources(t, "198.51.100.201"); got != "Federation: Banking Sector CERT" {
		t.Errorf("what the bank sent is no longer attributed to it: %q", got)
	}
	for _, p := range providers.Items {
		p = national.API("GET", "/api/v1/federation/csaf-providers/"+p["id"].(string), national.admin, nil).JSON(t)
		if p["enabled"] != (p["link_id"] == npLink) || p["documents"].(float64) < 1 {
			t.Errorf("a provider after the bank's link was revoked: %v", p)
		}
	}
	// The audit chain has the link's life.
	var n int
	if err := national.DB.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE object_type = 'federation_link'`).Scan(&n); err != nil || n < 5 {
		t.Errorf("audited link events: %d %v", n, err)
	}
}

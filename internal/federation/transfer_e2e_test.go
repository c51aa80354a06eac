package federation_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/demo"
	"github.com/certhub/certhub/internal/platform/auth"
)

// An incident the bank's CERT handles is handed over to the national
// instance with its thread and file: recorded there as an incident
// reported by the bank's CERT, the notes the reporter and CERTs could read
// in its thread, the file byte for byte; both sides show the transfer and
// each other's number; the same incident again is a replay; an incident
// above the link's ceiling, or handed over by someone who does not handle
// it, does not go.
func TestTransfer(t *testing.T) {
	national, bank := start(t, "National CERT"), start(t, "Banking Sector CERT")
	all := []string{"intel", "csaf", "transfers"}
	r := national.API("POST", "/api/v1/federation/links", national.admin, map[string]any{"peer_org_id": national.OrgID("Banking Sector CERT"),
		"peer_url": bank.URL, "shares": all})
	offer := r.JSON(t)
	r = bank.API("POST", "/api/v1/federation/links", bank.admin, map[string]any{"peer_org_id": bank.OrgID("National CERT"),
		"document": offer["document"], "shares": all})
	answer := r.JSON(t)
	if r := national.API("POST", "/api/v1/federation/links/"+offer["id"].(string)+"/accept", national.admin,
		map[string]any{"document": answer["document"]}); r.Status != http.StatusOK {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	nbLink, bnLink := offer["id"].(string), answer["id"].(string)

	soc, analyst := bank.Token("soc@firstbank.example"), bank.Token("analyst@bank-cert.example")
	r = bank.API("POST", "/api/v1/incidents", soc, map[string]any{"title": "Card skimmers at branch ATMs", "rsit_class": "fraud",
		"severity": "high", "tlp": "AMBER", "indicators": []string{"198.51.100.99"}, "detected_at": "2026-12-01T10:00:00Z"})
	if r.Status != http.StatusCreated {
		t.Fatalf("report: %d %s", r.Status, r.Body)
	}
	inc := r.JSON(t)
	loc := "/api/v1/incidents/" + inc["id"].(string)
	for _, n := range []map[string]any{{"body": "Skimmers found at three branches.", "visibility": "reporter"},
		{"body": "Our own triage: not for anyone else.", "visibility": "internal"}} {
		if r := bank.API("POST", loc+"/notes", analyst, n); r.Status != http.StatusCreated {
			t.Fatalf("note: %d %s", r.Status, r.Body)
		}
	}
	web := bank.Client()
	web.Login("soc@firstbank.example", demo.Password)
	if r := web.Upload("/console/incidents/"+inc["id"].(string)+"/attachments", nil, "file", "atm.log", "skimmer detected at 10:02\n"); r.Status != http.StatusSeeOther {
		t.Fatalf("attach: %d %s", r.Status, r.Body)
	}

	// Not by the reporter (it does not handle the incident).
	apptest.Problem(t, bank.API("POST", "/api/v1/federation/links/"+bnLink+"/transfers", soc,
		map[string]any{"ref": inc["id"], "reason": "x"}), http.StatusForbidden)
	r = bank.API("POST", "/api/v1/federation/links/"+bnLink+"/transfers", analyst, map[string]any{"ref": inc["number"],
		"reason": "Skimming gangs work across sectors: a national case."})
	if r.Status != http.StatusCreated {
		t.Fatalf("hand over: %d %s", r.Status, r.Body)
	}
	sent := r.JSON(t)
	theirs := sent["their_ref"].(string)
	if !strings.HasPrefix(fmt.Sprint(sent["their_number"]), "INC-") || sent["files"] != 1.0 || sent["notes"] != 1.0 {
		t.Fatalf("the transfer: %s", r.Body)
	}
	// On the national side: the incident, its thread, its file.
	v := national.API("GET", "/api/v1/incidents/"+theirs, national.admin, nil)
	if v.Status != http.StatusOK {
		t.Fatalf("the national incident: %d %s", v.Status, v.Body)
	}
	body := string(v.Body)
	for _, want := range []string{"Card skimmers at branch ATMs", `"channel":"federation"`, "Skimmers found at three branches.",
		`"reporter_org_id":"` + national.OrgID("Banking Sector CERT") + `"`, "atm.log", inc["number"].(string), "198.51.100.99"} {
		if !strings.Contains(body, want) {
			t.Errorf("the national incident lacks %q: %s", want, body)
		}
	}
	if strings.Contains(body, "Our own triage") {
		t.Error("an internal note crossed")
	}
	nv := national.API("GET", "/api/v1/incidents/"+theirs, national.admin, nil).JSON(t)
	files := nv["files"].([]any)
	fileID := files[0].(map[string]any)["id"].(string)
	if r := national.API("GET", "/api/v1/incidents/"+theirs+"/attachments/"+fileID, national.admin, nil); string(r.Body) != "skimmer detected at 10:02\n" {
		t.Errorf("the file handed over: %q", r.Body)
	}
	// Both sides show it.
	for _, side := range []struct {
		in   instance
		link string
		want string
	}{{bank, bnLink, `"direction":"out"`}, {national, nbLink, `"direction":"in"`}} {
		r := side.in.API("GET", "/api/v1/federation/links/"+side.link, side.in.admin, nil)
		if !strings.Contains(string(r.Body), side.want) || !strings.Contains(string(r.Body), "Card skimmers") {
			t.Errorf("%s's link does not show the transfer: %s", side.in.name, r.Body)
		}
	}
	if r := bank.API("GET", loc, analyst, nil); !strings.Contains(string(r.Body), "Handed over to National CERT") {
		t.Errorf("the bank's incident does not say it was handed over: %s", r.Body)
	}
	// Again: a replay, refused by the national side.
	apptest.Problem(t, bank.API("POST", "/api/v1/federation/links/"+bnLink+"/transfers", analyst, map[string]any{"ref": inc["id"], "reason": "again"}),
		http.StatusConflict)
	// Above the ceiling (AMBER): refused before it leaves.
	r = bank.API("POST", "/api/v1/incidents", soc, map[string]any{"title": "Board member's phone compromised", "rsit_class": "intrusions",
		"severity": "high", "tlp": "AMBER+STRICT"})
	if r.Status != http.StatusCreated {
		t.Fatalf("an AMBER+STRICT incident: %d %s", r.Status, r.Body)
	}
	red := r.JSON(t)
	p := apptest.Problem(t, bank.API("POST", "/api/v1/federation/links/"+bnLink+"/transfers", analyst, map[string]any{"ref": red["id"], "reason": "x"}),
		http.StatusConflict)
	if !strings.Contains(fmt.Sprint(p["detail"]), "above the link's ceiling") {
		t.Errorf("an AMBER+STRICT incident: %v", p)
	}
	// Someone who is not the link's peer cannot post a transfer.
	apptest.Problem(t, national.API("POST", "/api/v1/federation/transfers", national.Token("analyst@bank-cert.example"),
		map[string]any{"link_id": nbLink, "reason": "x", "parcel": map[string]any{"kind": "incident", "ref": "x", "number": "INC-X", "title": "x"}}), http.StatusForbidden)
	// A thread the incident's rules would refuse (a note too long) is
	// refused before anything is made: no incident without its thread, and
	// a retry is not a second incident.
	peer := national.Token("link-"+strings.ToLower(nbLink)+"@federation.invalid", auth.ScopeRead, auth.ScopeWrite)
	p = apptest.Problem(t, national.API("POST", "/api/v1/federation/transfers", peer, map[string]any{"link_id": nbLink, "reason": "x",
		"parcel": map[string]any{"kind": "incident", "ref": "inc-long", "number": "INC-LONG", "title": "A long thread", "tlp": "GREEN",
			"rsit_class": "fraud", "severity": "low", "reported_at": "2026-12-01T10:00:00Z",
			"notes": []map[string]any{{"at": "2026-12-01T10:00:00Z", "author": "A", "body": strings.Repeat("x", 20000)}}}}),
		http.StatusUnprocessableEntity)
	apptest.FieldNamed(t, p, "parcel.notes")
	var n int
	if err := national.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM coordination_incidents WHERE channel = 'federation'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("incidents received: %d %v", n, err)
	}

	// A vulnerability report, routed to the bank's CERT, with the
	// reporter's file and a message to the reporter: handed over with them;
	// the reporter's address stays with the bank's CERT.
	ctx := context.Background()
	res := bank.API("POST", "/api/v1/public/reports", "", map[string]any{"title": "Teller app leaks session tokens",
		"description": "The teller app logs session tokens.", "vendor": "Examplesoft", "product": "TellerPro", "versions": "4.2",
		"reporter": map[string]any{"name": "Ayesha R.", "email": "ayesha@researcher.example"}})
	if res.Status != http.StatusCreated {
		t.Fatalf("report: %d %s", res.Status, res.Body)
	}
	receipt := res.JSON(t)
	reportID := receipt["id"].(string)
	follow, _ := url.Parse(receipt["follow_url"].(string))
	if _, err := bank.VDP.Reports().Route(ctx, bank.Identity("coordinator@cc.example"), reportID, bank.OrgID("Banking Sector CERT")); err != nil {
		t.Fatal(err)
	}
	if _, err := bank.VDP.Reports().AttachByKey(ctx, follow.Query().Get("key"), "poc.txt", strings.NewReader("proof of concept"), "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if r := bank.API("POST", "/api/v1/reports/"+reportID+"/messages", analyst, map[string]any{"message": "Thank you: we are checking it."}); r.Status >= 300 {
		t.Fatalf("message: %d %s", r.Status, r.Body)
	}
	r = bank.API("POST", "/api/v1/federation/links/"+bnLink+"/transfers", analyst, map[string]any{"kind": "report", "ref": reportID,
		"reason": "The vendor is coordinated nationally."})
	if r.Status != http.StatusCreated {
		t.Fatalf("hand the report over: %d %s", r.Status, r.Body)
	}
	sentReport := r.JSON(t)
	if !strings.HasPrefix(fmt.Sprint(sentReport["their_number"]), "VR-") || sentReport["files"] != 1.0 {
		t.Fatalf("the report's transfer: %s", r.Body)
	}
	v = national.API("GET", "/api/v1/reports/"+sentReport["their_ref"].(string), national.admin, nil)
	body = string(v.Body)
	for _, want := range []string{"Teller app leaks session tokens", `"source":"federation"`, "TellerPro", "Ayesha R.", "Thank you: we are checking it.",
		receipt["tracking_id"].(string)} {
		if !strings.Contains(body, want) {
			t.Errorf("the national report lacks %q: %s", want, body)
		}
	}
	if strings.Contains(body, "ayesha@researcher.example") {
		t.Error("the reporter's address crossed")
	}
	if err := national.DB.QueryRow(ctx, `SELECT COUNT(*) FROM vdp_attachments WHERE report_id = $1 AND filename = 'poc.txt'`,
		sentReport["their_ref"]).Scan(&n); err != nil || n != 1 {
		t.Errorf("the report's file: %d %v", n, err)
	}
}

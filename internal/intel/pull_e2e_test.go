package intel_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/apptest"
)

// waitRun polls a run until it ends and answers it.
func waitRun(t testing.TB, s *apptest.Server, token, location string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := s.API("GET", location, token, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", location, r.Status, r.Body)
		}
		run := r.JSON(t)
		if st := run["status"]; st == "ok" || st == "failed" {
			return run
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s did not end: %v", location, run)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// firstPull asks for the first pull of a new source (loc) and answers its
// run. A new source is due at once: the scheduler may have started its
// first pull already, and then "pull now" says so.
func firstPull(t testing.TB, s *apptest.Server, token, loc string) string {
	t.Helper()
	r := s.API("POST", loc+"/pull", token, nil)
	switch {
	case r.Status == http.StatusAccepted && strings.HasPrefix(r.Header.Get("Location"), "/api/v1/intel/runs/"):
		return r.Header.Get("Location")
	case r.Status == http.StatusConflict && strings.Contains(string(r.Body), "already under way"):
		runs := s.API("GET", loc+"/runs", token, nil).JSON(t)["items"].([]any)
		if len(runs) != 1 {
			t.Fatalf("a pull under way, but runs: %v", runs)
		}
		return "/api/v1/intel/runs/" + runs[0].(map[string]any)["id"].(string)
	}
	t.Fatalf("pull now: %d %s", r.Status, r.Body)
	return ""
}

func collectionID(t *testing.T, s *apptest.Server, token, alias string) string {
	t.Helper()
	r := s.API("GET", "/api/v1/intel/collections", token, nil)
	for _, c := range r.JSON(t)["items"].([]any) {
		if c := c.(map[string]any); c["alias"] == alias {
			return c["id"].(string)
		}
	}
	t.Fatalf("no collection %s in %s", alias, r.Body)
	return ""
}

// TestIntelPullFromPartner: one certhub pulls a partner certhub's TAXII
// collection (as a configured source, through the job queue), gets every
// object as the partner serves it, and on the next pull only what was
// added since. A large push is answered 202 and loads in the background.
func TestIntelPullFromPartner(t *testing.T) {
	partner := apptest.Start(t, apptest.Options{Demo: true})
	pTok := partner.Token("coordinator@cc.example")
	community := collectionID(t, partner, pTok, "community")
	want := partner.IntelObjects(pTok, community)
	if len(want) < 5 {
		t.Fatalf("the partner's community collection holds %d objects", len(want))
	}

	s := apptest.Start(t, apptest.Options{})
	admin := s.Token("admin@localhost")
	in := map[string]any{"name": "Partner CERT", "kind": "taxii", "url": partner.URL + "/taxii2/api/collections/" + community,
		"tlp": "GREEN", "interval_minutes": 60, "credentials": map[string]any{"username": "coordinator@cc.example", "password": pTok}}
	r := s.API("POST", "/api/v1/intel/sources", admin, in)
	if r.Status != http.StatusCreated || strings.Contains(string(r.Body), pTok) || r.JSON(t)["has_credentials"] != true {
		t.Fatalf("create the source: %d %s", r.Status, r.Body)
	}
	loc := r.Header.Get("Location")
	if r := s.API("GET", loc, admin, nil); r.Status != http.StatusOK || r.JSON(t)["kind"] != "taxii" {
		t.Fatalf("GET %s: %d %s", loc, r.Status, r.Body)
	}
	in["name"] = "again"
	in["url"] = "gopher://partner.example/"
	if r := s.API("POST", "/api/v1/intel/sources", admin, in); r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), `"url"`) {
		t.Fatalf("a bad URL: %d %s", r.Status, r.Body)
	}

	run := waitRun(t, s, admin, firstPull(t, s, admin, loc))
	if run["status"] != "ok" || (run["via"] != "manual" && run["via"] != "schedule") || int(run["objects"].(float64)) != len(want) {
		t.Fatalf("the first pull: %v (the partner has %d objects)", run, len(want))
	}
	got := s.IntelObjects(admin, collectionID(t, s, admin, "community"))
	for k, o := range want {
		if !reflect.DeepEqual(got[k], o) {
			t.Fatalf("%s came through as %v, the partner serves %v", k, got[k], o)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("pulled %d objects, the partner has %d", len(got), len(want))
	}

	// The next pull starts after the last object it got: nothing, then the one new.
	run = waitRun(t, s, admin, s.API("POST", loc+"/pull", admin, nil).Header.Get("Location"))
	if run["status"] != "ok" || run["objects"] != 0.0 {
		t.Fatalf("a pull with nothing new: %v", run)
	}
	req, _ := http.NewRequest("POST", partner.URL+"/api/v1/intel/ingest?source=Examplia%20CSIRT%20feed", strings.NewReader("198.51.100.250\n"))
	req.Header.Set("Authorization", "Bearer "+pTok)
	req.Header.Set("Content-Type", "text/plain")
	if r := partner.Do(http.DefaultClient, req); r.Status != http.StatusOK || r.JSON(t)["new"] != 1.0 {
		t.Fatalf("a new indicator at the partner: %d %s", r.Status, r.Body)
	}
	run = waitRun(t, s, admin, s.API("POST", loc+"/pull", admin, nil).Header.Get("Location"))
	if run["status"] != "ok" || run["objects"] != 1.0 || run["new"] != 1.0 {
		t.Fatalf("a pull after the partner added one: %v", run)
	}
	if r := s.API("GET", loc+"/runs", admin, nil); r.Status != http.StatusOK || len(r.JSON(t)["items"].([]any)) != 3 {
		t.Fatalf("the source's runs: %d %s", r.Status, r.Body)
	}
	if r := s.API("GET", loc, admin, nil); r.JSON(t)["last_status"] != "ok" || r.JSON(t)["next_run_at"] == nil {
		t.Fatalf("the source after its pulls: %s", r.Body)
	}

	// The partner's collection as a MISP feed: a manifest of one event a
	// day, each event's attributes the indicators, pulled as a feed.
	feed := "/api/v1/intel/collections/" + community + "/misp/"
	r = partner.API("GET", feed+"manifest.json", pTok, nil)
	var manifest map[string]map[string]any
	if err := json.Unmarshal(r.Body, &manifest); r.Status != http.StatusOK || err != nil || len(manifest) == 0 {
		t.Fatalf("the MISP manifest: %d %v %s", r.Status, err, r.Body)
	}
	attributes := map[string]bool{} // distinct values: two sources' reports of one are one observable
	for uuid := range manifest {
		r := partner.API("GET", feed+uuid+".json", pTok, nil)
		var ev struct {
			Event struct {
				UUID      string           `json:"uuid"`
				Attribute []map[string]any `json:"Attribute"`
			} `json:"Event"`
		}
		if err := json.Unmarshal(r.Body, &ev); r.Status != http.StatusOK || err != nil || ev.Event.UUID != uuid || len(ev.Event.Attribute) == 0 {
			t.Fatalf("MISP event %s: %d %v %s", uuid, r.Status, err, r.Body)
		}
		for _, a := range ev.Event.Attribute {
			attributes[fmt.Sprint(a["type"], " ", a["value"])] = true
		}
	}
	if r := partner.API("GET", feed+"00000000-0000-4000-8000-000000000000.json", pTok, nil); r.Status != http.StatusNotFound {
		t.Fatalf("an event that is not in the feed: %d", r.Status)
	}
	bankCol := "org-" + partner.OrgID("First Example Bank")
	if r := partner.API("GET", "/api/v1/intel/collections/"+bankCol+"/misp/manifest.json", partner.Token("security@crescent-mf.example"), nil); r.Status != http.StatusNotFound {
		t.Fatalf("Crescent reads the bank's feed: %d", r.Status)
	}
	r = s.API("POST", "/api/v1/intel/sources", admin, map[string]any{"name": "Partner MISP", "kind": "misp_feed", "url": partner.URL + feed,
		"tlp": "GREEN", "interval_minutes": 60, "credentials": map[string]any{"header_name": "Authorization", "header_value": "Bearer " + pTok}})
	if r.Status != http.StatusCreated {
		t.Fatalf("the MISP feed source: %d %s", r.Status, r.Body)
	}
	run = waitRun(t, s, admin, firstPull(t, s, admin, r.Header.Get("Location")))
	if run["status"] != "ok" || int(run["new"].(float64)+run["updated"].(float64)) != len(attributes) || run["rejected"] != 0.0 {
		t.Fatalf("pulling the partner's MISP feed (%d distinct attributes): %v", len(attributes), run)
	}

	// A push that asks to be answered at once is loaded in the background.
	var list strings.Builder
	for i := range 3000 {
		list.WriteString("203.0.113." + strconv.Itoa(i%250+1) + "\nbad-" + strconv.Itoa(i) + ".example\n")
	}
	req, _ = http.NewRequest("POST", s.URL+"/api/v1/intel/ingest?source=bulk&tlp=AMBER", strings.NewReader(list.String()))
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Prefer", "respond-async")
	r = s.Do(http.DefaultClient, req)
	if r.Status != http.StatusAccepted || r.JSON(t)["status"] != "queued" || r.JSON(t)["bytes"] != float64(list.Len()) {
		t.Fatalf("an asynchronous push: %d %s", r.Status, r.Body)
	}
	run = waitRun(t, s, admin, r.Header.Get("Location"))
	if run["status"] != "ok" || run["new"].(float64)+run["updated"].(float64) != 3250 || run["read_bytes"] != float64(list.Len()) {
		t.Fatalf("the background load: %v", run)
	}
}

// TestIntelConsoleUpload: a file loaded from the console's form goes into
// the named source in the background, and its run page shows the counts;
// a constituent cannot load into the center's source.
func TestIntelConsoleUpload(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	upload := func(c *apptest.Client, source, content string) apptest.Response {
		t.Helper()
		return c.Upload("/console/intel/ingest", [][2]string{{"source", source}, {"tlp", "GREEN"}}, "file", "sensors.txt", content)
	}
	c := s.Client()
	c.Login("coordinator@cc.example", "certhub-demo-2026")
	r := upload(c, "Center sensors", "198.51.100.201\n198.51.100.202\nbad!\n")
	loc := r.Header.Get("Location")
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/console/intel/runs/") {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	run := waitRun(t, s, s.Token("coordinator@cc.example"), strings.Replace(loc, "/console/intel/runs/", "/api/v1/intel/runs/", 1))
	if run["status"] != "ok" || run["new"] != 2.0 || run["rejected"] != 1.0 || run["via"] != "console" {
		t.Fatalf("the uploaded file's run: %v", run)
	}
	if page := c.Get(loc); page.Status != http.StatusOK || !strings.Contains(string(page.Body), "bad!") {
		t.Fatalf("the run's page: %d", page.Status)
	}
	// A change the form refuses shows again as it was typed.
	r = s.API("POST", "/api/v1/intel/sources", s.Token("coordinator@cc.example"), map[string]any{"name": "Partner list", "kind": "url",
		"url": "https://feeds.partner.example/list.txt", "interval_minutes": 60})
	if r.Status != http.StatusCreated {
		t.Fatalf("a source: %d %s", r.Status, r.Body)
	}
	edit := c.Post("/console/intel/sources/"+r.JSON(t)["id"].(string), url.Values{"action": {"save"}, "name": {"Partner list"}, "kind": {"url"},
		"url": {"https://feeds.partner.example/typed.txt"}, "format": {"auto"}, "tlp": {"GREEN"}, "collection": {"community"},
		"confidence": {"50"}, "interval_minutes": {"1"}, "enabled": {"1"}})
	if edit.Status != http.StatusUnprocessableEntity || !strings.Contains(string(edit.Body), "https://feeds.partner.example/typed.txt") {
		t.Fatalf("a refused change: %d\n%s", edit.Status, edit.Body)
	}
	bank := s.Client()
	bank.Login("ciso@firstbank.example", "certhub-demo-2026")
	if r := upload(bank, "Center sensors", "198.51.100.203\n"); r.Status != http.StatusForbidden {
		t.Fatalf("a constituent loading into the center's source: %d", r.Status)
	}
}

// TestIntelPullUnderWay: while a pull of a source is under way another
// is refused (409), and once it ended the next is accepted.
func TestIntelPullUnderWay(t *testing.T) {
	s := apptest.Start(t, apptest.Options{})
	release := make(chan struct{})
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		fmt.Fprint(w, "198.51.100.77\n")
	}))
	defer feed.Close()
	var once sync.Once
	open := func() { once.Do(func() { close(release) }) }
	defer open()
	admin := s.Token("admin@localhost")
	r := s.API("POST", "/api/v1/intel/sources", admin, map[string]any{"name": "slow list", "kind": "url", "url": feed.URL + "/list.txt",
		"interval_minutes": 60})
	if r.Status != http.StatusCreated {
		t.Fatalf("source: %d %s", r.Status, r.Body)
	}
	src := r.Header.Get("Location")
	first := s.API("POST", src+"/pull", admin, nil)
	if first.Status != http.StatusAccepted {
		t.Fatalf("first pull: %d %s", first.Status, first.Body)
	}
	if r := s.API("POST", src+"/pull", admin, nil); r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "already under way") {
		t.Fatalf("a second pull while the first runs: %d %s", r.Status, r.Body)
	}
	open()
	if run := waitRun(t, s, admin, first.Header.Get("Location")); run["status"] != "ok" || run["new"] != 1.0 {
		t.Fatalf("the first pull: %v", run)
	}
	if r := s.API("POST", src+"/pull", admin, nil); r.Status != http.StatusAccepted {
		t.Fatalf("a pull after the first ended: %d %s", r.Status, r.Body)
	}
}

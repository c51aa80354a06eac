package api_test

import (
	"bytes"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
)

func TestIntelIngestAPI(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	coord := s.Token("coordinator@cc.example")
	if r := s.API("POST", "/api/v1/intel/ingest", "", apptest.TextBody("198.51.100.7\n")); r.Status != http.StatusUnauthorized {
		t.Fatalf("no credentials: %d", r.Status)
	}
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/intel/ingest?source=partner&tlp=GREEN", strings.NewReader("198.51.100.7\nevil[.]example\nnope!\n"))
	req.Header.Set("Authorization", "Bearer "+coord)
	req.Header.Set("Content-Type", "text/plain")
	r := s.Do(http.DefaultClient, req)
	if r.Status != 200 {
		t.Fatalf("ingest: %d %s", r.Status, r.Body)
	}
	m := r.JSON(t)
	if m["new"] != 2.0 || m["updated"] != 0.0 || m["rejected"] != 1.0 || len(m["errors"].([]any)) != 1 {
		t.Fatalf("counts %v", m)
	}
	bundle, err := os.ReadFile("../stix/testdata/stix/examples/indicators-for-C2-with-COA.json")
	if err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest("POST", s.URL+"/api/v1/intel/ingest?source=partner", bytes.NewReader(bundle))
	req.Header.Set("Authorization", "Bearer "+coord)
	req.Header.Set("Content-Type", "application/json")
	// The example's C2 address is 10.0.0.0: a private network, on the warninglist.
	if r := s.Do(http.DefaultClient, req); r.Status != 200 || r.JSON(t)["new"] != 1.0 || r.JSON(t)["rejected"] != 1.0 ||
		!strings.Contains(string(r.Body), "known benign") {
		t.Fatalf("a STIX bundle: %d %s", r.Status, r.Body)
	}
	req, _ = http.NewRequest("POST", s.URL+"/api/v1/intel/ingest", strings.NewReader("x"))
	req.Header.Set("Authorization", "Bearer "+coord)
	req.Header.Set("Content-Type", "image/png")
	if r := s.Malformed().Do(http.DefaultClient, req); r.Status != http.StatusUnsupportedMediaType {
		t.Fatalf("an image: %d", r.Status)
	}
	req, _ = http.NewRequest("POST", s.URL+"/api/v1/intel/ingest?source=partner", strings.NewReader("198.51.100.8\n"))
	req.Header.Set("Authorization", "Bearer "+s.Token("lead@bank-cert.example"))
	req.Header.Set("Content-Type", "text/plain")
	if r := s.Do(http.DefaultClient, req); r.Status != http.StatusForbidden {
		t.Fatalf("a sectoral CERT loading into the center's source: %d %s", r.Status, r.Body)
	}
	req, _ = http.NewRequest("POST", s.URL+"/api/v1/intel/ingest?tlp=PINK", strings.NewReader("198.51.100.8\n"))
	req.Header.Set("Authorization", "Bearer "+coord)
	req.Header.Set("Content-Type", "text/plain")
	if r := s.Malformed().Do(http.DefaultClient, req); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a bad TLP: %d %s", r.Status, r.Body)
	}
}

package federation_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/pgp"
)

// The bank's CERT masters its own record and its constituents'; the
// national CERT masters its own and the other sectors'. Each mirrors the
// other's: a change at the master reaches the mirror, a new constituent is
// made there, and a record changed on both sides is shown as a conflict,
// the mirror's value kept; what a side mirrors from its peer it does not
// send back.
func TestDirectoryMirror(t *testing.T) {
	national, bank := start(t, "National CERT"), start(t, "Banking Sector CERT")
	shares := []string{"intel", "directory"}
	r := national.API("POST", "/api/v1/federation/links", national.admin, map[string]any{"peer_org_id": national.OrgID("Banking Sector CERT"),
		"peer_url": bank.URL, "shares": shares})
	apptest.FieldNamed(t, apptest.Problem(t, r, http.StatusUnprocessableEntity), "home_org_id")
	r = national.API("POST", "/api/v1/federation/links", national.admin, map[string]any{"peer_org_id": national.OrgID("Banking Sector CERT"),
		"peer_url": bank.URL, "shares": shares, "home_org_id": national.OrgID("National CERT")})
	offer := r.JSON(t)
	r = bank.API("POST", "/api/v1/federation/links", bank.admin, map[string]any{"peer_org_id": bank.OrgID("National CERT"),
		"document": offer["document"], "shares": shares, "home_org_id": bank.OrgID("Banking Sector CERT")})
	answer := r.JSON(t)
	if r := national.API("POST", "/api/v1/federation/links/"+offer["id"].(string)+"/accept", national.admin,
		map[string]any{"document": answer["document"]}); r.Status != http.StatusOK {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	nbLink, bnLink := offer["id"].(string), answer["id"].(string)
	mirror := func(in instance, link string) map[string]any {
		t.Helper()
		r := in.API("POST", "/api/v1/federation/links/"+link+"/directory", in.admin, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("%s mirrors: %d %s", in.name, r.Status, r.Body)
		}
		return r.JSON(t)
	}
	if got := mirror(national, nbLink); got["made"] != 0.0 || got["updated"] != 0.0 || got["conflicts"] != 0.0 {
		t.Fatalf("the first mirror of equal directories: %v", got)
	}
	ctx, sys := context.Background(), auth.System("test")
	set := func(in instance, org, website, description string) {
		t.Helper()
		ch := directory.OrgInput{}
		if website != "" {
			ch.Website = &website
		}
		if description != "" {
			ch.Description = &description
		}
		if _, err := in.Directory.Update(ctx, sys, in.OrgID(org), ch); err != nil {
			t.Fatal(err)
		}
	}
	// The master changes a record, adds a constituent; both sides change
	// another.
	set(bank, "First Example Bank", "https://www.firstbank.example/new", "")
	name, kind, parent := "Second Example Bank", directory.KindConstituent, bank.OrgID("Banking Sector CERT")
	sector := "banking"
	if _, err := bank.Directory.Create(ctx, sys, directory.OrgInput{Name: &name, Kind: &kind, ParentID: &parent, Sector: &sector}); err != nil {
		t.Fatal(err)
	}
	set(bank, "Crescent Microfinance", "", "As the bank's CERT knows it.")
	set(national, "Crescent Microfinance", "", "As the national CERT wrote it.")
	if got := mirror(national, nbLink); got["made"] != 1.0 || got["updated"] != 1.0 || got["conflicts"] != 1.0 {
		t.Fatalf("mirroring the bank's changes: %v", got)
	}
	o, err := national.Directory.Get(ctx, sys, national.OrgID("First Example Bank"))
	if err != nil || o.Website != "https://www.firstbank.example/new" {
		t.Errorf("the master's change did not reach the mirror: %v %v", o.Website, err)
	}
	o, err = national.Directory.Get(ctx, sys, national.OrgID("Second Example Bank"))
	if err != nil || o.Parent() != national.OrgID("Banking Sector CERT") {
		t.Errorf("the new constituent: %+v %v", o, err)
	}
	o, _ = national.Directory.Get(ctx, sys, national.OrgID("Crescent Microfinance"))
	if o.Description != "As the national CERT wrote it." {
		t.Errorf("a conflict was overwritten: %q", o.Description)
	}
	v := national.API("GET", "/api/v1/federation/links/"+nbLink, national.admin, nil)
	if !strings.Contains(string(v.Body), `"status":"conflict"`) || !strings.Contains(string(v.Body), `"differs":["description"]`) {
		t.Errorf("the conflict is not shown: %s", v.Body)
	}

	// The bank's CERT rotates its OpenPGP key and rewrites its RFC 2350
	// mission: the master's word, the new key compared by fingerprint.
	newKey, _, err := pgp.GenerateKey("Banking Sector CERT", "soc@bank-cert.example", 365*24*time.Hour, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	home, _ := bank.Directory.Get(ctx, sys, bank.OrgID("Banking Sector CERT"))
	profile := home.RFC2350
	profile.Mission = "Coordinated response for every bank of the country."
	if _, err := bank.Directory.Update(ctx, sys, home.ID, directory.OrgInput{PGPKey: &newKey, RFC2350: &profile}); err != nil {
		t.Fatal(err)
	}
	if got := mirror(national, nbLink); got["updated"] != 1.0 || got["conflicts"] != 1.0 {
		t.Fatalf("mirroring the bank's new key: %v", got)
	}
	rotated, _ := bank.Directory.Get(ctx, sys, home.ID)
	o, _ = national.Directory.Get(ctx, sys, national.OrgID("Banking Sector CERT"))
	if o.PGPFingerprint != rotated.PGPFingerprint || o.PGPFingerprint == "" || o.RFC2350.Mission != profile.Mission {
		t.Errorf("the master's key and profile did not reach the mirror: %q (want %q), %q", o.PGPFingerprint, rotated.PGPFingerprint, o.RFC2350.Mission)
	}
	// A key replaced on both sides is a conflict, the mirror's kept.
	theirs, _, _ := pgp.GenerateKey("Banking Sector CERT", "soc@bank-cert.example", 365*24*time.Hour, time.Now().Add(-time.Hour))
	ours, _, _ := pgp.GenerateKey("Banking Sector CERT", "soc@bank-cert.example", 365*24*time.Hour, time.Now().Add(-time.Hour))
	if _, err := bank.Directory.Update(ctx, sys, home.ID, directory.OrgInput{PGPKey: &theirs}); err != nil {
		t.Fatal(err)
	}
	if _, err := national.Directory.Update(ctx, sys, o.ID, directory.OrgInput{PGPKey: &ours}); err != nil {
		t.Fatal(err)
	}
	if got := mirror(national, nbLink); got["updated"] != 0.0 || got["conflicts"] != 2.0 {
		t.Fatalf("a key changed on both sides: %v", got)
	}
	if kept, _ := national.Directory.Get(ctx, sys, o.ID); kept.PGPFingerprint == rotated.PGPFingerprint || kept.PGPFingerprint == o.PGPFingerprint {
		t.Errorf("the key set here was overwritten: %q", kept.PGPFingerprint)
	}
	if v := national.API("GET", "/api/v1/federation/links/"+nbLink, national.admin, nil); !strings.Contains(string(v.Body), `"differs":["pgp_key"]`) {
		t.Errorf("the key conflict is not shown: %s", v.Body)
	}

	// A new constituent whose key the master holds but this side refuses
	// (expired since the master took it) is made without the key, the key
	// shown; the next mirror tries it again.
	third, fresh := "Third Example Bank", ""
	created, err := bank.Directory.Create(ctx, sys, directory.OrgInput{Name: &third, Kind: &kind, ParentID: &parent, Sector: &sector})
	if err != nil {
		t.Fatal(err)
	}
	expired, err := pgp.DemoKey(third, "soc@third.example", time.Hour, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), "third")
	if err != nil {
		t.Fatal(err)
	}
	if err := bank.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE orgs SET pgp_key = $2 WHERE id = $1`, created.ID, expired)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		got := mirror(national, nbLink)
		if want := 1.0 - float64(i); got["made"] != want || got["conflicts"] != 3.0 {
			t.Fatalf("mirror %d of a constituent with an expired key: %v", i+1, got)
		}
	}
	if o, err := national.Directory.Get(ctx, sys, national.OrgID(third)); err != nil || o.PGPKey != fresh {
		t.Errorf("the constituent with a refused key: %q %v", o.PGPKey, err)
	}
	if v := national.API("GET", "/api/v1/federation/links/"+nbLink, national.admin, nil); !strings.Contains(string(v.Body), "expired on 2020-01-01") {
		t.Errorf("the refused key is not shown: %s", v.Body)
	}

	// A record the master deletes is kept here, shown as gone, once.
	if err := bank.Directory.Delete(ctx, sys, bank.OrgID("Second Example Bank")); err != nil {
		t.Fatal(err)
	}
	if got := mirror(national, nbLink); got["gone"] != 1.0 || got["made"] != 0.0 {
		t.Fatalf("mirroring the bank's deletion: %v", got)
	}
	if got := mirror(national, nbLink); got["gone"] != 0.0 {
		t.Fatalf("a record gone is counted again: %v", got)
	}
	if _, err := national.Directory.Get(ctx, sys, national.OrgID("Second Example Bank")); err != nil {
		t.Errorf("a record deleted at the master was deleted here: %v", err)
	}
	if v := national.API("GET", "/api/v1/federation/links/"+nbLink, national.admin, nil); !strings.Contains(string(v.Body), `"status":"gone"`) {
		t.Errorf("the record gone at the master is not shown: %s", v.Body)
	}

	// Back: the bank mirrors the national CERT's records, not its own.
	if got := mirror(bank, bnLink); got["made"] != 0.0 || got["updated"] != 0.0 || got["conflicts"] != 0.0 {
		t.Fatalf("the bank's first mirror: %v", got)
	}
	set(national, "Telecom Sector CERT", "https://telco-cert.example/new", "")
	if got := mirror(bank, bnLink); got["updated"] != 1.0 || got["conflicts"] != 0.0 {
		t.Fatalf("the bank mirrors the national records: %v", got)
	}
	if o, _ := bank.Directory.Get(ctx, sys, bank.OrgID("Telecom Sector CERT")); o.Website != "https://telco-cert.example/new" {
		t.Errorf("the national change did not reach the bank: %q", o.Website)
	}
	bv := bank.API("GET", "/api/v1/federation/links/"+bnLink, bank.admin, nil)
	for _, own := range []string{"First Example Bank", "Second Example Bank", "Crescent Microfinance"} {
		if strings.Contains(string(bv.Body), own) {
			t.Errorf("the national CERT sent the bank its own record %s back", own)
		}
	}
	// Only the link's peer reads the directory it masters.
	if r := national.API("GET", "/api/v1/federation/directory", national.Token("analyst@bank-cert.example"), nil); r.Status != http.StatusForbidden {
		t.Errorf("someone else read the directory export: %d", r.Status)
	}
}

package federation_test

import (
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/browsertest"
)

// In Chromium: the national CERT's administrator offers a link to the
// bank's instance; the bank's administrator pastes the document, a wrong
// fingerprint first, and answers; the national administrator pastes the
// answer and the link is active on both sides, with the ceiling both
// agreed; then revoked, with a reason.
func TestBrowserLink(t *testing.T) {
	national, bank := start(t, "National CERT"), start(t, "Banking Sector CERT")

	n := browsertest.New(t, national.URL, 1280, 900)
	apptest.SignIn(n, "admin@localhost", apptest.AdminPassword)
	n.Go("/console/federation")
	n.Expect("#links", "No link yet")
	n.Click("#offer summary")
	n.Select("#f-peer_org_id", national.OrgID("Banking Sector CERT"))
	n.Fill("#f-peer_url", "ftp://certhub.bank-cert.example")
	n.Click("#offer button[type=submit]")
	n.Expect("#offer .field-error", "must be an http(s) address")
	n.Fill("#f-peer_url", bank.URL)
	n.Select("#f-tlp_ceiling", "GREEN")
	n.Click("#offer button[type=submit]")
	n.Expect(".flash", "Link offered")
	n.Expect("#status", "Offered")
	n.Shot("federation-offered")
	offer := n.Value("#document textarea")
	linkPage := n.Path()

	b := browsertest.New(t, bank.URL, 1280, 900)
	apptest.SignIn(b, "admin@localhost", apptest.AdminPassword)
	b.Go("/console/federation")
	b.Click("#answer summary")
	b.Select("#f-peer_org_id2", bank.OrgID("National CERT"))
	b.Fill("#f-document", offer)
	b.Fill("#f-peer_fingerprint", strings.Repeat("AB", 20))
	b.Click("#answer button[type=submit]")
	b.Expect("#answer .field-error", "do not accept it before asking the peer")
	b.Fill("#f-peer_fingerprint", national.CenterKey.Fingerprint)
	b.Click("#answer button[type=submit]")
	b.Expect(".flash", "Link active")
	b.Expect("#terms", "TLP:GREEN", "National CERT")
	answer := b.Value("#document textarea")

	// A browser lives two minutes: a fresh one for each part.
	n = browsertest.New(t, national.URL, 1280, 900)
	apptest.SignIn(n, "admin@localhost", apptest.AdminPassword)
	n.Go(linkPage)
	n.Fill("#f-document", "{}")
	n.Click("#accept button[type=submit]")
	n.Expect("#accept .field-error", "empty")
	n.Fill("#f-document", answer)
	n.Click("#accept button[type=submit]")
	n.Expect(".flash", "accepted")
	n.Expect("#status", "Active")
	n.Expect("#terms", "TLP:GREEN", "nothing marked above crosses")
	n.Expect("#events", "Accepted", "Offered")
	n.Shot("federation-active")
	n.Go("/console/federation")
	n.Expect("#links", "Banking Sector CERT", "Active")
	// The bank shares its CSAF provider: listed, read on demand, mirrored.
	n.Expect("#providers", bank.URL+"/.well-known/csaf/provider-metadata.json")
	n.Click("#providers form button[type=submit]")
	n.Expect(".flash", "documents mirrored, 0 refused")
	n.Expect("#providers", "Banking Sector CERT", "mirror")
	n.Click("#add-provider summary")
	n.Fill("#f-url", "https://vendor.example/advisories.json")
	n.Click("#add-provider button[type=submit]")
	n.Expect("#add-provider .field-error", "provider-metadata.json")
	n.Shot("federation-links")

	n = browsertest.New(t, national.URL, 1280, 900)
	apptest.SignIn(n, "admin@localhost", apptest.AdminPassword)
	n.Go(linkPage)
	n.Click("#revoke summary")
	n.Click("#revoke button[type=submit]")
	n.Expect("#revoke .field-error", "say why the link ends")
	n.Fill("#f-reason", "Testing the revocation.")
	n.Click("#revoke button[type=submit]")
	n.Expect("#status", "Revoked")
	n.Expect("#terms", "Testing the revocation.")
	if n.Count("#document") != 0 {
		t.Error("a revoked link still shows its document (and the credential in it)")
	}
}

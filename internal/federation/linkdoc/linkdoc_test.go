package linkdoc

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/certhub/certhub/internal/platform/pgp"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// testKey is a signing key made for a test, with its armoured public half.
type testKey struct {
	e      *openpgp.Entity
	public string
}

func newTestKey(t testing.TB) testKey {
	e, err := openpgp.NewEntity("Test CERT", "", "cert@test.example", &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA, Time: func() time.Time { return docNow.Add(-24 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w, err := armor.Encode(&b, openpgp.PublicKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Serialize(w); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return testKey{e: e, public: b.String()}
}

func (k testKey) SignDetached(data []byte) (string, error) {
	var b bytes.Buffer
	err := openpgp.ArmoredDetachSign(&b, k.e, bytes.NewReader(data), nil)
	return b.String(), err
}

var docNow = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func validDocument(t testing.TB, k testKey) (Document, Envelope) {
	info, err := pgp.ParsePublicKey(k.public, docNow)
	if err != nil {
		t.Fatal(err)
	}
	d := Document{Type: DocumentType, Version: 1, LinkID: "link-1", PeerURL: "https://national.example", Shares: []string{"intel"},
		Ceiling: tlp.Amber, TAXIICollection: "https://sector.example/taxii2/api/collections/c1/", Token: "chub_secret",
		IssuedAt: docNow.Add(-time.Hour), ExpiresAt: docNow.Add(OfferValid),
		Issuer: Party{Name: "Sector CERT", URL: "https://sector.example", Fingerprint: info.Fingerprint, Key: k.public}}
	e, err := Seal(d, k)
	if err != nil {
		t.Fatal(err)
	}
	return d, e
}

// Open takes a document signed as it says, for us, in time; and refuses,
// saying why, each way one can be wrong.
func TestOpen(t *testing.T) {
	k, other := newTestKey(t), newTestKey(t)
	d, e := validDocument(t, k)
	got, err := Open(e, "https://national.example/", "", docNow)
	if err != nil || got.LinkID != "link-1" || got.Issuer.URL != "https://sector.example" || got.Ceiling != tlp.Amber {
		t.Fatalf("a valid document: %+v %v", got, err)
	}
	if _, err := Open(e, "https://national.example", strings.ToLower(spaced(got.Issuer.Fingerprint)), docNow); err != nil {
		t.Errorf("the fingerprint as people write it: %v", err)
	}
	resign := func(change func(*Document), by testKey) Envelope {
		x := d
		change(&x)
		e, err := Seal(x, by)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	otherSig, _ := other.SignDetached([]byte(e.Document))
	for _, tt := range []struct {
		name string
		e    Envelope
		fp   string
		at   time.Time
		want string
	}{
		{"empty", Envelope{}, "", docNow, "is empty"},
		{"unsigned", Envelope{Document: e.Document}, "", docNow, "carries no signature"},
		{"too large", Envelope{Document: strings.Repeat("x", MaxDocument+1), Signature: "x"}, "", docNow, "larger than"},
		{"tampered", Envelope{Document: strings.Replace(e.Document, "AMBER", "RED", 1), Signature: e.Signature}, "", docNow, "does not verify"},
		{"signed by another key", Envelope{Document: e.Document, Signature: otherSig}, "", docNow, "does not verify"},
		{"another key expected", e, "0000 1111 2222 3333 4444 5555 6666 7777 8888 9999", docNow, "as expected"},
		{"for another instance", e, "", docNow, "not this instance"},
		{"expired", e, "", docNow.Add(OfferValid), "expired"},
		{"from the future", e, "", docNow.Add(-2 * time.Hour), "ahead of this instance's clock"},
		{"unknown field", Envelope{Document: `{"type":"certhub-federation-link","x":1}`, Signature: "s"}, "", docNow, "unknown field"},
		{"wrong type", resign(func(x *Document) { x.Type = "other" }, k), "", docNow, "not a certhub link document"},
		{"bad ceiling", resign(func(x *Document) { x.Ceiling = "PINK" }, k), "", docNow, "no valid TLP ceiling"},
		{"unknown share", resign(func(x *Document) { x.Shares = []string{"secrets"} }, k), "", docNow, "not one of"},
		{"intel without collection", resign(func(x *Document) { x.TAXIICollection = "" }, k), "", docNow, "without a TAXII collection"},
		{"collection not a URL", resign(func(x *Document) { x.Shares, x.TAXIICollection = []string{"csaf"}, "ftp://x/" }, k), "", docNow, "without a TAXII collection"},
		{"pushes what it does not share", resign(func(x *Document) { x.Shares, x.Push = []string{"csaf"}, true }, k), "", docNow, "pushes intelligence it does not share"},
		{"credentials in the URL", resign(func(x *Document) { x.Issuer.URL = "https://u:p@sector.example" }, k), "", docNow, "credentials"},
		{"no credential", resign(func(x *Document) { x.Token = "" }, k), "", docNow, "carries no credential"},
		{"names another key", resign(func(x *Document) { x.Issuer.Fingerprint = "ABCD" }, k), "", docNow, "names the key ABCD"},
		{"from ourselves", resign(func(x *Document) { x.Issuer.URL = "https://national.example" }, k), "", docNow, "issued by this instance"},
	} {
		ours := "https://national.example"
		if tt.name == "for another instance" {
			ours = "https://power.example"
		}
		_, err := Open(tt.e, ours, tt.fp, tt.at)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

func spaced(fp string) string {
	var b strings.Builder
	for i, r := range fp {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// FuzzOpen: whatever a peer sends as a link document is refused or opened
// without a panic, and what opens is a link document signed as it says.
func FuzzOpen(f *testing.F) {
	f.Add(`{"type":"certhub-federation-link","version":1}`, "-----BEGIN PGP SIGNATURE-----\n\n-----END PGP SIGNATURE-----")
	f.Fuzz(func(t *testing.T, doc, sig string) {
		d, err := Open(Envelope{Document: doc, Signature: sig}, "https://national.example", "", docNow)
		if err != nil {
			return
		}
		if d.Type != DocumentType || !d.Ceiling.Valid() || pgp.VerifyDetached([]byte(doc), sig, d.Issuer.Key) != nil {
			t.Fatalf("opened a document that is not one: %+v", d)
		}
	})
}

// The fuzz corpus's signed document opens: the fuzzer starts from a
// document that passes every check, not only from refusals.
func TestCorpusSigned(t *testing.T) {
	b, err := os.ReadFile("testdata/fuzz/FuzzOpen/signed")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 3 {
		t.Fatalf("corpus entry of %d lines", len(lines))
	}
	var args []string
	for _, l := range lines[1:] {
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(l, "string("), ")"))
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, s)
	}
	if _, err := Open(Envelope{Document: args[0], Signature: args[1]}, "https://national.example", "", docNow); err != nil {
		t.Fatalf("the corpus's signed document: %v", err)
	}
}

package pgp

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

var now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func TestParsePublicKey(t *testing.T) {
	pub, priv, err := GenerateKey("Banking CERT", "soc@bank-cert.example", 0, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	info, err := ParsePublicKey(pub, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Fingerprint) != 40 || strings.ToUpper(info.Fingerprint) != info.Fingerprint {
		t.Errorf("fingerprint %q", info.Fingerprint)
	}
	if len(info.UserIDs) != 1 || !strings.Contains(info.UserIDs[0], "soc@bank-cert.example") || info.Expires != nil {
		t.Errorf("info %+v", info)
	}
	if !strings.Contains(info.Armored, "BEGIN PGP PUBLIC KEY BLOCK") {
		t.Error("normalised armour missing")
	}
	again, err := ParsePublicKey(info.Armored, now)
	if err != nil || again.Fingerprint != info.Fingerprint {
		t.Fatalf("re-reading the normalised key: %v", err)
	}

	expiring, _, _ := GenerateKey("Old", "old@example.org", 24*time.Hour, now.Add(-48*time.Hour))
	two := pub + "\n" + expiring

	revoked := revokedKey(t)

	tests := []struct{ name, in, want string }{
		{"private key", priv, "private key"},
		{"expired", expiring, "expired"},
		{"garbage", "hello", "ASCII-armoured"},
		{"truncated", pub[:len(pub)/2], ""},
		{"signature block", "-----BEGIN PGP SIGNATURE-----\n\nwsBc\n-----END PGP SIGNATURE-----", ""},
		{"too large", strings.Repeat("x", MaxArmoredSize+1), "larger"},
		{"revoked", revoked, "revoked"},
	}
	for _, tt := range tests {
		_, err := ParsePublicKey(tt.in, now)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", tt.name, err, tt.want)
		}
	}
	// Two armoured blocks: the reader takes the first; exactly one key results.
	if info2, err := ParsePublicKey(two, now); err != nil || info2.Fingerprint != info.Fingerprint {
		t.Errorf("two blocks parsed as %s, %v; want the first block's key %s", info2.Fingerprint, err, info.Fingerprint)
	}
}

func revokedKey(t *testing.T) string {
	t.Helper()
	e, err := openpgp.NewEntity("Gone", "", "gone@example.org", &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA, Time: func() time.Time { return now.Add(-time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.RevokeKey(packet.KeyCompromised, "lost", &packet.Config{Time: func() time.Time { return now.Add(-time.Minute) }}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, _ := armor.Encode(&buf, openpgp.PublicKeyType, nil)
	if err := e.Serialize(w); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return buf.String()
}

func TestEncryptDecryptRoundTrip(t *testing.T) {
	pub, priv, err := GenerateKey("CC", "cc@cert.example", 0, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := Encrypt([]byte("SQL injection in /login of the bank portal"), pub)
	if err != nil {
		t.Fatal(err)
	}
	if !IsMessage(msg) || strings.Contains(msg, "injection") {
		t.Fatalf("not an encrypted message: %s", msg)
	}
	got, err := Decrypt("Some words before\n"+msg+"\nand after", priv)
	if err != nil || string(got) != "SQL injection in /login of the bank portal" {
		t.Fatalf("decrypt: %q %v", got, err)
	}
	_, other, _ := GenerateKey("Other", "other@example.org", 0, now.Add(-time.Hour))
	if _, err := Decrypt(msg, other); err == nil {
		t.Fatal("decrypted with the wrong key")
	}
	if _, err := Decrypt("no message here", priv); err == nil {
		t.Fatal("decrypted nothing")
	}
}

func TestSignAndVerify(t *testing.T) {
	pub, priv, err := GenerateKey("Center", "security@example.org", 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	k := &CenterKey{Public: pub, private: priv}
	doc := []byte(`{"document":{"title":"x"}}`)
	sig, err := k.SignDetached(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyDetached(doc, sig, pub); err != nil {
		t.Fatalf("own signature: %v", err)
	}
	if err := VerifyDetached(append(doc, ' '), sig, pub); err == nil {
		t.Fatal("a changed document verified")
	}
	otherPub, _, err := GenerateKey("Other", "other@example.org", 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyDetached(doc, sig, otherPub); err == nil {
		t.Fatal("verified with someone else's key")
	}
	signed, err := k.ClearSign([]byte("Contact: mailto:security@example.org\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(signed), "-----BEGIN PGP SIGNED MESSAGE-----") || !strings.Contains(string(signed), "Contact: mailto:security@example.org") {
		t.Fatalf("clear-signed text:\n%s", signed)
	}
	if err := VerifyClearSigned(signed, pub); err != nil {
		t.Fatalf("own clear signature: %v", err)
	}
	if err := VerifyClearSigned(signed, otherPub); err == nil {
		t.Fatal("a clear signature verified with someone else's key")
	}
	changed := strings.Replace(string(signed), "security@", "attacker@", 1)
	if err := VerifyClearSigned([]byte(changed), pub); err == nil {
		t.Fatal("a changed clear-signed text verified")
	}
	if err := VerifyClearSigned([]byte("Contact: mailto:security@example.org\n"), pub); err == nil {
		t.Fatal("unsigned text verified")
	}
}

// A demo key is the same wherever it is made from the same seed, and
// usable like any other.
func TestDemoKey(t *testing.T) {
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a, err := DemoKey("Banking Sector CERT", "soc@bank-cert.example", 3*365*24*time.Hour, created, "soc@bank-cert.example")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := DemoKey("Banking Sector CERT", "soc@bank-cert.example", 3*365*24*time.Hour, created, "soc@bank-cert.example")
	c, _ := DemoKey("Banking Sector CERT", "soc@bank-cert.example", 3*365*24*time.Hour, created, "soc@telco-cert.example")
	if a != b {
		t.Error("the same seed made two different keys")
	}
	if a == c {
		t.Error("two seeds made the same key")
	}
	info, err := ParsePublicKey(a, created.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !info.Created.Equal(created) || info.Expires == nil || !info.Expires.Equal(created.Add(3*365*24*time.Hour)) {
		t.Errorf("created %v, expires %v", info.Created, info.Expires)
	}
	if _, err := Encrypt([]byte("hello"), a); err != nil {
		t.Errorf("encrypting to a demo key: %v", err)
	}
}

func TestFingerprint(t *testing.T) {
	created := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	pub, err := DemoKey("Old CERT", "old@cert.example", time.Hour, created, "old")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParsePublicKey(pub, now); err == nil {
		t.Fatal("an expired key parsed as usable")
	}
	fp, err := Fingerprint(pub)
	if err != nil || len(fp) != 40 || strings.ToUpper(fp) != fp {
		t.Errorf("the fingerprint of an expired key: %q %v", fp, err)
	}
	if info, _ := ParsePublicKey(pub, created.Add(time.Minute)); info.Fingerprint != fp {
		t.Errorf("two fingerprints for one key: %q %q", info.Fingerprint, fp)
	}
	if _, err := Fingerprint("not a key"); err == nil {
		t.Error("text has a fingerprint")
	}
}

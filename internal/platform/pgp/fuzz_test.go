package pgp

import (
	"bytes"
	"io"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// chacha is a deterministic random source: the fuzz key is the same key on
// every run, so the committed corpus holds messages it decrypts.
type chacha struct{ r *rand.ChaCha8 }

func (c chacha) Read(p []byte) (int, error) { return c.r.Read(p) }

// fuzzKey is the center's key of the fuzz targets (Ed25519/X25519, made
// as GenerateKey makes keys, from a fixed seed).
func fuzzKey(tb testing.TB) (public, private string) {
	tb.Helper()
	cfg := &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA, Rand: chacha{rand.NewChaCha8([32]byte{'c', 'e', 'r', 't', 'h', 'u', 'b'})},
		Time: func() time.Time { return now.Add(-24 * time.Hour) }}
	e, err := openpgp.NewEntity("Fuzz Center", "", "report@cert.example", cfg)
	if err != nil {
		tb.Fatal(err)
	}
	var pub, priv bytes.Buffer
	for _, out := range []struct {
		buf   *bytes.Buffer
		typ   string
		write func(io.Writer) error
	}{
		{&pub, openpgp.PublicKeyType, e.Serialize},
		{&priv, openpgp.PrivateKeyType, func(w io.Writer) error { return e.SerializePrivate(w, cfg) }},
	} {
		w, err := armor.Encode(out.buf, out.typ, nil)
		if err != nil {
			tb.Fatal(err)
		}
		if err := out.write(w); err != nil {
			tb.Fatal(err)
		}
		if err := w.Close(); err != nil {
			tb.Fatal(err)
		}
	}
	return pub.String(), priv.String()
}

// armored wraps data in an armour block of type typ, so that the fuzzer
// can work on the packets themselves.
func armored(tb testing.TB, typ string, data []byte) string {
	var b bytes.Buffer
	w, err := armor.Encode(&b, typ, nil)
	if err != nil {
		tb.Fatal(err)
	}
	w.Write(data)
	w.Close()
	return b.String()
}

// dearmored is the packets of an armoured block.
func dearmored(tb testing.TB, s string) []byte {
	block, err := armor.Decode(strings.NewReader(s))
	if err != nil {
		tb.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := b.ReadFrom(block.Body); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

var fingerprint = regexp.MustCompile(`^([0-9A-F]{40}|[0-9A-F]{64})$`)

// FuzzParsePublicKey reads keys as organisations and reporters paste them,
// armoured or (armoured here) as bare packets. A key it accepts is public,
// usable now, and its normalised armour reads again to the same key; a
// refusal is a sentence fit to show.
func FuzzParsePublicKey(f *testing.F) {
	pub, priv := fuzzKey(f)
	expiring, _, err := GenerateKey("Expiring", "x@cert.example", time.Hour, now.Add(-time.Minute))
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(pub), false)
	f.Add(dearmored(f, pub), true)
	f.Add([]byte(expiring), false)
	f.Add([]byte(priv), false)
	f.Add(dearmored(f, priv), true)
	f.Add([]byte("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot base64\n-----END PGP PUBLIC KEY BLOCK-----\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, armorIt bool) {
		in := string(data)
		if armorIt {
			in = armored(t, openpgp.PublicKeyType, data)
		}
		info, err := ParsePublicKey(in, now)
		if err != nil {
			if msg := err.Error(); msg == "" || strings.HasPrefix(msg, "pgp:") {
				t.Fatalf("a refusal not fit to show: %q", msg)
			}
			return
		}
		if !fingerprint.MatchString(info.Fingerprint) || info.Created.IsZero() || info.Expires != nil && !now.Before(*info.Expires) ||
			strings.Contains(info.Armored, "PRIVATE") {
			t.Fatalf("accepted %+v", info)
		}
		again, err := ParsePublicKey(info.Armored, now)
		if err != nil || again.Fingerprint != info.Fingerprint || !again.Created.Equal(info.Created) || again.Armored != info.Armored {
			t.Fatalf("the normalised key reads again as %+v, %v (was %+v)", again, err, info)
		}
	})
}

// FuzzDecrypt opens messages as reports by mail and the web form bring
// them, inline in text or (armoured here) as bare packets: whatever they
// hold, Decrypt answers in bounded time and memory, and what it answers
// for a message encrypted to the key is the plain text.
func FuzzDecrypt(f *testing.F) {
	pub, priv := fuzzKey(f)
	for _, plain := range []string{"Secret details: the admin password is ignored.", "", strings.Repeat("compress me ", 1000)} {
		msg, err := Encrypt([]byte(plain), pub)
		if err != nil {
			f.Fatal(err)
		}
		f.Add([]byte("Hello,\n\n"+msg+"\nBye\n"), false)
		f.Add(dearmored(f, msg), true)
	}
	other, _, err := GenerateKey("Other", "other@cert.example", 0, now.Add(-time.Hour))
	if err != nil {
		f.Fatal(err)
	}
	msg, err := Encrypt([]byte("not for the center"), other)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(msg), false)
	f.Add([]byte("-----END PGP MESSAGE----- -----BEGIN PGP MESSAGE-----"), false)
	f.Fuzz(func(t *testing.T, data []byte, armorIt bool) {
		in := string(data)
		if armorIt {
			in = armored(t, "PGP MESSAGE", data)
		}
		plain, err := Decrypt(in, priv)
		if err != nil {
			if plain != nil || !strings.HasPrefix(err.Error(), "pgp: ") {
				t.Fatalf("%d bytes and error %v", len(plain), err)
			}
			return
		}
		if len(plain) > MaxMessage {
			t.Fatalf("%d bytes decrypted", len(plain))
		}
	})
}

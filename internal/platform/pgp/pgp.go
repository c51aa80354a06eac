package pgp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// KeyInfo describes a public key.
type KeyInfo struct {
	Fingerprint string     `json:"fingerprint"` // upper-case hex of the primary key
	UserIDs     []string   `json:"user_ids"`
	Created     time.Time  `json:"created"`
	Expires     *time.Time `json:"expires,omitempty"`
	Algorithm   string     `json:"algorithm"`
	Armored     string     `json:"-"`
}

// MaxArmoredSize bounds what is parsed: real public keys are a few kB,
// even with many signatures.
const MaxArmoredSize = 64 << 10

// ParsePublicKey reads one ASCII-armoured OpenPGP public key and checks that
// it is usable at now: exactly one key, public (a private key pasted by
// mistake is refused and not kept), not revoked, not expired, and able to
// encrypt. The message of an error is fit to show the user.
func ParsePublicKey(armored string, now time.Time) (KeyInfo, error) {
	armored = strings.TrimSpace(armored)
	e, err := readPublicKey(armored)
	if err != nil {
		return KeyInfo{}, err
	}
	if e.Revoked(now) {
		return KeyInfo{}, errors.New("has been revoked by its owner")
	}
	info := KeyInfo{
		Fingerprint: fingerprintOf(e),
		Created:     e.PrimaryKey.CreationTime.UTC(),
		Algorithm:   algorithmName(e),
		Armored:     armored,
	}
	for name := range e.Identities {
		info.UserIDs = append(info.UserIDs, name)
	}
	if sig, _ := e.PrimarySelfSignature(); sig != nil && sig.KeyLifetimeSecs != nil && *sig.KeyLifetimeSecs != 0 {
		exp := info.Created.Add(time.Duration(*sig.KeyLifetimeSecs) * time.Second)
		info.Expires = &exp
		if !now.Before(exp) {
			return KeyInfo{}, fmt.Errorf("expired on %s", exp.Format("2006-01-02"))
		}
	}
	if _, ok := e.EncryptionKey(now); !ok {
		return KeyInfo{}, errors.New("has no valid encryption subkey, so nothing can be encrypted to it")
	}
	// Keep a normalised armour of the public parts only.
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, openpgp.PublicKeyType, nil)
	if err == nil {
		if err = e.Serialize(w); err == nil {
			err = w.Close()
		}
	}
	if err == nil {
		info.Armored = buf.String()
	}
	return info, nil
}

// Fingerprint is the fingerprint of the one armoured public key in
// armored (upper-case hex), whatever its state: revoked and expired keys
// have one too.
func Fingerprint(armored string) (string, error) {
	e, err := readPublicKey(strings.TrimSpace(armored))
	if err != nil {
		return "", err
	}
	return fingerprintOf(e), nil
}

// readPublicKey reads exactly one public key from armored, trimmed; its
// errors are fit to show the user.
func readPublicKey(armored string) (*openpgp.Entity, error) {
	if len(armored) > MaxArmoredSize {
		return nil, fmt.Errorf("is larger than %d kB; paste only the public key", MaxArmoredSize>>10)
	}
	if strings.Contains(armored, "PRIVATE KEY BLOCK") {
		return nil, errors.New("is a private key: paste the public key only, and consider this private key exposed")
	}
	block, err := armor.Decode(strings.NewReader(armored))
	if err != nil {
		return nil, errors.New("is not an ASCII-armoured OpenPGP key (-----BEGIN PGP PUBLIC KEY BLOCK-----)")
	}
	if block.Type != openpgp.PublicKeyType {
		return nil, fmt.Errorf("is a %q block, not a public key", block.Type)
	}
	el, err := openpgp.ReadKeyRing(block.Body)
	if err != nil {
		return nil, fmt.Errorf("could not be read as an OpenPGP key: %v", err)
	}
	if len(el) != 1 {
		return nil, fmt.Errorf("holds %d keys; paste exactly one", len(el))
	}
	if el[0].PrivateKey != nil {
		return nil, errors.New("is a private key: paste the public key only")
	}
	return el[0], nil
}

func fingerprintOf(e *openpgp.Entity) string {
	return strings.ToUpper(hex.EncodeToString(e.PrimaryKey.Fingerprint))
}

func algorithmName(e *openpgp.Entity) string {
	bits, err := e.PrimaryKey.BitLength()
	name := fmt.Sprintf("algorithm %d", e.PrimaryKey.PubKeyAlgo)
	switch e.PrimaryKey.PubKeyAlgo {
	case 1, 2, 3:
		name = "RSA"
	case 17:
		name = "DSA"
	case 19:
		name = "ECDSA"
	case 22:
		name = "EdDSA"
	case 27:
		name = "Ed25519"
	case 28:
		name = "Ed448"
	}
	if err == nil && bits > 0 {
		return fmt.Sprintf("%s %d", name, bits)
	}
	return name
}

// GenerateKey makes a new Ed25519/X25519 key pair (v4, readable by every
// current OpenPGP implementation) for name <email>, valid for lifetime (0:
// no expiry), and returns both halves ASCII-armoured.
func GenerateKey(name, email string, lifetime time.Duration, now time.Time) (public, private string, err error) {
	return generate(name, email, lifetime, now, nil)
}

// DemoKey is the public half of a key pair made as GenerateKey makes one,
// created at created, but from a random stream seeded with seed: the same
// arguments give the same key, byte for byte, on every machine. It is for
// demonstration data only (two demo instances then hold the same key for
// the same organisation, as real instances would): whoever knows the seed
// can make the private half.
func DemoKey(name, email string, lifetime time.Duration, created time.Time, seed string) (string, error) {
	sum := sha256.Sum256([]byte("certhub demo key\x00" + seed))
	pub, _, err := generate(name, email, lifetime, created, rand.NewChaCha8(sum))
	return pub, err
}

func generate(name, email string, lifetime time.Duration, now time.Time, random io.Reader) (public, private string, err error) {
	cfg := &packet.Config{
		Algorithm:       packet.PubKeyAlgoEdDSA,
		Time:            func() time.Time { return now },
		KeyLifetimeSecs: uint32(lifetime / time.Second),
		Rand:            random,
	}
	e, err := openpgp.NewEntity(name, "", email, cfg)
	if err != nil {
		return "", "", fmt.Errorf("pgp: generate key: %w", err)
	}
	var pub, priv bytes.Buffer
	for _, out := range []struct {
		buf   *bytes.Buffer
		typ   string
		write func(w io.Writer) error
	}{
		{&pub, openpgp.PublicKeyType, e.Serialize},
		{&priv, openpgp.PrivateKeyType, func(w io.Writer) error { return e.SerializePrivate(w, cfg) }},
	} {
		w, err := armor.Encode(out.buf, out.typ, nil)
		if err != nil {
			return "", "", err
		}
		if err := out.write(w); err != nil {
			return "", "", fmt.Errorf("pgp: serialise key: %w", err)
		}
		if err := w.Close(); err != nil {
			return "", "", err
		}
	}
	return pub.String(), priv.String(), nil
}

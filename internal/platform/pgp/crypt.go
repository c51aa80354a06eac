package pgp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// Encrypt encrypts plaintext to the ASCII-armoured public key and returns an
// ASCII-armoured OpenPGP message (inline PGP, readable by every client).
func Encrypt(plaintext []byte, armoredPublicKey string) (string, error) {
	el, err := openpgp.ReadArmoredKeyRing(strings.NewReader(armoredPublicKey))
	if err != nil || len(el) == 0 {
		return "", fmt.Errorf("pgp: read recipient key: %v", err)
	}
	var buf bytes.Buffer
	aw, err := armor.Encode(&buf, "PGP MESSAGE", nil)
	if err != nil {
		return "", err
	}
	w, err := openpgp.Encrypt(aw, el, nil, &openpgp.FileHints{IsBinary: false}, &packet.Config{})
	if err != nil {
		return "", fmt.Errorf("pgp: encrypt: %w", err)
	}
	if _, err := w.Write(plaintext); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	if err := aw.Close(); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// MaxMessage bounds the decrypted size of a message.
const MaxMessage = 25 << 20

// IsMessage reports whether s holds an ASCII-armoured OpenPGP message.
func IsMessage(s string) bool { return strings.Contains(s, "-----BEGIN PGP MESSAGE-----") }

// Decrypt decrypts an ASCII-armoured OpenPGP message with the armoured
// private key. The message may be surrounded by other text (inline PGP).
func Decrypt(message, armoredPrivateKey string) ([]byte, error) {
	el, err := openpgp.ReadArmoredKeyRing(strings.NewReader(armoredPrivateKey))
	if err != nil || len(el) == 0 {
		return nil, fmt.Errorf("pgp: read private key: %v", err)
	}
	i := strings.Index(message, "-----BEGIN PGP MESSAGE-----")
	j := strings.Index(message, "-----END PGP MESSAGE-----")
	if i < 0 || j < i {
		return nil, errors.New("pgp: no armoured message")
	}
	block, err := armor.Decode(strings.NewReader(message[i : j+len("-----END PGP MESSAGE-----")]))
	if err != nil {
		return nil, fmt.Errorf("pgp: armour: %w", err)
	}
	md, err := openpgp.ReadMessage(block.Body, el, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("pgp: decrypt: %w", err)
	}
	b, err := io.ReadAll(io.LimitReader(md.UnverifiedBody, MaxMessage+1))
	if err != nil {
		return nil, fmt.Errorf("pgp: decrypt: %w", err)
	}
	if len(b) > MaxMessage {
		return nil, errors.New("pgp: message too large")
	}
	if md.SignatureError != nil {
		return nil, fmt.Errorf("pgp: signature: %w", md.SignatureError)
	}
	return b, nil
}

package pgp

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
)

// signer is the center's private key as an entity, parsed once.
func (k *CenterKey) signer() (*openpgp.Entity, error) {
	k.once.Do(func() {
		el, err := openpgp.ReadArmoredKeyRing(strings.NewReader(k.private))
		switch {
		case err != nil:
			k.signErr = fmt.Errorf("pgp: read the center's private key: %w", err)
		case len(el) == 0 || el[0].PrivateKey == nil:
			k.signErr = fmt.Errorf("pgp: the center's key has no private part")
		default:
			k.entity = el[0]
		}
	})
	return k.entity, k.signErr
}

// SignDetached returns an ASCII-armoured detached signature of data by the
// center's key: the ".asc" file beside each published CSAF document.
func (k *CenterKey) SignDetached(data []byte) (string, error) {
	e, err := k.signer()
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := openpgp.ArmoredDetachSign(&buf, e, bytes.NewReader(data), nil); err != nil {
		return "", fmt.Errorf("pgp: sign: %w", err)
	}
	return buf.String(), nil
}

// ClearSign returns text wrapped in an OpenPGP cleartext signature (RFC 9116
// recommends it for security.txt).
func (k *CenterKey) ClearSign(text []byte) ([]byte, error) {
	e, err := k.signer()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w, err := clearsign.Encode(&buf, e.PrivateKey, nil)
	if err != nil {
		return nil, fmt.Errorf("pgp: clear-sign: %w", err)
	}
	if _, err := w.Write(text); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("pgp: clear-sign: %w", err)
	}
	return buf.Bytes(), nil
}

// VerifyDetached checks an armoured detached signature of data against an
// armoured public key.
func VerifyDetached(data []byte, signature, armoredPublicKey string) error {
	el, err := openpgp.ReadArmoredKeyRing(strings.NewReader(armoredPublicKey))
	if err != nil {
		return fmt.Errorf("pgp: read key: %w", err)
	}
	if _, err := openpgp.CheckArmoredDetachedSignature(el, bytes.NewReader(data), strings.NewReader(signature), nil); err != nil {
		return fmt.Errorf("pgp: signature does not verify: %w", err)
	}
	return nil
}

// VerifyClearSigned checks a cleartext-signed message (ClearSign's) against
// an armoured public key.
func VerifyClearSigned(message []byte, armoredPublicKey string) error {
	el, err := openpgp.ReadArmoredKeyRing(strings.NewReader(armoredPublicKey))
	if err != nil {
		return fmt.Errorf("pgp: read key: %w", err)
	}
	b, _ := clearsign.Decode(message)
	if b == nil {
		return errors.New("pgp: not a clear-signed message")
	}
	if _, err := openpgp.CheckDetachedSignature(el, bytes.NewReader(b.Bytes), b.ArmoredSignature.Body, nil); err != nil {
		return fmt.Errorf("pgp: signature does not verify: %w", err)
	}
	return nil
}

// ClearText answers the text of a cleartext-signed message, and whether
// message was one (the signature is not checked: VerifyClearSigned).
func ClearText(message []byte) ([]byte, bool) {
	b, _ := clearsign.Decode(message)
	if b == nil {
		return nil, false
	}
	return b.Plaintext, true
}

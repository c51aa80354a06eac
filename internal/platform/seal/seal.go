package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Key seals and opens secrets with AES-256-GCM.
type Key struct {
	aead cipher.AEAD
}

const prefix = "v1:"

// New makes a Key from 32 bytes of key material.
func New(key []byte) (*Key, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("seal: key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return &Key{aead: aead}, nil
}

// Parse reads key material written as hex (64 characters) or base64.
func Parse(s string) (*Key, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return New(b)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == 32 {
			return New(b)
		}
	}
	return nil, errors.New("seal: the secret key must be 32 bytes written as 64 hex characters or base64")
}

// LoadOrCreate returns the key from env (when non-empty) or from the file
// secret.key in dataDir, creating that file with a new random key if missing.
func LoadOrCreate(env, dataDir string) (key *Key, created bool, err error) {
	if strings.TrimSpace(env) != "" {
		k, err := Parse(env)
		return k, false, err
	}
	if dataDir == "" {
		return nil, false, errors.New("seal: no CERTHUB_SECRET_KEY and no data directory to keep a key in")
	}
	path := filepath.Join(dataDir, "secret.key")
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := Parse(string(b))
		if err != nil {
			return nil, false, fmt.Errorf("seal: %s: %w", path, err)
		}
		return k, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("seal: read %s: %w", path, err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, false, fmt.Errorf("seal: %w", err)
	}
	// O_EXCL: two processes starting at once must not both write a key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadOrCreate("", dataDir)
	}
	if err != nil {
		return nil, false, fmt.Errorf("seal: create %s: %w", path, err)
	}
	_, werr := f.WriteString(hex.EncodeToString(raw) + "\n")
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return nil, false, fmt.Errorf("seal: write %s: %w", path, werr)
	}
	k, err := New(raw)
	return k, true, err
}

// Seal encrypts plaintext; the result is printable and self-describing.
func (k *Key) Seal(plaintext []byte) string {
	nonce := make([]byte, k.aead.NonceSize())
	_, _ = rand.Read(nonce)
	out := k.aead.Seal(nonce, nonce, plaintext, nil)
	return prefix + base64.RawStdEncoding.EncodeToString(out)
}

// Open decrypts what Seal produced with the same key.
func (k *Key) Open(sealed string) ([]byte, error) {
	if !strings.HasPrefix(sealed, prefix) {
		return nil, errors.New("seal: not a sealed value")
	}
	raw, err := base64.RawStdEncoding.DecodeString(sealed[len(prefix):])
	if err != nil || len(raw) < k.aead.NonceSize() {
		return nil, errors.New("seal: corrupt sealed value")
	}
	n := k.aead.NonceSize()
	pt, err := k.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return nil, errors.New("seal: the value was sealed with another key or altered")
	}
	return pt, nil
}

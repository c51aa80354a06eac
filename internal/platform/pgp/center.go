package pgp

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/seal"
)

// CenterKey is the coordination center's own OpenPGP key pair: reporters
// encrypt to it; the center decrypts reports and (later) signs what it publishes.
type CenterKey struct {
	Public      string
	Fingerprint string
	private     string

	once    sync.Once
	entity  *openpgp.Entity
	signErr error
}

// Private returns the armoured private key.
func (k *CenterKey) Private() string { return k.private }

const (
	settingPublic  = "center.pgp.public"
	settingPrivate = "center.pgp.private" // sealed with the server key
)

// LoadOrCreateCenterKey returns the center's key pair from the settings
// table, generating one (no expiry) on first use. The private key is stored
// sealed with the server key; every node of a cluster shares it.
func LoadOrCreateCenterKey(ctx context.Context, d *db.DB, key *seal.Key, name, email string, now time.Time) (*CenterKey, error) {
	var out *CenterKey
	err := d.Write(ctx, func(tx *db.Tx) error {
		if err := tx.Lock(ctx, "center.pgp"); err != nil {
			return err
		}
		var pub, sealed string
		err := tx.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, settingPublic).Scan(&pub)
		if err == nil {
			err = tx.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, settingPrivate).Scan(&sealed)
		}
		switch {
		case err == nil:
			priv, err := key.Open(sealed)
			if err != nil {
				return fmt.Errorf("pgp: the center's private key cannot be opened with this server key: %w", err)
			}
			out = &CenterKey{Public: pub, private: string(priv)}
		case errors.Is(err, db.ErrNoRows):
			pub, priv, err := GenerateKey(name, email, 0, now)
			if err != nil {
				return err
			}
			for k, v := range map[string]string{settingPublic: pub, settingPrivate: key.Seal([]byte(priv))} {
				if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`, k, v, now); err != nil {
					return fmt.Errorf("pgp: store the center key: %w", err)
				}
			}
			out = &CenterKey{Public: pub, private: priv}
		default:
			return fmt.Errorf("pgp: load the center key: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	info, err := ParsePublicKey(out.Public, now)
	if err != nil {
		return nil, fmt.Errorf("pgp: the center's public key: %v", err)
	}
	out.Fingerprint = info.Fingerprint
	return out, nil
}

package settings

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
)

// Get answers the value of key, and whether it is set.
func Get(ctx context.Context, q db.Querier, key string) (string, bool, error) {
	var v string
	err := q.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, db.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("settings: %s: %w", key, err)
	}
	return v, true, nil
}

// Prefixed answers every setting whose key starts with prefix.
func Prefixed(ctx context.Context, q db.Querier, prefix string) (map[string]string, error) {
	rows, err := q.Query(ctx, `SELECT key, value FROM settings WHERE key LIKE $1 ESCAPE '\'`, db.EscapeLike(prefix)+"%")
	if err != nil {
		return nil, fmt.Errorf("settings: %s*: %w", prefix, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// Put sets key to value in tx.
func Put(ctx context.Context, tx *db.Tx, key, value string, at time.Time) error {
	if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, value, at); err != nil {
		return fmt.Errorf("settings: put %s: %w", key, err)
	}
	return nil
}

// Delete removes key in tx.
func Delete(ctx context.Context, tx *db.Tx, key string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM settings WHERE key = $1`, key); err != nil {
		return fmt.Errorf("settings: delete %s: %w", key, err)
	}
	return nil
}

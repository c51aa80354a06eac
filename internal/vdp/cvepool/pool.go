package cvepool

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/vdp/cverec"
)

// Clean returns the CVE IDs of ids, upper-cased, without blanks, or the
// field errors (cve_ids[i]) of those that are not CVE IDs.
func Clean(ids []string) ([]string, error) {
	var f errs.Fields
	var clean []string
	for i, c := range ids {
		c = strings.ToUpper(strings.TrimSpace(c))
		if c == "" {
			continue
		}
		if !cverec.ValidID(c) {
			f.Add(fmt.Sprintf("cve_ids[%d]", i), "%q is not a CVE ID such as CVE-2026-12345", c)
			continue
		}
		clean = append(clean, c)
	}
	if len(clean) == 0 && len(f) == 0 {
		f.Add("cve_ids", "give at least one CVE ID")
	}
	return clean, f.Err()
}

// Add puts ids into the pool, in the caller's transaction, and returns how
// many were new.
func Add(ctx context.Context, tx *db.Tx, ids []string, now time.Time) (int, error) {
	added := 0
	for _, c := range ids {
		n, err := tx.Exec(ctx, `INSERT INTO vdp_cve_pool (cve_id, added_at) VALUES ($1, $2) ON CONFLICT (cve_id) DO NOTHING`, c, now)
		if err != nil {
			return added, fmt.Errorf("vdp: cve pool: %w", err)
		}
		added += int(n)
	}
	return added, nil
}

// Counts reports how many IDs of the pool are free and how many assigned.
func Counts(ctx context.Context, q db.Querier) (free, assigned int, err error) {
	err = q.QueryRow(ctx, `SELECT COUNT(*) - COUNT(vuln_id), COUNT(vuln_id) FROM vdp_cve_pool`).Scan(&free, &assigned)
	return free, assigned, err
}

// Claim gives vulnID the lowest free ID of the pool, in the caller's
// transaction; a conflict when the pool is empty.
func Claim(ctx context.Context, tx *db.Tx, vulnID string, now time.Time) (string, error) {
	// A conditional update, so two requests at once cannot take the same ID.
	for range 5 {
		var cve string
		err := tx.QueryRow(ctx, `SELECT cve_id FROM vdp_cve_pool WHERE vuln_id IS NULL ORDER BY cve_id LIMIT 1`).Scan(&cve)
		if errors.Is(err, db.ErrNoRows) {
			return "", errs.Conflict("the CVE ID pool is empty: reserve IDs with your CNA and add them")
		}
		if err != nil {
			return "", err
		}
		n, err := tx.Exec(ctx, `UPDATE vdp_cve_pool SET vuln_id = $2, assigned_at = $3 WHERE cve_id = $1 AND vuln_id IS NULL`, cve, vulnID, now)
		if err != nil {
			return "", err
		}
		if n == 1 {
			return cve, nil
		}
	}
	return "", errs.Conflict("could not claim a CVE ID; try again")
}

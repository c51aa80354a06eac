package procurement

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

const productColumns = `id, evaluation_id, product, vendor, versions, category, state, scheme, certificate_id, lab,
	decided_at, valid_until, conditions, guideline_url, purl, cpe, reason, advisory_url, cleared_state, created_at, updated_at`

func scanProduct(row db.Row) (Approved, error) {
	var p Approved
	err := row.Scan(&p.ID, &p.EvaluationID, &p.Product, &p.Vendor, &p.Versions, &p.Category, &p.State, &p.Scheme,
		&p.CertificateID, &p.Lab, &p.DecidedAt, &p.ValidUntil, &p.Conditions, &p.GuidelineURL, &p.PURL, &p.CPE, &p.Reason,
		&p.AdvisoryURL, &p.ClearedState, &p.CreatedAt, &p.UpdatedAt)
	p.Recognised = p.Scheme != SchemeCerthub
	return p, err
}

// insertProduct adds an entry and its first change.
func insertProduct(ctx context.Context, tx *db.Tx, p Approved) error {
	if p.ClearedState == "" {
		p.ClearedState = p.State
	}
	_, err := tx.Exec(ctx, `INSERT INTO procurement_products (`+productColumns+`, product_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
		p.ID, p.EvaluationID, p.Product, p.Vendor, p.Versions, p.Category, p.State, p.Scheme, p.CertificateID, p.Lab,
		p.DecidedAt, p.ValidUntil, p.Conditions, p.GuidelineURL, p.PURL, p.CPE, p.Reason, p.AdvisoryURL, p.ClearedState,
		p.CreatedAt, p.UpdatedAt, productKey(p.Vendor, p.Product))
	if err != nil {
		return fmt.Errorf("procurement: save the entry: %w", err)
	}
	return insertProductChange(ctx, tx, p)
}

func insertProductChange(ctx context.Context, tx *db.Tx, p Approved) error {
	_, err := tx.Exec(ctx, `INSERT INTO procurement_product_changes (product_id, at, state, reason, advisory_url)
		VALUES ($1, $2, $3, $4, $5)`, p.ID, p.UpdatedAt, p.State, p.Reason, p.AdvisoryURL)
	if err != nil {
		return fmt.Errorf("procurement: record the change: %w", err)
	}
	return nil
}

// updateProductState writes an entry's new state (if it is still in was)
// and records the change.
func updateProductState(ctx context.Context, tx *db.Tx, p Approved, was string) error {
	n, err := tx.Exec(ctx, `UPDATE procurement_products SET state = $1, reason = $2, advisory_url = $3, cleared_state = $4,
		updated_at = $5 WHERE id = $6 AND state = $7`, p.State, p.Reason, p.AdvisoryURL, p.ClearedState, p.UpdatedAt, p.ID, was)
	if err != nil {
		return fmt.Errorf("procurement: save the entry: %w", err)
	}
	if n == 0 {
		return errs.Conflict("the entry changed meanwhile: reload it")
	}
	return insertProductChange(ctx, tx, p)
}

func getProduct(ctx context.Context, q db.Querier, id string) (Approved, error) {
	p, err := scanProduct(q.QueryRow(ctx, `SELECT `+productColumns+` FROM procurement_products WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Approved{}, errs.NotFound("no entry of that ID on the approved-products list")
	}
	if err != nil {
		return Approved{}, fmt.Errorf("procurement: entry: %w", err)
	}
	return p, nil
}

// productOf answers the entry an evaluation's approval made ("" if none).
func productOf(ctx context.Context, q db.Querier, evalID string) (string, error) {
	var id string
	err := q.QueryRow(ctx, `SELECT id FROM procurement_products WHERE evaluation_id = $1`, evalID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// nextCertificate answers the certificate number after the last of t's
// year: CH-2026-0001.
func nextCertificate(ctx context.Context, tx *db.Tx, t time.Time) (string, error) {
	prefix := fmt.Sprintf("CH-%d-", t.Year())
	var last sql.NullString
	if err := tx.QueryRow(ctx, `SELECT MAX(certificate_id) FROM procurement_products WHERE scheme = $1
		AND certificate_id >= $2 AND certificate_id < $3`, SchemeCerthub, prefix, fmt.Sprintf("CH-%d-", t.Year()+1)).Scan(&last); err != nil {
		return "", fmt.Errorf("procurement: certificate number: %w", err)
	}
	n := 0
	if last.Valid {
		n, _ = strconv.Atoi(strings.TrimPrefix(last.String, prefix))
	}
	return fmt.Sprintf("%s%04d", prefix, n+1), nil
}

// listProducts answers a page of the list by vendor and product, then id.
func listProducts(ctx context.Context, q db.Querier, f ProductFilter) ([]Approved, error) {
	var args db.Args
	arg := args.Add
	var where []string
	for _, w := range strings.Fields(strings.ToLower(f.Query)) {
		where = append(where, `product_key LIKE `+arg("%"+db.EscapeLike(w)+"%")+` ESCAPE '\'`)
	}
	if f.Category != "" {
		where = append(where, `category = `+arg(f.Category))
	}
	if f.Vendor != "" {
		v := productKey(f.Vendor, "")
		where = append(where, `product_key LIKE `+arg(db.EscapeLike(v)+"%")+` ESCAPE '\'`)
	}
	if f.State != "" {
		where = append(where, `state = `+arg(f.State))
	}
	if f.ValidOn != nil {
		day := f.ValidOn.UTC().Truncate(24 * time.Hour)
		where = append(where, `decided_at < `+arg(day.AddDate(0, 0, 1))+` AND (valid_until IS NULL OR valid_until >= `+arg(day)+`)`)
	}
	if parts, err := db.DecodeCursor(f.Cursor, 2); err != nil {
		return nil, err
	} else if parts != nil {
		where = append(where, `(product_key > `+arg(parts[0])+` OR (product_key = `+arg(parts[0])+` AND id > `+arg(parts[1])+`))`)
	}
	query := `SELECT ` + productColumns + ` FROM procurement_products`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	out, err := db.QueryAll(ctx, q, scanProduct, query+` ORDER BY product_key, id LIMIT `+arg(f.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("procurement: approved products: %w", err)
	}
	return out, nil
}

// productCursor is the cursor of the page after p.
func productCursor(p Approved) string { return db.EncodeCursor(productKey(p.Vendor, p.Product), p.ID) }

// listChanges answers the newest changes of the list (of one entry when
// productID is not ""), newest first.
func listChanges(ctx context.Context, q db.Querier, productID string, limit int) ([]ProductChange, error) {
	var args db.Args
	query := `SELECT c.product_id, c.at, c.state, c.reason, c.advisory_url, p.product, p.vendor, p.versions
		FROM procurement_product_changes c JOIN procurement_products p ON p.id = c.product_id`
	if productID != "" {
		query += ` WHERE c.product_id = ` + args.Add(productID)
	}
	out, err := db.QueryAll(ctx, q, func(r db.Row) (ProductChange, error) {
		var c ProductChange
		err := r.Scan(&c.ProductID, &c.At, &c.State, &c.Reason, &c.AdvisoryURL, &c.Product, &c.Vendor, &c.Versions)
		return c, err
	}, query+` ORDER BY c.id DESC LIMIT `+args.Add(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("procurement: changes: %w", err)
	}
	return out, nil
}

// standingProducts answers the entries that are recommended now (approved,
// with conditions or not), for the watch to match against the news.
func standingProducts(ctx context.Context, q db.Querier) ([]Approved, error) {
	out, err := db.QueryAll(ctx, q, scanProduct, `SELECT `+productColumns+` FROM procurement_products WHERE state IN ($1, $2)`,
		ProductApproved, ProductApprovedCond)
	if err != nil {
		return nil, fmt.Errorf("procurement: standing entries: %w", err)
	}
	return out, nil
}

// expiring answers the entries, not yet expired or revoked, whose
// validity ended before day.
func expiring(ctx context.Context, q db.Querier, day time.Time) ([]Approved, error) {
	out, err := db.QueryAll(ctx, q, scanProduct, `SELECT `+productColumns+` FROM procurement_products WHERE valid_until < $1
		AND state NOT IN ($2, $3)`, day, ProductExpired, ProductRevoked)
	if err != nil {
		return nil, fmt.Errorf("procurement: expiring entries: %w", err)
	}
	return out, nil
}

// watchMark answers how far the watch has read source (zero if never).
func watchMark(ctx context.Context, q db.Querier, source string) (time.Time, error) {
	var t time.Time
	err := q.QueryRow(ctx, `SELECT mark FROM procurement_watch WHERE source = $1`, source).Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	return t, err
}

func setWatchMark(ctx context.Context, tx *db.Tx, source string, t time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO procurement_watch (source, mark) VALUES ($1, $2)
		ON CONFLICT (source) DO UPDATE SET mark = EXCLUDED.mark`, source, t)
	return err
}

// watchHits answers what the watch acted on lately, as ref NUL product.
func watchHits(ctx context.Context, q db.Querier) (map[string]bool, error) {
	rows, err := q.Query(ctx, `SELECT ref, product_id FROM procurement_watch_hits`)
	if err != nil {
		return nil, fmt.Errorf("procurement: watch hits: %w", err)
	}
	defer rows.Close()
	hit := map[string]bool{}
	for rows.Next() {
		var ref, product string
		if err := rows.Scan(&ref, &product); err != nil {
			return nil, err
		}
		hit[ref+"\x00"+product] = true
	}
	return hit, rows.Err()
}

// recordWatchHits remembers what the watch acted on, at, and forgets what
// it acted on before forget.
func recordWatchHits(ctx context.Context, tx *db.Tx, found []match, at, forget time.Time) error {
	for _, m := range found {
		if _, err := tx.Exec(ctx, `INSERT INTO procurement_watch_hits (ref, product_id, at) VALUES ($1, $2, $3)
			ON CONFLICT (ref, product_id) DO UPDATE SET at = EXCLUDED.at`, m.ref, m.p.ID, at); err != nil {
			return fmt.Errorf("procurement: record watch hit: %w", err)
		}
	}
	_, err := tx.Exec(ctx, `DELETE FROM procurement_watch_hits WHERE at < $1`, forget)
	return err
}

// toRemind answers the standing entries whose validity ends before until
// and whose parties have not been told yet.
func toRemind(ctx context.Context, q db.Querier, until time.Time) ([]Approved, error) {
	out, err := db.QueryAll(ctx, q, scanProduct, `SELECT `+productColumns+` FROM procurement_products
		WHERE valid_until < $1 AND reminded_at IS NULL AND state IN ($2, $3)`, until, ProductApproved, ProductApprovedCond)
	if err != nil {
		return nil, fmt.Errorf("procurement: entries to remind: %w", err)
	}
	return out, nil
}

// maintainProduct adds an assurance maintenance's version to the entry it
// maintains (and its conditions, if any), recording the change; it
// answers the entry's certificate.
func maintainProduct(ctx context.Context, tx *db.Tx, productID string, e Evaluation, conditions string, now time.Time) (string, error) {
	p, err := getProduct(ctx, tx, productID)
	if err != nil {
		return "", err
	}
	if !recommended(p.State) {
		return "", errs.Conflict("the entry this maintains is %s now: decide on it first", p.State)
	}
	p.Versions = strings.TrimPrefix(p.Versions+", "+e.Version, ", ")
	if conditions != "" {
		p.Conditions = strings.TrimPrefix(p.Conditions+" "+e.Version+": "+conditions, " ")
	}
	p.UpdatedAt = now
	if _, err := tx.Exec(ctx, `UPDATE procurement_products SET versions = $1, conditions = $2, updated_at = $3 WHERE id = $4`,
		p.Versions, p.Conditions, now, p.ID); err != nil {
		return "", fmt.Errorf("procurement: maintain the entry: %w", err)
	}
	p.Reason = "assurance maintenance " + e.Number + ": version " + e.Version + " added"
	if err := insertProductChange(ctx, tx, p); err != nil {
		return "", err
	}
	return p.CertificateID, nil
}

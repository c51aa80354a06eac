package directory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

const orgColumns = `id, name, short_name, kind, parent_id, sector, country, cii, website, description, listed,
	pgp_key, pgp_fingerprint, pgp_expires_at, rfc2350, created_at, updated_at`

func scanOrg(r db.Row) (Org, error) {
	var o Org
	var rfc string
	err := r.Scan(&o.ID, &o.Name, &o.ShortName, &o.Kind, &o.ParentID, &o.Sector, &o.Country, &o.CII, &o.Website,
		&o.Description, &o.Listed, &o.PGPKey, &o.PGPFingerprint, &o.PGPExpiresAt, &rfc, &o.CreatedAt, &o.UpdatedAt)
	if err != nil {
		return o, err
	}
	if rfc != "" {
		if err := json.Unmarshal([]byte(rfc), &o.RFC2350); err != nil {
			return o, fmt.Errorf("directory: org %s: rfc2350: %w", o.ID, err)
		}
	}
	return o, nil
}

// getOrg loads one organisation with its contacts and constituency.
func getOrg(ctx context.Context, q db.Querier, id string) (Org, error) {
	o, err := scanOrg(q.QueryRow(ctx, `SELECT `+orgColumns+` FROM orgs WHERE id = $1`, id))
	if errors.Is(err, db.ErrNoRows) {
		return Org{}, errs.NotFound("organisation not found")
	}
	if err != nil {
		return Org{}, fmt.Errorf("directory: load org: %w", err)
	}
	o.Contacts = []Contact{}
	rows, err := q.Query(ctx, `SELECT role, name, email, phone, always_on FROM org_contacts WHERE org_id = $1 ORDER BY position`, id)
	if err != nil {
		return Org{}, fmt.Errorf("directory: load contacts: %w", err)
	}
	for rows.Next() {
		var c Contact
		if err := rows.Scan(&c.Role, &c.Name, &c.Email, &c.Phone, &c.Available24x7); err != nil {
			rows.Close()
			return Org{}, fmt.Errorf("directory: load contacts: %w", err)
		}
		o.Contacts = append(o.Contacts, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Org{}, err
	}
	o.Constituency = Constituency{CIDRs: []string{}, ASNs: []int64{}, Domains: []string{}}
	if err := collect(ctx, q, `SELECT cidr FROM org_cidrs WHERE org_id = $1 ORDER BY position`, id, &o.Constituency.CIDRs); err != nil {
		return Org{}, err
	}
	if err := collect(ctx, q, `SELECT asn FROM org_asns WHERE org_id = $1 ORDER BY position`, id, &o.Constituency.ASNs); err != nil {
		return Org{}, err
	}
	if err := collect(ctx, q, `SELECT domain FROM org_domains WHERE org_id = $1 ORDER BY position`, id, &o.Constituency.Domains); err != nil {
		return Org{}, err
	}
	o.Packages = []string{}
	if err := collect(ctx, q, `SELECT purl FROM org_packages WHERE org_id = $1 ORDER BY position`, id, &o.Packages); err != nil {
		return Org{}, err
	}
	return o, nil
}

// getOrgs loads the organisations with the given IDs, children and all, in a
// fixed number of queries, and returns them in the order of ids.
func getOrgs(ctx context.Context, q db.Querier, ids []string) ([]Org, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i] = fmt.Sprintf("$%d", i+1)
		args[i] = id
	}
	in := "(" + strings.Join(ph, ", ") + ")"
	byID := make(map[string]*Org, len(ids))
	rows, err := q.Query(ctx, `SELECT `+orgColumns+` FROM orgs WHERE id IN `+in, args...)
	if err != nil {
		return nil, fmt.Errorf("directory: load orgs: %w", err)
	}
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("directory: load orgs: %w", err)
		}
		o.Contacts = []Contact{}
		o.Constituency = Constituency{CIDRs: []string{}, ASNs: []int64{}, Domains: []string{}}
		o.Packages = []string{}
		byID[o.ID] = &o
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	cr, err := q.Query(ctx, `SELECT org_id, role, name, email, phone, always_on FROM org_contacts WHERE org_id IN `+in+` ORDER BY org_id, position`, args...)
	if err != nil {
		return nil, fmt.Errorf("directory: load contacts: %w", err)
	}
	for cr.Next() {
		var id string
		var c Contact
		if err := cr.Scan(&id, &c.Role, &c.Name, &c.Email, &c.Phone, &c.Available24x7); err != nil {
			cr.Close()
			return nil, err
		}
		if o := byID[id]; o != nil {
			o.Contacts = append(o.Contacts, c)
		}
	}
	cr.Close()
	if err := cr.Err(); err != nil {
		return nil, err
	}
	for _, part := range []struct {
		query string
		add   func(o *Org, v string)
	}{
		{`SELECT org_id, cidr FROM org_cidrs WHERE org_id IN ` + in + ` ORDER BY org_id, position`,
			func(o *Org, v string) { o.Constituency.CIDRs = append(o.Constituency.CIDRs, v) }},
		{`SELECT org_id, CAST(asn AS TEXT) FROM org_asns WHERE org_id IN ` + in + ` ORDER BY org_id, position`,
			func(o *Org, v string) {
				n, _ := strconv.ParseInt(v, 10, 64)
				o.Constituency.ASNs = append(o.Constituency.ASNs, n)
			}},
		{`SELECT org_id, domain FROM org_domains WHERE org_id IN ` + in + ` ORDER BY org_id, position`,
			func(o *Org, v string) { o.Constituency.Domains = append(o.Constituency.Domains, v) }},
		{`SELECT org_id, purl FROM org_packages WHERE org_id IN ` + in + ` ORDER BY org_id, position`,
			func(o *Org, v string) { o.Packages = append(o.Packages, v) }},
	} {
		rows, err := q.Query(ctx, part.query, args...)
		if err != nil {
			return nil, fmt.Errorf("directory: load constituency: %w", err)
		}
		for rows.Next() {
			var id, v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return nil, err
			}
			if o := byID[id]; o != nil {
				part.add(o, v)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	out := make([]Org, 0, len(ids))
	for _, id := range ids {
		if o := byID[id]; o != nil {
			out = append(out, *o)
		}
	}
	return out, nil
}

func collect[T any](ctx context.Context, q db.Querier, query string, arg any, dst *[]T) error {
	rows, err := q.Query(ctx, query, arg)
	if err != nil {
		return fmt.Errorf("directory: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return fmt.Errorf("directory: %w", err)
		}
		*dst = append(*dst, v)
	}
	return rows.Err()
}

// saveOrg inserts or updates o and replaces its contacts and constituency.
func saveOrg(ctx context.Context, tx *db.Tx, o Org, insert bool) error {
	rfc, err := json.Marshal(o.RFC2350)
	if err != nil {
		return err
	}
	args := []any{o.ID, o.Name, strings.ToLower(o.Name), o.ShortName, string(o.Kind), o.ParentID, o.Sector, o.Country, o.CII,
		o.Website, o.Description, o.Listed, o.PGPKey, o.PGPFingerprint, o.PGPExpiresAt, string(rfc), o.CreatedAt, o.UpdatedAt}
	if insert {
		_, err = tx.Exec(ctx, `INSERT INTO orgs (id, name, name_key, short_name, kind, parent_id, sector, country, cii,
			website, description, listed, pgp_key, pgp_fingerprint, pgp_expires_at, rfc2350, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`, args...)
	} else {
		_, err = tx.Exec(ctx, `UPDATE orgs SET name = $2, name_key = $3, short_name = $4, kind = $5, parent_id = $6,
			sector = $7, country = $8, cii = $9, website = $10, description = $11, listed = $12, pgp_key = $13,
			pgp_fingerprint = $14, pgp_expires_at = $15, rfc2350 = $16, created_at = $17, updated_at = $18 WHERE id = $1`, args...)
	}
	switch {
	case db.IsUniqueViolation(err):
		return &errs.Error{Kind: errs.KindConflict, Message: "an organisation with this name exists",
			Fields: []errs.FieldError{{Field: "name", Message: "is already used by another organisation"}}}
	case db.IsForeignKeyViolation(err):
		return &errs.Error{Kind: errs.KindInvalid, Message: "the input is not valid",
			Fields: []errs.FieldError{{Field: "parent_id", Message: "is not an organisation of the directory"}}}
	case err != nil:
		return fmt.Errorf("directory: save org: %w", err)
	}
	if err := tx.Announce(ctx, Topic); err != nil {
		return err
	}
	for _, table := range []string{"org_contacts", "org_cidrs", "org_asns", "org_domains", "org_packages"} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE org_id = $1`, o.ID); err != nil {
			return fmt.Errorf("directory: replace %s: %w", table, err)
		}
	}
	for i, c := range o.Contacts {
		if _, err := tx.Exec(ctx, `INSERT INTO org_contacts (org_id, position, role, name, email, phone, always_on)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, o.ID, i, c.Role, c.Name, c.Email, c.Phone, c.Available24x7); err != nil {
			return fmt.Errorf("directory: save contact: %w", err)
		}
	}
	for i, c := range o.Constituency.CIDRs {
		if _, err := tx.Exec(ctx, `INSERT INTO org_cidrs (org_id, cidr, position) VALUES ($1, $2, $3)`, o.ID, c, i); err != nil {
			return fmt.Errorf("directory: save network: %w", err)
		}
	}
	for i, a := range o.Constituency.ASNs {
		if _, err := tx.Exec(ctx, `INSERT INTO org_asns (org_id, asn, position) VALUES ($1, $2, $3)`, o.ID, a, i); err != nil {
			return fmt.Errorf("directory: save ASN: %w", err)
		}
	}
	for i, d := range o.Constituency.Domains {
		if _, err := tx.Exec(ctx, `INSERT INTO org_domains (org_id, domain, position) VALUES ($1, $2, $3)`, o.ID, d, i); err != nil {
			return fmt.Errorf("directory: save domain: %w", err)
		}
	}
	for i, p := range o.Packages {
		if _, err := tx.Exec(ctx, `INSERT INTO org_packages (org_id, purl, position) VALUES ($1, $2, $3)`, o.ID, p, i); err != nil {
			return fmt.Errorf("directory: save package URL: %w", err)
		}
	}
	return nil
}

// ancestors returns the IDs above id, parent first. The depth bound guards
// against a cycle that the service's checks should already make impossible.
func ancestors(ctx context.Context, q db.Querier, id string) ([]string, error) {
	rows, err := q.Query(ctx, `WITH RECURSIVE up(id, parent_id, depth) AS (
			SELECT id, parent_id, 0 FROM orgs WHERE id = $1
			UNION ALL
			SELECT o.id, o.parent_id, up.depth + 1 FROM orgs o JOIN up ON o.id = up.parent_id WHERE up.depth < 32
		) SELECT id FROM up WHERE depth > 0 ORDER BY depth`, id)
	if err != nil {
		return nil, fmt.Errorf("directory: ancestors: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// subtreeHeight is how many levels lie below id (0 for a leaf).
func subtreeHeight(ctx context.Context, q db.Querier, id string) (int, error) {
	var h int
	err := q.QueryRow(ctx, `WITH RECURSIVE down(id, depth) AS (
			SELECT id, 0 FROM orgs WHERE id = $1
			UNION ALL
			SELECT o.id, down.depth + 1 FROM orgs o JOIN down ON o.parent_id = down.id WHERE down.depth < 32
		) SELECT COALESCE(MAX(depth), 0) FROM down`, id).Scan(&h)
	if err != nil {
		return 0, fmt.Errorf("directory: subtree height: %w", err)
	}
	return h, nil
}

// visibleClause is the SQL form of Allowed(…, ActionView, …) for lists. It
// must agree with Allowed; the access matrix test checks both. The viewer's
// organisations come from its identity (the kernel's memberships, read
// when the request was authenticated).
func visibleClause(v Viewer, arg func(any) string) (cte, where string) {
	mine := `SELECT id FROM orgs WHERE FALSE`
	if ids := v.Identity.OrgIDs(); len(ids) > 0 {
		mine = `SELECT id FROM orgs WHERE id IN (` + argList(arg, ids) + `)`
	}
	cte = `WITH RECURSIVE mine(id) AS (
		` + mine + `
		UNION
		SELECT o.id FROM orgs o JOIN mine ON o.parent_id = mine.id
	) `
	community := `'coordination_center', 'national_cert', 'sectoral_cert', 'provincial_cert', 'government_cert',
		'cii_cert', 'international_cert', 'ministry'`
	staff := v.Identity.IsStaff() || v.Identity.IsSystem()
	where = `(` + arg(staff) + ` OR o.kind IN (` + community + `) OR o.id IN (SELECT id FROM mine) OR (` + arg(v.InCERT) +
		` AND o.kind IN ('vendor', 'lab')))`
	return cte, where
}

const summaryColumns = `o.id, o.name, o.short_name, o.kind, o.parent_id, o.sector, o.country, o.cii`

func scanSummary(r db.Row) (Summary, error) {
	var s Summary
	err := r.Scan(&s.ID, &s.Name, &s.ShortName, &s.Kind, &s.ParentID, &s.Sector, &s.Country, &s.CII)
	return s, err
}

// listOrgs returns up to limit+1 visible organisations matching f, by name.
func listOrgs(ctx context.Context, q db.Querier, v Viewer, f Filter, after []string, limit int) ([]Summary, error) {
	var args []any
	arg := func(x any) string { args = append(args, x); return fmt.Sprintf("$%d", len(args)) }
	cte, where := visibleClause(v, arg)
	conds := []string{where}
	if f.Query != "" {
		like := "%" + db.EscapeLike(strings.ToLower(f.Query)) + "%"
		or := []string{fmt.Sprintf(`o.name_key LIKE %s ESCAPE '\'`, arg(like)), fmt.Sprintf(`LOWER(o.short_name) LIKE %s ESCAPE '\'`, arg(like))}
		// A host name finds the organisation holding its domain; a package
		// URL the vendor holding it or a namespace above it.
		if dom, problem := NormalizeDomain(f.Query); problem == "" {
			or = append(or, `o.id IN (SELECT org_id FROM org_domains WHERE domain IN (`+argList(arg, domainParents(dom))+`))`)
		}
		if ps := packagePrefixes(f.Query); ps != nil {
			or = append(or, `o.id IN (SELECT org_id FROM org_packages WHERE purl IN (`+argList(arg, ps)+`))`)
		}
		conds = append(conds, "("+strings.Join(or, " OR ")+")")
	}
	if f.Kind != "" {
		conds = append(conds, "o.kind = "+arg(string(f.Kind)))
	}
	if f.Sector != "" {
		conds = append(conds, "o.sector = "+arg(f.Sector))
	}
	if f.ParentID != "" {
		conds = append(conds, "o.parent_id = "+arg(f.ParentID))
	}
	if f.CII != nil {
		conds = append(conds, "o.cii = "+arg(*f.CII))
	}
	if after != nil {
		k, id := arg(after[0]), arg(after[1])
		conds = append(conds, fmt.Sprintf("(o.name_key > %s OR (o.name_key = %s AND o.id > %s))", k, k, id))
	}
	query := cte + `SELECT ` + summaryColumns + ` FROM orgs o WHERE ` + strings.Join(conds, " AND ") + ` ORDER BY o.name_key, o.id`
	if limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", limit+1)
	}
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("directory: list: %w", err)
	}
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		s, err := scanSummary(rows)
		if err != nil {
			return nil, fmt.Errorf("directory: list: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// inCERT reports whether any of orgIDs (the viewer's) is a CERT.
func inCERT(ctx context.Context, q db.Querier, orgIDs []string) (bool, error) {
	var n int
	var args []any
	arg := func(x any) string { args = append(args, x); return fmt.Sprintf("$%d", len(args)) }
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM orgs WHERE id IN (`+argList(arg, orgIDs)+`)
		AND kind IN ('coordination_center', 'national_cert', 'sectoral_cert', 'provincial_cert',
		'government_cert', 'cii_cert', 'international_cert')`, args...).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("directory: viewer: %w", err)
	}
	return n > 0, nil
}

// networkOwner is one stored network and its organisation.
type networkOwner struct {
	OrgID, OrgName, CIDR string
}

func allNetworks(ctx context.Context, q db.Querier) ([]networkOwner, error) {
	rows, err := q.Query(ctx, `SELECT c.org_id, o.name, c.cidr FROM org_cidrs c JOIN orgs o ON o.id = c.org_id ORDER BY o.name_key, c.position`)
	if err != nil {
		return nil, fmt.Errorf("directory: networks: %w", err)
	}
	defer rows.Close()
	var out []networkOwner
	for rows.Next() {
		var n networkOwner
		if err := rows.Scan(&n.OrgID, &n.OrgName, &n.CIDR); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// argList binds each value and returns the placeholders, comma-separated.
func argList(arg func(any) string, vs []string) string {
	ph := make([]string, len(vs))
	for i, v := range vs {
		ph[i] = arg(v)
	}
	return strings.Join(ph, ", ")
}

// allConstituencies reads every organisation's networks, AS numbers and
// domains, in their own order, by organisation.
func allConstituencies(ctx context.Context, q db.Querier) (map[string]Constituency, error) {
	out := map[string]Constituency{}
	for _, part := range []struct {
		query string
		add   func(c *Constituency, v string)
	}{
		{`SELECT org_id, cidr FROM org_cidrs ORDER BY org_id, position`,
			func(c *Constituency, v string) { c.CIDRs = append(c.CIDRs, v) }},
		{`SELECT org_id, CAST(asn AS TEXT) FROM org_asns ORDER BY org_id, position`,
			func(c *Constituency, v string) {
				n, _ := strconv.ParseInt(v, 10, 64)
				c.ASNs = append(c.ASNs, n)
			}},
		{`SELECT org_id, domain FROM org_domains ORDER BY org_id, position`,
			func(c *Constituency, v string) { c.Domains = append(c.Domains, v) }},
	} {
		rows, err := q.Query(ctx, part.query)
		if err != nil {
			return nil, fmt.Errorf("directory: constituencies: %w", err)
		}
		for rows.Next() {
			var id, v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return nil, fmt.Errorf("directory: constituencies: %w", err)
			}
			c, ok := out[id]
			if !ok {
				c = Constituency{CIDRs: []string{}, ASNs: []int64{}, Domains: []string{}}
			}
			part.add(&c, v)
			out[id] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("directory: constituencies: %w", err)
		}
	}
	return out, nil
}

package advisory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

const advisoryColumns = `id, tracking_id, kind, status, tlp, title, content, case_id, imported, recipients, recipient_users, author_id,
	editor_id, editors, submitted_by, approved_by, review_note, revision_note, publish_at, published_version, first_published_at,
	last_published_at, pub_tlp, created_at, updated_at`

func scanAdvisory(row db.Row) (Advisory, error) {
	var a Advisory
	var content, recipients, people, editors string
	err := row.Scan(&a.ID, &a.TrackingID, &a.Kind, &a.Status, &a.TLP, &a.Content.Title, &content, &a.CaseID, &a.Imported,
		&recipients, &people, &a.AuthorID, &a.EditorID, &editors, &a.SubmittedBy, &a.ApprovedBy, &a.ReviewNote, &a.RevisionNote, &a.PublishAt,
		&a.PublishedVersion, &a.FirstPublishedAt, &a.LastPublishedAt, &a.PublishedTLP, &a.CreatedAt, &a.UpdatedAt)
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal([]byte(content), &a.Content); err != nil {
		return a, fmt.Errorf("advisory %s: content: %w", a.ID, err)
	}
	a.Content.normalise()
	a.Recipients, a.RecipientUsers = fields(recipients), fields(people)
	a.Editors = strings.Fields(editors)
	return a, nil
}

// fields splits a space-separated list, empty as [] (not null) in JSON.
func fields(s string) []string {
	if out := strings.Fields(s); out != nil {
		return out
	}
	return []string{}
}

// normalise makes nil lists empty so the API answers [] rather than null.
func (c *Content) normalise() {
	if c.Sectors == nil {
		c.Sectors = []string{}
	}
	if c.Products == nil {
		c.Products = []Product{}
	}
	if c.Vulns == nil {
		c.Vulns = []Vuln{}
	}
	if c.References == nil {
		c.References = []Reference{}
	}
	if c.Acknowledgments == nil {
		c.Acknowledgments = []string{}
	}
	for i := range c.Vulns {
		if c.Vulns[i].Status == nil {
			c.Vulns[i].Status = map[string]string{}
		}
		if c.Vulns[i].Remediations == nil {
			c.Vulns[i].Remediations = []Remediation{}
		}
	}
}

func getAdvisory(ctx context.Context, q db.Querier, advID string) (Advisory, error) {
	a, err := scanAdvisory(q.QueryRow(ctx, `SELECT `+advisoryColumns+` FROM advisories WHERE id = $1 OR tracking_id = $1`, advID))
	if errors.Is(err, db.ErrNoRows) {
		return a, errs.NotFound("advisory not found")
	}
	if err != nil {
		return a, fmt.Errorf("advisory: load: %w", err)
	}
	return a, nil
}

func encodeContent(c Content) string {
	b, err := json.Marshal(c)
	if err != nil {
		// Content holds strings, slices and maps only.
		panic(fmt.Sprintf("advisory: encode content: %v", err))
	}
	return string(b)
}

func insertAdvisory(ctx context.Context, tx *db.Tx, a Advisory, upload string) error {
	_, err := tx.Exec(ctx, `INSERT INTO advisories (id, tracking_id, kind, status, tlp, title, content, case_id, imported,
		csaf_upload, recipients, recipient_users, author_id, editor_id, editors, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		a.ID, a.TrackingID, string(a.Kind), string(a.Status), a.TLP, a.Content.Title, encodeContent(a.Content), a.CaseID,
		a.Imported, upload, strings.Join(a.Recipients, " "), strings.Join(a.RecipientUsers, " "), a.AuthorID, a.EditorID,
		strings.Join(a.Editors, " "), a.CreatedAt, a.UpdatedAt)
	if err != nil {
		return fmt.Errorf("advisory: insert: %w", err)
	}
	return nil
}

// saveWorking writes the working copy and the workflow columns.
func saveWorking(ctx context.Context, tx *db.Tx, a Advisory) error {
	_, err := tx.Exec(ctx, `UPDATE advisories SET status = $2, tlp = $3, title = $4, content = $5, case_id = $6,
		recipients = $7, editor_id = $8, submitted_by = $9, approved_by = $10, review_note = $11, revision_note = $12,
		publish_at = $13, updated_at = $14, editors = $15, recipient_users = $16 WHERE id = $1`,
		a.ID, string(a.Status), a.TLP, a.Content.Title, encodeContent(a.Content), a.CaseID, strings.Join(a.Recipients, " "),
		a.EditorID, a.SubmittedBy, a.ApprovedBy, a.ReviewNote, a.RevisionNote, a.PublishAt, a.UpdatedAt, strings.Join(a.Editors, " "),
		strings.Join(a.RecipientUsers, " "))
	if err != nil {
		return fmt.Errorf("advisory: save: %w", err)
	}
	return nil
}

// savePublished records a new published revision and refreshes the pub_*
// columns the listing and search read.
func savePublished(ctx context.Context, tx *db.Tx, a Advisory, r Revision) error {
	_, err := tx.Exec(ctx, `INSERT INTO advisory_revisions (advisory_id, number, summary, content, tlp, csaf, csaf_sha256,
		csaf_sha512, csaf_sig, approved_by, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		r.AdvisoryID, r.Number, r.Summary, encodeContent(r.Content), r.TLP, string(r.CSAF), r.SHA256, r.SHA512, r.Signature,
		r.ApprovedBy, r.PublishedAt)
	if err != nil {
		return fmt.Errorf("advisory: insert revision: %w", err)
	}
	c := r.Content
	var cves, vendors, products []string
	for _, v := range c.Vulns {
		if cve := strings.ToUpper(v.CVE); cve != "" && !slices.Contains(cves, cve) {
			cves = append(cves, cve)
		}
	}
	for _, p := range c.Products {
		if v := strings.ToLower(p.Vendor); v != "" && !slices.Contains(vendors, v) {
			vendors = append(vendors, v)
		}
		if n := strings.ToLower(p.Name); n != "" && !slices.Contains(products, n) {
			products = append(products, n)
		}
	}
	search := strings.ToLower(strings.Join([]string{a.TrackingID, c.Title, c.Summary, c.Details, strings.Join(cves, " "),
		strings.Join(vendors, " "), strings.Join(products, " ")}, "\n"))
	_, err = tx.Exec(ctx, `UPDATE advisories SET published_version = $2, first_published_at = COALESCE(first_published_at, $3),
		last_published_at = $3, pub_tlp = $4, pub_title = $5, pub_summary = $6, pub_severity = $7, pub_search = $8, editors = ''
		WHERE id = $1`,
		a.ID, r.Number, r.PublishedAt, r.TLP, c.Title, c.Summary, aggregateSeverity(c), search)
	if err != nil {
		return fmt.Errorf("advisory: record publication: %w", err)
	}
	var sectors []string
	for _, sec := range c.Sectors {
		if !slices.Contains(sectors, sec) {
			sectors = append(sectors, sec)
		}
	}
	// What the listing filters by, and the readers of the published
	// revision: its approved recipients, whatever a later correction
	// proposes until that is published.
	for _, set := range []struct {
		table, column string
		values        []string
	}{
		{"advisory_cves", "cve", cves}, {"advisory_sectors", "sector", sectors}, {"advisory_vendors", "vendor", vendors},
		{"advisory_products", "product", products},
		{"advisory_audience_orgs", "org_id", a.Recipients}, {"advisory_audience_users", "user_id", a.RecipientUsers},
	} {
		if err := replaceList(ctx, tx, set.table, set.column, a.ID, set.values); err != nil {
			return fmt.Errorf("advisory: record the publication's %s: %w", set.column, err)
		}
	}
	return nil
}

// replaceList makes table's rows of advisoryID the values given.
func replaceList(ctx context.Context, tx *db.Tx, table, column, advisoryID string, values []string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE advisory_id = $1`, advisoryID); err != nil {
		return err
	}
	if len(values) == 0 {
		return nil
	}
	args := db.Args{advisoryID}
	rows := make([]string, len(values))
	for i, v := range values {
		rows[i] = "($1, " + args.Add(v) + ")"
	}
	_, err := tx.Exec(ctx, `INSERT INTO `+table+` (advisory_id, `+column+`) VALUES `+strings.Join(rows, ", "), args...)
	return err
}

const revisionColumns = `advisory_id, number, summary, content, tlp, csaf, csaf_sha256, csaf_sha512, csaf_sig, approved_by, published_at`

func scanRevision(row db.Row) (Revision, error) {
	var r Revision
	var content, doc string
	if err := row.Scan(&r.AdvisoryID, &r.Number, &r.Summary, &content, &r.TLP, &doc, &r.SHA256, &r.SHA512, &r.Signature,
		&r.ApprovedBy, &r.PublishedAt); err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(content), &r.Content); err != nil {
		return r, fmt.Errorf("advisory revision: content: %w", err)
	}
	r.Content.normalise()
	r.CSAF = []byte(doc)
	return r, nil
}

func getRevision(ctx context.Context, q db.Querier, advID string, number int) (Revision, error) {
	return scanRevision(q.QueryRow(ctx, `SELECT `+revisionColumns+` FROM advisory_revisions WHERE advisory_id = $1 AND number = $2`,
		advID, number))
}

// listHistory is the public revision history: numbers, dates, summaries.
func listHistory(ctx context.Context, q db.Querier, advID string) ([]HistoryEntry, error) {
	rows, err := q.Query(ctx, `SELECT number, summary, published_at FROM advisory_revisions WHERE advisory_id = $1 ORDER BY number`, advID)
	if err != nil {
		return nil, fmt.Errorf("advisory: history: %w", err)
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var h HistoryEntry
		if err := rows.Scan(&h.Number, &h.Summary, &h.PublishedAt); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func listRevisions(ctx context.Context, q db.Querier, advID string) ([]Revision, error) {
	rows, err := q.Query(ctx, `SELECT `+revisionColumns+` FROM advisory_revisions WHERE advisory_id = $1 ORDER BY number`, advID)
	if err != nil {
		return nil, fmt.Errorf("advisory: revisions: %w", err)
	}
	defer rows.Close()
	out := []Revision{}
	for rows.Next() {
		r, err := scanRevision(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

var kindCode = map[Kind]string{KindAdvisory: "SA", KindAlert: "AL", KindGuideline: "GL", KindNews: "NW"}

// newTrackingID numbers a publication per kind and year: CC-SA-2026-0001.
func newTrackingID(ctx context.Context, tx *db.Tx, prefix string, k Kind, at time.Time) (string, error) {
	year := at.UTC().Year()
	n, err := tx.NextNumber(ctx, fmt.Sprintf("advisory.%s.%d", k, year))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s-%s-%d-%04d", prefix, kindCode[k], year, n), nil
}

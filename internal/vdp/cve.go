package vdp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/certhub/certhub/internal/cverecord"
	"github.com/certhub/certhub/internal/cvss"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

var cveIDRE = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,19}$`)

// AddCVEs puts reserved CVE IDs into the center's pool (staff).
func (s *Service) AddCVEs(ctx context.Context, id *auth.Identity, ids []string) (int, error) {
	if !id.IsStaff() && !id.IsSystem() {
		return 0, errs.Forbidden("only coordination-center staff manage the CVE ID pool")
	}
	var f errs.Fields
	var clean []string
	for i, c := range ids {
		c = strings.ToUpper(strings.TrimSpace(c))
		if c == "" {
			continue
		}
		if !cveIDRE.MatchString(c) {
			f.Add(fmt.Sprintf("cve_ids[%d]", i), "%q is not a CVE ID such as CVE-2026-12345", c)
			continue
		}
		clean = append(clean, c)
	}
	if len(clean) == 0 && len(f) == 0 {
		f.Add("cve_ids", "give at least one CVE ID")
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	added := 0
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		now := s.now()
		for _, c := range clean {
			n, err := tx.Exec(ctx, `INSERT INTO vdp_cve_pool (cve_id, added_at) VALUES ($1, $2) ON CONFLICT (cve_id) DO NOTHING`, c, now)
			if err != nil {
				return fmt.Errorf("vdp: cve pool: %w", err)
			}
			added += int(n)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "cve.pool.add", ObjectType: "cve_pool", ObjectID: "pool",
			Summary: fmt.Sprintf("added %d CVE IDs to the pool", added)})
	})
	return added, err
}

// CVEPool reports how many reserved IDs are free and assigned.
func (s *Service) CVEPool(ctx context.Context) (free, assigned int, err error) {
	err = s.db.QueryRow(ctx, `SELECT COUNT(*) - COUNT(vuln_id), COUNT(vuln_id) FROM vdp_cve_pool`).Scan(&free, &assigned)
	return free, assigned, err
}

// AssignCVE gives a vulnerability the next free CVE ID of the pool.
func (s *Service) AssignCVE(ctx context.Context, id *auth.Identity, caseID, vulnID string) (string, error) {
	var cve string
	_, err := s.caseChange(ctx, id, caseID, "cve", func(tx *db.Tx, c *Case, _ []Participant) (string, string, error) {
		v, err := scanVuln(tx.QueryRow(ctx, `SELECT `+vulnColumns+` FROM vdp_vulns WHERE id = $1 AND case_id = $2`, vulnID, c.ID))
		if err != nil {
			return "", "", errs.NotFound("vulnerability not found")
		}
		if v.CVEID != "" {
			return "", "", errs.Conflict("the vulnerability has %s already", v.CVEID)
		}
		// Claim the lowest free ID with a conditional update, so two
		// requests at once cannot take the same one.
		for range 5 {
			err := tx.QueryRow(ctx, `SELECT cve_id FROM vdp_cve_pool WHERE vuln_id IS NULL ORDER BY cve_id LIMIT 1`).Scan(&cve)
			if errors.Is(err, db.ErrNoRows) {
				return "", "", errs.Conflict("the CVE ID pool is empty: reserve IDs with your CNA and add them")
			}
			if err != nil {
				return "", "", err
			}
			n, err := tx.Exec(ctx, `UPDATE vdp_cve_pool SET vuln_id = $2, assigned_at = $3 WHERE cve_id = $1 AND vuln_id IS NULL`, cve, v.ID, s.now())
			if err != nil {
				return "", "", err
			}
			if n == 1 {
				break
			}
			cve = ""
		}
		if cve == "" {
			return "", "", errs.Conflict("could not claim a CVE ID; try again")
		}
		v.CVEID, v.UpdatedAt = cve, s.now()
		return "assigned " + cve + " to " + v.Title, VisibleParticipants, saveVuln(ctx, tx, v, false)
	})
	return cve, err
}

// CVERecord builds the CVE JSON 5 record of a vulnerability from the case —
// descriptions, affected products from the vendors' statements, the CWE,
// CVSS metrics, references and credits — and checks it against the official
// CVE Record Format before handing it out.
func (s *Service) CVERecord(ctx context.Context, id *auth.Identity, caseID, vulnID string) ([]byte, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	if st.CNAOrgID == "" {
		return nil, errs.Conflict("set the center's CNA organisation ID (disclosure settings) before making CVE records")
	}
	d, err := s.GetCase(ctx, id, caseID)
	if err != nil {
		return nil, err
	}
	if !d.Viewer.Run {
		return nil, errs.Forbidden("only the coordinators of the case make its CVE records")
	}
	var v *Vuln
	for i := range d.Vulns {
		if d.Vulns[i].ID == vulnID {
			v = &d.Vulns[i]
		}
	}
	if v == nil {
		return nil, errs.NotFound("vulnerability not found")
	}
	if v.CVEID == "" {
		return nil, errs.Conflict("the vulnerability has no CVE ID yet: assign one from the pool")
	}
	now := s.now().UTC()
	provider := map[string]any{"orgId": st.CNAOrgID, "shortName": st.CNAShortName, "dateUpdated": now.Format("2006-01-02T15:04:05.000Z")}
	desc := v.Description
	if strings.TrimSpace(desc) == "" {
		desc = v.Title
	}
	cna := map[string]any{
		"providerMetadata": provider,
		"title":            v.Title,
		"descriptions":     []any{map[string]any{"lang": "en", "value": desc}},
	}
	if d.Case.DisclosedAt != nil {
		cna["datePublic"] = d.Case.DisclosedAt.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	var affected []any
	for _, vs := range d.Statuses {
		if vs.VulnID != v.ID || vs.Status == StatusUnknown {
			continue
		}
		a := map[string]any{"vendor": vs.VendorName, "product": vs.Product}
		switch vs.Status {
		case StatusKnownAffected:
			a["defaultStatus"] = "affected"
		case StatusKnownNotAffected:
			a["defaultStatus"] = "unaffected"
		case StatusUnderInvestigation:
			a["defaultStatus"] = "unknown"
		case StatusFixed:
			a["defaultStatus"] = "affected"
			var versions []any
			for _, fv := range strings.FieldsFunc(vs.FixedVersions, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
				versions = append(versions, map[string]any{"version": fv, "status": "unaffected", "lessThan": "*", "versionType": "custom"})
			}
			if len(versions) > 0 {
				a["versions"] = versions
			}
		}
		affected = append(affected, a)
	}
	if len(affected) == 0 {
		// Nobody has stated anything yet: name what the reports named.
		for _, r := range d.Reports {
			if r.Vendor != "" || r.Product != "" {
				affected = append(affected, map[string]any{"vendor": orNA(r.Vendor), "product": orNA(r.Product), "defaultStatus": "unknown"})
				break
			}
		}
	}
	if len(affected) == 0 {
		return nil, errs.Conflict("no affected product is known yet: record a vendor's statement first")
	}
	cna["affected"] = affected
	if v.CWE != "" && v.CWE != "CWE-NVD-Other" {
		name := CWEName(v.CWE)
		if name == "" {
			name = "weakness"
		}
		cna["problemTypes"] = []any{map[string]any{"descriptions": []any{
			map[string]any{"lang": "en", "cweId": v.CWE, "description": v.CWE + " " + name, "type": "CWE"}}}}
	}
	var metrics []any
	if v.CVSS3 != nil {
		key := "cvssV3_1"
		if v.CVSS3.Version == "3.0" {
			key = "cvssV3_0"
		}
		metrics = append(metrics, map[string]any{key: map[string]any{"version": string(v.CVSS3.Version),
			"vectorString": v.CVSS3.Vector, "baseScore": v.CVSS3.BaseScore, "baseSeverity": strings.ToUpper(cvss.Severity(v.CVSS3.BaseScore))}})
	}
	if v.CVSS4 != nil {
		metrics = append(metrics, map[string]any{"cvssV4_0": map[string]any{"version": "4.0", "vectorString": v.CVSS4.Vector,
			"baseScore": v.CVSS4.BaseScore, "baseSeverity": strings.ToUpper(cvss.Severity(v.CVSS4.BaseScore))}})
	}
	if len(metrics) > 0 {
		cna["metrics"] = metrics
	}
	var refs []any
	seen := map[string]bool{}
	addRef := func(u string) {
		if !seen[u] {
			seen[u] = true
			refs = append(refs, map[string]any{"url": u})
		}
	}
	for _, u := range d.Case.References {
		addRef(u)
	}
	for _, r := range d.Reports {
		for _, u := range r.References {
			addRef(u)
		}
	}
	if len(refs) == 0 {
		return nil, errs.Conflict("a CVE record needs at least one public reference: add the advisory's address to the case's references")
	}
	cna["references"] = refs
	var credits []any
	for _, r := range d.Reports {
		if c := strings.TrimSpace(r.Credit); c != "" {
			credits = append(credits, map[string]any{"lang": "en", "value": c, "type": "finder"})
		}
	}
	if len(credits) > 0 {
		cna["credits"] = credits
	}
	record := map[string]any{
		"dataType":    "CVE_RECORD",
		"dataVersion": "5.1",
		"cveMetadata": map[string]any{"cveId": v.CVEID, "assignerOrgId": st.CNAOrgID, "assignerShortName": st.CNAShortName,
			"state": "PUBLISHED", "dateUpdated": now.Format("2006-01-02T15:04:05.000Z")},
		"containers": map[string]any{"cna": cna},
	}
	b, err := json.MarshalIndent(record, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := cverecord.Validate(b); err != nil {
		return nil, fmt.Errorf("vdp: built an invalid CVE record for %s: %w", v.CVEID, err)
	}
	return b, nil
}

func orNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}

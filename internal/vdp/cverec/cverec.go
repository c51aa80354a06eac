package cverec

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/cverecord"
	"github.com/certhub/certhub/internal/cvss"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/vdp/cwe"
)

var idRE = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,19}$`)

// ValidID reports whether s is a CVE ID such as CVE-2026-12345.
func ValidID(s string) bool { return idRE.MatchString(s) }

// Input is what a CVE record says of one vulnerability.
type Input struct {
	CVEID       string
	Title       string
	Description string // the title stands in when it is empty
	CWE         string // "CWE-79"; "" or "CWE-NVD-Other" names none
	CVSS3       *cvss.Score
	CVSS4       *cvss.Score
	// CNAOrgID and CNAShortName name the center as the CVE Numbering
	// Authority that assigns and publishes the record.
	CNAOrgID     string
	CNAShortName string
	Updated      time.Time
	Published    *time.Time // when the case was disclosed, if it was
	// Affected are the vendors' statements about their products; when
	// there are none, Named (what the reports named) stands in.
	Affected []Affected
	Named    *Product
	// References are the public addresses, in order; repeats are dropped.
	References []string
	// Credits are the finders' names as they wish to be credited.
	Credits []string
}

// Affected is one vendor's statement about one product.
type Affected struct {
	Vendor  string
	Product string
	// Status is in CSAF's vocabulary, as vdp records it: "known_affected",
	// "known_not_affected", "under_investigation" or "fixed"; "unknown"
	// (nothing stated) is left out of the record.
	Status string
	// FixedVersions lists, separated by commas, semicolons or spaces, the
	// versions that fix it (a "fixed" statement).
	FixedVersions string
}

// Product is a vendor and product named by a report.
type Product struct{ Vendor, Product string }

const stamp = "2006-01-02T15:04:05.000Z"

// Build makes the record and checks it against the CVE Record Format. A
// record that cannot be made yet (no product, no public reference) is a
// conflict the coordinator resolves in the case.
func Build(in Input) ([]byte, error) {
	now := in.Updated.UTC()
	provider := map[string]any{"orgId": in.CNAOrgID, "shortName": in.CNAShortName, "dateUpdated": now.Format(stamp)}
	desc := in.Description
	if strings.TrimSpace(desc) == "" {
		desc = in.Title
	}
	cna := map[string]any{
		"providerMetadata": provider,
		"title":            in.Title,
		"descriptions":     []any{map[string]any{"lang": "en", "value": desc}},
	}
	if in.Published != nil {
		cna["datePublic"] = in.Published.UTC().Format(stamp)
	}
	affected := affectedOf(in.Affected)
	if len(affected) == 0 && in.Named != nil {
		// Nobody has stated anything yet: name what the reports named.
		affected = append(affected, map[string]any{"vendor": orNA(in.Named.Vendor), "product": orNA(in.Named.Product), "defaultStatus": "unknown"})
	}
	if len(affected) == 0 {
		return nil, errs.Conflict("no affected product is known yet: record a vendor's statement first")
	}
	cna["affected"] = affected
	if in.CWE != "" && in.CWE != "CWE-NVD-Other" {
		name := cwe.Name(in.CWE)
		if name == "" {
			name = "weakness"
		}
		cna["problemTypes"] = []any{map[string]any{"descriptions": []any{
			map[string]any{"lang": "en", "cweId": in.CWE, "description": in.CWE + " " + name, "type": "CWE"}}}}
	}
	if metrics := metricsOf(in.CVSS3, in.CVSS4); len(metrics) > 0 {
		cna["metrics"] = metrics
	}
	var refs []any
	seen := map[string]bool{}
	for _, u := range in.References {
		if !seen[u] {
			seen[u] = true
			refs = append(refs, map[string]any{"url": u})
		}
	}
	if len(refs) == 0 {
		return nil, errs.Conflict("a CVE record needs at least one public reference: add the advisory's address to the case's references")
	}
	cna["references"] = refs
	var credits []any
	for _, c := range in.Credits {
		if c = strings.TrimSpace(c); c != "" {
			credits = append(credits, map[string]any{"lang": "en", "value": c, "type": "finder"})
		}
	}
	if len(credits) > 0 {
		cna["credits"] = credits
	}
	record := map[string]any{
		"dataType":    "CVE_RECORD",
		"dataVersion": "5.1",
		"cveMetadata": map[string]any{"cveId": in.CVEID, "assignerOrgId": in.CNAOrgID, "assignerShortName": in.CNAShortName,
			"state": "PUBLISHED", "dateUpdated": now.Format(stamp)},
		"containers": map[string]any{"cna": cna},
	}
	b, err := json.MarshalIndent(record, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("cverec: encode %s: %w", in.CVEID, err)
	}
	if err := cverecord.Validate(b); err != nil {
		return nil, fmt.Errorf("cverec: built an invalid CVE record for %s: %w", in.CVEID, err)
	}
	return b, nil
}

// affectedOf turns the vendors' statements into the record's affected
// products: a fix makes the fixed versions and later unaffected.
func affectedOf(statements []Affected) []any {
	var affected []any
	for _, vs := range statements {
		a := map[string]any{"vendor": vs.Vendor, "product": vs.Product}
		switch vs.Status {
		case "known_affected":
			a["defaultStatus"] = "affected"
		case "known_not_affected":
			a["defaultStatus"] = "unaffected"
		case "under_investigation":
			a["defaultStatus"] = "unknown"
		case "fixed":
			a["defaultStatus"] = "affected"
			var versions []any
			for _, fv := range strings.FieldsFunc(vs.FixedVersions, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
				versions = append(versions, map[string]any{"version": fv, "status": "unaffected", "lessThan": "*", "versionType": "custom"})
			}
			if len(versions) > 0 {
				a["versions"] = versions
			}
		case "unknown":
			continue
		}
		affected = append(affected, a)
	}
	return affected
}

// metricsOf is the record's CVSS metrics, 3.x before 4.0.
func metricsOf(v3, v4 *cvss.Score) []any {
	var metrics []any
	if v3 != nil {
		key := "cvssV3_1"
		if v3.Version == "3.0" {
			key = "cvssV3_0"
		}
		metrics = append(metrics, map[string]any{key: map[string]any{"version": string(v3.Version),
			"vectorString": v3.Vector, "baseScore": v3.BaseScore, "baseSeverity": strings.ToUpper(cvss.Severity(v3.BaseScore))}})
	}
	if v4 != nil {
		metrics = append(metrics, map[string]any{"cvssV4_0": map[string]any{"version": "4.0", "vectorString": v4.Vector,
			"baseScore": v4.BaseScore, "baseSeverity": strings.ToUpper(cvss.Severity(v4.BaseScore))}})
	}
	return metrics
}

func orNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}

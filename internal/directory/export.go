package directory

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// ExportColumns are the CSV header, in order.
var ExportColumns = []string{"id", "name", "short_name", "kind", "parent_id", "parent_name", "sector", "country", "cii",
	"website", "contacts", "pgp_fingerprint", "cidrs", "asns", "domains", "packages", "created_at", "updated_at"}

// Export writes every organisation id may see and f selects, as "csv" or
// "json" (an array of organisation objects), from one consistent snapshot,
// a chunk at a time.
func (s *Service) Export(ctx context.Context, id *auth.Identity, f Filter, format string, w io.Writer) error {
	if format != "csv" && format != "json" {
		return errs.InvalidField("format", "must be csv or json")
	}
	return s.db.Read(ctx, func(q db.Querier) error {
		v, err := s.viewer(ctx, q, id)
		if err != nil {
			return err
		}
		all, err := listOrgs(ctx, q, v, f, nil, 0)
		if err != nil {
			return err
		}
		names := make(map[string]string, len(all))
		for _, o := range all {
			names[o.ID] = o.Name
		}
		var cw *csv.Writer
		if format == "csv" {
			cw = csv.NewWriter(w)
			if err := cw.Write(ExportColumns); err != nil {
				return err
			}
		} else if _, err := io.WriteString(w, "["); err != nil {
			return err
		}
		first := true
		for start := 0; start < len(all); start += 200 {
			end := min(start+200, len(all))
			ids := make([]string, 0, end-start)
			for _, o := range all[start:end] {
				ids = append(ids, o.ID)
			}
			orgs, err := getOrgs(ctx, q, ids)
			if err != nil {
				return err
			}
			for _, o := range orgs {
				if cw != nil {
					if err := cw.Write(csvRow(o, names)); err != nil {
						return err
					}
					continue
				}
				b, err := json.Marshal(o)
				if err != nil {
					return err
				}
				if !first {
					if _, err := io.WriteString(w, ","); err != nil {
						return err
					}
				}
				first = false
				if _, err := w.Write(b); err != nil {
					return err
				}
			}
			if cw != nil {
				cw.Flush()
				if err := cw.Error(); err != nil {
					return fmt.Errorf("directory: export: %w", err)
				}
			}
		}
		if cw == nil {
			_, err = io.WriteString(w, "]\n")
		}
		return err
	})
}

func csvRow(o Org, names map[string]string) []string {
	contacts := make([]string, 0, len(o.Contacts))
	for _, c := range o.Contacts {
		parts := []string{c.Role, c.Name, c.Email, c.Phone}
		if c.Available24x7 {
			parts = append(parts, "24x7")
		}
		contacts = append(contacts, strings.Join(parts, " | "))
	}
	asns := make([]string, len(o.Constituency.ASNs))
	for i, a := range o.Constituency.ASNs {
		asns[i] = "AS" + strconv.FormatInt(a, 10)
	}
	parentName := ""
	if o.ParentID != nil {
		parentName = names[*o.ParentID]
	}
	row := []string{o.ID, o.Name, o.ShortName, string(o.Kind), o.Parent(), parentName, o.Sector, o.Country,
		strconv.FormatBool(o.CII), o.Website, strings.Join(contacts, "; "), o.PGPFingerprint,
		strings.Join(o.Constituency.CIDRs, " "), strings.Join(asns, " "), strings.Join(o.Constituency.Domains, " "), strings.Join(o.Packages, " "),
		o.CreatedAt.UTC().Format(time.RFC3339), o.UpdatedAt.UTC().Format(time.RFC3339)}
	for i, cell := range row {
		row[i] = SafeCell(cell)
	}
	return row
}

// SafeCell defuses spreadsheet formulas: a cell a spreadsheet would evaluate
// (starting with = + - @ or a control character) is prefixed with a quote.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

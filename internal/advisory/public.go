package advisory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// PublicFilter narrows the public listing and the feeds.
type PublicFilter struct {
	Query    string
	Kind     string
	Severity string
	Vendor   string
	Product  string
	CVE      string
	Sector   string
	TLP      string // the CSAF provider lists one TLP at a time
	From, To *time.Time
	Page     int // from 1
	Limit    int
}

// PublicList is one page of publications.
type PublicList struct {
	Items []Publication `json:"items"`
	Total int           `json:"total"`
	Page  int           `json:"page"`
	Pages int           `json:"pages"`
}

const publicationColumns = `id, tracking_id, kind, pub_tlp, pub_severity, published_version, first_published_at,
	last_published_at, content`

// Publications lists the latest published revisions the viewer may see,
// newest first. The content is the latest revision's (the pub_* columns
// mirror it); for news and lists that is what people read.
func (s *Service) Publications(ctx context.Context, id *auth.Identity, f PublicFilter) (PublicList, error) {
	rd, err := s.reader(ctx, id)
	if err != nil {
		return PublicList{}, err
	}
	var args db.Args
	arg := args.Add
	where := []string{rd.condition(arg)}
	if m := matchWords(s.db.Engine(), f.Query, arg); m != "" {
		where = append(where, m)
	}
	if f.Kind != "" {
		where = append(where, "kind = "+arg(f.Kind))
	}
	if f.Severity != "" {
		where = append(where, "pub_severity = "+arg(strings.ToLower(f.Severity)))
	}
	// has is the published revision naming a value in a list of its own.
	has := func(table, cond string) {
		// Written as IN so a rare value is found from its index.
		where = append(where, "id IN (SELECT x.advisory_id FROM "+table+" x WHERE "+cond+")")
	}
	contains := func(v string) string {
		return "LIKE " + arg("%"+db.EscapeLike(strings.ToLower(strings.TrimSpace(v)))+"%") + ` ESCAPE '\'`
	}
	if f.Vendor != "" {
		has("advisory_vendors", "x.vendor "+contains(f.Vendor))
	}
	if f.Product != "" {
		has("advisory_products", "x.product "+contains(f.Product))
	}
	if f.CVE != "" {
		has("advisory_cves", "x.cve = "+arg(strings.ToUpper(strings.TrimSpace(f.CVE))))
	}
	if f.Sector != "" {
		has("advisory_sectors", "x.sector = "+arg(f.Sector))
	}
	if f.TLP != "" {
		where = append(where, "pub_tlp = "+arg(f.TLP))
	}
	if f.From != nil {
		where = append(where, "last_published_at >= "+arg(*f.From))
	}
	if f.To != nil {
		where = append(where, "last_published_at < "+arg(*f.To))
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 20
	}
	page := min(max(f.Page, 1), 10_000)
	out := PublicList{Items: []Publication{}, Page: page}
	err = s.db.Read(ctx, func(q db.Querier) error {
		cond := strings.Join(where, " AND ")
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM advisories WHERE `+cond, args...).Scan(&out.Total); err != nil {
			return err
		}
		// The page is chosen on the advisories table alone; only its rows
		// are joined to their latest revision's content.
		rows, err := q.Query(ctx, `SELECT a.id, a.tracking_id, a.kind, a.pub_tlp, a.pub_severity, a.published_version,
			a.first_published_at, a.last_published_at, r.content
			FROM (SELECT id, tracking_id, kind, pub_tlp, pub_severity, published_version, first_published_at, last_published_at
				FROM advisories WHERE `+cond+` ORDER BY last_published_at DESC, id DESC LIMIT `+strconv.Itoa(limit)+
			` OFFSET `+strconv.Itoa((page-1)*limit)+`) a
			JOIN advisory_revisions r ON r.advisory_id = a.id AND r.number = a.published_version
			ORDER BY a.last_published_at DESC, a.id DESC`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanPublication(rows)
			if err != nil {
				return err
			}
			out.Items = append(out.Items, p)
		}
		return rows.Err()
	})
	if err != nil {
		return PublicList{}, fmt.Errorf("advisory: publications: %w", err)
	}
	out.Pages = (out.Total + limit - 1) / limit
	return out, nil
}

func scanPublication(row db.Row) (Publication, error) {
	var p Publication
	var content string
	if err := row.Scan(&p.ID, &p.TrackingID, &p.Kind, &p.TLP, &p.Severity, &p.Version, &p.FirstPublishedAt,
		&p.LastPublishedAt, &content); err != nil {
		return p, err
	}
	if err := decodeContent(content, &p.Content); err != nil {
		return p, err
	}
	return p, nil
}

// Publication returns the latest published revision of a publication (by
// tracking ID or ID) with its revision history, if the viewer may see it;
// otherwise "not found", whether it exists or not.
func (s *Service) Publication(ctx context.Context, id *auth.Identity, ref string) (Publication, Revision, error) {
	rd, err := s.reader(ctx, id)
	if err != nil {
		return Publication{}, Revision{}, err
	}
	var p Publication
	var latest Revision
	err = s.db.Read(ctx, func(q db.Querier) error {
		args := db.Args{ref}
		arg := args.Add
		cond := rd.condition(arg)
		err := q.QueryRow(ctx, `SELECT `+publicationColumns+` FROM advisories WHERE (id = $1 OR LOWER(tracking_id) = LOWER($1)) AND `+cond,
			args...).Scan(&p.ID, &p.TrackingID, &p.Kind, &p.TLP, &p.Severity, &p.Version, &p.FirstPublishedAt, &p.LastPublishedAt, new(string))
		if errors.Is(err, db.ErrNoRows) {
			return errs.NotFound("no such publication")
		}
		if err != nil {
			return err
		}
		// Only the latest revision's content and document are read; the
		// history needs numbers, dates and summaries.
		if latest, err = getRevision(ctx, q, p.ID, p.Version); err != nil {
			if errors.Is(err, db.ErrNoRows) {
				return errs.NotFound("no such publication")
			}
			return err
		}
		if p.History, err = listHistory(ctx, q, p.ID); err != nil {
			return err
		}
		p.Content = latest.Content
		return nil
	})
	return p, latest, err
}

func decodeContent(s string, c *Content) error {
	if err := json.Unmarshal([]byte(s), c); err != nil {
		return fmt.Errorf("advisory: content: %w", err)
	}
	c.normalise()
	return nil
}

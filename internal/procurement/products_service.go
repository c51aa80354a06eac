package procurement

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/procurement/catalogue"
	"github.com/certhub/certhub/internal/procurement/osv"
	"github.com/certhub/certhub/internal/procurement/sbom"
	"github.com/certhub/certhub/internal/procurement/vulns"
)

// News is what the watch over the approved-products list reads of the
// other domains: the publications (and cases) that name products.
type News interface {
	// NamedSince answers what was published after t, oldest first, at
	// most limit notices.
	NamedSince(ctx context.Context, t time.Time, limit int) ([]Notice, error)
}

// Guidelines is what procurement needs of the publications: the hardening
// guidelines an approval points to (the advisory package's guideline
// publications, public, versioned there).
type Guidelines interface {
	// Guidelines answers the published guidelines, newest first.
	Guidelines(ctx context.Context) ([]Guideline, error)
}

// Guideline is a published hardening guideline.
type Guideline struct {
	Ref   string // its tracking ID
	Title string
	URL   string // its page on the website: /advisories/<ref>
}

// Notice is a publication that names products.
type Notice struct {
	At       time.Time
	Ref      string // the tracking ID
	Title    string
	URL      string // where the public reads it ("" when it is not public)
	Products []NamedProduct
}

// NamedProduct is a product as a notice names it.
type NamedProduct struct {
	Vendor, Name, Versions, PURL, CPE string
}

// ApprovedProducts answers a page of the approved-products list (public).
func (s *Service) ApprovedProducts(ctx context.Context, f ProductFilter) ([]Approved, string, error) {
	var fe errs.Fields
	if f.Category != "" && !catalogue.ValidCategory(f.Category) {
		fe.Add("category", "must be one of %s", strings.Join(catalogue.Categories, ", "))
	}
	if f.State != "" && !slices.Contains(ProductStates, f.State) {
		fe.Add("state", "must be one of %s", strings.Join(ProductStates, ", "))
	}
	if len(f.Query) > 200 {
		fe.Add("q", "must be at most 200 characters")
	}
	if len(f.Vendor) > 200 {
		fe.Add("vendor", "must be at most 200 characters")
	}
	if err := fe.Err(); err != nil {
		return nil, "", err
	}
	if f.Limit <= 0 {
		f.Limit = defaultProductListLim
	}
	want := f.Limit
	f.Limit++
	list, err := listProducts(ctx, s.db, f)
	if err != nil {
		return nil, "", err
	}
	list, next := onePage(list, want, productCursor)
	return list, next, nil
}

// ApprovedProduct answers one entry with its history (public).
func (s *Service) ApprovedProduct(ctx context.Context, id string) (Approved, error) {
	p, err := getProduct(ctx, s.db, id)
	if err != nil {
		return Approved{}, err
	}
	if p.History, err = listChanges(ctx, s.db, p.ID, 100); err != nil {
		return Approved{}, err
	}
	return p, nil
}

// ProductChanges answers the newest changes of the list (the Atom feed).
func (s *Service) ProductChanges(ctx context.Context, limit int) ([]ProductChange, error) {
	return listChanges(ctx, s.db, "", limit)
}

// ActOnProduct is the center's decision on an entry: review (put it under
// review by hand), suspend, revoke (each with a reason the public reads)
// or clear (back to its approval). Audited.
func (s *Service) ActOnProduct(ctx context.Context, id *auth.Identity, productID string, in ProductAction) (Approved, error) {
	if err := MayManage(id); err != nil {
		return Approved{}, err
	}
	if !validProductAction(in.Action) {
		return Approved{}, errs.InvalidField("action", "must be one of %s", strings.Join(ProductActions, ", "))
	}
	p, err := getProduct(ctx, s.db, productID)
	if err != nil {
		return Approved{}, err
	}
	var f errs.Fields
	reason := textField(&f, "reason", in.Reason, 2000, in.Action != "clear")
	link := strings.TrimSpace(in.AdvisoryURL)
	if link != "" && !strings.HasPrefix(link, "https://") && !strings.HasPrefix(link, "http://") && !strings.HasPrefix(link, "/") {
		f.Add("advisory_url", "must be a web address (https://…) or a path on this site (/advisories/…)")
	}
	if err := f.Err(); err != nil {
		return Approved{}, err
	}
	was := p.State
	switch in.Action {
	case "review":
		if !recommended(p.State) {
			return Approved{}, errs.Conflict("only an approved entry is put under review (it is %s)", p.State)
		}
		p.ClearedState, p.State = p.State, ProductUnderReview
	case "suspend":
		if p.State == ProductRevoked || p.State == ProductExpired || p.State == ProductSuspended {
			return Approved{}, errs.Conflict("a %s entry cannot be suspended", p.State)
		}
		if recommended(p.State) {
			p.ClearedState = p.State
		}
		p.State = ProductSuspended
	case "revoke":
		if p.State == ProductRevoked {
			return Approved{}, errs.Conflict("the entry is revoked already")
		}
		p.State = ProductRevoked
	case "clear":
		if p.State != ProductUnderReview && p.State != ProductSuspended {
			return Approved{}, errs.Conflict("only an entry under review or suspended is cleared (it is %s)", p.State)
		}
		p.State, reason, link = p.ClearedState, "", ""
		if p.State == "" {
			p.State = ProductApproved
		}
	}
	if link == "" && in.Action != "clear" {
		link = p.AdvisoryURL
	}
	p.Reason, p.AdvisoryURL, p.UpdatedAt = reason, link, s.now().UTC()
	users, err := s.usersMail(ctx, []string{p.ID})
	if err != nil {
		return Approved{}, err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := updateProductState(ctx, tx, p, was); err != nil {
			return err
		}
		if err := s.tellUsers(ctx, tx, users[p.ID], p); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.UpdatedAt, audit.Event{Action: "procurement.product." + in.Action, ObjectType: "approved_product",
			ObjectID: p.ID, Summary: fmt.Sprintf("%s %s %s (%s): %s → %s %s", p.Vendor, p.Product, p.Versions, p.CertificateID, was, p.State, reason)})
	})
	if err != nil {
		return Approved{}, err
	}
	return s.ApprovedProduct(ctx, p.ID)
}

// WatchArgs is the job that matches the news against the list.
type WatchArgs struct{}

// Kind names the job.
func (WatchArgs) Kind() string { return "procurement.watch" }

// ExpireArgs is the job that ends the validity of entries.
type ExpireArgs struct{}

// Kind names the job.
func (ExpireArgs) Kind() string { return "procurement.expire" }

type watchWorker struct {
	jobs.WorkerDefaults[WatchArgs]
	s *Service
}

func (w *watchWorker) Work(ctx context.Context, _ *jobs.Job[WatchArgs]) error {
	_, err := w.s.Watch(ctx)
	return err
}

type expireWorker struct {
	jobs.WorkerDefaults[ExpireArgs]
	s *Service
}

func (w *expireWorker) Work(ctx context.Context, _ *jobs.Job[ExpireArgs]) error {
	_, err := w.s.Expire(ctx)
	return err
}

// WatchEvery is how often the watch reads the news: an approved product
// named by a publication or an OSV record turns under_review within it.
const WatchEvery = 20 * time.Second

// Register adds procurement's jobs to the queue: the watch, every
// WatchEvery, and the expiry, hourly.
func (s *Service) Register(q *jobs.Queue) {
	jobs.AddWorker(q, &watchWorker{s: s})
	jobs.AddWorker(q, &expireWorker{s: s})
	q.Every("procurement.watch", WatchEvery, func() jobs.Args { return WatchArgs{} })
	q.Every("procurement.expire", time.Hour, func() jobs.Args { return ExpireArgs{} })
}

// match is an entry the news names, and why.
type match struct {
	p      Approved
	ref    string // the advisory, case or OSV record that names it
	reason string
	link   string
}

// watchOverlap is how far before its mark the watch reads each source
// again: a publication or case committed after the watch had read past
// its time (its transaction began first) is not missed. What it finds
// again is in procurement_watch_hits and is not acted on twice.
const watchOverlap = 2 * time.Minute

// hitsKept is how long the watch remembers what it acted on: far longer
// than watchOverlap.
const hitsKept = 24 * time.Hour

// before is t less the overlap; the zero time (nothing read yet) stays.
func before(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Add(-watchOverlap)
}

// Watch matches what was published and loaded since the last watch
// against the entries that stand: an entry whose product (purl, CPE, or
// vendor, product and version) or one of whose SBOM's components a
// publication names, or which an OSV record loaded since affects, turns
// under_review, the center is told, and the public list shows why. It
// answers how many entries it put under review.
func (s *Service) Watch(ctx context.Context) (int, error) {
	newsMark, err := watchMark(ctx, s.db, "advisories")
	if err != nil {
		return 0, err
	}
	var notices []Notice
	if s.news != nil {
		if notices, err = s.news.NamedSince(ctx, before(newsMark), 500); err != nil {
			return 0, err
		}
	}
	osvMark, err := watchMark(ctx, s.db, "osv")
	if err != nil {
		return 0, err
	}
	ids, nextOSV, err := vulns.LoadedSince(ctx, s.db, before(osvMark))
	if err != nil {
		return 0, err
	}
	if len(notices) == 0 && len(ids) == 0 {
		return 0, nil // nothing new: the list and its SBOMs are not read
	}
	standing, err := standingProducts(ctx, s.db)
	if err != nil {
		return 0, err
	}
	comps := map[string][]sbom.Component{}
	for _, p := range standing {
		if p.EvaluationID != nil {
			if comps[p.ID], err = listComponents(ctx, s.db, *p.EvaluationID); err != nil {
				return 0, err
			}
		}
	}
	hit, err := watchHits(ctx, s.db)
	if err != nil {
		return 0, err
	}
	var found []match
	seen := map[string]bool{}
	add := func(m match) {
		if !seen[m.p.ID] && !hit[m.ref+"\x00"+m.p.ID] {
			seen[m.p.ID] = true
			found = append(found, m)
		}
	}
	// Publications and cases.
	nextNews := newsMark
	for _, n := range notices {
		for _, p := range standing {
			for _, np := range n.Products {
				if why := matches(p, comps[p.ID], np); why != "" {
					add(match{p: p, ref: n.Ref, reason: fmt.Sprintf("%s names %s (%s)", n.Ref, why, n.Title), link: n.URL})
				}
			}
		}
		if n.At.After(nextNews) {
			nextNews = n.At
		}
	}
	// OSV records loaded since the last watch.
	if len(ids) > 0 {
		fresh := map[string]bool{}
		for _, id := range ids {
			fresh[id] = true
		}
		for _, p := range standing {
			cs := comps[p.ID]
			if p.PURL != "" {
				cs = append(cs, sbom.Component{Name: p.Product, Version: p.Versions, PURL: p.PURL})
			}
			if len(cs) == 0 {
				continue
			}
			chk, err := s.known.Check(ctx, sbom.SBOM{Components: cs})
			if err != nil {
				return 0, err
			}
		hits:
			for _, c := range chk.Vulnerable {
				for _, v := range c.Vulnerabilities {
					if fresh[v.ID] && !hit[v.ID+"\x00"+p.ID] {
						add(match{p: p, ref: v.ID, reason: fmt.Sprintf("%s affects its component %s %s", v.ID, c.Name, c.Version),
							link: "https://osv.dev/vulnerability/" + v.ID})
						break hits
					}
				}
			}
		}
	}
	now := s.now().UTC()
	var to []string
	if s.center != "" {
		to = []string{s.center}
	}
	var named []string
	for _, m := range found {
		named = append(named, m.p.ID)
	}
	users, err := s.usersMail(ctx, named)
	if err != nil {
		return 0, err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		for _, m := range found {
			p := m.p
			p.ClearedState, p.State, p.Reason, p.AdvisoryURL, p.UpdatedAt = p.State, ProductUnderReview, m.reason, m.link, now
			if err := updateProductState(ctx, tx, p, m.p.State); err != nil {
				return err
			}
			if err := s.tellUsers(ctx, tx, users[p.ID], p); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, now, audit.Event{Action: "procurement.product.review", ObjectType: "approved_product",
				ObjectID: p.ID, Summary: fmt.Sprintf("%s %s %s (%s) under review: %s", p.Vendor, p.Product, p.Versions, p.CertificateID, m.reason)}); err != nil {
				return err
			}
			if s.outbox != nil && len(to) > 0 {
				if err := s.outbox.Send(ctx, tx, notify.Mail{To: to, Tag: "procurement.review",
					Subject: fmt.Sprintf("[%s] %s %s is under review", p.CertificateID, p.Vendor, p.Product),
					Text: fmt.Sprintf("The approved product %s %s %s (certificate %s) is under review: %s.\n\nSuspend, revoke or clear it: %s/console/procurement/products/%s\n",
						p.Vendor, p.Product, p.Versions, p.CertificateID, m.reason, s.baseURL, p.ID)}); err != nil {
					return err
				}
			}
		}
		if err := recordWatchHits(ctx, tx, found, now, now.Add(-hitsKept)); err != nil {
			return err
		}
		if nextNews.After(newsMark) {
			if err := setWatchMark(ctx, tx, "advisories", nextNews); err != nil {
				return err
			}
		}
		if nextOSV.After(osvMark) {
			return setWatchMark(ctx, tx, "osv", nextOSV)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(found), nil
}

// matches answers how a notice's product names entry p ("" if it does
// not): by package URL or CPE (of the product or a component of its
// SBOM), or by vendor and product; a version the notice gives exactly must
// be the one approved, a range is reviewed.
func matches(p Approved, comps []sbom.Component, np NamedProduct) string {
	versionOK := func(have string) bool {
		v := strings.TrimSpace(np.Versions)
		if v == "" || strings.ContainsAny(v, "<>=*|:, ") {
			return true
		}
		for _, h := range strings.Split(have, ",") { // an entry lists its maintained versions
			if strings.EqualFold(v, strings.TrimSpace(h)) {
				return true
			}
		}
		return false
	}
	if np.PURL != "" {
		base := purlBase(np.PURL)
		if p.PURL != "" && purlBase(p.PURL) == base && versionOK(p.Versions) {
			return "the product"
		}
		for _, c := range comps {
			if c.PURL != "" && purlBase(c.PURL) == base && versionOK(c.Version) {
				return "its component " + c.Name + " " + c.Version
			}
		}
	}
	if np.CPE != "" {
		vp := cpeProduct(np.CPE)
		if vp != "" && cpeProduct(p.CPE) == vp && versionOK(p.Versions) {
			return "the product"
		}
		for _, c := range comps {
			if vp != "" && cpeProduct(c.CPE) == vp && versionOK(c.Version) {
				return "its component " + c.Name + " " + c.Version
			}
		}
	}
	if np.Name != "" && productKey(np.Vendor, np.Name) == productKey(p.Vendor, p.Product) && versionOK(p.Versions) {
		return "the product"
	}
	return ""
}

// purlBase is a package URL without its version, qualifiers and subpath.
func purlBase(purl string) string {
	if eco, name, _, ok := osv.Coordinates(purl); ok {
		return strings.ToLower(eco + "/" + name)
	}
	s, _, _ := strings.Cut(purl, "?")
	s, _, _ = strings.Cut(s, "#")
	if i := strings.LastIndex(s, "@"); i > strings.LastIndex(s, "/") {
		s = s[:i]
	}
	return strings.ToLower(s)
}

// cpeProduct is a CPE 2.3's vendor:product ("" if it is not one).
func cpeProduct(cpe string) string {
	parts := strings.Split(cpe, ":")
	if len(parts) < 5 || parts[0] != "cpe" || parts[1] != "2.3" || parts[3] == "*" || parts[4] == "*" {
		return ""
	}
	return strings.ToLower(parts[3] + ":" + parts[4])
}

// ReminderBefore is how long before the end of an approval its parties
// (the requester, the vendor, the organisations that use it) are told.
const ReminderBefore = 60 * 24 * time.Hour

// Remind tells the parties of each entry whose validity ends within
// ReminderBefore, once: a new evaluation (assurance maintenance of the
// current version) keeps the product on the list. It answers how many
// entries it announced.
func (s *Service) Remind(ctx context.Context) (int, error) {
	now := s.now().UTC()
	list, err := toRemind(ctx, s.db, now.Add(ReminderBefore))
	if err != nil || len(list) == 0 {
		return 0, err
	}
	ids := make([]string, len(list))
	for i, p := range list {
		ids[i] = p.ID
	}
	users, err := s.usersMail(ctx, ids)
	if err != nil {
		return 0, err
	}
	to := map[string][]string{}
	for _, p := range list {
		to[p.ID] = users[p.ID]
		if p.EvaluationID == nil {
			continue
		}
		e, err := getEvaluation(ctx, s.db, *p.EvaluationID)
		if err != nil {
			return 0, err
		}
		parties, err := s.partiesMail(ctx, e)
		if err != nil {
			return 0, err
		}
		for _, a := range parties {
			if !slices.Contains(to[p.ID], a) {
				to[p.ID] = append(to[p.ID], a)
			}
		}
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		for _, p := range list {
			if _, err := tx.Exec(ctx, `UPDATE procurement_products SET reminded_at = $1 WHERE id = $2`, now, p.ID); err != nil {
				return fmt.Errorf("procurement: remind: %w", err)
			}
			if s.outbox == nil || len(to[p.ID]) == 0 {
				continue
			}
			if err := s.outbox.Send(ctx, tx, notify.Mail{To: to[p.ID], Tag: "procurement.expiry",
				Subject: fmt.Sprintf("[%s] The approval of %s %s ends on %s", p.CertificateID, p.Vendor, p.Product, p.ValidUntil.Format(time.DateOnly)),
				Text: fmt.Sprintf("The approval of %s %s %s (certificate %s) is valid until %s. After that day it is listed as expired and no longer recommended for procurement.\n\n"+
					"To keep it on the list, the vendor or a buyer requests an evaluation of the current version: %s/console/procurement/evaluations/new\n\nThe entry: %s/approved-products/%s\n",
					p.Vendor, p.Product, p.Versions, p.CertificateID, p.ValidUntil.Format(time.DateOnly), s.baseURL, s.baseURL, p.ID)}); err != nil {
				return err
			}
		}
		return nil
	})
	return len(list), err
}

// Expire moves the entries whose validity has ended to expired (after
// the reminders due). It answers how many.
func (s *Service) Expire(ctx context.Context) (int, error) {
	if _, err := s.Remind(ctx); err != nil {
		return 0, err
	}
	now := s.now().UTC()
	list, err := expiring(ctx, s.db, now.Truncate(24*time.Hour))
	if err != nil {
		return 0, err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		for _, p := range list {
			was := p.State
			p.State, p.Reason, p.UpdatedAt = ProductExpired, "the validity ended on "+p.ValidUntil.Format(time.DateOnly), now
			if err := updateProductState(ctx, tx, p, was); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, now, audit.Event{Action: "procurement.product.expire", ObjectType: "approved_product",
				ObjectID: p.ID, Summary: fmt.Sprintf("%s %s %s (%s) expired", p.Vendor, p.Product, p.Versions, p.CertificateID)}); err != nil {
				return err
			}
		}
		return nil
	})
	return len(list), err
}

// ExportProducts writes the whole list (as filtered) as CSV or JSON, a
// page at a time.
func (s *Service) ExportProducts(ctx context.Context, w http.ResponseWriter, f ProductFilter, format string) error {
	if format != "csv" && format != "json" {
		return errs.InvalidField("format", "must be csv or json")
	}
	f.Limit = maxProductListLimit
	page, next, err := s.ApprovedProducts(ctx, f) // the filters' errors before the first byte
	if err != nil {
		return err
	}
	ctype := "text/csv; charset=utf-8"
	if format == "json" {
		ctype = "application/json"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="approved-products-%s.%s"`, s.now().UTC().Format("20060102"), format))
	var cw *csv.Writer
	enc := json.NewEncoder(w)
	if format == "csv" {
		cw = csv.NewWriter(w)
		_ = cw.Write([]string{"id", "product", "vendor", "versions", "category", "state", "scheme", "certificate_id", "lab",
			"decided_at", "valid_until", "conditions", "guideline_url", "reason", "advisory_url"})
	} else {
		_, _ = io.WriteString(w, "[")
	}
	first := true
	for {
		for _, p := range page {
			if cw != nil {
				until := ""
				if p.ValidUntil != nil {
					until = p.ValidUntil.UTC().Format(time.DateOnly)
				}
				_ = cw.Write([]string{p.ID, csvSafe(p.Product), csvSafe(p.Vendor), csvSafe(p.Versions), p.Category, p.State,
					csvSafe(p.Scheme), csvSafe(p.CertificateID), csvSafe(p.Lab), p.DecidedAt.UTC().Format(time.RFC3339), until,
					csvSafe(p.Conditions), csvSafe(p.GuidelineURL), csvSafe(p.Reason), csvSafe(p.AdvisoryURL)})
				continue
			}
			if !first {
				_, _ = io.WriteString(w, ",")
			}
			first = false
			_ = enc.Encode(p)
		}
		if next == "" {
			break
		}
		f.Cursor = next
		if page, next, err = s.ApprovedProducts(ctx, f); err != nil {
			return nil // headers are out: the body is cut short
		}
	}
	if cw != nil {
		cw.Flush()
	} else {
		_, _ = io.WriteString(w, "]\n")
	}
	return nil
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

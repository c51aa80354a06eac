package intel

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/intel/ingest"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// Source kinds: push sources are loaded by their owners (API, command line,
// TAXII POST); the others are fetched by the server on a schedule.
const (
	KindPush     = "push"
	KindURL      = "url"       // an HTTP(S) URL of a list, CSV, Shadowserver report, STIX bundle or MISP event
	KindMISPFeed = "misp_feed" // a MISP feed: manifest.json and one file per event
	KindTAXII    = "taxii"     // a TAXII 2.1 collection (its URL, ending in /collections/{id}/)
)

var sourceKinds = []string{KindPush, KindURL, KindMISPFeed, KindTAXII}

// Source is where indicators come from.
type Source struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Description string  `json:"description"`
	OwnerOrgID  *string `json:"owner_org_id"`
	Kind        string  `json:"kind"`
	Format      string  `json:"format"`
	URL         string  `json:"url,omitempty"`
	TLP         string  `json:"tlp"`
	Confidence  int     `json:"confidence"`
	// access.Collection is the alias of the collection it shares into: its
	// sharing scope (community unless set otherwise).
	Collection string `json:"collection"`
	Enabled    bool   `json:"enabled"`
	// RecipientUsers are the people (user ids) named as recipients of
	// what the source reports marked TLP:RED: with the center's staff its
	// only readers (the owner's other members read the rest).
	RecipientUsers []string `json:"recipient_users"`
	// IntervalMinutes is how often a pulled source is fetched.
	IntervalMinutes int        `json:"interval_minutes"`
	NextRunAt       *time.Time `json:"next_run_at,omitempty"`
	// HasCredentials: the source has a user name, password or header to
	// send (they are write-only).
	HasCredentials bool       `json:"has_credentials"`
	LastRunAt      *time.Time `json:"last_run_at,omitempty"`
	LastStatus     string     `json:"last_status,omitempty"`
	LastError      string     `json:"last_error,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`

	collectionNum int64
	num           int64 // the compact key observations carry
	sealed        string
	state         string
}

// Pulled says whether the server fetches the source.
func (s Source) Pulled() bool { return s.Kind != KindPush }

// Credentials are what a pulled source sends: HTTP Basic, or one header
// (MISP's "Authorization: KEY", a vendor's "X-Api-Key: …").
type Credentials struct {
	Username    string `json:"username,omitempty"`
	Password    string `json:"password,omitempty"`
	HeaderName  string `json:"header_name,omitempty"`
	HeaderValue string `json:"header_value,omitempty"`
}

func (c Credentials) empty() bool { return c == Credentials{} }

// mayIngest: the center's staff into any source; analysts and admins of
// the organisation that owns a source into that source.
func mayIngest(id *auth.Identity, src *Source) bool {
	if id.IsSystem() || id.IsStaff() {
		return true
	}
	return src != nil && src.OwnerOrgID != nil && id.RoleIn(*src.OwnerOrgID).AtLeast(auth.RoleAnalyst)
}

// maySeeSource: staff see every source, members of its owner theirs.
func maySeeSource(id *auth.Identity, src *Source) bool {
	if id.IsSystem() || id.IsStaff() {
		return true
	}
	return src.OwnerOrgID != nil && id.RoleIn(*src.OwnerOrgID) != ""
}

// SourceFor finds the source an ingest names, or creates it when the caller
// is staff: members of a source's owner organisation use their source.
func (s *Service) SourceFor(ctx context.Context, id *auth.Identity, name, tlpLabel string) (Source, error) {
	src, err := getSource(ctx, s.db, strings.TrimSpace(name))
	switch {
	case err == nil:
		if !mayIngest(id, &src) {
			return Source{}, errs.Forbidden("only the center's staff and the source's own organisation load into %q", name)
		}
		return src, nil
	case errors.Is(err, db.ErrNoRows):
		return s.EnsureSource(ctx, id, name, tlpLabel, nil)
	default:
		return Source{}, fmt.Errorf("intel: source: %w", err)
	}
}

// EnsureSource returns the push source of that name, creating it (owned by
// owner, marked tlpLabel by default) when it does not exist.
func (s *Service) EnsureSource(ctx context.Context, id *auth.Identity, name, tlpLabel string, owner *string) (Source, error) {
	if !mayIngest(id, nil) {
		return Source{}, errs.Forbidden("only the coordination center's staff create sources")
	}
	return s.ensureSource(ctx, name, tlpLabel, owner, access.Community())
}

// ensureSource is EnsureSource sharing into the collection of the template
// (made when missing).
func (s *Service) ensureSource(ctx context.Context, name, tlpLabel string, owner *string, colTmpl access.Collection) (Source, error) {
	name = strings.TrimSpace(name)
	var f errs.Fields
	if name == "" || len(name) > 200 {
		f.Add("source", "a source name of 1 to 200 characters")
	}
	l, err := tlp.Parse(cmp.Or(tlpLabel, "AMBER"))
	if err != nil {
		f.Add("tlp", "CLEAR, GREEN, AMBER, AMBER+STRICT or RED")
	}
	if err := f.Err(); err != nil {
		return Source{}, err
	}
	var out Source
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		src, err := getSource(ctx, tx, name)
		if err == nil {
			out = src
			return nil
		}
		if !errors.Is(err, db.ErrNoRows) {
			return err
		}
		col, err := s.access.Ensure(ctx, tx, colTmpl)
		if err != nil {
			return err
		}
		out = Source{Name: name, OwnerOrgID: owner, Kind: KindPush, Format: string(ingest.Auto), TLP: string(l), Confidence: 50, RecipientUsers: []string{},
			Enabled: true, Collection: col.Alias, collectionNum: col.Num}
		return s.insertSource(ctx, tx, &out)
	})
	return out, err
}

func (s *Service) insertSource(ctx context.Context, tx *db.Tx, src *Source) error {
	now := s.now()
	src.ID, src.CreatedAt, src.UpdatedAt = db.NewID(), now, now
	if src.Pulled() && src.Enabled {
		src.NextRunAt = &now
	}
	if err := tx.QueryRow(ctx, `INSERT INTO intel_sources (id, name, description, owner_org_id, kind, format, url, tlp, confidence,
		collection_num, enabled, interval_s, next_run_at, auth_sealed, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING num`,
		src.ID, src.Name, src.Description, src.OwnerOrgID, src.Kind, src.Format, src.URL, src.TLP, src.Confidence,
		src.collectionNum, src.Enabled, src.IntervalMinutes*60, src.NextRunAt, src.sealed, now).Scan(&src.num); err != nil {
		return fmt.Errorf("intel: create source: %w", err)
	}
	src.HasCredentials = src.sealed != ""
	return audit.Record(ctx, tx, now, audit.Event{Action: "intel.source.create", ObjectType: "intel_source", ObjectID: src.ID,
		OrgID: deref(src.OwnerOrgID), Summary: "created source " + src.Name, After: src})
}

const sourceColumns = `s.num, s.id, s.name, s.description, s.owner_org_id, s.kind, s.format, s.url, s.tlp, s.confidence, c.alias,
	s.collection_num, s.enabled, s.interval_s, s.next_run_at, s.auth_sealed, s.state, s.last_run_at, s.last_status, s.last_error,
	s.created_at, s.updated_at`

func scanSource(r interface{ Scan(...any) error }) (Source, error) {
	var src Source
	var interval int64
	err := r.Scan(&src.num, &src.ID, &src.Name, &src.Description, &src.OwnerOrgID, &src.Kind, &src.Format, &src.URL, &src.TLP,
		&src.Confidence, &src.Collection, &src.collectionNum, &src.Enabled, &interval, &src.NextRunAt, &src.sealed, &src.state,
		&src.LastRunAt, &src.LastStatus, &src.LastError, &src.CreatedAt, &src.UpdatedAt)
	src.IntervalMinutes, src.HasCredentials = int(interval/60), src.sealed != ""
	return src, err
}

func getSource(ctx context.Context, q db.Querier, name string) (Source, error) {
	src, err := scanSource(q.QueryRow(ctx, `SELECT `+sourceColumns+`
		FROM intel_sources s JOIN intel_collections c ON c.num = s.collection_num
		WHERE s.name = $1 OR s.id = $1`, name))
	if err != nil {
		return src, err
	}
	err = loadReaders(ctx, q, []*Source{&src})
	return src, err
}

// loadReaders fills in the people named as recipients of the sources.
func loadReaders(ctx context.Context, q db.Querier, srcs []*Source) error {
	if len(srcs) == 0 {
		return nil
	}
	by := map[int64]*Source{}
	var args db.Args
	nums := make([]any, len(srcs))
	for i, src := range srcs {
		src.RecipientUsers = []string{}
		by[src.num], nums[i] = src, src.num
	}
	rows, err := q.Query(ctx, `SELECT source_num, user_id FROM intel_source_readers WHERE source_num IN (`+args.In(nums...)+`)
		ORDER BY source_num, user_id`, args...)
	if err != nil {
		return fmt.Errorf("intel: the sources' named readers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var num int64
		var user string
		if err := rows.Scan(&num, &user); err != nil {
			return err
		}
		by[num].RecipientUsers = append(by[num].RecipientUsers, user)
	}
	return rows.Err()
}

// saveReaders replaces the people named as recipients of src.
func saveReaders(ctx context.Context, tx *db.Tx, src Source) error {
	if _, err := tx.Exec(ctx, `DELETE FROM intel_source_readers WHERE source_num = $1`, src.num); err != nil {
		return fmt.Errorf("intel: named readers: %w", err)
	}
	for _, u := range src.RecipientUsers {
		if _, err := tx.Exec(ctx, `INSERT INTO intel_source_readers (source_num, user_id) VALUES ($1, $2)`, src.num, u); err != nil {
			return fmt.Errorf("intel: named readers: %w", err)
		}
	}
	return nil
}

// Readers answers the accounts of the people a source names as recipients
// of its TLP:RED intelligence, for its page; an account removed since is
// left out (it reads nothing).
func (s *Service) Readers(ctx context.Context, src Source) []auth.User {
	var out []auth.User
	for _, uid := range src.RecipientUsers {
		if s.people == nil {
			break
		}
		u, err := s.people.GetUser(ctx, uid)
		if err != nil {
			continue
		}
		out = append(out, u)
	}
	return out
}

// namePeople resolves people named by user id or e-mail address to user
// ids, each once, with a field error for each that names no active user.
func (s *Service) namePeople(ctx context.Context, who []string) ([]string, errs.Fields, error) {
	var f errs.Fields
	out := []string{}
	for i, w := range who {
		w = strings.TrimSpace(w)
		var u auth.User
		var err error
		switch {
		case w == "":
			continue
		case s.people == nil:
			err = db.ErrNoRows
		case strings.Contains(w, "@"):
			u, err = s.people.UserByEmail(ctx, w)
		default:
			u, err = s.people.GetUser(ctx, w)
		}
		switch {
		case err == nil && u.Disabled:
			f.Add(fmt.Sprintf("recipient_users[%d]", i), "%s's account is disabled", w)
		case err == nil:
			if !slices.Contains(out, u.ID) {
				out = append(out, u.ID)
			}
		case errors.Is(err, db.ErrNoRows) || errs.KindOf(err) == errs.KindNotFound:
			f.Add(fmt.Sprintf("recipient_users[%d]", i), "no user %s", w)
		default:
			return nil, nil, err
		}
	}
	return out, f, nil
}

// Sources lists the sources the caller may see (staff: all; members of an
// organisation: the sources it owns), by name.
func (s *Service) Sources(ctx context.Context, id *auth.Identity) ([]Source, error) {
	var args db.Args
	q := `SELECT ` + sourceColumns + ` FROM intel_sources s JOIN intel_collections c ON c.num = s.collection_num`
	if !id.IsSystem() && !id.IsStaff() {
		orgs := id.OrgIDs()
		if len(orgs) == 0 {
			return []Source{}, nil
		}
		q += ` WHERE s.owner_org_id IN (` + db.In(&args, orgs) + `)`
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY s.name`, args...)
	if err != nil {
		return nil, fmt.Errorf("intel: sources: %w", err)
	}
	defer rows.Close()
	out := []Source{}
	for rows.Next() {
		src, err := scanSource(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	ptrs := make([]*Source, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	return out, loadReaders(ctx, s.db, ptrs)
}

// GetSource answers one source the caller may see (by id or name).
func (s *Service) GetSource(ctx context.Context, id *auth.Identity, key string) (Source, error) {
	src, err := getSource(ctx, s.db, key)
	if errors.Is(err, db.ErrNoRows) || (err == nil && !maySeeSource(id, &src)) {
		return Source{}, errs.NotFound("no such source")
	}
	if err != nil {
		return Source{}, fmt.Errorf("intel: source: %w", err)
	}
	return src, nil
}

// SourceInput creates or changes a source; nil fields are left as they
// are (or take their defaults on create).
type SourceInput struct {
	Name            *string      `json:"name"`
	Description     *string      `json:"description"`
	OwnerOrgID      *string      `json:"owner_org_id"`
	Kind            *string      `json:"kind"`
	Format          *string      `json:"format"`
	URL             *string      `json:"url"`
	TLP             *string      `json:"tlp"`
	Confidence      *int         `json:"confidence"`
	Collection      *string      `json:"collection"`
	Enabled         *bool        `json:"enabled"`
	IntervalMinutes *int         `json:"interval_minutes"`
	Credentials     *Credentials `json:"credentials"`
	// RecipientUsers names the people (user ids or e-mail addresses) who
	// read the source's TLP:RED intelligence besides the center's staff.
	RecipientUsers *[]string `json:"recipient_users"`
}

// MinInterval is how often a pulled source may be fetched at most.
const MinInterval = 5

// apply checks in and applies it to src (the source as it is, or the
// defaults of a new one).
func (s *Service) apply(ctx context.Context, tx *db.Tx, src *Source, in SourceInput, named []string, f errs.Fields) error {
	if in.RecipientUsers != nil {
		src.RecipientUsers = named
	}
	set := func(dst *string, p *string) {
		if p != nil {
			*dst = strings.TrimSpace(*p)
		}
	}
	set(&src.Name, in.Name)
	set(&src.Description, in.Description)
	set(&src.Kind, in.Kind)
	set(&src.Format, in.Format)
	set(&src.URL, in.URL)
	set(&src.TLP, in.TLP)
	set(&src.Collection, in.Collection)
	if in.OwnerOrgID != nil {
		if o := strings.TrimSpace(*in.OwnerOrgID); o == "" {
			src.OwnerOrgID = nil
		} else {
			src.OwnerOrgID = &o
		}
	}
	if in.Confidence != nil {
		src.Confidence = *in.Confidence
	}
	if in.Enabled != nil {
		src.Enabled = *in.Enabled
	}
	if in.IntervalMinutes != nil {
		src.IntervalMinutes = *in.IntervalMinutes
	}
	if src.Name == "" || len(src.Name) > 200 {
		f.Add("name", "a name of 1 to 200 characters")
	}
	if len(src.Description) > 2000 {
		f.Add("description", "at most 2000 characters")
	}
	if !slices.Contains(sourceKinds, src.Kind) {
		f.Add("kind", "push, url, misp_feed or taxii")
	}
	switch src.Kind {
	case KindMISPFeed:
		src.Format = string(ingest.MISP)
	case KindTAXII:
		src.Format = string(ingest.STIX)
	}
	if !slices.Contains(ingest.Formats, ingest.Format(src.Format)) {
		f.Add("format", "auto, text, csv, shadowserver, stix or misp")
	}
	if l, err := tlp.Parse(src.TLP); err != nil {
		f.Add("tlp", "CLEAR, GREEN, AMBER, AMBER+STRICT or RED")
	} else {
		src.TLP = string(l)
	}
	if src.Confidence < 0 || src.Confidence > 100 {
		f.Add("confidence", "0 to 100")
	}
	if src.Pulled() {
		if p := notify.CheckPublicURL(src.URL, s.allowPrivate); p != "" {
			f.Add("url", "%s", p)
		} else if src.Kind != KindURL && !strings.HasSuffix(src.URL, "/") {
			src.URL += "/" // a feed's or a collection's base
		}
		if src.IntervalMinutes < MinInterval || src.IntervalMinutes > 7*24*60 {
			f.Add("interval_minutes", "%d minutes to a week (10080)", MinInterval)
		}
	} else {
		src.URL, src.IntervalMinutes = "", 0
	}
	if c := in.Credentials; c != nil {
		switch {
		case c.empty():
			src.sealed = ""
		case (c.HeaderName == "") != (c.HeaderValue == ""):
			f.Add("credentials.header_name", "a header needs its name and value")
		case c.HeaderName != "" && !validHeaderName(c.HeaderName):
			f.Add("credentials.header_name", "a header name such as Authorization or X-Api-Key")
		case c.Username == "" && c.Password != "":
			f.Add("credentials.username", "a password needs its user name")
		case strings.ContainsAny(c.HeaderValue+c.Username+c.Password, "\r\n"):
			f.Add("credentials", "no line breaks")
		default:
			b, _ := json.Marshal(c)
			src.sealed = s.key.Seal(b)
		}
	}
	if src.OwnerOrgID != nil {
		if _, ok, err := s.orgByID(ctx, *src.OwnerOrgID); err != nil {
			return err
		} else if !ok {
			f.Add("owner_org_id", "no such organisation")
		}
	}
	col, ok, err := s.access.Scope(ctx, tx, cmp.Or(src.Collection, "community"))
	switch {
	case err != nil:
		return err
	case !ok:
		f.Add("collection", "no such collection (center, community, sector-NAME or org-ID)")
	default:
		src.Collection, src.collectionNum = col.Alias, col.Num
	}
	var other int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM intel_sources WHERE name = $1 AND id <> $2`, src.Name, src.ID).Scan(&other); err != nil {
		return err
	}
	if other > 0 {
		f.Add("name", "another source has this name")
	}
	return f.Err()
}

func validHeaderName(n string) bool {
	if n == "" || len(n) > 100 {
		return false
	}
	for _, r := range n {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return false
		}
	}
	return true
}

// CreateSource adds a source (staff only).
func (s *Service) CreateSource(ctx context.Context, id *auth.Identity, in SourceInput) (Source, error) {
	if !id.IsSystem() && !id.IsStaff() {
		return Source{}, errs.Forbidden("only the coordination center's staff configure sources")
	}
	src := Source{Kind: KindPush, Format: string(ingest.Auto), TLP: "AMBER", Confidence: 50, Collection: "community", Enabled: true,
		IntervalMinutes: 60, RecipientUsers: []string{}}
	named, f, err := s.namePeople(ctx, deref(in.RecipientUsers))
	if err != nil {
		return Source{}, err
	}
	var out Source
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := s.apply(ctx, tx, &src, in, named, f); err != nil {
			return err
		}
		if err := s.insertSource(ctx, tx, &src); err != nil {
			return err
		}
		out = src
		return saveReaders(ctx, tx, src)
	})
	return out, err
}

// UpdateSource changes a source (staff only). A pulled source whose
// address or schedule changed is fetched again soon.
func (s *Service) UpdateSource(ctx context.Context, id *auth.Identity, key string, in SourceInput) (Source, error) {
	if _, err := s.GetSource(ctx, id, key); err != nil {
		return Source{}, err
	}
	if !id.IsSystem() && !id.IsStaff() {
		return Source{}, errs.Forbidden("only the coordination center's staff configure sources")
	}
	named, f, err := s.namePeople(ctx, deref(in.RecipientUsers))
	if err != nil {
		return Source{}, err
	}
	var out Source
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		before, err := getSource(ctx, tx, key)
		if err != nil {
			return err
		}
		src := before
		if err := s.apply(ctx, tx, &src, in, named, f); err != nil {
			return err
		}
		now := s.now()
		src.UpdatedAt = now
		switch {
		case !src.Pulled() || !src.Enabled:
			src.NextRunAt = nil
		case src.URL != before.URL || src.Kind != before.Kind || !before.Enabled || src.NextRunAt == nil:
			src.NextRunAt = &now
			if src.URL != before.URL || src.Kind != before.Kind {
				src.state = "" // a different feed: start from its beginning
			}
		case src.IntervalMinutes != before.IntervalMinutes && before.LastRunAt != nil:
			next := before.LastRunAt.Add(time.Duration(src.IntervalMinutes) * time.Minute)
			src.NextRunAt = &next
		}
		if _, err := tx.Exec(ctx, `UPDATE intel_sources SET name = $2, description = $3, owner_org_id = $4, kind = $5, format = $6,
			url = $7, tlp = $8, confidence = $9, collection_num = $10, enabled = $11, interval_s = $12, next_run_at = $13,
			auth_sealed = $14, state = $15, updated_at = $16 WHERE id = $1`,
			src.ID, src.Name, src.Description, src.OwnerOrgID, src.Kind, src.Format, src.URL, src.TLP, src.Confidence,
			src.collectionNum, src.Enabled, src.IntervalMinutes*60, src.NextRunAt, src.sealed, src.state, now); err != nil {
			return fmt.Errorf("intel: update source: %w", err)
		}
		if err := saveReaders(ctx, tx, src); err != nil {
			return err
		}
		src.HasCredentials = src.sealed != ""
		out = src
		return audit.Record(ctx, tx, now, audit.Event{Action: "intel.source.update", ObjectType: "intel_source", ObjectID: src.ID,
			OrgID: deref(src.OwnerOrgID), Summary: "changed source " + src.Name, Before: before, After: src})
	})
	return out, err
}

// credentials opens a source's sealed credentials.
func (s *Service) credentials(src Source) (Credentials, error) {
	var c Credentials
	if src.sealed == "" {
		return c, nil
	}
	b, err := s.key.Open(src.sealed)
	if err != nil {
		return c, fmt.Errorf("intel: the credentials of %s: %w", src.Name, err)
	}
	return c, json.Unmarshal(b, &c)
}

package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/pgp"
)

// Directory records are mastered where the organisation is looked after:
// a sectoral CERT's instance masters its own record and its constituents',
// the national instance its own. When a link shares the directory, each
// side serves the records it masters (its home organisation and those
// under it, less what it mirrors from that peer) and mirrors the peer's:
// a record new here is made, one the master changed is brought up to date
// — unless it was also changed here since, which is a conflict, shown on
// the link and never overwritten.

// DirRecord is an organisation as a master shares it.
type DirRecord struct {
	ID           string                 `json:"id"`
	ParentID     string                 `json:"parent_id,omitempty"`
	Name         string                 `json:"name"`
	ShortName    string                 `json:"short_name"`
	Kind         directory.Kind         `json:"kind"`
	Sector       string                 `json:"sector"`
	Country      string                 `json:"country"`
	CII          bool                   `json:"cii"`
	Website      string                 `json:"website"`
	Description  string                 `json:"description"`
	Contacts     []directory.Contact    `json:"contacts"`
	Constituency directory.Constituency `json:"constituency"`
	// The team's OpenPGP key and RFC 2350 profile, also the master's word.
	// Absent (nil) in a record from an instance that did not share them
	// yet: compared and applied only when present.
	PGPKey  *string            `json:"pgp_key,omitempty"`
	RFC2350 *directory.RFC2350 `json:"rfc2350,omitempty"`
}

// DirExport is what a master serves a peer.
type DirExport struct {
	Home    string      `json:"home"` // the master's own organisation
	Records []DirRecord `json:"records"`
}

// MirrorRecord is a peer's record as mirrored here.
type MirrorRecord struct {
	RemoteID  string    `json:"remote_id"`
	OrgID     *string   `json:"org_id"`
	Name      string    `json:"name"`
	Status    string    `json:"status"` // synced, conflict
	Differs   []string  `json:"differs"`
	UpdatedAt time.Time `json:"updated_at"`
}

// maxRecords bounds a peer's directory.
const maxRecords = 20000

func recordOf(o directory.Org) DirRecord {
	r := DirRecord{ID: o.ID, ParentID: o.Parent(), Name: o.Name, ShortName: o.ShortName, Kind: o.Kind, Sector: o.Sector, Country: o.Country,
		CII: o.CII, Website: o.Website, Description: o.Description, Contacts: o.Contacts, Constituency: o.Constituency,
		PGPKey: &o.PGPKey, RFC2350: &o.RFC2350}
	if r.Contacts == nil {
		r.Contacts = []directory.Contact{}
	}
	return r
}

// fields are a record's values by name, for comparing (ids and the
// parent, which differ between instances, left out). A key is compared by
// its fingerprint: the same key armoured twice is the same key.
func (r DirRecord) fields() map[string]string {
	j := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	f := map[string]string{"name": r.Name, "short_name": r.ShortName, "kind": string(r.Kind), "sector": r.Sector, "country": r.Country,
		"cii": j(r.CII), "website": r.Website, "description": r.Description, "contacts": j(r.Contacts), "constituency": j(r.Constituency)}
	if r.PGPKey != nil {
		f["pgp_key"] = keyIdentity(*r.PGPKey)
	}
	if r.RFC2350 != nil {
		f["rfc2350"] = j(r.RFC2350)
	}
	return f
}

// keyIdentity is an armoured key's fingerprint, or the text itself when
// it does not parse (expired at the master, say), so that a change is
// still seen.
func keyIdentity(armored string) string {
	if strings.TrimSpace(armored) == "" {
		return ""
	}
	if fp, err := pgp.Fingerprint(armored); err == nil {
		return fp
	}
	return strings.TrimSpace(armored)
}

// differ lists the fields in which a and b differ, of those both carry.
func differ(a, b DirRecord) []string {
	fa, fb := a.fields(), b.fields()
	var out []string
	for k, v := range fa {
		if w, ok := fb[k]; ok && w != v {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// ExportDirectory answers a peer (its account calls) the records this
// instance masters on their link.
func (s *Service) ExportDirectory(ctx context.Context, id *auth.Identity) (DirExport, error) {
	if id == nil || id.User.ID == "" {
		return DirExport{}, errs.Unauthenticated("only a linked instance reads the directory it masters")
	}
	var l Link
	err := s.db.Read(ctx, func(q db.Querier) error {
		var err error
		l, err = scanLink(q.QueryRow(ctx, `SELECT `+linkColumns+` FROM federation_links WHERE user_id = $1 AND status = $2`, id.User.ID, Active))
		return err
	})
	if err != nil {
		return DirExport{}, errs.Forbidden("only a linked instance reads the directory it masters")
	}
	if !slices.Contains(l.Shares, ShareDirectory) || l.homeOrgID == "" {
		return DirExport{}, errs.Forbidden("this instance shares no directory records on this link")
	}
	sys := auth.System("federation")
	all, err := s.orgs.All(ctx, sys, directory.Filter{})
	if err != nil {
		return DirExport{}, err
	}
	// The home organisation and every one under it, parents first, less
	// what this instance mirrors from the peer itself.
	theirs := map[string]bool{}
	err = s.db.Read(ctx, func(q db.Querier) error {
		ids, err := db.QueryAll(ctx, q, func(r db.Row) (string, error) {
			var s string
			return s, r.Scan(&s)
		}, `SELECT org_id FROM federation_directory_mirror WHERE link_id = $1 AND org_id IS NOT NULL`, l.ID)
		for _, x := range ids {
			theirs[x] = true
		}
		return err
	})
	if err != nil {
		return DirExport{}, err
	}
	children := map[string][]string{}
	for _, o := range all {
		if o.ParentID != nil {
			children[*o.ParentID] = append(children[*o.ParentID], o.ID)
		}
	}
	var ids []string
	queue := []string{l.homeOrgID}
	for len(queue) > 0 && len(ids) < maxRecords {
		x := queue[0]
		queue = queue[1:]
		if theirs[x] || x == l.PeerOrgID {
			continue
		}
		ids = append(ids, x)
		queue = append(queue, children[x]...)
	}
	orgs, err := s.orgs.GetMany(ctx, sys, ids)
	if err != nil {
		return DirExport{}, err
	}
	byID := map[string]directory.Org{}
	for _, o := range orgs {
		byID[o.ID] = o
	}
	out := DirExport{Home: l.homeOrgID, Records: []DirRecord{}}
	for _, x := range ids {
		if o, ok := byID[x]; ok {
			out.Records = append(out.Records, recordOf(o))
		}
	}
	return out, nil
}

// MirrorDirectory reads the records the link's peer masters and mirrors
// them; it answers how many were made, brought up to date, found in
// conflict, and no longer listed by the master.
func (s *Service) MirrorDirectory(ctx context.Context, linkID string) (res MirrorResult, err error) {
	l, err := s.link(ctx, linkID)
	if err != nil {
		return res, err
	}
	if l.Status != Active || !slices.Contains(l.PeerShares, ShareDirectory) {
		return res, nil
	}
	token, err := s.peerCredential(l)
	if err != nil {
		return res, err
	}
	exp, err := s.readDirectory(ctx, l.PeerURL+"/api/v1/federation/directory", token)
	if err != nil {
		s.recordFailure(ctx, l.ID, "reading the peer's directory: "+err.Error())
		return res, err
	}
	sys := auth.System("federation")
	local := map[string]string{exp.Home: l.PeerOrgID} // remote id → org here
	type mirrored struct{ applied, status, name, remote string }
	rows := map[string]mirrored{}
	err = s.db.Read(ctx, func(q db.Querier) error {
		rs, err := q.Query(ctx, `SELECT remote_id, org_id, applied, status, name, remote FROM federation_directory_mirror WHERE link_id = $1`, l.ID)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var remote string
			var m mirrored
			var org *string
			if err := rs.Scan(&remote, &org, &m.applied, &m.status, &m.name, &m.remote); err != nil {
				return err
			}
			if org != nil {
				local[remote] = *org
			}
			rows[remote] = m
		}
		return rs.Err()
	})
	if err != nil {
		return res, err
	}
	all, err := s.orgs.All(ctx, sys, directory.Filter{})
	if err != nil {
		return res, err
	}
	byName := map[string]string{}
	for _, o := range all {
		byName[strings.ToLower(o.Name)] = o.ID
	}
	now := s.now().UTC()
	listed := map[string]bool{}
	for _, r := range exp.Records {
		listed[r.ID] = true
		remoteJSON, _ := json.Marshal(r)
		status, differs, applied := "synced", []string(nil), ""
		orgID, known := local[r.ID]
		if !known {
			orgID = byName[strings.ToLower(r.Name)]
		}
		switch {
		case orgID == "":
			in := inputOf(r)
			if p, ok := local[r.ParentID]; ok {
				in.ParentID = &p
			}
			o, err := s.orgs.Create(ctx, sys, in)
			if err != nil && in.PGPKey != nil && *in.PGPKey != "" {
				// A key this side refuses (expired since the master took
				// it, say) does not keep the organisation out: it is made
				// without, and the key shown; what was applied is the
				// record without it, so the next mirror tries the key again.
				keyErr := err
				in.PGPKey = nil
				if o, err = s.orgs.Create(ctx, sys, in); err == nil {
					none := ""
					without := r
					without.PGPKey = &none
					b, _ := json.Marshal(without)
					status, differs = "conflict", []string{"pgp_key not taken here: " + keyErr.Error()}
					orgID, applied = o.ID, string(b)
					local[r.ID] = o.ID
					res.Made++
					break
				}
			}
			if err != nil {
				status, differs = "conflict", []string{"not made here: " + err.Error()}
				break
			}
			orgID, applied = o.ID, string(remoteJSON)
			local[r.ID] = o.ID
			res.Made++
		default:
			cur, err := s.orgs.Get(ctx, sys, orgID)
			if err != nil {
				status, differs = "conflict", []string{"unreadable here: " + err.Error()}
				break
			}
			here := recordOf(cur)
			if len(differ(here, r)) == 0 {
				applied = string(remoteJSON)
				break
			}
			var last DirRecord
			prev, seen := rows[r.ID]
			if seen && prev.applied != "" && json.Unmarshal([]byte(prev.applied), &last) == nil && len(differ(here, last)) == 0 {
				// Unchanged here since last applied: the master's word.
				in := inputOf(r)
				if _, err := s.orgs.Update(ctx, sys, orgID, in); err != nil {
					status, differs = "conflict", []string{"not updated here: " + err.Error()}
					break
				}
				applied = string(remoteJSON)
				res.Updated++
				break
			}
			status, differs = "conflict", differ(here, r)
			if seen {
				applied = prev.applied
			}
		}
		if status == "conflict" {
			res.Conflicts++
		}
		if err := s.putMirror(ctx, l, r, orgID, applied, string(remoteJSON), status, differs, now); err != nil {
			return res, err
		}
	}
	// A record the master no longer lists (deleted there, or moved out of
	// what it masters) is not deleted here, where it may have people,
	// incidents and history: it is shown as gone, for an administrator to
	// retire or keep.
	for remote, m := range rows {
		if listed[remote] || m.status == "gone" {
			continue
		}
		var r DirRecord
		if err := json.Unmarshal([]byte(m.remote), &r); err != nil || r.ID == "" {
			r = DirRecord{ID: remote, Name: m.name}
		}
		if err := s.putMirror(ctx, l, r, local[remote], m.applied, m.remote, "gone", nil, now); err != nil {
			return res, err
		}
		res.Gone++
	}
	s.recordOK(ctx, l.ID, now)
	return res, nil
}

func (s *Service) putMirror(ctx context.Context, l Link, r DirRecord, orgID, applied, remote, status string, differs []string, now time.Time) error {
	var org *string
	if orgID != "" {
		org = &orgID
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		var before string
		err := tx.QueryRow(ctx, `SELECT status FROM federation_directory_mirror WHERE link_id = $1 AND remote_id = $2`, l.ID, r.ID).Scan(&before)
		if err != nil && !errors.Is(err, db.ErrNoRows) {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO federation_directory_mirror (link_id, remote_id, org_id, name, applied, remote, status, differs, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (link_id, remote_id) DO UPDATE SET org_id = excluded.org_id, name = excluded.name, applied = excluded.applied,
			remote = excluded.remote, status = excluded.status, differs = excluded.differs, updated_at = excluded.updated_at`,
			l.ID, r.ID, org, r.Name, applied, remote, status, strings.Join(differs, " "), now); err != nil {
			return err
		}
		if status == before {
			return nil
		}
		msg := fmt.Sprintf("%s, mastered by %s, mirrored", r.Name, l.PeerName)
		switch status {
		case "conflict":
			msg = fmt.Sprintf("%s, mastered by %s, differs here (%s): not overwritten", r.Name, l.PeerName, strings.Join(differs, ", "))
		case "gone":
			msg = fmt.Sprintf("%s is no longer listed by %s, its master: kept here until an administrator retires it", r.Name, l.PeerName)
		}
		if status != "synced" {
			if err := addEvent(ctx, tx, l.ID, now, status, msg); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "federation.directory." + status, ObjectType: "org", ObjectID: orgID,
			OrgID: orgID, Summary: msg})
	})
}

func inputOf(r DirRecord) directory.OrgInput {
	kind := r.Kind
	return directory.OrgInput{Name: &r.Name, ShortName: &r.ShortName, Kind: &kind, Sector: &r.Sector, Country: &r.Country, CII: &r.CII,
		Website: &r.Website, Description: &r.Description, Contacts: &r.Contacts, Constituency: &r.Constituency, PGPKey: r.PGPKey, RFC2350: r.RFC2350}
}

// readDirectory fetches a peer's export.
func (s *Service) readDirectory(ctx context.Context, u, token string) (DirExport, error) {
	var exp DirExport
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return exp, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("User-Agent", "certhub federation")
	resp, err := (&http.Client{Transport: s.egress, Timeout: 2 * time.Minute}).Do(req)
	if err != nil {
		return exp, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return exp, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	dec := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 64<<20))
	if err := dec.Decode(&exp); err != nil {
		return exp, fmt.Errorf("the peer's directory is not one: %w", err)
	}
	if exp.Home == "" || len(exp.Records) > maxRecords {
		return exp, errors.New("the peer's directory names no home organisation, or holds too many records")
	}
	for _, r := range exp.Records {
		if r.ID == "" || strings.TrimSpace(r.Name) == "" {
			return exp, errors.New("the peer's directory holds a record without id or name")
		}
	}
	return exp, nil
}

// Mirror lists a link's mirrored records, conflicts first.
func (s *Service) Mirror(ctx context.Context, id *auth.Identity, linkID string) ([]MirrorRecord, error) {
	if err := mayRead(id); err != nil {
		return nil, err
	}
	var out []MirrorRecord
	err := s.db.Read(ctx, func(q db.Querier) error {
		var err error
		out, err = db.QueryAll(ctx, q, func(r db.Row) (MirrorRecord, error) {
			var m MirrorRecord
			var differs string
			err := r.Scan(&m.RemoteID, &m.OrgID, &m.Name, &m.Status, &differs, &m.UpdatedAt)
			m.Differs = strings.Fields(differs)
			if strings.HasPrefix(differs, "not ") || strings.HasPrefix(differs, "unreadable") {
				m.Differs = []string{differs}
			}
			return m, err
		}, `SELECT remote_id, org_id, name, status, differs, updated_at FROM federation_directory_mirror WHERE link_id = $1
			ORDER BY CASE status WHEN 'conflict' THEN 0 ELSE 1 END, name LIMIT 5000`, linkID)
		return err
	})
	if out == nil {
		out = []MirrorRecord{}
	}
	return out, err
}

// MirrorNow mirrors the link's peer's directory now (administrators).
func (s *Service) MirrorNow(ctx context.Context, id *auth.Identity, linkID string) (MirrorResult, error) {
	if err := mayManage(id); err != nil {
		return MirrorResult{}, err
	}
	l, err := s.link(ctx, linkID)
	if err != nil {
		return MirrorResult{}, err
	}
	if l.Status != Active || !slices.Contains(l.PeerShares, ShareDirectory) {
		return MirrorResult{}, errs.Conflict("the peer shares no directory records on this link")
	}
	res, err := s.MirrorDirectory(ctx, linkID)
	if err != nil {
		return MirrorResult{}, errs.Conflict("the peer's directory could not be mirrored: %v", err)
	}
	return res, nil
}

package intel

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/certhub/certhub/internal/intel/sharing"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// PeerPush is where and how to push a peer what it may read of ours.
type PeerPush struct {
	Key        string // the link's id (LinkPeer's)
	Collection string // our collection the peer reads ("community" unless set)
	URL        string // the peer's TAXII collection, ending in /collections/{id}/
	Token      string // the bearer token the peer issued for adding to it
}

// Pushed is what one push did.
type Pushed struct {
	Sent    int      // objects the peer took
	Refused int      // objects the peer refused
	Reasons []string // the first of the peer's reasons
}

// Limits of one push: pages of pushPage objects, at most pushPages of
// them a call (the next call goes on from there), each POST given
// pushTimeout.
const (
	pushPage    = 1000
	pushPages   = 20
	pushTimeout = 2 * time.Minute
	maxStatus   = 4 << 20
)

// PushPeer sends the peer what its account (id) may read of our
// collection and was added since the last push: within the link's
// ceiling, never what came from the peer itself, page by page as TAXII
// POSTs to the peer's collection. Where it stopped is kept after each page
// the peer took, so a failure sends again only the page it failed on (the
// peer drops what it holds already).
func (s *Service) PushPeer(ctx context.Context, id *auth.Identity, p PeerPush) (Pushed, error) {
	var out Pushed
	v, err := s.Viewer(ctx, id)
	if err != nil {
		return out, err
	}
	if !v.Peer() {
		return out, fmt.Errorf("intel: push to %s: the account is not a linked instance's", p.Key)
	}
	c, err := s.access.Collection(ctx, cmp.Or(p.Collection, "community"))
	if err != nil {
		return out, err
	}
	var after int64
	if err := s.db.QueryRow(ctx, `SELECT pushed_after FROM intel_peers WHERE peer = $1`, p.Key).Scan(&after); err != nil {
		return out, fmt.Errorf("intel: push to %s: %w", p.Key, err)
	}
	for range pushPages {
		objs, more, err := s.share.Page(ctx, v, c, sharing.Filter{After: after, Limit: pushPage})
		if err != nil {
			return out, err
		}
		if len(objs) == 0 {
			break
		}
		st, err := s.post(ctx, p, objs)
		if err != nil {
			return out, err
		}
		out.Sent += st.SuccessCount
		out.Refused += st.FailureCount
		for _, f := range st.Failures {
			if len(out.Reasons) < 5 {
				out.Reasons = append(out.Reasons, f.ID+": "+f.Message)
			}
		}
		after = objs[len(objs)-1].Added
		if _, err := s.db.Exec(ctx, `UPDATE intel_peers SET pushed_after = $2 WHERE peer = $1`, p.Key, after); err != nil {
			return out, fmt.Errorf("intel: push to %s: %w", p.Key, err)
		}
		if !more {
			break
		}
	}
	return out, nil
}

// post adds one page of objects to the peer's collection and answers the
// peer's status of it.
func (s *Service) post(ctx context.Context, p PeerPush, objs []sharing.Stored) (TAXIIStatus, error) {
	var b bytes.Buffer
	b.WriteString(`{"objects":[`)
	for i, o := range objs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(o.Body)
	}
	b.WriteString("]}")
	ctx, cancel := context.WithTimeout(ctx, pushTimeout)
	defer cancel()
	u := p.URL + "objects/"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, &b)
	if err != nil {
		return TAXIIStatus{}, err
	}
	req.Header.Set("Content-Type", "application/taxii+json;version=2.1")
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	req.Header.Set("Authorization", "Bearer "+p.Token)
	req.Header.Set("User-Agent", "certhub")
	resp, err := s.client.Do(req)
	if err != nil {
		return TAXIIStatus{}, fmt.Errorf("POST %s: %w", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxStatus))
	if err != nil {
		return TAXIIStatus{}, fmt.Errorf("POST %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusAccepted {
		var e struct {
			Description string `json:"description"`
		}
		_ = json.Unmarshal(body, &e) // a TAXII error says why; anything else, the status does
		if e.Description != "" {
			return TAXIIStatus{}, fmt.Errorf("POST %s: %s: %s", u, resp.Status, e.Description)
		}
		return TAXIIStatus{}, fmt.Errorf("POST %s: %s", u, resp.Status)
	}
	var st TAXIIStatus
	if err := json.Unmarshal(body, &st); err != nil {
		return TAXIIStatus{}, fmt.Errorf("POST %s: the status cannot be read: %w", u, err)
	}
	if st.SuccessCount+st.FailureCount+st.PendingCount != len(objs) {
		return st, fmt.Errorf("POST %s: the status counts %d objects of the %d sent", u, st.SuccessCount+st.FailureCount+st.PendingCount, len(objs))
	}
	return st, nil
}

// peerWriter is the source a peer's account (userID) pushes into (ok
// false when the account is no peer's or its peer is pulled).
func (s *Service) peerWriter(ctx context.Context, userID string) (Source, bool, error) {
	var num int64
	err := s.db.QueryRow(ctx, `SELECT source_num FROM intel_peers WHERE user_id = $1 AND pushes AND source_num IS NOT NULL`, userID).Scan(&num)
	if errors.Is(err, db.ErrNoRows) {
		return Source{}, false, nil
	}
	if err != nil {
		return Source{}, false, fmt.Errorf("intel: the peer's source: %w", err)
	}
	id, err := s.sourceIDOf(ctx, num)
	if err != nil {
		return Source{}, false, err
	}
	src, err := getSource(ctx, s.db, id)
	if err != nil {
		return Source{}, false, err
	}
	if !src.Enabled {
		return Source{}, false, errs.Forbidden("the link with this instance is revoked")
	}
	return src, true, nil
}

package intel

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// A peer is another certhub instance intelligence is exchanged with (a
// federation link). Each side pulls the other's TAXII collection as a
// source of its own, so both directions are pulls that resume where they
// stopped, and each side serves the other's account only what is within
// the link's TLP ceiling and did not come from that instance. A peer this
// instance cannot reach pushes instead: it adds what it shares to our
// collection with TAXII (as its own source, held to the same ceiling), and
// we push ours to a peer that cannot reach us likewise (PushPeer).

// Peer is what a link asks of threat intelligence.
type Peer struct {
	Key        string    // the link's id: one peer per key
	Name       string    // the source is "Federation: Name"
	OwnerOrgID string    // the peer's organisation here (owns the source)
	UserID     string    // the peer's account here (what it reads is capped)
	URL        string    // the peer's TAXII collection, ending in /collections/{id}/
	Token      string    // the bearer token the peer issued for reading it
	Ceiling    tlp.Label // nothing above it either way
	Collection string    // where what the peer sends is shared here ("community" unless set)
	Interval   int       // minutes between pulls (MinInterval at least; 15 unless set)
	Pull       bool      // pull the peer's collection
	Pushes     bool      // the peer pushes what it shares to our collection (it is not pulled)
}

// LinkPeer makes (or brings up to date) what a link needs: the pulled
// source of the peer's collection and the cap on the peer's account. It
// answers the source (the zero Source when the link does not pull). It may
// be called again with the same key at any time.
func (s *Service) LinkPeer(ctx context.Context, p Peer) (Source, error) {
	if !p.Ceiling.Valid() {
		return Source{}, fmt.Errorf("intel: peer %s: no valid ceiling", p.Key)
	}
	sys := auth.System("federation")
	var src Source
	num, err := s.peerSource(ctx, p.Key)
	if err != nil {
		return Source{}, err
	}
	if p.Pull || p.Pushes {
		// What comes unmarked is AMBER, or the ceiling when that is lower.
		def := tlp.Amber
		if def.MoreRestrictive(p.Ceiling) {
			def = p.Ceiling
		}
		in := SourceInput{Name: ptr("Federation: " + p.Name), Description: ptr("Intelligence shared by " + p.Name + " over a federation link."),
			OwnerOrgID: ptr(p.OwnerOrgID), Kind: ptr(KindTAXII), URL: ptr(p.URL), TLP: ptr(string(def)),
			Collection: ptr(cmp.Or(p.Collection, "community")), Enabled: ptr(true), IntervalMinutes: ptr(max(cmp.Or(p.Interval, 15), MinInterval)),
			Credentials: &Credentials{HeaderName: "Authorization", HeaderValue: "Bearer " + p.Token}}
		if !p.Pull { // what the peer pushes lands here; nothing is fetched
			in.Kind, in.URL, in.Credentials = ptr(KindPush), ptr(""), &Credentials{}
		}
		if num != nil {
			id, err := s.sourceIDOf(ctx, *num)
			if err != nil {
				return Source{}, err
			}
			if src, err = s.UpdateSource(ctx, sys, id, in); err != nil {
				return Source{}, err
			}
		} else if src, err = s.CreateSource(ctx, sys, in); err != nil {
			return Source{}, err
		}
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		var source *int64
		switch {
		case src.num != 0:
			source = &src.num
		case num != nil:
			source = num
		}
		if _, err := tx.Exec(ctx, `INSERT INTO intel_peers (peer, user_id, source_num, ceiling, pushes) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (peer) DO UPDATE SET user_id = excluded.user_id, source_num = excluded.source_num, ceiling = excluded.ceiling,
			pushes = excluded.pushes`,
			p.Key, nullable(p.UserID), source, string(p.Ceiling), p.Pushes && source != nil); err != nil {
			return fmt.Errorf("intel: peer %s: %w", p.Key, err)
		}
		return audit.Record(ctx, tx, s.now(), audit.Event{Action: "intel.peer.link", ObjectType: "intel_peer", ObjectID: p.Key,
			OrgID: p.OwnerOrgID, Summary: fmt.Sprintf("linked %s: up to %s either way", p.Name, p.Ceiling)})
	})
	return src, err
}

// UnlinkPeer stops pulling a peer and taking its pushes (its source is
// disabled, what it sent stays, attributed to it) and caps its account at
// nothing.
func (s *Service) UnlinkPeer(ctx context.Context, key string) error {
	num, err := s.peerSource(ctx, key)
	if err != nil {
		return err
	}
	if num != nil {
		id, err := s.sourceIDOf(ctx, *num)
		if err != nil {
			return err
		}
		if _, err := s.UpdateSource(ctx, auth.System("federation"), id, SourceInput{Enabled: ptr(false)}); err != nil {
			return err
		}
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE intel_peers SET ceiling = $2, pushes = FALSE WHERE peer = $1`, key, string(tlp.Clear)); err != nil {
			return fmt.Errorf("intel: unlink %s: %w", key, err)
		}
		return audit.Record(ctx, tx, s.now(), audit.Event{Action: "intel.peer.unlink", ObjectType: "intel_peer", ObjectID: key,
			Summary: "stopped exchanging intelligence with peer " + key})
	})
}

// DeferPeer puts the next pull of a peer's source off until until (a
// peer that keeps failing is tried less and less often); nothing when the
// source is stopped or due later anyway.
func (s *Service) DeferPeer(ctx context.Context, key string, until time.Time) error {
	num, err := s.peerSource(ctx, key)
	if err != nil || num == nil {
		return err
	}
	_, err = s.db.Exec(ctx, `UPDATE intel_sources SET next_run_at = $2 WHERE num = $1 AND enabled AND next_run_at IS NOT NULL AND next_run_at < $2`,
		*num, until)
	return err
}

// PeerSource answers the source a link pulls (ok false when none).
func (s *Service) PeerSource(ctx context.Context, key string) (Source, bool, error) {
	num, err := s.peerSource(ctx, key)
	if err != nil || num == nil {
		return Source{}, false, err
	}
	id, err := s.sourceIDOf(ctx, *num)
	if err != nil {
		return Source{}, false, err
	}
	src, err := getSource(ctx, s.db, id)
	return src, err == nil, err
}

func (s *Service) peerSource(ctx context.Context, key string) (*int64, error) {
	var num *int64
	err := s.db.QueryRow(ctx, `SELECT source_num FROM intel_peers WHERE peer = $1`, key).Scan(&num)
	if errors.Is(err, db.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("intel: peer %s: %w", key, err)
	}
	return num, nil
}

func (s *Service) sourceIDOf(ctx context.Context, num int64) (string, error) {
	var id string
	if err := s.db.QueryRow(ctx, `SELECT id FROM intel_sources WHERE num = $1`, num).Scan(&id); err != nil {
		return "", fmt.Errorf("intel: source %d: %w", num, err)
	}
	return id, nil
}

func ptr[T any](v T) *T { return &v }

func nullable(s string) *string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return &s
}

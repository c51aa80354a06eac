package federation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/tlp"
)

const linkColumns = `id, peer_org_id, peer_name, peer_url, status, shares, tlp_ceiling, collection, user_id, token_id, document_sealed,
	peer_link_id, peer_fingerprint, peer_token_sealed, peer_shares, peer_ceiling, peer_collection, peer_csaf, last_ok_at, last_error,
	failures, created_by, created_at, activated_at, revoked_at, revoked_reason, updated_at, last_pull_at, home_org_id, directory_at, push, peer_push, push_next_at`

func scanLink(r db.Row) (Link, error) {
	var l Link
	var shares, peerShares, ceiling, peerCeiling string
	var userID, tokenID, home *string
	err := r.Scan(&l.ID, &l.PeerOrgID, &l.PeerName, &l.PeerURL, &l.Status, &shares, &ceiling, &l.Collection, &userID, &tokenID, &l.sealed,
		&l.PeerLinkID, &l.PeerKey, &l.peerToken, &peerShares, &peerCeiling, &l.PeerCollection, &l.PeerCSAF, &l.LastOKAt, &l.LastError,
		&l.Failures, &l.CreatedBy, &l.CreatedAt, &l.ActivatedAt, &l.RevokedAt, &l.Reason, &l.UpdatedAt, &l.lastPull, &home, &l.directoryAt, &l.Push, &l.PeerPush, &l.pushNext)
	if err != nil {
		return l, err
	}
	l.Shares, l.PeerShares = strings.Fields(shares), strings.Fields(peerShares)
	l.Ceiling, l.PeerCeiling = tlp.Label(ceiling), tlp.Label(peerCeiling)
	if l.PeerCeiling != "" {
		l.Effective = lower(l.Ceiling, l.PeerCeiling)
	}
	if userID != nil {
		l.userID = *userID
	}
	if tokenID != nil {
		l.tokenID = *tokenID
	}
	if home != nil {
		l.homeOrgID, l.HomeOrgID = *home, *home
	}
	return l, nil
}

func getLink(ctx context.Context, q db.Querier, id string) (Link, error) {
	l, err := scanLink(q.QueryRow(ctx, `SELECT `+linkColumns+` FROM federation_links WHERE id = $1`, id))
	if errors.Is(err, db.ErrNoRows) {
		return l, errs.NotFound("no such link")
	}
	if err != nil {
		return l, fmt.Errorf("federation: link: %w", err)
	}
	return l, nil
}

// link reads one link.
func (s *Service) link(ctx context.Context, linkID string) (Link, error) {
	var l Link
	err := s.db.Read(ctx, func(q db.Querier) error {
		var err error
		l, err = getLink(ctx, q, linkID)
		return err
	})
	return l, err
}

func insertLink(ctx context.Context, tx *db.Tx, l *Link, peerDoc *Envelope) error {
	doc := ""
	if peerDoc != nil {
		doc = peerDoc.Document + "\x00" + peerDoc.Signature
	}
	_, err := tx.Exec(ctx, `INSERT INTO federation_links (id, peer_org_id, peer_name, peer_url, status, shares, tlp_ceiling, collection,
		user_id, token_id, document_sealed, peer_document, peer_link_id, peer_fingerprint, peer_token_sealed, peer_shares, peer_ceiling,
		peer_collection, peer_csaf, created_by, created_at, activated_at, updated_at, home_org_id, push, peer_push)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $21, $23, $24, $25)`,
		l.ID, l.PeerOrgID, l.PeerName, l.PeerURL, l.Status, strings.Join(l.Shares, " "), string(l.Ceiling), l.Collection,
		l.userID, l.tokenID, l.sealed, doc, l.PeerLinkID, l.PeerKey, l.peerToken, strings.Join(l.PeerShares, " "), string(l.PeerCeiling),
		l.PeerCollection, l.PeerCSAF, l.CreatedBy, l.CreatedAt, l.ActivatedAt, nullable(l.homeOrgID), l.Push, l.PeerPush)
	if err != nil && !db.IsUniqueViolation(err) {
		return fmt.Errorf("federation: insert link: %w", err)
	}
	return err
}

func addEvent(ctx context.Context, tx *db.Tx, linkID string, at time.Time, kind, msg string) error {
	if len(msg) > 4000 {
		msg = msg[:4000]
	}
	_, err := tx.Exec(ctx, `INSERT INTO federation_events (link_id, at, kind, message) VALUES ($1, $2, $3, $4)`, linkID, at, kind, msg)
	if err != nil {
		return fmt.Errorf("federation: event: %w", err)
	}
	return nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

package threads

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// ReplyLocal is the local part reply addresses begin with:
// reply+TOKEN@the center's mail domain.
const ReplyLocal = "reply"

// ReplyValidity is how long a reply address works after its mail.
const ReplyValidity = 60 * 24 * time.Hour

// Reply is what a reply address stands for: a thread of a domain (Kind
// names the domain's resolver, Ref the thread) and the one recipient it
// was minted for, who writes as themselves when they answer.
type Reply struct {
	Kind      string
	Ref       string
	OrgID     string
	UserID    string
	Email     string
	ExpiresAt time.Time
}

var tokenEnc = base32.StdEncoding.WithPadding(base32.NoPadding)

// MintReply stores a reply token for r, in the caller's transaction, and
// answers it: 160 random bits, of which only the hash is kept.
func MintReply(ctx context.Context, tx *db.Tx, r Reply, now time.Time) (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := strings.ToLower(tokenEnc.EncodeToString(b))
	if r.ExpiresAt.IsZero() {
		r.ExpiresAt = now.Add(ReplyValidity)
	}
	_, err := tx.Exec(ctx, `INSERT INTO mail_replies (token_hash, kind, ref, org_id, user_id, email, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, auth.HashSecret(token), r.Kind, r.Ref, r.OrgID, r.UserID, strings.ToLower(r.Email), now, r.ExpiresAt)
	if err != nil {
		return "", fmt.Errorf("threads: reply token: %w", err)
	}
	return token, nil
}

// LookupReply answers what a token stands for; not found when it is
// unknown or expired.
func LookupReply(ctx context.Context, q db.Querier, token string, now time.Time) (Reply, error) {
	var r Reply
	token = strings.ToLower(strings.TrimSpace(token))
	if len(token) != 32 {
		return r, errs.NotFound("no such reply address")
	}
	err := q.QueryRow(ctx, `SELECT kind, ref, org_id, user_id, email, expires_at FROM mail_replies WHERE token_hash = $1 AND expires_at > $2`,
		auth.HashSecret(token), now).Scan(&r.Kind, &r.Ref, &r.OrgID, &r.UserID, &r.Email, &r.ExpiresAt)
	if errors.Is(err, db.ErrNoRows) {
		return r, errs.NotFound("no such reply address, or it has expired")
	}
	return r, err
}

// ReplyAddress is the address a token's mail is answered at, in domain.
func ReplyAddress(token, domain string) string { return ReplyLocal + "+" + token + "@" + domain }

// TokenOf answers the token of a reply address ("reply+TOKEN@domain"),
// and whether addr is one.
func TokenOf(addr string) (string, bool) {
	local, _, ok := strings.Cut(strings.ToLower(strings.TrimSpace(addr)), "@")
	if !ok {
		return "", false
	}
	token, ok := strings.CutPrefix(local, ReplyLocal+"+")
	if !ok || token == "" {
		return "", false
	}
	return token, true
}

// QuotedReply is the text of a reply by mail without what it quotes: the
// lines from the first quoted line ("> …") or "On … wrote:" header on, and
// a signature after "-- ".
func QuotedReply(text string) string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, ">") || line == "-- " || (strings.HasPrefix(t, "On ") && strings.HasSuffix(t, "wrote:")) ||
			strings.HasPrefix(t, "-----Original Message-----") {
			break
		}
		out = append(out, line)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

package threads

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// How a post arrived.
const (
	ViaWeb   = "web"   // the console or the API
	ViaEmail = "email" // a reply to a notification, through its reply address
)

// Post is one message in a thread.
type Post struct {
	Seq        int64     `json:"seq"`
	ID         string    `json:"id"`
	ThreadID   string    `json:"thread_id"`
	AuthorName string    `json:"author"`
	AuthorOrg  *string   `json:"author_org_id,omitempty"`
	Body       string    `json:"body"`
	Via        string    `json:"via,omitempty"` // "email" for a reply by mail; empty otherwise
	Unread     bool      `json:"unread"`
	CreatedAt  time.Time `json:"created_at"`
}

// Page is a page of a thread's posts, oldest first.
type Page struct {
	Posts []Post `json:"posts"`
	// Older is the seq to ask for (before=) to see earlier posts; 0 when none.
	Older int64 `json:"older,omitempty"`
}

// Tables names a domain's thread and post tables. The posts table has
// seq (ordered, assigned on insert), id, thread_id, author_user_id,
// author_org_id, author_name, body, via and created_at; Copy names
// columns of the thread's row each post repeats (a case's posts carry
// case_id, for the case's unread marks).
type Tables struct {
	Threads, Posts string
	Copy           []string
}

// List answers the latest limit posts of a thread (those before seq
// before, when it is not 0), oldest first; posts after readSeq are marked
// unread.
func (tb Tables) List(ctx context.Context, q db.Querier, threadID string, before int64, limit int, readSeq int64) (Page, error) {
	var pg Page
	args := db.Args{}
	cond := `thread_id = ` + args.Add(threadID)
	if before > 0 {
		cond += ` AND seq < ` + args.Add(before)
	}
	rows, err := q.Query(ctx, `SELECT seq, id, thread_id, author_name, author_org_id, body, via, created_at
		FROM `+tb.Posts+` WHERE `+cond+` ORDER BY seq DESC LIMIT `+args.Add(limit+1), args...)
	if err != nil {
		return pg, fmt.Errorf("threads: posts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p Post
		if err := rows.Scan(&p.Seq, &p.ID, &p.ThreadID, &p.AuthorName, &p.AuthorOrg, &p.Body, &p.Via, &p.CreatedAt); err != nil {
			return pg, err
		}
		if p.Via == ViaWeb {
			p.Via = ""
		}
		p.Unread = p.Seq > readSeq
		pg.Posts = append(pg.Posts, p)
	}
	if err := rows.Err(); err != nil {
		return pg, err
	}
	if len(pg.Posts) > limit {
		pg.Posts = pg.Posts[:limit]
		pg.Older = pg.Posts[limit-1].Seq
	}
	slices.Reverse(pg.Posts) // oldest first on the page
	if pg.Posts == nil {
		pg.Posts = []Post{}
	}
	return pg, nil
}

// Add writes p in its thread, in the caller's transaction, and sets its
// seq; authorUserID is "" for the system.
func (tb Tables) Add(ctx context.Context, tx *db.Tx, authorUserID string, p *Post) error {
	var user *string
	if authorUserID != "" {
		user = &authorUserID
	}
	via := p.Via
	if via == "" {
		via = ViaWeb
	}
	cols, from := "", ""
	for _, c := range tb.Copy {
		cols += ", " + c
		from += ", t." + c
	}
	err := tx.QueryRow(ctx, `INSERT INTO `+tb.Posts+` (id, thread_id, author_user_id, author_org_id, author_name, body, via, created_at`+cols+`)
		SELECT $1, t.id, $3, $4, $5, $6, $7, $8`+from+` FROM `+tb.Threads+` t WHERE t.id = $2 RETURNING seq`,
		p.ID, p.ThreadID, user, p.AuthorOrg, p.AuthorName, p.Body, via, p.CreatedAt).Scan(&p.Seq)
	if err != nil {
		return fmt.Errorf("threads: post: %w", err)
	}
	return nil
}

// CheckBody trims a post's body and says what is wrong with it (field
// "body"): empty, longer than max runes, or not text.
func CheckBody(body string, max int) (string, error) {
	body = strings.TrimSpace(body)
	switch {
	case body == "":
		return body, errs.InvalidField("body", "is empty")
	case utf8.RuneCountInString(body) > max || !utf8.ValidString(body) || strings.ContainsRune(body, 0):
		return body, errs.InvalidField("body", "must be at most %d characters of text", max)
	}
	return body, nil
}

var mentionRE = regexp.MustCompile(`(?:^|[\s(])@([A-Za-z0-9][A-Za-z0-9._-]{0,63})`)

// Mentions answers the handles a body mentions ("@BankCERT", "@bankcert"),
// each once, lower-cased, in their order: the domain matches them against
// the short names of the thread's organisations.
func Mentions(body string) []string {
	var out []string
	for _, m := range mentionRE.FindAllStringSubmatch(body, -1) {
		h := strings.ToLower(strings.TrimRight(m[1], ".-_"))
		if h != "" && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

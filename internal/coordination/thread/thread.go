// Package thread is coordination's secure messaging: threads between two
// or more organisations of the directory, under a TLP marking that limits
// who may be added, with read state per member and an e-mail bridge
// (each recipient's notification carries its own reply address; replies
// land in the thread; mail to an organisation with a key is encrypted to
// it; the center signs every message).
//
// The posts, their paging and the reply tokens are the platform's one
// thread mechanism (internal/platform/threads), which the disclosure
// program's case threads use too; this package owns the threads'
// membership, their access rule and their notifications.
package thread

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/errs"
	pthreads "github.com/certhub/certhub/internal/platform/threads"
)

// Thread is a discussion between organisations.
type Thread struct {
	ID           string    `json:"id"`
	Title        string    `json:"title"`
	TLP          string    `json:"tlp"`
	CreatedBy    string    `json:"created_by"`
	CreatedOrgID string    `json:"created_org_id"`
	CreatedAt    time.Time `json:"created_at"`
	LastPostAt   time.Time `json:"last_post_at"`
	Orgs         []Member  `json:"orgs"`
	Posts        int       `json:"posts"`
	Unread       int       `json:"unread"`
}

// Member is an organisation of a thread.
type Member struct {
	OrgID   string    `json:"org_id"`
	Org     string    `json:"org"`
	AddedBy string    `json:"added_by"`
	AddedAt time.Time `json:"added_at"`
}

// Post is a message of a thread.
type Post = pthreads.Post

// View is a thread with a page of its posts.
type View struct {
	Thread Thread `json:"thread"`
	Posts  []Post `json:"posts"`
	Older  int64  `json:"older,omitempty"`
	// Files are the files the page's posts carry.
	Files []File `json:"files"`
	// AsOrgs are the caller's organisations in the thread it may write for.
	AsOrgs []string `json:"writes_for"`
}

// Input opens a thread.
type Input struct {
	Title  string   `json:"title"`
	TLP    string   `json:"tlp"`     // CLEAR, GREEN, AMBER (default) or AMBER+STRICT
	OrgID  string   `json:"org_id"`  // the organisation the caller writes for (theirs; optional when they have one)
	OrgIDs []string `json:"org_ids"` // the other organisations
	Body   string   `json:"body"`    // the first message
}

// Bounds.
const (
	MaxTitle = 200
	MaxBody  = 20000
	MaxOrgs  = 50
)

func checkTitle(f *errs.Fields, s *string) {
	*s = strings.TrimSpace(*s)
	if *s == "" || utf8.RuneCountInString(*s) > MaxTitle || strings.ContainsRune(*s, 0) || !utf8.ValidString(*s) {
		f.Add("title", "1 to %d characters of text", MaxTitle)
	}
}

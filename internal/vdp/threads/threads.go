package threads

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/errs"
	pthreads "github.com/certhub/certhub/internal/platform/threads"
	"github.com/certhub/certhub/internal/vdp/model"
)

// The visibilities of a thread.
const (
	Internal     = model.VisibleInternal     // the center only
	Participants = model.VisibleParticipants // every participant and the center
	Vendor       = model.VisibleVendor       // one vendor and the center
)

// Thread is a discussion in a case.
type Thread struct {
	ID          string    `json:"id"`
	CaseID      string    `json:"case_id"`
	Title       string    `json:"title"`
	Visibility  string    `json:"visibility"`
	VendorOrgID *string   `json:"vendor_org_id,omitempty"`
	Posts       int       `json:"posts"`
	Unread      int       `json:"unread"`
	LastPostAt  time.Time `json:"last_post_at,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// Post is one message in a thread: the platform's one mechanism for
// every discussion (internal/platform/threads).
type Post = pthreads.Post

// Input opens a discussion.
type Input struct {
	Title       string `json:"title"`
	Visibility  string `json:"visibility"` // internal, participants, vendor
	VendorOrgID string `json:"vendor_org_id"`
}

// Check trims the input and says what is wrong with it; a thread that is
// not a vendor's names no vendor. maxTitle is the longest title in runes.
func (in *Input) Check(maxTitle int) error {
	var f errs.Fields
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" || utf8.RuneCountInString(in.Title) > maxTitle {
		f.Add("title", "is required, at most %d characters", maxTitle)
	}
	switch in.Visibility {
	case Internal, Participants:
		in.VendorOrgID = ""
	case Vendor:
		if in.VendorOrgID == "" {
			f.Add("vendor_org_id", "name the vendor who sees the thread")
		}
	default:
		f.Add("visibility", "must be internal, participants or vendor")
	}
	return f.Err()
}

// Page is a page of a thread's posts, oldest first.
type Page struct {
	Thread Thread `json:"thread"`
	Posts  []Post `json:"posts"`
	// Older is the seq to ask for (before=) to see earlier posts; 0 when none.
	Older int64 `json:"older,omitempty"`
}

// Audience is the organisations among orgs (a case's participants) that
// see t and are to be told of a new post, leaving out the writer's own
// (mine). An internal thread has none: the center is told apart.
func Audience(t Thread, orgs []string, mine func(org string) bool) []string {
	if t.Visibility == Internal {
		return nil
	}
	var out []string
	for _, org := range orgs {
		if mine(org) {
			continue
		}
		if t.Visibility == Participants || (t.VendorOrgID != nil && *t.VendorOrgID == org) {
			out = append(out, org)
		}
	}
	return out
}

package auth

import (
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
)

// PlatformRole is a role over the whole platform, held by coordination-center staff.
type PlatformRole string

const (
	PlatformNone        PlatformRole = ""
	PlatformCoordinator PlatformRole = "coordinator" // reads everything, runs the directory and the work queues
	PlatformAdmin       PlatformRole = "admin"       // also manages users and platform settings
)

// Valid reports whether r is a known platform role.
func (r PlatformRole) Valid() bool {
	return r == PlatformNone || r == PlatformCoordinator || r == PlatformAdmin
}

// Role is a user's role in one organisation.
type Role string

const (
	RoleViewer  Role = "viewer"  // reads what the organisation may see
	RoleMember  Role = "member"  // also submits (reports, incidents, indicators)
	RoleAnalyst Role = "analyst" // also handles the organisation's work
	RoleAdmin   Role = "admin"   // also edits the organisation and manages its members
)

// Roles lists the organisation roles from least to most powerful.
var Roles = []Role{RoleViewer, RoleMember, RoleAnalyst, RoleAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// AtLeast reports whether r grants everything min does.
func (r Role) AtLeast(min Role) bool {
	return r.Valid() && slices.Index(Roles, r) >= slices.Index(Roles, min)
}

// Scope limits what an API token may do.
type Scope string

const (
	ScopeRead  Scope = "read"  // safe methods
	ScopeWrite Scope = "write" // changes
	ScopeAdmin Scope = "admin" // platform administration, when the user is an admin
)

// Scopes lists the token scopes.
var Scopes = []Scope{ScopeRead, ScopeWrite, ScopeAdmin}

// User is an account. Secrets never leave the package.
type User struct {
	ID           string       `json:"id"`
	Email        string       `json:"email"`
	Name         string       `json:"name"`
	PlatformRole PlatformRole `json:"platform_role"`
	TOTPEnabled  bool         `json:"totp_enabled"`
	Disabled     bool         `json:"disabled"`
	HasPassword  bool         `json:"has_password"`
	LockedUntil  *time.Time   `json:"locked_until,omitempty"`
	LastLoginAt  *time.Time   `json:"last_login_at,omitempty"`
	TimeZone     string       `json:"time_zone"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`

	passwordHash       string
	totpSecret         string
	totpLastStep       int64
	failedLogins       int
	sessionsValidAfter time.Time
}

// Membership gives a user a role in an organisation.
type Membership struct {
	UserID    string    `json:"user_id"`
	OrgID     string    `json:"org_id"`
	Role      Role      `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// Token is an API token as listed (the secret itself is shown once, at creation).
type Token struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Scopes     []Scope    `json:"scopes"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// Active reports whether the token can be used at t.
func (t Token) Active(at time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || at.Before(*t.ExpiresAt))
}

// How an identity authenticated.
const (
	MethodSession = "session"
	MethodToken   = "token"
	MethodBasic   = "basic"
	MethodSystem  = "system"
)

// Identity is who is making a request, with what they may act as.
type Identity struct {
	User        User
	Memberships []Membership
	Method      string
	TokenID     string
	// Scopes restrict a token; nil means unrestricted (a browser session).
	Scopes []Scope
	IP     string
}

// System is the identity of the server itself and of the command line run by
// the operator: it may do anything and is recorded as "system" in the audit log.
func System(label string) *Identity {
	return &Identity{Method: MethodSystem, User: User{Name: label, PlatformRole: PlatformAdmin}}
}

// IsSystem reports whether id is the server or the operator's command line.
func (id *Identity) IsSystem() bool { return id != nil && id.Method == MethodSystem }

// HasScope reports whether the credential allows s.
func (id *Identity) HasScope(s Scope) bool {
	return id != nil && (id.Scopes == nil || slices.Contains(id.Scopes, s))
}

// IsPlatformAdmin reports whether id may administer the platform.
func (id *Identity) IsPlatformAdmin() bool {
	return id != nil && id.User.PlatformRole == PlatformAdmin && id.HasScope(ScopeAdmin)
}

// IsStaff reports whether id is coordination-center staff (coordinator or admin).
func (id *Identity) IsStaff() bool {
	return id != nil && (id.User.PlatformRole == PlatformCoordinator || id.User.PlatformRole == PlatformAdmin)
}

// RoleIn returns id's role in orgID, or "" when id is not a member.
func (id *Identity) RoleIn(orgID string) Role {
	if id == nil {
		return ""
	}
	for _, m := range id.Memberships {
		if m.OrgID == orgID {
			return m.Role
		}
	}
	return ""
}

// OrgIDs lists the organisations id belongs to.
func (id *Identity) OrgIDs() []string {
	if id == nil {
		return nil
	}
	out := make([]string, 0, len(id.Memberships))
	for _, m := range id.Memberships {
		out = append(out, m.OrgID)
	}
	return out
}

// Label is how a record names who made it (a run's actor, who loaded a
// table): the e-mail address, or the name where there is none (a system
// identity); "" for nobody.
func (id *Identity) Label() string {
	if id == nil {
		return ""
	}
	if id.User.Email != "" {
		return id.User.Email
	}
	return id.User.Name
}

// DisplayName is how people read who acted (an author, a note's writer):
// the user's name, else Label.
func (id *Identity) DisplayName() string {
	if id == nil {
		return ""
	}
	if n := strings.TrimSpace(id.User.Name); n != "" {
		return n
	}
	return id.Label()
}

// Actor is how id appears in the audit log.
func (id *Identity) Actor() audit.Actor {
	if id == nil {
		return audit.Actor{}
	}
	if id.IsSystem() {
		return audit.Actor{Email: "system: " + id.User.Name, IP: id.IP}
	}
	return audit.Actor{UserID: id.User.ID, Email: id.User.Email, IP: id.IP}
}

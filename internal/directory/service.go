package directory

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
)

// Service is the directory's rules. Every read checks Allowed; every write
// checks it and records an audit event in the same transaction.
type Service struct {
	db    *db.DB
	users *auth.Service
	hooks *notify.Webhooks
	now   func() time.Time
	log   *slog.Logger
}

// NewService makes the service.
func NewService(d *db.DB, users *auth.Service, hooks *notify.Webhooks, now func() time.Time, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: d, users: users, hooks: hooks, now: now, log: log}
}

// viewer gathers what the access rule needs to know about id.
func (s *Service) viewer(ctx context.Context, q db.Querier, id *auth.Identity) (Viewer, error) {
	if id == nil {
		return Viewer{}, errs.Unauthenticated("sign in to use the directory")
	}
	v := Viewer{Identity: id}
	if !id.IsSystem() && len(id.Memberships) > 0 {
		in, err := inCERT(ctx, q, id.OrgIDs())
		if err != nil {
			return Viewer{}, err
		}
		v.InCERT = in
	}
	return v, nil
}

func (s *Service) subject(ctx context.Context, q db.Querier, o Org) (Subject, error) {
	anc, err := ancestors(ctx, q, o.ID)
	return Subject{ID: o.ID, Kind: o.Kind, Ancestors: anc}, err
}

// load returns the organisation and whether v may do a to it. An
// organisation v may not even see is reported as not found.
func (s *Service) load(ctx context.Context, q db.Querier, id *auth.Identity, orgID string, a Action) (Org, Viewer, Subject, error) {
	v, err := s.viewer(ctx, q, id)
	if err != nil {
		return Org{}, v, Subject{}, err
	}
	o, err := getOrg(ctx, q, orgID)
	if err != nil {
		return Org{}, v, Subject{}, err
	}
	sub, err := s.subject(ctx, q, o)
	if err != nil {
		return Org{}, v, Subject{}, err
	}
	if !Allowed(v, ActionView, sub) {
		return Org{}, v, sub, errs.NotFound("organisation not found")
	}
	if !Allowed(v, a, sub) {
		return Org{}, v, sub, errs.Forbidden("you may not %s this organisation", actionWords[a])
	}
	return o, v, sub, nil
}

var actionWords = map[Action]string{
	ActionView: "see", ActionEdit: "edit", ActionStructure: "change the kind, parent, CII designation or listing of",
	ActionMembers: "manage the members of", ActionCreateChild: "register organisations below", ActionDelete: "delete",
}

// Get returns one organisation.
func (s *Service) Get(ctx context.Context, id *auth.Identity, orgID string) (Org, error) {
	var o Org
	err := s.db.Read(ctx, func(q db.Querier) error {
		var err error
		o, _, _, err = s.load(ctx, q, id, orgID, ActionView)
		return err
	})
	return o, err
}

// GetMany loads several organisations whole, in the order of ids, skipping
// IDs that do not exist. It serves the platform's own work (notifying every
// participant of a case), so only the system and the center's staff may.
func (s *Service) GetMany(ctx context.Context, id *auth.Identity, ids []string) ([]Org, error) {
	if !id.IsSystem() && !id.IsStaff() {
		return nil, errs.Forbidden("only the platform loads organisations in bulk")
	}
	var out []Org
	err := s.db.Read(ctx, func(q db.Querier) error {
		var err error
		out, err = getOrgs(ctx, q, ids)
		return err
	})
	return out, err
}

// Permissions says which actions id may take on orgID (for showing buttons).
func (s *Service) Permissions(ctx context.Context, id *auth.Identity, orgID string) (map[Action]bool, error) {
	out := map[Action]bool{}
	err := s.db.Read(ctx, func(q db.Querier) error {
		_, v, sub, err := s.load(ctx, q, id, orgID, ActionView)
		if err != nil {
			return err
		}
		for _, a := range Actions {
			out[a] = Allowed(v, a, sub)
		}
		return nil
	})
	return out, err
}

// List returns a page of the organisations id may see, complete with
// contacts and constituency, and the next cursor.
func (s *Service) List(ctx context.Context, id *auth.Identity, f Filter) ([]Org, string, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if f.Kind != "" && !f.Kind.Valid() {
		return nil, "", errs.InvalidField("kind", "must be one of %s", kindList())
	}
	if f.Sector != "" && !slices.Contains(Sectors, f.Sector) {
		return nil, "", errs.InvalidField("sector", "must be one of %s", strings.Join(Sectors, ", "))
	}
	after, err := db.DecodeCursor(f.Cursor, 2)
	if err != nil {
		return nil, "", err
	}
	var out []Org
	next := ""
	err = s.db.Read(ctx, func(q db.Querier) error {
		v, err := s.viewer(ctx, q, id)
		if err != nil {
			return err
		}
		page, err := listOrgs(ctx, q, v, f, after, f.Limit)
		if err != nil {
			return err
		}
		if len(page) > f.Limit {
			page = page[:f.Limit]
			last := page[len(page)-1]
			next = db.EncodeCursor(strings.ToLower(last.Name), last.ID)
		}
		ids := make([]string, len(page))
		for i, p := range page {
			ids[i] = p.ID
		}
		out, err = getOrgs(ctx, q, ids)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// All returns every organisation id may see (for the hierarchy and exports).
func (s *Service) All(ctx context.Context, id *auth.Identity, f Filter) ([]Summary, error) {
	var out []Summary
	err := s.db.Read(ctx, func(q db.Querier) error {
		v, err := s.viewer(ctx, q, id)
		if err != nil {
			return err
		}
		out, err = listOrgs(ctx, q, v, f, nil, 0)
		return err
	})
	return out, err
}

// maxDepth bounds the hierarchy, well inside the bound of the recursive
// queries (32), so every organisation's ancestors are always found.
const maxDepth = 12

// checkParent verifies a new or changed parent: it exists, id may see it, it
// can have children, and the organisation is not being put below itself.
func (s *Service) checkParent(ctx context.Context, q db.Querier, v Viewer, orgID string, parentID *string) (*Subject, error) {
	if parentID == nil {
		return nil, nil
	}
	p, err := getOrg(ctx, q, *parentID)
	if errs.KindOf(err) == errs.KindNotFound {
		return nil, errs.InvalidField("parent_id", "is not an organisation of the directory")
	}
	if err != nil {
		return nil, err
	}
	sub, err := s.subject(ctx, q, p)
	if err != nil {
		return nil, err
	}
	if !Allowed(v, ActionView, sub) {
		return nil, errs.InvalidField("parent_id", "is not an organisation of the directory")
	}
	if p.Kind == KindVendor || p.Kind == KindLab {
		return nil, errs.InvalidField("parent_id", "a vendor or lab cannot have organisations below it")
	}
	if orgID != "" && (p.ID == orgID || slices.Contains(sub.Ancestors, orgID)) {
		return nil, errs.InvalidField("parent_id", "would put the organisation below itself")
	}
	height := 0
	if orgID != "" {
		if height, err = subtreeHeight(ctx, q, orgID); err != nil {
			return nil, err
		}
	}
	if len(sub.Ancestors)+1+height >= maxDepth {
		return nil, errs.InvalidField("parent_id", "the hierarchy would be deeper than %d levels", maxDepth)
	}
	return &sub, nil
}

// Create adds an organisation.
func (s *Service) Create(ctx context.Context, id *auth.Identity, in OrgInput) (Org, error) {
	now := s.now()
	o := Org{ID: db.NewID(), CreatedAt: now, UpdatedAt: now}
	if err := apply(&o, in, now); err != nil {
		return Org{}, err
	}
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		v, err := s.viewer(ctx, tx, id)
		if err != nil {
			return err
		}
		parent, err := s.checkParent(ctx, tx, v, "", o.ParentID)
		if err != nil {
			return err
		}
		if !MayCreate(v, o.Kind, parent) {
			if parent == nil {
				return errs.Forbidden("only the coordination center registers organisations at the top of the directory")
			}
			return errs.Forbidden("you may not register a %s below this organisation", strings.ReplaceAll(string(o.Kind), "_", " "))
		}
		if !id.IsStaff() && !id.IsSystem() && (o.CII || o.Listed) {
			return errs.Forbidden("only the coordination center designates CII or lists an organisation publicly")
		}
		if err := saveOrg(ctx, tx, o, true); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "org.create", ObjectType: "org", ObjectID: o.ID, OrgID: o.ID,
			Summary: "registered " + o.Name + " (" + string(o.Kind) + ")", After: o})
	})
	if err != nil {
		return Org{}, err
	}
	return o, nil
}

// Update changes an organisation; fields left nil in `in` stay as they are.
func (s *Service) Update(ctx context.Context, id *auth.Identity, orgID string, in OrgInput) (Org, error) {
	var after Org
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		before, v, sub, err := s.load(ctx, tx, id, orgID, ActionEdit)
		if err != nil {
			return err
		}
		o := before
		o.Contacts = slices.Clone(before.Contacts)
		now := s.now()
		if err := apply(&o, in, now); err != nil {
			return err
		}
		structural := o.Kind != before.Kind || o.Parent() != before.Parent() || o.CII != before.CII || o.Listed != before.Listed
		if structural && !Allowed(v, ActionStructure, sub) {
			return errs.Forbidden("only the coordination center changes an organisation's kind, parent, CII designation or public listing")
		}
		if o.Parent() != before.Parent() {
			if _, err := s.checkParent(ctx, tx, v, o.ID, o.ParentID); err != nil {
				return err
			}
		}
		o.UpdatedAt = now
		if err := saveOrg(ctx, tx, o, false); err != nil {
			return err
		}
		after = o
		if err := audit.Record(ctx, tx, now, audit.Event{Action: "org.update", ObjectType: "org", ObjectID: o.ID, OrgID: o.ID,
			Summary: "updated " + o.Name + changedFields(before, o), Before: before, After: o}); err != nil {
			return err
		}
		if s.hooks != nil {
			return s.hooks.Emit(ctx, tx, o.ID, "org.updated", o)
		}
		return nil
	})
	return after, err
}

// changedFields names what changed, for the audit summary.
func changedFields(a, b Org) string {
	var ch []string
	add := func(cond bool, name string) {
		if cond {
			ch = append(ch, name)
		}
	}
	add(a.Name != b.Name || a.ShortName != b.ShortName, "name")
	add(a.Kind != b.Kind, "kind")
	add(a.Parent() != b.Parent(), "parent")
	add(a.Sector != b.Sector || a.Country != b.Country, "sector/country")
	add(a.CII != b.CII, "CII designation")
	add(a.Listed != b.Listed, "listing")
	add(a.Website != b.Website || a.Description != b.Description, "description")
	add(!slices.Equal(a.Contacts, b.Contacts), "contacts")
	add(a.PGPFingerprint != b.PGPFingerprint, "OpenPGP key")
	add(a.RFC2350 != b.RFC2350, "RFC 2350 profile")
	add(!slices.Equal(a.Constituency.CIDRs, b.Constituency.CIDRs) || !slices.Equal(a.Constituency.ASNs, b.Constituency.ASNs) ||
		!slices.Equal(a.Constituency.Domains, b.Constituency.Domains), "constituency")
	add(!slices.Equal(a.Packages, b.Packages), "packages")
	if len(ch) == 0 {
		return " (no change)"
	}
	return ": " + strings.Join(ch, ", ")
}

// Count is how many organisations the directory holds (the metrics').
func (s *Service) Count(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM orgs`).Scan(&n); err != nil {
		return 0, fmt.Errorf("directory: count: %w", err)
	}
	return n, nil
}

// Delete removes an organisation that has nothing below it.
func (s *Service) Delete(ctx context.Context, id *auth.Identity, orgID string) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		o, _, _, err := s.load(ctx, tx, id, orgID, ActionDelete)
		if err != nil {
			return err
		}
		var children int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM orgs WHERE parent_id = $1`, orgID).Scan(&children); err != nil {
			return fmt.Errorf("directory: delete: %w", err)
		}
		if children > 0 {
			return errs.Conflict("%s has %d organisation(s) below it; move or delete them first", o.Name, children)
		}
		// What the kernel holds of it goes with it, in this transaction.
		if err := auth.RemoveOrgMemberships(ctx, tx, orgID); err != nil {
			return err
		}
		if err := notify.DeleteOrgWebhooks(ctx, tx, orgID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM orgs WHERE id = $1`, orgID); err != nil {
			if db.IsForeignKeyViolation(err) {
				return errs.Conflict("%s is still referenced by other records and cannot be deleted", o.Name)
			}
			return fmt.Errorf("directory: delete: %w", err)
		}
		if err := tx.Announce(ctx, Topic); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), audit.Event{Action: "org.delete", ObjectType: "org", ObjectID: o.ID, OrgID: o.ID,
			Summary: "deleted " + o.Name, Before: o})
	})
}

// Overlaps lists where orgID's networks overlap other organisations'. Owners
// id may not see are named only as "another organisation".
func (s *Service) Overlaps(ctx context.Context, id *auth.Identity, orgID string) ([]Overlap, error) {
	var out []Overlap
	err := s.db.Read(ctx, func(q db.Querier) error {
		o, v, _, err := s.load(ctx, q, id, orgID, ActionView)
		if err != nil {
			return err
		}
		if len(o.Constituency.CIDRs) == 0 {
			return nil
		}
		nets, err := allNetworks(ctx, q)
		if err != nil {
			return err
		}
		mine := make([]netip.Prefix, 0, len(o.Constituency.CIDRs))
		for _, c := range o.Constituency.CIDRs {
			if p, err := netip.ParsePrefix(c); err == nil {
				mine = append(mine, p)
			}
		}
		seen := map[string]bool{}
		for _, n := range nets {
			if n.OrgID == o.ID {
				continue
			}
			other, err := netip.ParsePrefix(n.CIDR)
			if err != nil {
				continue
			}
			for _, p := range mine {
				if !p.Overlaps(other) {
					continue
				}
				// Whose network it is, and the network itself, are shown only to
				// those who may see the other organisation: a constituency is
				// private, and claiming wide networks must not reveal others'.
				ov := Overlap{CIDR: p.String(), OrgName: "another organisation"}
				if !seen[n.OrgID] {
					other, err := getOrg(ctx, q, n.OrgID)
					if err == nil {
						sub, err := s.subject(ctx, q, other)
						seen[n.OrgID] = err == nil && Allowed(v, ActionView, sub)
					}
				}
				if seen[n.OrgID] {
					ov.OrgID, ov.OrgName, ov.OtherCIDR = n.OrgID, n.OrgName, other.String()
				}
				out = append(out, ov)
			}
		}
		return nil
	})
	return out, err
}

// Members lists who belongs to orgID: visible to its members and to those who manage it.
func (s *Service) Members(ctx context.Context, id *auth.Identity, orgID string) ([]auth.Member, error) {
	var out []auth.Member
	err := s.db.Read(ctx, func(q db.Querier) error {
		_, v, sub, err := s.load(ctx, q, id, orgID, ActionView)
		if err != nil {
			return err
		}
		if id.RoleIn(orgID) == "" && !Allowed(v, ActionMembers, sub) {
			return errs.Forbidden("only members of the organisation and those who manage it see its members")
		}
		out, err = auth.Members(ctx, q, orgID)
		return err
	})
	return out, err
}

// NewMember adds a person to an organisation by e-mail address: an existing
// account gets the membership; otherwise an account is created and invited.
type NewMember struct {
	Email string    `json:"email"`
	Name  string    `json:"name"`
	Role  auth.Role `json:"role"`
}

// AddMember adds or updates a membership and reports whether an account was created.
func (s *Service) AddMember(ctx context.Context, id *auth.Identity, orgID string, in NewMember) (auth.Member, bool, error) {
	var m auth.Member
	var created bool
	if !in.Role.Valid() {
		return m, false, errs.InvalidField("role", "must be one of viewer, member, analyst, admin")
	}
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		o, _, _, err := s.load(ctx, tx, id, orgID, ActionMembers)
		if err != nil {
			return err
		}
		u, err := s.users.UserByEmailTx(ctx, tx, in.Email)
		if errs.KindOf(err) == errs.KindNotFound {
			u, err = s.users.CreateUserTx(ctx, tx, auth.NewUser{Email: in.Email, Name: in.Name, Invite: true})
			created = err == nil
		}
		if err != nil {
			return err
		}
		now := s.now()
		prev, err := auth.PutMembership(ctx, tx, u.ID, orgID, in.Role, now)
		if err != nil {
			return err
		}
		m = auth.Member{Membership: auth.Membership{UserID: u.ID, OrgID: orgID, Role: in.Role, CreatedAt: now},
			Email: u.Email, Name: u.Name, Disabled: u.Disabled}
		summary := fmt.Sprintf("added %s to %s as %s", u.Email, o.Name, in.Role)
		if prev != "" {
			summary = fmt.Sprintf("changed the role of %s in %s from %s to %s", u.Email, o.Name, prev, in.Role)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "membership.put", ObjectType: "membership", ObjectID: u.ID + "@" + orgID,
			OrgID: orgID, Summary: summary, Before: map[string]any{"role": prev}, After: map[string]any{"role": in.Role}})
	})
	return m, created, err
}

// memberChange loads the organisation (checking id may manage its members)
// and the user whose membership changes.
func (s *Service) memberChange(ctx context.Context, tx *db.Tx, id *auth.Identity, orgID, userID string) (Org, auth.User, error) {
	o, _, _, err := s.load(ctx, tx, id, orgID, ActionMembers)
	if err != nil {
		return Org{}, auth.User{}, err
	}
	u, err := s.users.GetUserTx(ctx, tx, userID)
	return o, u, err
}

// SetRole changes a member's role.
func (s *Service) SetRole(ctx context.Context, id *auth.Identity, orgID, userID string, role auth.Role) error {
	if !role.Valid() {
		return errs.InvalidField("role", "must be one of viewer, member, analyst, admin")
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		o, u, err := s.memberChange(ctx, tx, id, orgID, userID)
		if err != nil {
			return err
		}
		prev, err := auth.PutMembership(ctx, tx, userID, orgID, role, s.now())
		if err != nil {
			return err
		}
		if prev == "" {
			return errs.NotFound("the user is not a member of %s", o.Name)
		}
		return audit.Record(ctx, tx, s.now(), audit.Event{Action: "membership.put", ObjectType: "membership", ObjectID: userID + "@" + orgID,
			OrgID: orgID, Summary: fmt.Sprintf("changed the role of %s in %s from %s to %s", u.Email, o.Name, prev, role),
			Before: map[string]any{"role": prev}, After: map[string]any{"role": role}})
	})
}

// RemoveMember ends a membership.
func (s *Service) RemoveMember(ctx context.Context, id *auth.Identity, orgID, userID string) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		o, u, err := s.memberChange(ctx, tx, id, orgID, userID)
		if err != nil {
			return err
		}
		prev, err := auth.RemoveMembership(ctx, tx, userID, orgID)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), audit.Event{Action: "membership.remove", ObjectType: "membership", ObjectID: userID + "@" + orgID,
			OrgID: orgID, Summary: fmt.Sprintf("removed %s from %s", u.Email, o.Name), Before: map[string]any{"role": prev}})
	})
}

// Webhooks lists orgID's webhook endpoints (for those who manage it).
func (s *Service) Webhooks(ctx context.Context, id *auth.Identity, orgID string) ([]notify.Webhook, error) {
	if err := s.db.Read(ctx, func(q db.Querier) error {
		_, _, _, err := s.load(ctx, q, id, orgID, ActionMembers)
		return err
	}); err != nil {
		return nil, err
	}
	return s.hooks.List(ctx, orgID)
}

// AddWebhook registers an endpoint for orgID and returns its signing secret.
func (s *Service) AddWebhook(ctx context.Context, id *auth.Identity, orgID, url string, events []string) (notify.Webhook, string, error) {
	if err := s.db.Read(ctx, func(q db.Querier) error {
		_, _, _, err := s.load(ctx, q, id, orgID, ActionMembers)
		return err
	}); err != nil {
		return notify.Webhook{}, "", err
	}
	return s.hooks.Create(ctx, orgID, url, events)
}

// DeleteWebhook removes one of orgID's endpoints.
func (s *Service) DeleteWebhook(ctx context.Context, id *auth.Identity, orgID, hookID string) error {
	if err := s.db.Read(ctx, func(q db.Querier) error {
		_, _, _, err := s.load(ctx, q, id, orgID, ActionMembers)
		return err
	}); err != nil {
		return err
	}
	return s.hooks.Delete(ctx, orgID, hookID)
}

// Names returns the names of the organisations among ids that id may see.
func (s *Service) Names(ctx context.Context, id *auth.Identity, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	err := s.db.Read(ctx, func(q db.Querier) error {
		v, err := s.viewer(ctx, q, id)
		if err != nil {
			return err
		}
		orgs, err := getOrgs(ctx, q, ids)
		if err != nil {
			return err
		}
		for _, o := range orgs {
			sub, err := s.subject(ctx, q, o)
			if err != nil {
				return err
			}
			if Allowed(v, ActionView, sub) {
				out[o.ID] = o.Name
			}
		}
		return nil
	})
	return out, err
}

// Constituencies answers every organisation's constituency — its networks,
// AS numbers and domains — by organisation ID: what routing threat
// intelligence to the organisations it concerns needs. It serves the
// platform's own work, so only the system and the center's staff may ask.
func (s *Service) Constituencies(ctx context.Context, id *auth.Identity) (map[string]Constituency, error) {
	if !id.IsSystem() && !id.IsStaff() {
		return nil, errs.Forbidden("only the platform loads every constituency")
	}
	var out map[string]Constituency
	err := s.db.Read(ctx, func(q db.Querier) error {
		var err error
		out, err = allConstituencies(ctx, q)
		return err
	})
	return out, err
}

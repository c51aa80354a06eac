package vdp

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/pgp"
	"github.com/certhub/certhub/internal/platform/settings"
	"github.com/certhub/certhub/internal/vdp/files"
	"github.com/certhub/certhub/internal/vdp/outbound"
)

// Orgs is what the disclosure program needs of the directory.
type Orgs interface {
	Get(ctx context.Context, id *auth.Identity, orgID string) (directory.Org, error)
	GetMany(ctx context.Context, id *auth.Identity, orgIDs []string) ([]directory.Org, error)
	All(ctx context.Context, id *auth.Identity, f directory.Filter) ([]directory.Summary, error)
}

// People is what the disclosure program needs of the accounts: the names of
// the center's people who wrote to a reporter.
type People interface {
	GetUser(ctx context.Context, id string) (auth.User, error)
}

// Options configure the Service.
type Options struct {
	DB        *db.DB
	Orgs      Orgs
	People    People
	Outbox    *notify.Outbox
	CenterKey *pgp.CenterKey
	Now       func() time.Time
	Log       *slog.Logger
	BaseURL   string
	// DataDir holds attachments (DataDir/attachments).
	DataDir string
	// CenterName signs e-mail to reporters and vendors.
	CenterName string
	// ReportAddress is the e-mail address reports arrive at (the inbound
	// listener); mail to reporters names it as Reply-To.
	ReportAddress string
}

// Service runs the disclosure program.
type Service struct {
	db      *db.DB
	orgs    Orgs
	people  People
	out     *outbound.Mailer
	key     *pgp.CenterKey
	now     func() time.Time
	log     *slog.Logger
	baseURL string
	dataDir string
	files   *files.Store  // the reports' attached files, under dataDir
	intake  *auth.Limiter // public submissions per address
	members *auth.Limiter // organisations' submissions per user
	follow  *auth.Limiter // follow-link reads and messages per address
}

// NewService makes the service.
func NewService(o Options) *Service {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: o.DB, orgs: o.Orgs, people: o.People, out: outbound.New(o.Outbox, o.Log, o.Orgs, o.CenterName, o.ReportAddress), key: o.CenterKey, now: o.Now, log: o.Log,
		baseURL: strings.TrimRight(o.BaseURL, "/"), dataDir: o.DataDir, files: files.NewStore(o.DataDir),
		// Five reports at once from one address, then one every two minutes.
		intake: auth.NewLimiter(5, 2*time.Minute, o.Now),
		// Members of organisations file batches (a pentest's findings): more room.
		members: auth.NewLimiter(30, 30*time.Second, o.Now),
		follow:  auth.NewLimiter(60, 2*time.Second, o.Now)}
}

// SetBaseURL changes the public URL used in links; call it before serving.
func (s *Service) SetBaseURL(u string) { s.baseURL = strings.TrimRight(u, "/") }

// Now is the service's clock (the test clock in tests).
func (s *Service) Now() time.Time { return s.now() }

// CenterKey is the center's public key for reporters to encrypt to.
func (s *Service) CenterKey() *pgp.CenterKey { return s.key }

var system = auth.System("disclosure program")

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// Settings are the program's policies, kept in the settings table.
type Settings struct {
	AckHours        int `json:"ack_hours"`        // time to acknowledge a report
	TriageHours     int `json:"triage_hours"`     // time to triage it (paused while waiting for the reporter)
	PublicationDays int `json:"publication_days"` // publication date after the first vendor contact
	ReminderDays    int `json:"reminder_days"`    // remind a silent vendor this often
	EscalateAfter   int `json:"escalate_after"`   // reminders before escalating to the case owner
	DeadlineDays    int `json:"deadline_days"`    // warn this long before the publication date
	// The center as a CVE Numbering Authority, for CVE records.
	CNAOrgID     string `json:"cna_org_id"` // the UUID CVE Services gave the CNA
	CNAShortName string `json:"cna_short_name"`
}

// DefaultSettings follow common practice: acknowledge within two days,
// triage within a week, publish 90 days after the vendor was first told.
var DefaultSettings = Settings{AckHours: 48, TriageHours: 168, PublicationDays: 90, ReminderDays: 7, EscalateAfter: 3, DeadlineDays: 7}

var settingKeys = map[string]func(*Settings) *int{
	"vdp.ack_hours":        func(s *Settings) *int { return &s.AckHours },
	"vdp.triage_hours":     func(s *Settings) *int { return &s.TriageHours },
	"vdp.publication_days": func(s *Settings) *int { return &s.PublicationDays },
	"vdp.reminder_days":    func(s *Settings) *int { return &s.ReminderDays },
	"vdp.escalate_after":   func(s *Settings) *int { return &s.EscalateAfter },
	"vdp.deadline_days":    func(s *Settings) *int { return &s.DeadlineDays },
}

// Settings returns the current policies.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	out := DefaultSettings
	kv, err := settings.Prefixed(ctx, s.db, "vdp.")
	if err != nil {
		return out, fmt.Errorf("vdp: settings: %w", err)
	}
	for k, v := range kv {
		if f, ok := settingKeys[k]; ok {
			if n, err := strconv.Atoi(v); err == nil {
				*f(&out) = n
			}
		}
	}
	out.CNAOrgID, out.CNAShortName = kv["vdp.cna_org_id"], kv["vdp.cna_short_name"]
	return out, nil
}

// SaveSettings changes the policies (platform administrators).
func (s *Service) SaveSettings(ctx context.Context, id *auth.Identity, in Settings) error {
	if !id.IsSystem() && !id.IsPlatformAdmin() {
		return errs.Forbidden("only platform administrators change the disclosure policy")
	}
	var f errs.Fields
	check := func(field string, v, min, max int) {
		if v < min || v > max {
			f.Add(field, "must be from %d to %d", min, max)
		}
	}
	check("ack_hours", in.AckHours, 1, 24*30)
	check("triage_hours", in.TriageHours, 1, 24*90)
	check("publication_days", in.PublicationDays, 1, 3650)
	check("reminder_days", in.ReminderDays, 1, 365)
	check("escalate_after", in.EscalateAfter, 1, 50)
	check("deadline_days", in.DeadlineDays, 0, 365)
	in.CNAOrgID, in.CNAShortName = strings.ToLower(strings.TrimSpace(in.CNAOrgID)), strings.TrimSpace(in.CNAShortName)
	if in.CNAOrgID != "" && !uuidRE.MatchString(in.CNAOrgID) {
		f.Add("cna_org_id", "must be the UUID of the CNA in CVE Services")
	}
	if in.CNAOrgID != "" && (in.CNAShortName == "" || len(in.CNAShortName) > 32 || strings.ContainsAny(in.CNAShortName, " \t\r\n")) {
		f.Add("cna_short_name", "give the CNA's short name (2–32 characters, no spaces)")
	}
	if err := f.Err(); err != nil {
		return err
	}
	before, err := s.Settings(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	return s.db.Write(ctx, func(tx *db.Tx) error {
		for k, v := range map[string]string{"vdp.cna_org_id": in.CNAOrgID, "vdp.cna_short_name": in.CNAShortName} {
			if err := settings.Put(ctx, tx, k, v, now); err != nil {
				return fmt.Errorf("vdp: save settings: %w", err)
			}
		}
		for k, get := range settingKeys {
			if err := settings.Put(ctx, tx, k, strconv.Itoa(*get(&in)), now); err != nil {
				return fmt.Errorf("vdp: save settings: %w", err)
			}
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "vdp.settings", ObjectType: "settings", ObjectID: "vdp",
			Summary: "changed the disclosure policy", Before: before, After: in})
	})
}

// FollowURL is where a reporter follows a report.
func (s *Service) FollowURL(secret string) string {
	return s.baseURL + "/report/follow?key=" + url.QueryEscape(secret)
}

func (s *Service) link(path string) string { return s.baseURL + path }

// coordinationCenter finds the organisation reports go to when no rule
// matches: "" while the directory has none yet (a fresh installation), when
// reports stay with the center's staff, who see every report anyway.
func (s *Service) coordinationCenter(ctx context.Context) (string, error) {
	all, err := s.orgs.All(ctx, system, directory.Filter{Kind: directory.KindCoordinationCenter})
	if err != nil || len(all) == 0 {
		return "", err
	}
	return all[0].ID, nil
}

func actorName(id *auth.Identity) string {
	if id == nil {
		return "the reporter"
	}
	if id.IsSystem() {
		return id.User.Name
	}
	return id.User.Name
}

// deref is the string p points to, or "".
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

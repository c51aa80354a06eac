package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/jobs"
	"github.com/certhub/certhub/internal/platform/notify"
	"github.com/certhub/certhub/internal/platform/seal"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newService(t testing.TB, d *db.DB) (*Service, *clock) {
	t.Helper()
	q, err := jobs.New(d, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := seal.Parse(strings.Repeat("42", 32))
	c := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	return NewService(Options{DB: d, Outbox: notify.NewOutbox(q, key), Key: key, Now: c.Now, BaseURL: "https://hub.example", Issuer: "CERT hub", LockoutThreshold: 3}), c
}

const goodPassword = "correct horse battery"

func TestPasswordHashing(t *testing.T) {
	h, err := HashPassword(goodPassword)
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q, %v", h, err)
	}
	if ok, rehash := CheckPassword(h, goodPassword); !ok || rehash {
		t.Fatalf("right password: ok=%v rehash=%v", ok, rehash)
	}
	if ok, _ := CheckPassword(h, goodPassword+"!"); ok {
		t.Fatal("wrong password accepted")
	}
	weak := strings.Replace(h, "m=19456,t=2", "m=8192,t=1", 1)
	if _, rehash := CheckPassword(weak, goodPassword); !rehash {
		t.Fatal("weaker parameters not flagged for rehash")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$aa$bb", "$argon2id$v=19$m=x$aa$bb", "plain"} {
		if ok, _ := CheckPassword(bad, goodPassword); ok {
			t.Fatalf("malformed hash %q accepted", bad)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	tests := []struct{ pw, want string }{
		{goodPassword, ""},
		{"short", "at least 12"},
		{"password1234", "common"},
		{"aaaaaaaaaaaaaaa", "single character"},
		{"analyst@bank.example", "e-mail"},
		{"analyst-is-me", ""},
		{"aminakhanaminakhan", ""},
		{strings.Repeat("x", 600) + "y", "512"},
	}
	for _, tt := range tests {
		got := PasswordProblem(tt.pw, "analyst@bank.example", "Amina Khan")
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("PasswordProblem(%q) = %q, want %q", tt.pw, got, tt.want)
		}
	}
	if g := GeneratePassword(); PasswordProblem(g, "", "") != "" || len(g) != 20 {
		t.Errorf("generated password %q fails the policy", g)
	}
}

func TestTOTPCodesWorkOnceWithinOneStepOfDrift(t *testing.T) {
	key, err := NewTOTPKey("CERT hub", "a@example.org")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 9, 0, 10, 0, time.UTC)
	code, _ := totp.GenerateCodeCustom(key.Secret(), now, totpOpts)
	step, ok := matchTOTP(key.Secret(), code, now)
	if !ok || step != now.Unix()/30 {
		t.Fatalf("current code: step %d ok %v", step, ok)
	}
	if _, ok := matchTOTP(key.Secret(), code, now.Add(30*time.Second)); !ok {
		t.Error("a code from the previous step was refused (drift)")
	}
	if _, ok := matchTOTP(key.Secret(), code, now.Add(90*time.Second)); ok {
		t.Error("a code three steps old was accepted")
	}
	if _, ok := matchTOTP(key.Secret(), "12345", now); ok {
		t.Error("a five-digit code was accepted")
	}
}

func TestLoginLockoutAndRateLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, c := newService(t, d)
		ctx := context.Background()
		u, err := s.CreateUser(ctx, NewUser{Email: " Analyst@Bank.Example ", Name: "Amina", Password: goodPassword})
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "analyst@bank.example" {
			t.Fatalf("email stored as %q", u.Email)
		}
		if _, _, err := s.Login(ctx, "nobody@bank.example", goodPassword, "10.0.0.1"); err != ErrBadCredentials {
			t.Fatalf("unknown user: %v", err)
		}
		for i := range 3 {
			if _, _, err := s.Login(ctx, u.Email, "wrong password!", "10.0.0.2"); err != ErrBadCredentials {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		// Locked now: a wrong password gets the usual answer (nothing revealed),
		// the right one learns about the lock.
		if _, _, err := s.Login(ctx, u.Email, "yet another guess", "10.0.0.3"); err != ErrBadCredentials {
			t.Fatalf("locked account, wrong password: %v", err)
		}
		_, _, err = s.Login(ctx, u.Email, goodPassword, "10.0.0.3")
		if errs.KindOf(err) != errs.KindUnauthenticated || !strings.Contains(err.Error(), "locked") {
			t.Fatalf("locked account: %v", err)
		}
		c.Add(16 * time.Minute)
		got, needTOTP, err := s.Login(ctx, "ANALYST@bank.example", goodPassword, "10.0.0.3")
		if err != nil || needTOTP || got.ID != u.ID {
			t.Fatalf("after the lockout: %v %v %v", got.ID, needTOTP, err)
		}
		id, err := s.CompleteLogin(ctx, u.ID, "10.0.0.3", MethodSession)
		if err != nil || id.User.LastLoginAt == nil {
			t.Fatalf("complete login: %+v %v", id, err)
		}
		// One address hammering: the limiter answers before the database.
		var limited error
		for range 20 {
			if _, _, err := s.Login(ctx, u.Email, "wrong password!", "203.0.113.9"); errs.KindOf(err) == errs.KindRateLimited {
				limited = err
				break
			}
		}
		if e := errs.As(limited); e == nil || e.RetryAfter < 1 {
			t.Fatalf("no rate limit after 20 attempts: %v", limited)
		}
		// Disabled accounts cannot sign in, and say so only after the right password.
		if _, err := s.CreateUser(ctx, NewUser{Email: "root@cc.example", Name: "Root", Password: goodPassword, PlatformRole: PlatformAdmin}); err != nil {
			t.Fatal(err)
		}
		other, err := s.CreateUser(ctx, NewUser{Email: "leaver@bank.example", Name: "Leaver", Password: goodPassword})
		if err != nil {
			t.Fatal(err)
		}
		yes := true
		if _, err := s.UpdateUser(ctx, other.ID, UserChanges{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Login(ctx, other.Email, "wrong password!", "10.0.0.4"); err != ErrBadCredentials {
			t.Fatalf("disabled account, wrong password: %v", err)
		}
		if _, _, err := s.Login(ctx, other.Email, goodPassword, "10.0.0.4"); err == nil || !strings.Contains(err.Error(), "disabled") {
			t.Fatalf("disabled: %v", err)
		}
		if _, err := s.Identity(ctx, other.ID); errs.KindOf(err) != errs.KindUnauthenticated {
			t.Fatalf("identity of a disabled user: %v", err)
		}
	})
}

func TestTOTPLogin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, c := newService(t, d)
		ctx := context.Background()
		u, _ := s.CreateUser(ctx, NewUser{Email: "a@bank.example", Name: "A", Password: goodPassword})
		key, err := s.BeginTOTP(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.EnableTOTP(ctx, u.ID, key.Secret(), "000000"); errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("enable with a wrong code: %v", err)
		}
		code, _ := totp.GenerateCodeCustom(key.Secret(), c.Now(), totpOpts)
		if err := s.EnableTOTP(ctx, u.ID, key.Secret(), code); err != nil {
			t.Fatal(err)
		}
		var stored string
		_ = d.QueryRow(ctx, `SELECT totp_secret FROM users WHERE id = $1`, u.ID).Scan(&stored)
		if strings.Contains(stored, key.Secret()) {
			t.Fatal("TOTP secret stored in the clear")
		}
		_, need, err := s.Login(ctx, u.Email, goodPassword, "10.1.1.1")
		if err != nil || !need {
			t.Fatalf("login with TOTP on: need=%v err=%v", need, err)
		}
		// The code used to enrol cannot be used again.
		if _, err := s.LoginTOTP(ctx, u.ID, code, "10.1.1.1"); errs.KindOf(err) != errs.KindUnauthenticated {
			t.Fatalf("replayed code: %v", err)
		}
		c.Add(30 * time.Second)
		next, _ := totp.GenerateCodeCustom(key.Secret(), c.Now(), totpOpts)
		if _, err := s.LoginTOTP(ctx, u.ID, next, "10.1.1.1"); err != nil {
			t.Fatalf("fresh code: %v", err)
		}
		if _, err := s.LoginTOTP(ctx, u.ID, next, "10.1.1.1"); err == nil {
			t.Fatal("the same code worked twice")
		}
		wrong := "wrong"
		if err := s.DisableTOTP(ctx, u.ID, &wrong); errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("disable with a wrong password: %v", err)
		}
		pw := goodPassword
		if err := s.DisableTOTP(ctx, u.ID, &pw); err != nil {
			t.Fatal(err)
		}
		if _, need, _ := s.Login(ctx, u.Email, goodPassword, "10.1.1.2"); need {
			t.Fatal("TOTP still required after disabling")
		}
	})
}

func TestAPITokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, c := newService(t, d)
		ctx := context.Background()
		u, _ := s.CreateUser(ctx, NewUser{Email: "bot@bank.example", Name: "SIEM"})
		exp := c.Now().Add(24 * time.Hour)
		tok, raw, err := s.CreateToken(ctx, System("test"), u.ID, NewToken{Name: "SIEM feed", Scopes: []Scope{ScopeRead, ScopeWrite, ScopeRead}, ExpiresAt: &exp})
		if err != nil {
			t.Fatal(err)
		}
		if !looksLikeToken(raw) || !strings.HasPrefix(raw, tok.Prefix) || len(tok.Scopes) != 2 {
			t.Fatalf("token %q %+v", raw, tok)
		}
		var hash string
		_ = d.QueryRow(ctx, `SELECT hash FROM api_tokens WHERE id = $1`, tok.ID).Scan(&hash)
		if hash == raw || strings.Contains(hash, raw[5:]) {
			t.Fatal("token stored in the clear")
		}
		id, err := s.AuthenticateToken(ctx, raw, "192.0.2.5")
		if err != nil || id.User.ID != u.ID || !id.HasScope(ScopeWrite) || id.HasScope(ScopeAdmin) || id.Method != MethodToken {
			t.Fatalf("authenticate: %+v %v", id, err)
		}
		altered := raw[:len(raw)-2] + map[bool]string{true: "b", false: "a"}[raw[len(raw)-2] == 'a'] + raw[len(raw)-1:]
		if _, err := s.AuthenticateToken(ctx, altered, ""); errs.KindOf(err) != errs.KindUnauthenticated {
			t.Fatalf("altered token: %v", err)
		}
		if _, _, err := s.CreateToken(ctx, System("test"), u.ID, NewToken{Name: "x", Scopes: []Scope{ScopeAdmin}}); errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("admin scope for a non-admin: %v", err)
		}
		if _, _, err := s.CreateToken(ctx, System("test"), u.ID, NewToken{Name: "x", Scopes: []Scope{"root"}}); errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("unknown scope: %v", err)
		}
		c.Add(25 * time.Hour)
		if _, err := s.AuthenticateToken(ctx, raw, ""); errs.KindOf(err) != errs.KindUnauthenticated {
			t.Fatalf("expired token: %v", err)
		}
		_, raw2, _ := s.CreateToken(ctx, System("test"), u.ID, NewToken{Name: "second"})
		basic, err := s.AuthenticateBasic(ctx, "BOT@bank.example", raw2, "")
		if err != nil || basic.Method != MethodBasic || !basic.HasScope(ScopeRead) || basic.HasScope(ScopeWrite) {
			t.Fatalf("basic with a token: %+v %v", basic, err)
		}
		if _, err := s.AuthenticateBasic(ctx, "other@bank.example", raw2, ""); err == nil {
			t.Fatal("basic accepted a token under another user's e-mail")
		}
		list, _ := s.ListTokens(ctx, u.ID)
		if len(list) != 2 || list[0].Name != "second" {
			t.Fatalf("list: %+v", list)
		}
		if _, err := s.RevokeToken(ctx, "someone-else", list[0].ID); errs.KindOf(err) != errs.KindNotFound {
			t.Fatalf("revoking another user's token: %v", err)
		}
		if _, err := s.RevokeToken(ctx, u.ID, list[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuthenticateToken(ctx, raw2, ""); errs.KindOf(err) != errs.KindUnauthenticated {
			t.Fatalf("revoked token: %v", err)
		}
	})
}

func TestInviteAndResetLinks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, c := newService(t, d)
		ctx := context.Background()
		u, err := s.CreateUser(ctx, NewUser{Email: "new@telecom.example", Name: "New Analyst", Invite: true})
		if err != nil || u.HasPassword {
			t.Fatalf("invite: %+v %v", u, err)
		}
		link := lastMailLink(t, d)
		if !strings.HasPrefix(link, "https://hub.example/account/password?token=") {
			t.Fatalf("link %q", link)
		}
		raw := tokenFrom(t, link)
		who, purpose, err := s.LinkUser(ctx, raw)
		if err != nil || who.ID != u.ID || purpose != "invite" {
			t.Fatalf("link user: %v %v %v", who.ID, purpose, err)
		}
		if _, err := s.UseLink(ctx, raw, "short"); errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("weak password through a link: %v", err)
		}
		if _, err := s.UseLink(ctx, raw, goodPassword); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UseLink(ctx, raw, goodPassword+"2"); errs.KindOf(err) != errs.KindNotFound {
			t.Fatalf("link used twice: %v", err)
		}
		if _, _, err := s.Login(ctx, u.Email, goodPassword, "10.2.0.1"); err != nil {
			t.Fatal(err)
		}
		// Reset: the same answer for unknown addresses; links expire after an hour.
		if err := s.RequestReset(ctx, "nobody@telecom.example", "10.2.0.1"); err != nil {
			t.Fatal(err)
		}
		if err := s.RequestReset(ctx, u.Email, "10.2.0.1"); err != nil {
			t.Fatal(err)
		}
		reset := tokenFrom(t, lastMailLink(t, d))
		c.Add(61 * time.Minute)
		if _, err := s.UseLink(ctx, reset, "another good password"); errs.KindOf(err) != errs.KindNotFound {
			t.Fatalf("expired link: %v", err)
		}
		// Two requests racing with one link: exactly one wins.
		if err := s.SendInvite(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		racing := tokenFrom(t, lastMailLink(t, d))
		results := make(chan error, 2)
		for i := range 2 {
			go func() {
				_, err := s.UseLink(ctx, racing, fmt.Sprintf("racing password number %d", i))
				results <- err
			}()
		}
		if a, b := <-results, <-results; (a == nil) == (b == nil) {
			t.Fatalf("racing link uses: %v, %v; want exactly one to succeed", a, b)
		}
	})
}

// lastMailLink reads the link out of the newest queued mail job, which holds
// the message only sealed.
func lastMailLink(t *testing.T, d *db.DB) string {
	t.Helper()
	q, err := jobs.New(d, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	list, err := q.List(context.Background(), jobs.States, 50)
	if err != nil {
		t.Fatal(err)
	}
	raw := ""
	for _, j := range list {
		if j.Kind == "notify.mail" {
			raw = string(j.Args)
			break
		}
	}
	if strings.Contains(raw, "token=") || strings.Contains(raw, "password") {
		t.Fatalf("the mail job stores the message in the clear: %s", raw)
	}
	var args notify.MailArgs
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	key, _ := seal.Parse(strings.Repeat("42", 32))
	m, err := notify.OpenMail(key, args)
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`https://hub\.example/account/password\?token=[A-Za-z0-9_%-]+`).FindString(m.Text)
	if link == "" {
		t.Fatalf("no link in %s", m.Text)
	}
	return link
}

func tokenFrom(t *testing.T, link string) string {
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

func TestTheLastAdminCannotBeDisabledOrDemoted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newService(t, d)
		ctx := context.Background()
		admin, _ := s.CreateUser(ctx, NewUser{Email: "root@cc.example", Name: "Root", Password: goodPassword, PlatformRole: PlatformAdmin})
		yes := true
		if _, err := s.UpdateUser(ctx, admin.ID, UserChanges{Disabled: &yes}); errs.KindOf(err) != errs.KindConflict {
			t.Fatalf("disable the last admin: %v", err)
		}
		none := PlatformNone
		if _, err := s.UpdateUser(ctx, admin.ID, UserChanges{PlatformRole: &none}); errs.KindOf(err) != errs.KindConflict {
			t.Fatalf("demote the last admin: %v", err)
		}
	})
}

func TestSessionStoreKeepsOnlyHashes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
		st := NewSessionStore(d, c.Now)
		ctx := context.Background()
		if err := st.CommitCtx(ctx, "cookie-value", []byte("data"), c.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		var n int
		_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE token = 'cookie-value'`).Scan(&n)
		if n != 0 {
			t.Fatal("session stored under the raw cookie value")
		}
		b, ok, err := st.FindCtx(ctx, "cookie-value")
		if err != nil || !ok || string(b) != "data" {
			t.Fatalf("find: %q %v %v", b, ok, err)
		}
		c.Add(2 * time.Hour)
		if _, ok, _ := st.FindCtx(ctx, "cookie-value"); ok {
			t.Fatal("expired session found")
		}
	})
}

// TestLimiter runs the same limit in memory, and shared by two nodes on
// PostgreSQL: whichever node answers, the bucket is the same.
func TestLimiter(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: time.Unix(0, 0)}
	check := func(t *testing.T, one, other *Limiter) {
		if ok, _ := one.Allow(ctx, "a"); !ok {
			t.Fatal("first")
		}
		if ok, _ := other.Allow(ctx, "a"); !ok {
			t.Fatal("second")
		}
		ok, wait := one.Allow(ctx, "a")
		if ok || wait != 10 {
			t.Fatalf("third: ok=%v wait=%d", ok, wait)
		}
		if ok, wait := other.Allow(ctx, "a"); ok || wait != 10 {
			t.Fatalf("third, on the other node: ok=%v wait=%d", ok, wait)
		}
		if ok, _ := other.Allow(ctx, "b"); !ok {
			t.Fatal("another key is limited too")
		}
		c.Add(4 * time.Second)
		if ok, wait := one.Allow(ctx, "a"); ok || wait != 6 {
			t.Fatalf("after 4 s: ok=%v wait=%d", ok, wait)
		}
		c.Add(6 * time.Second)
		if ok, _ := other.Allow(ctx, "a"); !ok {
			t.Fatal("no token after the interval")
		}
		if ok, _ := one.Allow(ctx, "a"); ok {
			t.Fatal("two tokens after one interval")
		}
	}
	t.Run("memory", func(t *testing.T) {
		l := NewLimiter(2, 10*time.Second, c.Now)
		check(t, l, l)
	})
	t.Run("postgres", func(t *testing.T) {
		d := dbtest.Open(t, db.Postgres)
		a := NewSharedLimiter(d, "login", 2, 10*time.Second, c.Now)
		b := NewSharedLimiter(d, "login", 2, 10*time.Second, c.Now)
		check(t, a, b)
		// Another limit's buckets are its own.
		if ok, _ := NewSharedLimiter(d, "reset", 2, 10*time.Second, c.Now).Allow(ctx, "a"); !ok {
			t.Fatal("another limit shares the bucket")
		}
		// A bucket full again is swept away.
		c.Add(time.Hour)
		a.Allow(ctx, "c")
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM rate_limits WHERE key IN ('a', 'b')`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d rows left for full buckets (%v)", n, err)
		}
	})
}

// TestBasicPasswordCache: a TAXII client sending its password with every
// request is checked once (it would run into the sign-in rate limit, ten
// at once, otherwise); a changed password, a disabled account or a minute
// passing ends what was remembered.
// TestBasicBurst: requests that arrive at once with an HTTP Basic pair not
// checked yet (a TAXII client fetching pages in parallel, a node just
// started) share one password check, so they neither cost a hash each nor
// run into the address's sign-in limit (10 at once).
func TestBasicBurst(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newService(t, d)
		ctx := WithIdentity(context.Background(), System("test"))
		u, err := s.CreateUser(ctx, NewUser{Email: "feed@bank.example", Name: "Feed reader", Password: goodPassword})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errc := make(chan error, 40)
		for range 40 {
			wg.Go(func() {
				id, err := s.AuthenticateBasic(ctx, "feed@bank.example", goodPassword, "192.0.2.20")
				if err == nil && id.User.ID != u.ID {
					err = fmt.Errorf("authenticated as %s", id.User.ID)
				}
				errc <- err
			})
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatalf("a request of the burst: %v", err)
			}
		}
	})
}

func TestBasicPasswordCache(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, c := newService(t, d)
		ctx := WithIdentity(context.Background(), System("test"))
		u, err := s.CreateUser(ctx, NewUser{Email: "feed@bank.example", Name: "Feed reader", Password: goodPassword})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 50 {
			id, err := s.AuthenticateBasic(ctx, "Feed@bank.example", goodPassword, "192.0.2.9")
			if err != nil || id.User.ID != u.ID || id.Method != MethodBasic {
				t.Fatalf("request %d: %+v %v", i, id, err)
			}
		}
		if _, err := s.AuthenticateBasic(ctx, "feed@bank.example", goodPassword+"!", "192.0.2.10"); errs.KindOf(err) != errs.KindUnauthenticated {
			t.Fatalf("a wrong password: %v", err)
		}
		if err := s.SetPassword(ctx, u.ID, "another long passphrase", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuthenticateBasic(ctx, "feed@bank.example", goodPassword, "192.0.2.11"); errs.KindOf(err) != errs.KindUnauthenticated {
			t.Fatalf("the old password after a change: %v", err)
		}
		if _, err := s.AuthenticateBasic(ctx, "feed@bank.example", "another long passphrase", "192.0.2.11"); err != nil {
			t.Fatalf("the new password: %v", err)
		}
		yes := true
		if _, err := s.UpdateUser(ctx, u.ID, UserChanges{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuthenticateBasic(ctx, "feed@bank.example", "another long passphrase", "192.0.2.11"); err == nil {
			t.Fatal("a disabled account was let in from the cache")
		}
		no := false
		if _, err := s.UpdateUser(ctx, u.ID, UserChanges{Disabled: &no}); err != nil {
			t.Fatal(err)
		}
		c.Add(2 * time.Minute) // the entry has expired: one real check, then cached again
		for i := range 20 {
			if _, err := s.AuthenticateBasic(ctx, "feed@bank.example", "another long passphrase", "192.0.2.12"); err != nil {
				t.Fatalf("request %d after a minute: %v", i, err)
			}
		}
	})
}

// TestIdentityLabel: records name a person by e-mail, a system identity by
// its name, nobody as "".
func TestIdentityLabel(t *testing.T) {
	for want, id := range map[string]*Identity{
		"ana@cc.example": {User: User{Email: "ana@cc.example", Name: "Ana"}},
		"scheduler":      System("scheduler"),
		"":               nil,
	} {
		if got := id.Label(); got != want {
			t.Errorf("%+v labelled %q, want %q", id, got, want)
		}
	}
}

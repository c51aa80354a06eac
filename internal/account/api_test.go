package account_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/platform/auth"
)

func TestAPIUsersAndTokens(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	admin := s.Token("admin@localhost", auth.ScopeRead, auth.ScopeWrite, auth.ScopeAdmin)
	adminNoScope := s.Token("admin@localhost")
	coord := s.Token("coordinator@cc.example")
	newUser := map[string]any{"email": "auditor@cc.example", "name": "Auditor", "platform_role": "coordinator", "invite": true}
	apptest.Problem(t, s.API("POST", "/api/v1/users", coord, newUser), 403)
	apptest.Problem(t, s.API("POST", "/api/v1/users", adminNoScope, newUser), 403)
	r := s.API("POST", "/api/v1/users", admin, newUser)
	if r.Status != 201 || r.JSON(t)["has_password"] != false {
		t.Fatalf("create user: %d %s", r.Status, r.Body)
	}
	apptest.FieldNamed(t, apptest.Problem(t, s.API("POST", "/api/v1/users", admin, newUser), 409), "email")
	apptest.FieldNamed(t, apptest.Problem(t, s.Malformed().API("POST", "/api/v1/users", admin, map[string]any{"email": "nope", "name": "N"}), 422), "email")
	uid := r.JSON(t)["id"].(string)
	if l := s.API("GET", "/api/v1/users?q=auditor", coord, nil); !strings.Contains(string(l.Body), uid) {
		t.Fatalf("coordinator lists users: %s", l.Body)
	}
	apptest.Problem(t, s.API("GET", "/api/v1/users", s.Token("ciso@firstbank.example"), nil), 403)
	apptest.Problem(t, s.API("GET", "/api/v1/users/"+uid, s.Token("ciso@firstbank.example"), nil), 404)
	if p := s.API("PATCH", "/api/v1/users/"+uid, admin, map[string]any{"disabled": true}); p.Status != 200 || p.JSON(t)["disabled"] != true {
		t.Fatalf("disable: %s", p.Body)
	}

	// Self-service tokens: the secret once, then only its prefix.
	mine := s.Token("analyst@ncert.example")
	c := s.API("POST", "/api/v1/me/tokens", mine, map[string]any{"name": "SIEM", "scopes": []string{"read"}, "expires_in_days": 30})
	if c.Status != 201 {
		t.Fatalf("create token: %d %s", c.Status, c.Body)
	}
	secret := c.JSON(t)["secret"].(string)
	tokenID := c.JSON(t)["token"].(map[string]any)["id"].(string)
	if l := s.API("GET", "/api/v1/me/tokens", mine, nil); strings.Contains(string(l.Body), secret) || !strings.Contains(string(l.Body), tokenID) {
		t.Fatalf("token list: %s", l.Body)
	}
	if r := s.API("GET", "/api/v1/me", secret, nil); r.Status != 200 {
		t.Fatalf("new token: %d", r.Status)
	}
	// A token cannot mint a token with more scopes than it has, by the API or the account page.
	apptest.Problem(t, s.API("POST", "/api/v1/me/tokens", mine, map[string]any{"name": "x", "scopes": []string{"admin"}}), 403)
	apptest.Problem(t, s.API("POST", "/api/v1/me/tokens", secret, map[string]any{"name": "x", "scopes": []string{"read", "write"}}), 403)
	req, _ := http.NewRequest("POST", s.URL+"/account/tokens", strings.NewReader("token_name=x&scopes=admin"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+adminNoScope)
	if r := s.Do(http.DefaultClient, req); r.Status != 403 {
		t.Fatalf("an admin's write token minted an admin token through the page: %d", r.Status)
	}
	adminWithScope := s.API("POST", "/api/v1/me/tokens", admin, map[string]any{"name": "x", "scopes": []string{"admin"}})
	if adminWithScope.Status != 201 {
		t.Fatalf("an admin-scoped token minting an admin token: %d %s", adminWithScope.Status, adminWithScope.Body)
	}
	apptest.FieldNamed(t, apptest.Problem(t, s.Malformed().API("POST", "/api/v1/me/tokens", mine, map[string]any{"name": "x", "expires_in_days": 0}), 422), "expires_in_days")
	if d := s.API("DELETE", "/api/v1/me/tokens/"+tokenID, mine, nil); d.Status != 204 {
		t.Fatalf("revoke: %d", d.Status)
	}
	apptest.Problem(t, s.API("GET", "/api/v1/me", secret, nil), 401)
}

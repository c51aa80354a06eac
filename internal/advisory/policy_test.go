package advisory

import (
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/platform/auth"
)

// TestPolicy: who writes and approves publications, and the SQL rule each
// kind of reader gets for what is published.
func TestPolicy(t *testing.T) {
	coord := &auth.Identity{User: auth.User{ID: "u-coord", PlatformRole: auth.PlatformCoordinator}}
	other := &auth.Identity{User: auth.User{ID: "u-other", PlatformRole: auth.PlatformCoordinator}}
	member := &auth.Identity{User: auth.User{ID: "u-member"}}
	for _, tc := range []struct {
		name string
		id   *auth.Identity
		want bool
	}{{"staff", coord, true}, {"the server", auth.System("test"), true}, {"a constituent's member", member, false}, {"nobody", nil, false}} {
		if got := mayEdit(tc.id); got != tc.want {
			t.Errorf("mayEdit(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
	written := Advisory{AuthorID: &coord.User.ID, EditorID: &coord.User.ID, Editors: []string{coord.User.ID}}
	if secondPerson(coord, written) {
		t.Error("the author approves their own work")
	}
	if !secondPerson(other, written) || !secondPerson(auth.System("test"), written) {
		t.Error("a second person may not approve")
	}
	edited := written
	edited.Editors = append([]string{}, coord.User.ID, other.User.ID)
	if secondPerson(other, edited) {
		t.Error("someone who edited the version approves it")
	}

	var args []any
	arg := func(v any) string { args = append(args, v); return "?" }
	if got := (reader{anonymous: true}).condition(arg); !strings.Contains(got, "CLEAR") || strings.Contains(got, "GREEN") ||
		strings.Contains(got, "advisory_audience") {
		t.Errorf("anonymous readers' rule: %s", got)
	}
	if got := (reader{all: true}).condition(arg); got != "published_version > 0" {
		t.Errorf("staff's rule: %s", got)
	}
	args = nil
	got := (reader{user: "u-member", own: []string{"bank"}, under: []string{"bankcert"}}).condition(arg)
	for _, want := range []string{"GREEN", "advisory_audience_orgs", "advisory_audience_users", "published_version > 0"} {
		if !strings.Contains(got, want) {
			t.Errorf("a member's rule lacks %s: %s", want, got)
		}
	}
	if len(args) != 3 || args[0] != "bankcert" || args[1] != "bank" || args[2] != "u-member" {
		t.Errorf("a member's rule binds %v", args)
	}
}

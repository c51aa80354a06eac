package errs

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestConstructorsClassifyAndSurviveWrapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		kind Kind
		msg  string
	}{
		{NotFound("no organisation %q", "x"), KindNotFound, `no organisation "x"`},
		{Conflict("%s is taken", "soc@example.org"), KindConflict, "soc@example.org is taken"},
		{Forbidden("only %d people may", 2), KindForbidden, "only 2 people may"},
		{Unauthenticated("sign in"), KindUnauthenticated, "sign in"},
		{RateLimited(30, "slow down"), KindRateLimited, "slow down"},
		{Invalid("the file is empty"), KindInvalid, "the file is empty"},
		{errors.New("disk on fire"), KindInternal, "disk on fire"},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			if got := KindOf(tt.err); got != tt.kind {
				t.Errorf("KindOf = %v, want %v", got, tt.kind)
			}
			// A service wraps with context; the edge must still see the kind.
			wrapped := fmt.Errorf("store: update: %w", tt.err)
			if got := KindOf(wrapped); got != tt.kind {
				t.Errorf("KindOf(wrapped) = %v, want %v", got, tt.kind)
			}
			e := As(wrapped)
			if tt.kind == KindInternal {
				if e != nil {
					t.Errorf("As found %+v in an unclassified error", e)
				}
				return
			}
			if e == nil || e.Message != tt.msg {
				t.Fatalf("As(wrapped) = %+v, want the message %q", e, tt.msg)
			}
		})
	}
	if e := As(RateLimited(30, "slow down")); e.RetryAfter != 30 {
		t.Errorf("RetryAfter = %d, want 30", e.RetryAfter)
	}
	if KindOf(nil) != KindInternal || As(nil) != nil {
		t.Error("nil is not classified as internal")
	}
}

func TestKindNames(t *testing.T) {
	t.Parallel()
	got := map[Kind]string{}
	for _, k := range []Kind{KindInternal, KindInvalid, KindNotFound, KindConflict, KindForbidden, KindUnauthenticated, KindRateLimited, Kind(99)} {
		got[k] = k.String()
	}
	want := map[Kind]string{KindInternal: "internal", KindInvalid: "invalid", KindNotFound: "not found", KindConflict: "conflict",
		KindForbidden: "forbidden", KindUnauthenticated: "unauthenticated", KindRateLimited: "rate limited", Kind(99): "internal"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("names (-want +got):\n%s", d)
	}
}

func TestErrorTextNamesFieldsAndCause(t *testing.T) {
	t.Parallel()
	e := &Error{Kind: KindInvalid, Message: "the input is not valid",
		Fields: []FieldError{{"name", "is required"}, {"constituency.cidrs[0]", "not a network"}}, Err: io.ErrUnexpectedEOF}
	want := "the input is not valid: name: is required; constituency.cidrs[0]: not a network: unexpected EOF"
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(fmt.Errorf("decode: %w", e), io.ErrUnexpectedEOF) {
		t.Error("the cause is not reachable through errors.Is")
	}
	if got := (&Error{Message: "plain"}).Error(); got != "plain" {
		t.Errorf("Error() without fields or cause = %q", got)
	}
}

func TestFieldsCollectValidation(t *testing.T) {
	t.Parallel()
	var f Fields
	if f.Err() != nil {
		t.Fatal("no fields, yet an error")
	}
	f.Add("email", "%q is not an e-mail address", "soc@")
	f.Add("asns[2]", "must be between 1 and %d", 4294967295)
	f.Add("email", "second message")
	if !f.Has("email") || !f.Has("asns[2]") || f.Has("name") {
		t.Errorf("Has: %v", f)
	}
	if got := f.Message("email"); got != `"soc@" is not an e-mail address` {
		t.Errorf("Message(email) = %q, want the first one", got)
	}
	if got := f.Message("name"); got != "" {
		t.Errorf("Message(name) = %q, want none", got)
	}
	e := As(f.Err())
	if e == nil || e.Kind != KindInvalid {
		t.Fatalf("Err() = %v, want an invalid-input error", f.Err())
	}
	if !HasField(fmt.Errorf("wrapped: %w", f.Err()), "asns[2]") || HasField(f.Err(), "name") || HasField(Forbidden("no"), "email") || HasField(nil, "email") {
		t.Errorf("HasField does not find exactly the fields")
	}
	want := []FieldError{{"email", `"soc@" is not an e-mail address`}, {"asns[2]", "must be between 1 and 4294967295"}, {"email", "second message"}}
	if d := cmp.Diff(want, e.Fields); d != "" {
		t.Errorf("fields (-want +got):\n%s", d)
	}
}

func TestFieldsText(t *testing.T) {
	var f Fields
	f.Text("a", "", true, 5)
	f.Text("b", "", false, 5)
	f.Text("c", "ééééé", true, 5)
	f.Text("d", "ééééé!", true, 5)
	f.Text("e", "x\x00", true, 5)
	f.Text("g", "\xff", true, 5)
	if !f.Has("a") || f.Has("b") || f.Has("c") || !f.Has("d") || !f.Has("e") || !f.Has("g") || len(f) != 4 {
		t.Errorf("fields: %+v", f)
	}
}

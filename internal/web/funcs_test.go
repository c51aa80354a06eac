package web

import "testing"

// A share prints as a rounded percent, never as a Go pointer.
func TestPercentOf(t *testing.T) {
	half := 49.6
	if got := percentOf(&half); got != "50 %" {
		t.Errorf("49.6: %q", got)
	}
	if got := percentOf(nil); got != "—" {
		t.Errorf("none: %q", got)
	}
}

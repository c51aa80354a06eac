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

func TestNum1(t *testing.T) {
	f := funcs["num1"].(func(any) string)
	v := 87.25
	var none *float64
	if f(&v) != "87.2" && f(&v) != "87.3" || f(none) != "" || f(100.0) != "100.0" || f("x") != "" {
		t.Errorf("num1: %q %q %q", f(&v), f(none), f(100.0))
	}
}

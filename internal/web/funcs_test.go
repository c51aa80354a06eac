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

func TestFieldLabel(t *testing.T) {
	RegisterLabels(map[string]string{"test_url": "HTTP(S) file", "field.test_url": "URL", "test.cidrs": "Networks",
		"field.test_creds.user": "User name"})
	for path, want := range map[string]string{
		"test_url":            "URL", // the field, not the vocabulary word
		"test.cidrs[2]":       "Networks, item 3",
		"test_creds.user":     "User name",
		"contacts[1].email":   "Contacts 2 › Email",
		"test_unknown_field":  "Test unknown field",
		"test_url_list[0].id": "Test url list 1 › Id",
	} {
		if got := FieldLabel(path); got != want {
			t.Errorf("FieldLabel(%q) = %q, want %q", path, got, want)
		}
	}
}

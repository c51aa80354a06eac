package threads

import (
	"slices"
	"strings"
	"testing"
)

func TestInputCheck(t *testing.T) {
	in := Input{Title: "  Coordination ", Visibility: Participants, VendorOrgID: "v"}
	if err := in.Check(200); err != nil || in.Title != "Coordination" || in.VendorOrgID != "" {
		t.Fatalf("got %+v, %v", in, err)
	}
	for _, bad := range []Input{
		{Title: "", Visibility: Internal},
		{Title: strings.Repeat("x", 201), Visibility: Internal},
		{Title: "x", Visibility: Vendor},
		{Title: "x", Visibility: "public"},
	} {
		if err := bad.Check(200); err == nil {
			t.Errorf("%+v: want an error", bad)
		}
	}
}

func TestAudienceFollowsTheVisibility(t *testing.T) {
	orgs := []string{"cert", "vendor", "other"}
	mine := func(org string) bool { return org == "cert" }
	v := "vendor"
	cases := []struct {
		t    Thread
		want []string
	}{
		{Thread{Visibility: Internal}, nil},
		{Thread{Visibility: Participants}, []string{"vendor", "other"}},
		{Thread{Visibility: Vendor, VendorOrgID: &v}, []string{"vendor"}},
	}
	for _, c := range cases {
		if got := Audience(c.t, orgs, mine); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.t.Visibility, got, c.want)
		}
	}
}

package cvepool

import (
	"slices"
	"testing"

	"github.com/certhub/certhub/internal/platform/errs"
)

func TestClean(t *testing.T) {
	got, err := Clean([]string{" cve-2026-10001 ", "", "CVE-2026-10002"})
	if err != nil || !slices.Equal(got, []string{"CVE-2026-10001", "CVE-2026-10002"}) {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := Clean([]string{"CVE-2026-0001x"}); errs.KindOf(err) != errs.KindInvalid {
		t.Fatalf("a bad ID: got %v", err)
	}
	if _, err := Clean([]string{" "}); errs.KindOf(err) != errs.KindInvalid {
		t.Fatalf("no ID: got %v", err)
	}
}

package pages_test

import (
	"testing"

	"github.com/certhub/certhub/internal/apptest"
)

// TestMain lets the end-to-end tests (e2e_*_test.go) start the real server
// from a data directory made once for the test binary.
func TestMain(m *testing.M) { apptest.Main(m) }

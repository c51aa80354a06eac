package situation_test

import (
	"testing"

	"github.com/certhub/certhub/internal/apptest"
)

// The end-to-end tests (*_e2e_test.go) start the real server through
// apptest, which copies a data directory made once for the test binary.
func TestMain(m *testing.M) { apptest.Main(m) }

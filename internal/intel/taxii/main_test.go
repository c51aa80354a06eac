package taxii_test

import (
	"testing"

	"github.com/certhub/certhub/internal/apptest"
)

func TestMain(m *testing.M) { apptest.Main(m) }

package warninglist

import (
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Who may do what with the warninglists: anyone signed in reads them (they
// say what certhub does not store) and checks values against them; the
// coordination center's staff change them.

// mayRead answers whether id may read the lists.
func mayRead(id *auth.Identity) error {
	if id == nil {
		return errs.Unauthenticated("sign in to see the warninglists")
	}
	return nil
}

// mayManage answers whether id may change the lists.
func mayManage(id *auth.Identity) error {
	if id == nil {
		return errs.Unauthenticated("sign in to manage the warninglists")
	}
	if !id.IsSystem() && !id.IsStaff() {
		return errs.Forbidden("only the coordination center's staff manage the warninglists")
	}
	return nil
}

// MaxValues is how many values one request may check.
const MaxValues = 1000

// mayCheck answers whether id may check values: one signed in, at most
// MaxValues of them.
func mayCheck(id *auth.Identity, values []string) error {
	if id == nil {
		return errs.Unauthenticated("sign in to check values")
	}
	if len(values) > MaxValues {
		var f errs.Fields
		f.Add("values", "at most %d values a request", MaxValues)
		return f.Err()
	}
	return nil
}

package asn

import (
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Who may do what with the AS table: it is public routing data, not
// intelligence, so anyone signed in reads it and looks values up in it;
// the coordination center's staff load and delete it.

// mayRead answers whether id may read the table.
func mayRead(id *auth.Identity) error {
	if id == nil {
		return errs.Unauthenticated("sign in to see the AS table")
	}
	return nil
}

// mayManage answers whether id may load or delete the table.
func mayManage(id *auth.Identity) error {
	if id == nil {
		return errs.Unauthenticated("sign in to manage the AS table")
	}
	if !id.IsSystem() && !id.IsStaff() {
		return errs.Forbidden("only the coordination center's staff manage the AS table")
	}
	return nil
}

// MaxLookups is how many values one request may look up.
const MaxLookups = 1000

// mayLookUp answers whether id may look values up: one signed in, at most
// MaxLookups of them.
func mayLookUp(id *auth.Identity, values []string) error {
	if id == nil {
		return errs.Unauthenticated("sign in to look up addresses")
	}
	if len(values) > MaxLookups {
		var f errs.Fields
		f.Add("values", "at most %d values a request", MaxLookups)
		return f.Err()
	}
	return nil
}

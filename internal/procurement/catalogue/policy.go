package catalogue

import (
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
)

// mayPublish: only the center's staff (or the server) publish criteria.
func mayPublish(id *auth.Identity) error {
	if id == nil {
		return errs.Unauthenticated("sign in to publish criteria")
	}
	if !id.IsSystem() && !id.IsStaff() {
		return errs.Forbidden("only the coordination center's staff publish criteria catalogues and their clarifications")
	}
	return nil
}

package vulns

import (
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
)

// mayLoad: only the center's staff (or the server: the command line)
// load OSV records; anyone signed in checks an SBOM against them.
func mayLoad(id *auth.Identity) error {
	if id == nil {
		return errs.Unauthenticated("sign in to load OSV records")
	}
	if !id.IsSystem() && !id.IsStaff() {
		return errs.Forbidden("only the coordination center's staff load OSV records")
	}
	return nil
}

package procurement

import (
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
)

// The access rule of procurement's labs, in one place:
//   - anyone, without an account, reads which labs stand accredited and
//     for what (the approved-products list names them);
//   - the center's staff read every accreditation — suspended, withdrawn,
//     lapsed — with its reasons and history, and change them;
//   - a lab's members read their own accreditation whole;
//   - an accreditation that does not stand is, to everyone else, as if
//     there were none.

// mayManage answers whether id may change accreditations.
func mayManage(id *auth.Identity) error {
	if id == nil {
		return errs.Unauthenticated("sign in to manage the labs' accreditations")
	}
	if !id.IsSystem() && !id.IsStaff() {
		return errs.Forbidden("only the coordination center's staff manage the labs' accreditations")
	}
	return nil
}

// readsWhole answers whether id reads the accreditation of lab orgID
// whole: its state's reason and its history, and when it does not stand.
func readsWhole(id *auth.Identity, orgID string) bool {
	return id != nil && (id.IsSystem() || id.IsStaff() || id.RoleIn(orgID) != "")
}

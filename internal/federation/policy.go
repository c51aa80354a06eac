package federation

import (
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
)

// The access rule of federation, in one place:
//
//   - Links are made, answered and revoked by the platform's
//     administrators: a link lets another instance read and send in this
//     one's name.
//   - The center's staff read the links, their health and history, to
//     know where intelligence and records come from and go to; a link's
//     document (it holds the peer's credential) only administrators.
//   - Nobody else learns a link exists; the peer reads only through its
//     account, as the rules of what the link shares allow.

func mayManage(id *auth.Identity) error {
	switch {
	case id == nil:
		return errs.Unauthenticated("sign in to manage federation links")
	case id.IsSystem() || id.IsPlatformAdmin():
		return nil
	}
	return errs.Forbidden("only the platform's administrators link this instance with others")
}

func mayRead(id *auth.Identity) error {
	switch {
	case id == nil:
		return errs.Unauthenticated("sign in to see federation links")
	case id.IsSystem() || id.IsStaff() || id.IsPlatformAdmin():
		return nil
	}
	return errs.NotFound("no such page")
}

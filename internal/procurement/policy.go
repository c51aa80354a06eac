package procurement

import (
	"slices"
	"time"

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

// MayManage answers whether id may change accreditations.
func MayManage(id *auth.Identity) error {
	if id == nil {
		return errs.Unauthenticated("sign in to manage the labs' accreditations")
	}
	if !id.IsSystem() && !id.IsStaff() {
		return errs.Forbidden("only the coordination center's staff manage the labs' accreditations")
	}
	return nil
}

// ReadsWhole answers whether id reads the accreditation of lab orgID
// whole: its state's reason and its history, and when it does not stand.
func ReadsWhole(id *auth.Identity, orgID string) bool {
	return id != nil && (id.IsSystem() || id.IsStaff() || id.RoleIn(orgID) != "")
}

// The access rule of evaluations, in one place:
//   - the center's staff read and steer every evaluation;
//   - the requesting organisation's members and the vendor's members read
//     their own evaluations: state, clocks, history, their documents and
//     the findings the center has released; members above viewer withdraw
//     them and add documents;
//   - the members of the assigned lab read everything of the evaluation and
//     do the testing, but only while the lab's accreditation covers the
//     evaluation's category: the moment it lapses, is suspended or
//     withdrawn, the evaluation is as if it did not exist to them;
//   - everyone else: it does not exist (404, never 403: an evaluation's
//     existence tells of a product under test).

// access is what one reader may do with one evaluation.
type access struct {
	center    bool // staff, or the server itself
	requester bool // a member of the requesting organisation
	vendor    bool // a member of the vendor's organisation
	lab       bool // a member of the assigned lab, while its accreditation covers the category
	acts      bool // the membership that grants access is above viewer
}

func (a access) reads() bool { return a.center || a.requester || a.vendor || a.lab }

// party reports whether the reader reads as the requester or the vendor
// (and not as the center or the lab): released findings only.
func (a access) party() bool { return !a.center && !a.lab && (a.requester || a.vendor) }

// accessTo answers what id may do with e; covers says whether the
// assigned lab's accreditation covers e's category now.
func accessTo(id *auth.Identity, e Evaluation, covers bool) access {
	var a access
	if id == nil {
		return a
	}
	if id.IsSystem() { // the server and the operator's command line (the demo): every part
		return access{center: true, requester: true, vendor: true, lab: true, acts: true}
	}
	if id.IsStaff() {
		return access{center: true, acts: true}
	}
	actsIn := func(org string) bool { r := id.RoleIn(org); return r != "" && r != auth.RoleViewer }
	if id.RoleIn(e.RequesterOrgID) != "" {
		a.requester, a.acts = true, a.acts || actsIn(e.RequesterOrgID)
	}
	if e.VendorOrgID != nil && id.RoleIn(*e.VendorOrgID) != "" {
		a.vendor, a.acts = true, a.acts || actsIn(*e.VendorOrgID)
	}
	if e.LabOrgID != nil && covers && id.RoleIn(*e.LabOrgID) != "" {
		a.lab = true
		a.acts = a.acts || actsIn(*e.LabOrgID)
	}
	return a
}

// labStandsSQL is the condition, on a row of procurement_evaluations, that
// its assigned lab's accreditation covers its category at now: the same
// rule as Accreditation.Covers, for the lists.
func labStandsSQL(arg func(any) string, now time.Time) string {
	day := now.UTC().Truncate(24 * time.Hour)
	return `EXISTS (SELECT 1 FROM procurement_accreditations a JOIN procurement_accreditation_categories c
		ON c.org_id = a.org_id AND c.category = procurement_evaluations.category
		WHERE a.org_id = procurement_evaluations.lab_org_id AND a.state = 'active'
		AND a.valid_from <= ` + arg(now) + ` AND a.valid_until >= ` + arg(day) + `)`
}

// mayAct answers the actions a reader with access a may take on e now.
func mayAct(a access, e Evaluation) []string {
	out := []string{}
	if !a.acts {
		return out
	}
	for _, act := range Actions {
		if !slices.Contains(from[act], e.State) {
			continue
		}
		switch act {
		case ActReview:
			// From acceptance straight to review only for an assurance
			// maintenance: the lighter path, no lab.
			if a.center && (e.State != EvalAccepted || e.MaintenanceOf != nil) {
				out = append(out, act)
			}
		case ActAccept, ActRefuse, ActAssign, ActSendBack, ActDecide:
			if a.center {
				out = append(out, act)
			}
		case ActStart, ActSubmit:
			if a.lab {
				out = append(out, act)
			}
		case ActWithdraw:
			if a.requester || a.vendor {
				out = append(out, act)
			}
		}
	}
	return out
}

// mayRequest answers whether id may request an evaluation for orgID.
func mayRequest(id *auth.Identity, orgID string) error {
	if id == nil {
		return errs.Unauthenticated("sign in to request an evaluation")
	}
	if id.IsSystem() || id.IsStaff() {
		return nil
	}
	if r := id.RoleIn(orgID); r == "" || r == auth.RoleViewer {
		return errs.Forbidden("only a member (above viewer) of the requesting organisation requests its evaluations")
	}
	return nil
}

package procurement

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/notify"
)

// InUse is an organisation's registration of an approved product it uses.
type InUse struct {
	ProductID    string    `json:"product_id"`
	OrgID        string    `json:"org_id"`
	Org          string    `json:"org"`
	RegisteredBy string    `json:"registered_by"`
	RegisteredAt time.Time `json:"registered_at"`
}

// mayRegister answers whether id may say that orgID uses a product: a
// member above viewer, or staff.
func mayRegister(id *auth.Identity, orgID string) error {
	if id == nil {
		return errs.Unauthenticated("sign in to register a product your organisation uses")
	}
	if id.IsStaff() || id.IsSystem() {
		return nil
	}
	if r := id.RoleIn(orgID); r == "" || r == auth.RoleViewer {
		return errs.Forbidden("only a member (above viewer) of the organisation registers what it uses")
	}
	return nil
}

// SetInUse registers (use true) or unregisters that orgID uses an approved
// product: it is then told when the entry turns under review, is suspended
// or revoked. Idempotent; audited when it changes something.
func (s *Service) SetInUse(ctx context.Context, id *auth.Identity, productID, orgID string, use bool) error {
	if orgID == "" && id != nil {
		if orgs := id.OrgIDs(); len(orgs) == 1 {
			orgID = orgs[0]
		}
	}
	if orgID == "" {
		return errs.InvalidField("org_id", "is required: the organisation that uses the product")
	}
	if err := mayRegister(id, orgID); err != nil {
		return err
	}
	p, err := getProduct(ctx, s.db, productID)
	if err != nil {
		return err
	}
	if named, err := s.orgs.GetMany(ctx, system, []string{orgID}); err != nil {
		return err
	} else if len(named) == 0 {
		return errs.InvalidField("org_id", "no organisation of that ID")
	}
	now := s.now().UTC()
	return s.db.Write(ctx, func(tx *db.Tx) error {
		var n int64
		var err error
		if use {
			n, err = tx.Exec(ctx, `INSERT INTO procurement_product_users (product_id, org_id, registered_by, registered_at)
				VALUES ($1, $2, $3, $4) ON CONFLICT (product_id, org_id) DO NOTHING`, p.ID, orgID, id.Label(), now)
		} else {
			n, err = tx.Exec(ctx, `DELETE FROM procurement_product_users WHERE product_id = $1 AND org_id = $2`, p.ID, orgID)
		}
		if err != nil || n == 0 {
			return err
		}
		what := "uses"
		if !use {
			what = "no longer uses"
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "procurement.product.in_use", ObjectType: "approved_product", ObjectID: p.ID,
			OrgID: orgID, Summary: fmt.Sprintf("%s %s %s %s (%s)", orgID, what, p.Vendor, p.Product, p.CertificateID)})
	})
}

// InUseOf answers the registrations of a product id may read: every one
// for staff, its own organisations' for a member.
func (s *Service) InUseOf(ctx context.Context, id *auth.Identity, productID string) ([]InUse, error) {
	if id == nil {
		return nil, errs.Unauthenticated("sign in to read who uses a product")
	}
	if _, err := getProduct(ctx, s.db, productID); err != nil {
		return nil, err
	}
	all, err := db.QueryAll(ctx, s.db, func(r db.Row) (InUse, error) {
		var u InUse
		err := r.Scan(&u.ProductID, &u.OrgID, &u.RegisteredBy, &u.RegisteredAt)
		return u, err
	}, `SELECT product_id, org_id, registered_by, registered_at FROM procurement_product_users WHERE product_id = $1 ORDER BY registered_at`, productID)
	if err != nil {
		return nil, fmt.Errorf("procurement: in use: %w", err)
	}
	out := []InUse{}
	var ids []string
	for _, u := range all {
		if id.IsStaff() || id.IsSystem() || id.RoleIn(u.OrgID) != "" {
			out = append(out, u)
			ids = append(ids, u.OrgID)
		}
	}
	if len(ids) > 0 {
		named, err := s.orgs.GetMany(ctx, system, ids)
		if err != nil {
			return nil, err
		}
		for i := range out {
			for _, o := range named {
				if o.ID == out[i].OrgID {
					out[i].Org = o.Name
				}
			}
		}
	}
	return out, nil
}

// usersMail answers, per product, the contacts' addresses of the
// organisations that use it (read before the transaction that tells them).
func (s *Service) usersMail(ctx context.Context, productIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	if s.outbox == nil || len(productIDs) == 0 {
		return out, nil
	}
	var args db.Args
	pairs, err := db.QueryAll(ctx, s.db, func(r db.Row) ([2]string, error) {
		var p [2]string
		err := r.Scan(&p[0], &p[1])
		return p, err
	}, `SELECT product_id, org_id FROM procurement_product_users WHERE product_id IN (`+db.In(&args, productIDs)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("procurement: in use: %w", err)
	}
	var orgIDs []string
	for _, p := range pairs {
		orgIDs = append(orgIDs, p[1])
	}
	if len(orgIDs) == 0 {
		return out, nil
	}
	slices.Sort(orgIDs)
	named, err := s.orgs.GetMany(ctx, system, slices.Compact(orgIDs))
	if err != nil {
		return nil, err
	}
	for _, p := range pairs {
		for _, o := range named {
			if o.ID != p[1] {
				continue
			}
			for _, c := range o.Contacts {
				if c.Email != "" && !slices.Contains(out[p[0]], c.Email) {
					out[p[0]] = append(out[p[0]], c.Email)
				}
			}
		}
	}
	return out, nil
}

// tellUsers mails the organisations that use p what happened to it, in tx.
func (s *Service) tellUsers(ctx context.Context, tx *db.Tx, to []string, p Approved) error {
	if s.outbox == nil || len(to) == 0 {
		return nil
	}
	text := fmt.Sprintf("%s %s %s (certificate %s), which your organisation registered as in use, is now %s.\n",
		p.Vendor, p.Product, p.Versions, p.CertificateID, labelOf(p.State))
	if p.Reason != "" {
		text += "\nWhy: " + p.Reason + "\n"
	}
	if p.AdvisoryURL != "" {
		link := p.AdvisoryURL
		if link[0] == '/' {
			link = s.baseURL + link
		}
		text += "Advisory: " + link + "\n"
	}
	text += fmt.Sprintf("\nThe entry: %s/approved-products/%s\n", s.baseURL, p.ID)
	return s.outbox.Send(ctx, tx, notify.Mail{To: to, Tag: "procurement.in_use",
		Subject: fmt.Sprintf("%s %s is %s", p.Vendor, p.Product, labelOf(p.State)), Text: text})
}

func labelOf(state string) string {
	switch state {
	case ProductUnderReview:
		return "under review"
	case ProductApprovedCond:
		return "approved with conditions"
	}
	return state
}

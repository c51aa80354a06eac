package procurement

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/procurement/catalogue"
	"github.com/certhub/certhub/internal/procurement/sbom"
)

// MaxFileSize bounds a document of an evaluation.
const MaxFileSize = 20 << 20

// textField checks a free-text field: trimmed, valid UTF-8, no NUL, at
// most max characters, present when required.
func textField(f *errs.Fields, name, v string, max int, required bool) string {
	v = strings.TrimSpace(v)
	switch {
	case required && v == "":
		f.Add(name, "is required")
	case !utf8.ValidString(v) || strings.ContainsRune(v, 0):
		f.Add(name, "must be text (UTF-8, without NUL)")
	case utf8.RuneCountInString(v) > max:
		f.Add(name, "must be at most %d characters", max)
	}
	return v
}

// RequestEvaluation opens an evaluation (a member above viewer of the
// requesting organisation, or staff), with its SBOM when one is given.
// Audited; the center and the vendor are told.
func (s *Service) RequestEvaluation(ctx context.Context, id *auth.Identity, in EvaluationInput, sbomDoc []byte) (Detail, error) {
	if id == nil {
		return Detail{}, errs.Unauthenticated("sign in to request an evaluation")
	}
	if in.OrgID == "" && !id.IsStaff() && !id.IsSystem() {
		if orgs := id.OrgIDs(); len(orgs) == 1 {
			in.OrgID = orgs[0]
		}
	}
	var f errs.Fields
	e := Evaluation{
		Product:     textField(&f, "product", in.Product, 200, true),
		Vendor:      textField(&f, "vendor", in.Vendor, 200, false),
		Version:     textField(&f, "version", in.Version, 100, true),
		Category:    in.Category,
		IntendedUse: textField(&f, "intended_use", in.IntendedUse, 4000, false),
		Buyers:      textField(&f, "buyers", in.Buyers, 2000, false),
	}
	if !catalogue.ValidCategory(in.Category) {
		f.Add("category", "must be one of %s", strings.Join(catalogue.Categories, ", "))
	}
	if in.OrgID == "" {
		f.Add("org_id", "is required: the organisation that requests the evaluation")
	}
	var doc *sbom.SBOM
	if len(sbomDoc) > 0 && !bytes.Equal(bytes.TrimSpace(sbomDoc), []byte("null")) {
		d, err := sbom.Parse(bytes.NewReader(sbomDoc))
		if err != nil {
			if e := errs.As(err); e != nil && e.Kind == errs.KindInvalid {
				for _, fe := range e.Fields {
					f.Add(fe.Field, "%s", fe.Message)
				}
				if len(e.Fields) == 0 {
					f.Add("sbom", "%s", e.Message)
				}
			} else {
				return Detail{}, err
			}
		} else {
			doc = &d
		}
	}
	if err := f.Err(); err != nil {
		return Detail{}, err
	}
	if err := mayRequest(id, in.OrgID); err != nil {
		return Detail{}, err
	}
	named, err := s.orgs.GetMany(ctx, system, compact(in.OrgID, deref(in.VendorOrgID)))
	if err != nil {
		return Detail{}, err
	}
	byID := map[string]directory.Org{}
	for _, o := range named {
		byID[o.ID] = o
	}
	if _, ok := byID[in.OrgID]; !ok {
		return Detail{}, errs.InvalidField("org_id", "no organisation of that ID")
	}
	if in.VendorOrgID != nil && *in.VendorOrgID != "" {
		v, ok := byID[*in.VendorOrgID]
		if !ok || v.Kind != directory.KindVendor {
			return Detail{}, errs.InvalidField("vendor_org_id", "no vendor organisation of that ID")
		}
		e.VendorOrgID = in.VendorOrgID
		if e.Vendor == "" {
			e.Vendor = v.Name
		}
	} else if r := byID[in.OrgID]; r.Kind == directory.KindVendor {
		// A vendor requesting for its own product is the vendor.
		e.VendorOrgID = &r.ID
		if e.Vendor == "" {
			e.Vendor = r.Name
		}
	}
	if in.MaintenanceOf != "" {
		base, err := getProduct(ctx, s.db, in.MaintenanceOf)
		if errs.KindOf(err) == errs.KindNotFound {
			return Detail{}, errs.InvalidField("maintenance_of", "no entry of that ID on the approved-products list")
		} else if err != nil {
			return Detail{}, err
		}
		if !recommended(base.State) || base.Recognised {
			return Detail{}, errs.InvalidField("maintenance_of", "only a standing approval of the center is maintained (this one is %s)", labelOf(base.State))
		}
		if base.Category != e.Category || !strings.EqualFold(base.Product, e.Product) {
			return Detail{}, errs.InvalidField("maintenance_of", "is an approval of %s %s (%s): the product and category must be the same", base.Vendor, base.Product, base.Category)
		}
		var f errs.Fields
		e.ImpactAnalysis = textField(&f, "impact_analysis", in.ImpactAnalysis, 20000, true)
		if err := f.Err(); err != nil {
			return Detail{}, err
		}
		e.MaintenanceOf, e.Vendor = &base.ID, base.Vendor
	}
	if e.Vendor == "" {
		return Detail{}, errs.InvalidField("vendor", "is required")
	}
	now := s.now().UTC()
	e.ID, e.RequesterOrgID, e.RequestedBy = db.NewID(), in.OrgID, id.Label()
	e.State, e.StateSince, e.CreatedAt, e.UpdatedAt = EvalRequested, now, now, now
	if doc != nil {
		e.SBOMFormat, e.SBOMSpecVersion, e.SBOMComponents = doc.Format, doc.SpecVersion, len(doc.Components)
	}
	mail, err := s.partiesMail(ctx, e)
	if err != nil {
		return Detail{}, err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		n, err := nextNumber(ctx, tx, now)
		if err != nil {
			return err
		}
		e.Number = n
		if err := insertEvaluation(ctx, tx, e); err != nil {
			return err
		}
		if doc != nil {
			if err := replaceComponents(ctx, tx, e.ID, doc.Components); err != nil {
				return err
			}
		}
		if err := insertEvent(ctx, tx, e.ID, Event{At: now, Actor: id.Label(), To: EvalRequested}); err != nil {
			return err
		}
		if err := s.tell(ctx, tx, mail, e, "requested by "+e.RequestedBy); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "procurement.evaluation.request", ObjectType: "evaluation",
			ObjectID: e.ID, OrgID: e.RequesterOrgID, Summary: fmt.Sprintf("%s: %s %s %s (%s) requested", e.Number, e.Vendor, e.Product, e.Version, e.Category)})
	})
	if err != nil {
		return Detail{}, err
	}
	return s.Evaluation(ctx, id, e.ID)
}

// deref is what p points to, or the zero value for nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// compact answers the values that are not "".
func compact(vals ...string) []string {
	out := []string{}
	for _, v := range vals {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// read answers e as id may read it, with id's access (errs.NotFound when
// id may not read it at all).
func (s *Service) read(ctx context.Context, q db.Querier, id *auth.Identity, evalID string) (Evaluation, access, error) {
	if id == nil {
		return Evaluation{}, access{}, errs.Unauthenticated("sign in to read evaluations")
	}
	e, err := getEvaluation(ctx, q, evalID)
	if err != nil {
		return Evaluation{}, access{}, err
	}
	covers := false
	if e.LabOrgID != nil && id.RoleIn(*e.LabOrgID) != "" {
		labs, err := listAccreditations(ctx, q, *e.LabOrgID)
		if err != nil {
			return Evaluation{}, access{}, err
		}
		covers = len(labs) == 1 && labs[0].Covers(e.Category, s.now())
	}
	a := accessTo(id, e, covers)
	if !a.reads() {
		return Evaluation{}, access{}, errs.NotFound("no evaluation of that ID")
	}
	return e, a, nil
}

// Evaluation answers one evaluation as id may read it.
func (s *Service) Evaluation(ctx context.Context, id *auth.Identity, evalID string) (Detail, error) {
	e, a, err := s.read(ctx, s.db, id, evalID)
	if err != nil {
		return Detail{}, err
	}
	d := Detail{Evaluation: e, Actions: mayAct(a, e), Reader: Reader{Staff: a.center, Tester: a.lab, Party: a.party()}}
	if d.History, err = listEvents(ctx, s.db, e.ID); err != nil {
		return Detail{}, err
	}
	d.Clocks = clocks(d.History, e, s.now())
	if d.Components, err = listComponents(ctx, s.db, e.ID); err != nil {
		return Detail{}, err
	}
	if !a.party() {
		if d.Results, err = results.Of(ctx, s.db, e.ID); err != nil {
			return Detail{}, err
		}
	}
	if d.Findings, err = listFindings(ctx, s.db, e.ID, a.party()); err != nil {
		return Detail{}, err
	}
	files, err := listFiles(ctx, s.db, e.ID)
	if err != nil {
		return Detail{}, err
	}
	d.Files = []File{}
	for _, f := range files {
		if a.party() && (f.Kind == FileEvidence || f.Kind == FileReport) {
			continue
		}
		d.Files = append(d.Files, f)
	}
	if err := s.nameLab(ctx, &d.Evaluation); err != nil {
		return Detail{}, err
	}
	if p, err := productOf(ctx, s.db, e.ID); err != nil {
		return Detail{}, err
	} else {
		d.ProductID = p
	}
	if e.MaintenanceOf != nil && (e.State == EvalApproved || e.State == EvalApprovedCond) {
		d.ProductID = *e.MaintenanceOf
	}
	return d, nil
}

func (s *Service) nameLab(ctx context.Context, es ...*Evaluation) error {
	var ids []string
	for _, e := range es {
		if e.LabOrgID != nil {
			ids = append(ids, *e.LabOrgID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	named, err := s.orgs.GetMany(ctx, system, slices.Compact(ids))
	if err != nil {
		return err
	}
	for _, e := range es {
		for _, o := range named {
			if e.LabOrgID != nil && o.ID == *e.LabOrgID {
				e.Lab = o.Name
			}
		}
	}
	return nil
}

// clocks answers the time spent in each state from the history, the
// current one running until now.
func clocks(h []Event, e Evaluation, now time.Time) []Clock {
	out := []Clock{}
	for i, ev := range h {
		end := now
		running := i == len(h)-1 && e.Open()
		if i+1 < len(h) {
			end = h[i+1].At
		} else if !e.Open() {
			continue // a closed evaluation's last state has no clock
		}
		d := end.Sub(ev.At)
		if j := slices.IndexFunc(out, func(c Clock) bool { return c.State == ev.To }); j >= 0 {
			out[j].Seconds += int64(d / time.Second)
			out[j].Running = out[j].Running || running
			continue
		}
		out = append(out, Clock{State: ev.To, Seconds: int64(d / time.Second), Running: running})
	}
	return out
}

// Evaluations lists the evaluations id may read, newest first, a page at
// a time.
func (s *Service) Evaluations(ctx context.Context, id *auth.Identity, f EvaluationFilter) ([]Evaluation, string, error) {
	if id == nil {
		return nil, "", errs.Unauthenticated("sign in to read evaluations")
	}
	if f.State != "" && !slices.Contains(EvalStates, f.State) {
		return nil, "", errs.InvalidField("state", "must be one of %s", strings.Join(EvalStates, ", "))
	}
	if f.Category != "" && !catalogue.ValidCategory(f.Category) {
		return nil, "", errs.InvalidField("category", "must be one of %s", strings.Join(catalogue.Categories, ", "))
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	want := f.Limit
	f.Limit++
	list, err := listEvaluations(ctx, s.db, id.IsStaff() || id.IsSystem(), id.OrgIDs(), f, s.now())
	if err != nil {
		return nil, "", err
	}
	list, next := onePage(list, want, evaluationCursor)
	ptrs := make([]*Evaluation, len(list))
	for i := range list {
		ptrs[i] = &list[i]
	}
	if err := s.nameLab(ctx, ptrs...); err != nil {
		return nil, "", err
	}
	return list, next, nil
}

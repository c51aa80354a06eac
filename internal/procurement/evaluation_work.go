package procurement

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/certhub/certhub/internal/cvss"
	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/procurement/catalogue"
	"github.com/certhub/certhub/internal/procurement/sbom"
	"github.com/certhub/certhub/internal/procurement/vulns"
)

// SetSBOM replaces an evaluation's SBOM (the requester, the vendor or
// staff; before testing starts).
func (s *Service) SetSBOM(ctx context.Context, id *auth.Identity, evalID string, data []byte) (Detail, error) {
	e, a, err := s.read(ctx, s.db, id, evalID)
	if err != nil {
		return Detail{}, err
	}
	if !a.acts || !(a.center || a.requester || a.vendor) {
		return Detail{}, errs.Forbidden("only the requester, the vendor and the center give the SBOM")
	}
	if e.State != EvalRequested && e.State != EvalAccepted && e.State != EvalLabAssigned {
		return Detail{}, errs.Conflict("the SBOM is fixed once testing has started")
	}
	doc, err := sbom.Parse(bytes.NewReader(data))
	if err != nil {
		return Detail{}, err
	}
	now := s.now().UTC()
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		next := e
		next.SBOMFormat, next.SBOMSpecVersion, next.SBOMComponents, next.UpdatedAt = doc.Format, doc.SpecVersion, len(doc.Components), now
		if err := updateEvaluation(ctx, tx, next, e.State); err != nil {
			return err
		}
		if err := replaceComponents(ctx, tx, e.ID, doc.Components); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "procurement.evaluation.sbom", ObjectType: "evaluation", ObjectID: e.ID,
			OrgID: e.RequesterOrgID, Summary: fmt.Sprintf("%s: SBOM %s %s with %d components", e.Number, doc.Format, doc.SpecVersion, len(doc.Components))})
	})
	if err != nil {
		return Detail{}, err
	}
	return s.Evaluation(ctx, id, e.ID)
}

// testing answers e when id tests it now: a member above viewer of its
// lab, the accreditation covering the category, the evaluation in testing.
func (s *Service) testing(ctx context.Context, id *auth.Identity, evalID string) (Evaluation, error) {
	e, a, err := s.read(ctx, s.db, id, evalID)
	if err != nil {
		return Evaluation{}, err
	}
	if !a.lab || !a.acts {
		return Evaluation{}, errs.Forbidden("only the assigned lab records results")
	}
	if e.State != EvalTesting {
		return Evaluation{}, errs.Conflict("results are recorded while the evaluation is in testing (it is %s)", strings.ReplaceAll(e.State, "_", " "))
	}
	return e, nil
}

// SetResult records the lab's verdict on a requirement of the pinned
// catalogue version. Audited.
func (s *Service) SetResult(ctx context.Context, id *auth.Identity, evalID, requirement string, in ResultInput) (Result, error) {
	e, err := s.testing(ctx, id, evalID)
	if err != nil {
		return Result{}, err
	}
	c, err := catalogue.Get(ctx, s.db, e.Category, deref(e.CatalogueVersion))
	if err != nil {
		return Result{}, err
	}
	if !slices.ContainsFunc(c.Requirements, func(r catalogue.Requirement) bool { return r.ID == requirement }) {
		return Result{}, errs.NotFound("no requirement %q in version %d of the %s catalogue", requirement, c.Version, c.Category)
	}
	var f errs.Fields
	if !slices.Contains(Verdicts, in.Verdict) {
		f.Add("verdict", "must be one of %s", strings.Join(Verdicts, ", "))
	}
	notes := textField(&f, "notes", in.Notes, 8000, in.Verdict == VerdictFail || in.Verdict == VerdictInconclusive || in.Verdict == VerdictNotApplicable)
	if err := f.Err(); err != nil {
		return Result{}, err
	}
	now := s.now().UTC()
	r := Result{Requirement: requirement, Verdict: in.Verdict, Notes: notes, UpdatedBy: id.Label(), UpdatedAt: now}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := results.Save(ctx, tx, e.ID, r); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "procurement.evaluation.result", ObjectType: "evaluation", ObjectID: e.ID,
			OrgID: deref(e.LabOrgID), Summary: fmt.Sprintf("%s: %s %s", e.Number, requirement, in.Verdict)})
	})
	return r, err
}

// AddFinding records a finding of the lab, scored with CVSS 3.1 or 4.0.
// Audited.
func (s *Service) AddFinding(ctx context.Context, id *auth.Identity, evalID string, in FindingInput) (Finding, error) {
	e, err := s.testing(ctx, id, evalID)
	if err != nil {
		return Finding{}, err
	}
	var f errs.Fields
	fd := Finding{ID: db.NewID(), Title: textField(&f, "title", in.Title, 300, true),
		Description: textField(&f, "description", in.Description, 20000, false),
		Requirement: strings.TrimSpace(in.Requirement), CreatedBy: id.Label(), CreatedAt: s.now().UTC()}
	if v := strings.TrimSpace(in.CVSSVector); v != "" {
		sc, err := cvss.Parse(v)
		if err != nil || (sc.Version != cvss.V31 && sc.Version != cvss.V40) {
			f.Add("cvss_vector", "must be a CVSS 3.1 or 4.0 vector (CVSS:3.1/AV:N/… or CVSS:4.0/AV:N/…)")
		} else {
			fd.CVSSVector, fd.Severity = sc.Vector, strings.ToLower(sc.Severity)
			fd.CVSSScore = &sc.Score
		}
	}
	if w := strings.ToUpper(strings.TrimSpace(in.CWE)); w != "" {
		if !validCWE(w) {
			f.Add("cwe", "must be a CWE ID such as CWE-79")
		}
		fd.CWE = w
	}
	if fd.Requirement != "" && e.CatalogueVersion != nil {
		c, err := catalogue.Get(ctx, s.db, e.Category, *e.CatalogueVersion)
		if err != nil {
			return Finding{}, err
		}
		if !slices.ContainsFunc(c.Requirements, func(r catalogue.Requirement) bool { return r.ID == fd.Requirement }) {
			f.Add("requirement", "is not a requirement of version %d of the catalogue", c.Version)
		}
	}
	if err := f.Err(); err != nil {
		return Finding{}, err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := insertFinding(ctx, tx, e.ID, fd); err != nil {
			return err
		}
		return audit.Record(ctx, tx, fd.CreatedAt, audit.Event{Action: "procurement.evaluation.finding", ObjectType: "evaluation",
			ObjectID: e.ID, OrgID: deref(e.LabOrgID), Summary: fmt.Sprintf("%s: finding %q %s", e.Number, fd.Title, fd.Severity)})
	})
	return fd, err
}

func validCWE(s string) bool {
	n, ok := strings.CutPrefix(s, "CWE-")
	if !ok || n == "" || len(n) > 6 {
		return false
	}
	for _, r := range n {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// ReleaseFinding shows a finding to the requester and the vendor (staff).
// Audited.
func (s *Service) ReleaseFinding(ctx context.Context, id *auth.Identity, evalID, findingID string) error {
	e, a, err := s.read(ctx, s.db, id, evalID)
	if err != nil {
		return err
	}
	if !a.center {
		return errs.Forbidden("only the center releases findings")
	}
	now := s.now().UTC()
	return s.db.Write(ctx, func(tx *db.Tx) error {
		if err := releaseFinding(ctx, tx, e.ID, findingID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "procurement.evaluation.release", ObjectType: "evaluation",
			ObjectID: e.ID, OrgID: e.RequesterOrgID, Summary: fmt.Sprintf("%s: finding %s released to the vendor", e.Number, findingID)})
	})
}

// FileInput is a document to add to an evaluation.
type FileInput struct {
	Kind        string
	Requirement string
	Name        string
	Data        []byte
}

// AddFile adds a document: the requester, the vendor or staff give the
// datasheet and hardening guide while the evaluation is open; the lab its
// evidence and its report (a PDF, checked to be one) while testing.
// Audited.
func (s *Service) AddFile(ctx context.Context, id *auth.Identity, evalID string, in FileInput) (File, error) {
	e, a, err := s.read(ctx, s.db, id, evalID)
	if err != nil {
		return File{}, err
	}
	var f errs.Fields
	if !slices.Contains(FileKinds, in.Kind) {
		return File{}, errs.InvalidField("kind", "must be one of %s", strings.Join(FileKinds, ", "))
	}
	switch in.Kind {
	case FileDatasheet, FileHardeningGuide:
		if !a.acts || !(a.center || a.requester || a.vendor) {
			return File{}, errs.Forbidden("only the requester, the vendor and the center add product documents")
		}
		if !e.Open() {
			return File{}, errs.Conflict("the evaluation is closed")
		}
	default:
		if !a.lab || !a.acts {
			return File{}, errs.Forbidden("only the assigned lab adds evidence and its report")
		}
		if e.State != EvalTesting {
			return File{}, errs.Conflict("evidence and the report are added while the evaluation is in testing")
		}
	}
	name := textField(&f, "file", path.Base(strings.ReplaceAll(in.Name, `\`, "/")), 200, true)
	if len(in.Data) == 0 {
		f.Add("file", "is empty")
	}
	if len(in.Data) > MaxFileSize {
		f.Add("file", "is larger than %d MB", MaxFileSize>>20)
	}
	ctype := http.DetectContentType(in.Data)
	if in.Kind == FileReport && !isPDF(in.Data) {
		f.Add("file", "is not a PDF: the report must be one")
	}
	if in.Kind == FileReport || strings.HasSuffix(strings.ToLower(name), ".pdf") && isPDF(in.Data) {
		ctype = "application/pdf"
	}
	if in.Requirement != "" && in.Kind == FileEvidence {
		in.Requirement = textField(&f, "requirement", in.Requirement, 40, false)
	} else {
		in.Requirement = ""
	}
	if err := f.Err(); err != nil {
		return File{}, err
	}
	sum := sha256.Sum256(in.Data)
	fl := File{ID: db.NewID(), Kind: in.Kind, Requirement: in.Requirement, Name: name, ContentType: ctype,
		Size: int64(len(in.Data)), SHA256: hex.EncodeToString(sum[:]), UploadedBy: id.Label(), CreatedAt: s.now().UTC()}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := insertFile(ctx, tx, e.ID, fl, in.Data); err != nil {
			return err
		}
		return audit.Record(ctx, tx, fl.CreatedAt, audit.Event{Action: "procurement.evaluation.file", ObjectType: "evaluation",
			ObjectID: e.ID, OrgID: e.RequesterOrgID, Summary: fmt.Sprintf("%s: %s %q (%d bytes, sha256 %s)", e.Number, in.Kind, name, fl.Size, fl.SHA256)})
	})
	return fl, err
}

// isPDF reports whether data looks like a whole PDF file: the header
// within the first kilobyte (as readers accept it), a cross-reference and
// the end-of-file marker in the last kilobyte.
func isPDF(data []byte) bool {
	head := data[:min(len(data), 1024)]
	i := bytes.Index(head, []byte("%PDF-1."))
	if i < 0 {
		i = bytes.Index(head, []byte("%PDF-2."))
	}
	if i < 0 {
		return false
	}
	tail := data[max(0, len(data)-1024):]
	return bytes.Contains(tail, []byte("%%EOF")) && bytes.Contains(tail, []byte("startxref"))
}

// FileContent answers a document and its bytes, as id may read them: the
// requester and the vendor read the product documents, the lab and the
// center every one.
func (s *Service) FileContent(ctx context.Context, id *auth.Identity, evalID, fileID string) (File, []byte, error) {
	e, a, err := s.read(ctx, s.db, id, evalID)
	if err != nil {
		return File{}, nil, err
	}
	f, data, err := getFile(ctx, s.db, e.ID, fileID)
	if err != nil {
		return File{}, nil, err
	}
	if a.party() && (f.Kind == FileEvidence || f.Kind == FileReport) {
		return File{}, nil, errs.NotFound("no file of that ID in this evaluation")
	}
	return f, data, nil
}

// EvaluationCheck matches an evaluation's SBOM against the OSV records
// loaded (the center and the lab).
func (s *Service) EvaluationCheck(ctx context.Context, id *auth.Identity, evalID string) (vulns.SBOMCheck, error) {
	e, a, err := s.read(ctx, s.db, id, evalID)
	if err != nil {
		return vulns.SBOMCheck{}, err
	}
	if !a.center && !a.lab {
		return vulns.SBOMCheck{}, errs.Forbidden("only the center and the lab read the SBOM check")
	}
	cs, err := listComponents(ctx, s.db, e.ID)
	if err != nil {
		return vulns.SBOMCheck{}, err
	}
	return s.known.Check(ctx, sbom.SBOM{Format: e.SBOMFormat, SpecVersion: e.SBOMSpecVersion, Product: e.Product, Components: cs})
}

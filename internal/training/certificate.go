package training

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// A certificate's code: 80 random bits in base32, written in groups of
// four (ABCD-EFGH-IJKL-MNOP), so codes cannot be guessed from one another.
var codeEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func newCode() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	s := codeEncoding.EncodeToString(b)
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
}

// NormalizeCode reads a code as people type it: any case, with or without
// dashes and spaces; ok false when it cannot be one.
func NormalizeCode(s string) (string, bool) {
	s = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(s)))
	if len(s) != 16 {
		return "", false
	}
	if _, err := codeEncoding.DecodeString(s); err != nil {
		return "", false
	}
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16], true
}

// statement is the text printed on a certificate and signed by the
// center's key: the holder, the course, the date and where to verify.
func (s *Service) statement(c Certificate) string {
	return fmt.Sprintf("Certificate of completion\n\nCode: %s\nHolder: %s\nCourse: %s\nCompleted on: %s\nIssued by: %s\nVerify: %s/certificates/%s\n",
		c.Code, c.HolderName, c.CourseTitle, c.CompletedOn, s.centerName, s.baseURL, c.Code)
}

// issue makes and signs the certificate of a completed enrolment.
func (s *Service) issue(ctx context.Context, tx *db.Tx, e Enrolment, c Course, at time.Time) (Certificate, error) {
	cert := Certificate{Code: newCode(), Valid: true, HolderName: e.Name, CourseTitle: c.Title, CompletedOn: at.Format("2006-01-02"),
		IssuedBy: s.centerName}
	text := s.statement(cert)
	if s.signer != nil {
		signed, err := s.signer.ClearSign([]byte(text))
		if err != nil {
			return Certificate{}, err
		}
		text = string(signed)
	}
	cert.Signed = text
	if err := insertCertificate(ctx, tx, e.ID, cert, at); err != nil {
		return Certificate{}, err
	}
	return cert, audit.Record(ctx, tx, at, audit.Event{Action: "training.certificate", ObjectType: "certificate", ObjectID: cert.Code,
		OrgID: e.OrgID, Summary: fmt.Sprintf("issued certificate %s to %s for %s", cert.Code, e.Name, c.Title)})
}

// Certificate answers what a certificate states, to anyone holding its
// code (the verification page): nothing the certificate does not print.
func (s *Service) Certificate(ctx context.Context, code string) (Certificate, error) {
	code, ok := NormalizeCode(code)
	if !ok {
		return Certificate{}, errs.NotFound("no certificate has this code")
	}
	var c Certificate
	err := s.db.Read(ctx, func(q db.Querier) (err error) { c, _, err = getCertificate(ctx, q, code); return err })
	c.IssuedBy = s.centerName
	return c, err
}

// Revoke withdraws a certificate issued in error (staff); its page then
// says so, with the reason. Audited.
func (s *Service) Revoke(ctx context.Context, id *auth.Identity, code, reason string) (Certificate, error) {
	if err := mayKeep(id); err != nil {
		return Certificate{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 500 || strings.ContainsRune(reason, 0) {
		return Certificate{}, errs.InvalidField("reason", "why it is revoked, up to 500 characters: the verification page shows it")
	}
	code, ok := NormalizeCode(code)
	if !ok {
		return Certificate{}, errs.NotFound("no certificate has this code")
	}
	now := s.now().UTC()
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		c, _, err := getCertificate(ctx, tx, code)
		if err != nil {
			return err
		}
		if !c.Valid {
			return errs.Conflict("already revoked")
		}
		if err := revokeCertificate(ctx, tx, code, reason, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "training.certificate.revoke", ObjectType: "certificate", ObjectID: code,
			Summary: "revoked certificate " + code + ": " + reason})
	})
	if err != nil {
		return Certificate{}, err
	}
	return s.Certificate(ctx, code)
}

// PDF writes a valid certificate as a one-page PDF (A4 landscape): what
// the verification page shows, and the signed statement attached, so it
// can be checked offline against the center's public key.
func (s *Service) PDF(ctx context.Context, code string) ([]byte, Certificate, error) {
	c, err := s.Certificate(ctx, code)
	if err != nil {
		return nil, Certificate{}, err
	}
	if !c.Valid {
		return nil, Certificate{}, errs.Conflict("certificate %s was revoked: %s", c.Code, c.Revoked)
	}
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes("go", "", goregular.TTF)
	pdf.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	pdf.SetTitle("Certificate "+c.Code, true)
	pdf.SetAuthor(s.centerName, true)
	pdf.SetCreator("certhub", true)
	issued, _ := time.Parse("2006-01-02", c.CompletedOn)
	pdf.SetCreationDate(issued)
	pdf.SetModificationDate(issued)
	pdf.SetAttachments([]fpdf.Attachment{{Content: []byte(c.Signed), Filename: "certificate-" + c.Code + ".txt.asc",
		Description: "The certificate's statement, signed with the center's OpenPGP key"}})
	pdf.AddPage()
	pdf.SetDrawColor(30, 64, 110)
	pdf.SetLineWidth(1.2)
	pdf.Rect(12, 12, 273, 186, "D")
	pdf.SetLineWidth(0.3)
	pdf.Rect(16, 16, 265, 178, "D")
	center := func(font string, size float64, y float64, text string) {
		pdf.SetFont("go", font, size)
		pdf.SetXY(20, y)
		pdf.MultiCell(257, size*0.5, text, "", "C", false)
	}
	pdf.SetTextColor(30, 64, 110)
	center("B", 14, 30, s.centerName)
	center("B", 32, 50, "Certificate of completion")
	pdf.SetTextColor(20, 20, 20)
	center("", 14, 78, "This certifies that")
	center("B", 26, 90, c.HolderName)
	center("", 14, 112, "completed the course")
	center("B", 20, 124, c.CourseTitle)
	center("", 14, 146, "on "+longDate(c.CompletedOn))
	pdf.SetTextColor(80, 80, 80)
	center("", 10, 170, fmt.Sprintf("Certificate %s · verify at %s/certificates/%s", c.Code, s.baseURL, c.Code))
	center("", 8, 178, "The signed statement attached to this file verifies offline with the center's OpenPGP key ("+s.baseURL+"/report/pgp-key.asc).")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, Certificate{}, fmt.Errorf("training: certificate PDF: %w", err)
	}
	return buf.Bytes(), c, nil
}

// longDate writes 2026-11-20 as 20 November 2026.
func longDate(d string) string {
	t, err := time.Parse("2006-01-02", d)
	if err != nil {
		return d
	}
	return t.Format("2 January 2006")
}

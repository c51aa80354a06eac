// Package securitytxt reads an RFC 9116 security.txt file as a checker
// must: every field kept, every departure from the RFC named, nothing
// trusted.
package securitytxt

import (
	"bufio"
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/certhub/certhub/internal/platform/pgp"
)

// MaxBytes is the largest file read; RFC 9116 sets no limit, checkers do.
const MaxBytes = 64 << 10

// File is a parsed security.txt.
type File struct {
	// Signed tells the file was an OpenPGP cleartext-signed message; Text
	// is then its signed text, Raw the whole message.
	Signed             bool
	Raw, Text          []byte
	Contact            []string
	Expires            time.Time
	Encryption         []string
	Acknowledgments    []string
	PreferredLanguages string
	Canonical          []string
	Policy             []string
	Hiring             []string
	CSAF               []string
	// Problems are the file's departures from RFC 9116, in the order
	// found; an empty list is a valid file.
	Problems []string
}

// Parse reads data, the body of a security.txt, at the time now.
func Parse(data []byte, now time.Time) File {
	f := File{Raw: data, Text: data}
	if len(data) > MaxBytes {
		f.Problems = append(f.Problems, fmt.Sprintf("the file is larger than %d KiB", MaxBytes>>10))
		return f
	}
	if bytes.Contains(data, []byte("-----BEGIN PGP SIGNED MESSAGE-----")) {
		text, ok := pgp.ClearText(data)
		if !ok {
			f.Problems = append(f.Problems, "the file starts an OpenPGP signed message that cannot be read")
			return f
		}
		f.Signed, f.Text = true, text
	}
	if !utf8.Valid(f.Text) {
		f.Problems = append(f.Problems, "the file is not UTF-8")
		return f
	}
	expires := 0
	sc := bufio.NewScanner(bytes.NewReader(f.Text))
	sc.Buffer(make([]byte, 4096), MaxBytes)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || strings.ContainsAny(name, " \t") || name == "" {
			f.Problems = append(f.Problems, fmt.Sprintf("line %d is neither a field (Name: value) nor a comment", n))
			continue
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(name) {
		case "contact":
			f.Contact = append(f.Contact, value)
			f.uri("Contact", value, "mailto", "https", "tel")
		case "expires":
			expires++
			t, err := time.Parse(time.RFC3339, value)
			if err != nil {
				f.Problems = append(f.Problems, fmt.Sprintf("Expires %q is not an RFC 3339 date and time", value))
				continue
			}
			f.Expires = t
		case "encryption":
			f.Encryption = append(f.Encryption, value)
			f.uri("Encryption", value, "https", "openpgp4fpr", "dns")
		case "acknowledgments", "acknowledgements":
			f.Acknowledgments = append(f.Acknowledgments, value)
			f.uri(name, value, "https")
		case "preferred-languages":
			if f.PreferredLanguages != "" {
				f.Problems = append(f.Problems, "Preferred-Languages appears more than once")
			}
			f.PreferredLanguages = value
		case "canonical":
			f.Canonical = append(f.Canonical, value)
			f.uri("Canonical", value, "https")
		case "policy":
			f.Policy = append(f.Policy, value)
			f.uri("Policy", value, "https")
		case "hiring":
			f.Hiring = append(f.Hiring, value)
			f.uri("Hiring", value, "https")
		case "csaf":
			f.CSAF = append(f.CSAF, value)
			f.uri("CSAF", value, "https")
		}
	}
	if err := sc.Err(); err != nil {
		f.Problems = append(f.Problems, "a line is too long to read")
	}
	if len(f.Contact) == 0 {
		f.Problems = append(f.Problems, "Contact is required and missing")
	}
	switch {
	case expires == 0:
		f.Problems = append(f.Problems, "Expires is required and missing")
	case expires > 1:
		f.Problems = append(f.Problems, "Expires must appear once")
	case f.Expires.IsZero():
	case !f.Expires.After(now):
		f.Problems = append(f.Problems, fmt.Sprintf("the file expired on %s", f.Expires.UTC().Format(time.DateOnly)))
	case f.Expires.After(now.AddDate(1, 0, 0)):
		f.Problems = append(f.Problems, fmt.Sprintf("Expires (%s) is more than a year ahead; RFC 9116 asks for less", f.Expires.UTC().Format(time.DateOnly)))
	}
	return f
}

// uri records a problem when value is not an absolute URI of one of
// schemes.
func (f *File) uri(field, value string, schemes ...string) {
	u, err := url.Parse(value)
	if err != nil || u.Scheme == "" {
		f.Problems = append(f.Problems, fmt.Sprintf("%s %q is not a URI", field, value))
		return
	}
	for _, s := range schemes {
		if strings.EqualFold(u.Scheme, s) {
			return
		}
	}
	if strings.EqualFold(u.Scheme, "http") {
		f.Problems = append(f.Problems, fmt.Sprintf("%s %q must use https, not http", field, value))
		return
	}
	f.Problems = append(f.Problems, fmt.Sprintf("%s %q: the scheme %s is not one RFC 9116 allows here", field, value, u.Scheme))
}

// CanonicalAt tells whether the file names location among its Canonical
// URIs, or names none.
func (f File) CanonicalAt(location string) bool {
	if len(f.Canonical) == 0 {
		return true
	}
	for _, c := range f.Canonical {
		if c == location {
			return true
		}
	}
	return false
}

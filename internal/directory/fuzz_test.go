package directory

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/pgp"
)

// fuzzNow is the time organisations are validated at.
var fuzzNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// FuzzOrgInput validates an organisation as the API decodes it: contacts,
// OpenPGP key, RFC 2350 profile, constituency (networks, ASNs, domains)
// and package URLs. What it accepts is storable (valid UTF-8, no NUL,
// which PostgreSQL's text refuses) and validates again to the same
// organisation, so a stored organisation can always be saved again; what
// it refuses names each field at fault.
func FuzzOrgInput(f *testing.F) {
	pub, _, err := pgp.GenerateKey("Bank One SOC", "soc@bank1.example", 0, fuzzNow.Add(-time.Hour))
	if err != nil {
		f.Fatal(err)
	}
	key, _ := json.Marshal(pub)
	f.Add([]byte(`{"name": "Bank One", "kind": "constituent", "sector": "Banking", "country": "pk", "pgp_key": ` + string(key) + `}`))
	f.Add([]byte(`{"name": " First Example Bank ", "short_name": "FEB", "kind": "constituent", "parent_id": " x ", "sector": "banking",
		"country": "PK", "cii": true, "website": "https://bank.example/", "description": "A bank.", "listed": false,
		"contacts": [{"role": "Security", "name": "SOC", "email": "SOC@Bank.example", "phone": "+92 51 1234567", "available_24x7": true},
		  {"role": "abuse", "phone": "+1 (555) 010-0100"}],
		"rfc2350": {"document_date": "2026-11-23", "time_zone": "Asia/Karachi", "email": "cert@bank.example", "mission": "Protect."},
		"constituency": {"cidrs": ["192.0.2.0/24", " 2001:db8::/32 "], "asns": [64500, 4200000000], "domains": ["Bank.example.", "bücher.example"]},
		"packages": ["pkg:npm/%40examplesoft/widget@1.2.3", "pkg:maven/com.examplesoft", "pkg:PyPI/Django_Extensions"]}`))
	f.Add([]byte(`{"name": "", "kind": "nope", "country": "XX", "website": "ftp://x", "contacts": [{"role": "x"}],
		"rfc2350": {"document_date": "23.11.2026", "time_zone": "Mars/Olympus"},
		"constituency": {"cidrs": ["192.0.2.1/24", "10.0.0.0/4", "192.0.2.0/25", "192.0.2.0/24", "fe80::/10"], "asns": [0, 23456, 65535], "domains": ["*.bank.example", "a", "1.2.3.4", "http://x.example"]},
		"packages": ["npm/x", "pkg:", "pkg:npm/@x/"], "pgp_key": "-----BEGIN PGP PUBLIC KEY BLOCK-----\nnope\n-----END PGP PUBLIC KEY BLOCK-----"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		var in OrgInput
		if dec.Decode(&in) != nil {
			return
		}
		var o Org
		if err := apply(&o, in, fuzzNow); err != nil {
			e := errs.As(err)
			if e == nil || e.Kind != errs.KindInvalid || len(e.Fields) == 0 {
				t.Fatalf("a refusal that names no field: %v", err)
			}
			for _, fe := range e.Fields {
				if fe.Field == "" || fe.Message == "" {
					t.Fatalf("a refusal without its field or reason: %+v", e.Fields)
				}
			}
			return
		}
		checkStorable(t, reflect.ValueOf(o), "org")
		again := Org{}
		if err := apply(&again, inputOf(o), fuzzNow); err != nil {
			t.Fatalf("the organisation as stored does not validate again: %v\n%+v", err, o)
		}
		if diff := cmp.Diff(o, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("validating the stored organisation changes it (-stored +again):\n%s", diff)
		}
	})
}

// inputOf is the input that sets every field of o.
func inputOf(o Org) OrgInput {
	parent := o.Parent()
	contacts := append([]Contact(nil), o.Contacts...)
	rfc := o.RFC2350
	c := o.Constituency
	var asns []int64
	asns = append(asns, c.ASNs...)
	c.ASNs = asns
	packages := append([]string(nil), o.Packages...)
	return OrgInput{Name: &o.Name, ShortName: &o.ShortName, Kind: &o.Kind, ParentID: &parent, Sector: &o.Sector,
		Country: &o.Country, CII: &o.CII, Website: &o.Website, Description: &o.Description, Listed: &o.Listed,
		Contacts: &contacts, PGPKey: &o.PGPKey, RFC2350: &rfc, Constituency: &c, Packages: &packages}
}

// checkStorable fails on a string that is not valid UTF-8 or holds NUL.
func checkStorable(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		if s := v.String(); !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			t.Fatalf("%s = %q cannot be stored", path, s)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			checkStorable(t, v.Elem(), path)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				checkStorable(t, v.Field(i), path+"."+v.Type().Field(i).Name)
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			checkStorable(t, v.Index(i), path+"["+strconv.Itoa(i)+"]")
		}
	}
}

// FuzzConstituencyValue reads one value as each kind of constituency entry
// (network, AS number, domain, package URL): an accepted value is in its
// stored form, which reads again to itself; a refused one says why.
func FuzzConstituencyValue(f *testing.F) {
	for _, s := range []string{"192.0.2.0/24", "2001:DB8::/32", "192.0.2.1", "10.0.0.0/4", "::ffff:192.0.2.0/120", "fe80::/10%eth0",
		"AS64500", "as4200000000", "23456", "-1", "Bank.Example.", "bücher.example", "xn--bcher-kva.example", "*.bank.example",
		"pkg:npm/%40examplesoft/widget@1.2.3?arch=x#sub", "pkg:maven/com.examplesoft", "pkg:golang/github.com/x/y", "pkg:npm/@examplesoft/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if p, problem := ParseCIDR(s); problem == "" {
			if again, problem := ParseCIDR(p.String()); problem != "" || again != p {
				t.Fatalf("network %q → %s → %s %q", s, p, again, problem)
			}
		}
		if n, problem := ParseASN(s); problem == "" {
			if again, problem := ParseASN("AS" + strconv.FormatInt(n, 10)); problem != "" || again != n {
				t.Fatalf("ASN %q → %d → %d %q", s, n, again, problem)
			}
		}
		if d, problem := NormalizeDomain(s); problem == "" {
			if again, problem := NormalizeDomain(d); problem != "" || again != d {
				t.Fatalf("domain %q → %q → %q %q", s, d, again, problem)
			}
			if again, problem := NormalizeDomain(DisplayDomain(d)); problem != "" || again != d {
				t.Fatalf("domain %q → %q, shown %q → %q %q", s, d, DisplayDomain(d), again, problem)
			}
		} else if problem == "" {
			t.Fatalf("domain %q: no reason", s)
		}
		if p, problem := NormalizePackage(s); problem == "" {
			if again, problem := NormalizePackage(p); problem != "" || again != p {
				t.Fatalf("package %q → %q → %q %q", s, p, again, problem)
			}
			if prefixes := packagePrefixes(p); len(prefixes) == 0 || prefixes[0] != p {
				t.Fatalf("package %q → %q: prefixes %v", s, p, prefixes)
			}
		}
	})
}

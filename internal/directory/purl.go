package directory

import (
	"strings"

	packageurl "github.com/package-url/packageurl-go"
)

// maxPackages bounds the package URLs one organisation may list.
const maxPackages = 1000

// NormalizePackage returns the form in which a vendor's package URL (purl) is
// stored and compared: "pkg:type/namespace/name" as the purl library writes
// it (type lower-case, names normalised per type), without version,
// qualifiers or subpath. A purl may stop at its namespace
// ("pkg:npm/@examplesoft", "pkg:maven/com.examplesoft") to stand for every
// package published under it. The second result is the problem, if any.
func NormalizePackage(s string) (string, string) {
	s = strings.TrimSpace(s)
	if len(s) > 500 {
		return "", "is longer than 500 characters"
	}
	if !strings.HasPrefix(strings.ToLower(s), "pkg:") {
		return "", "is not a package URL (it starts with pkg:, such as pkg:npm/%40examplesoft/widget)"
	}
	p, err := packageurl.FromString(s)
	if err == nil {
		return packageurl.NewPackageURL(p.Type, p.Namespace, p.Name, "", nil, "").ToString(), ""
	}
	// A namespace alone: the library wants a name, so lend it one and drop it.
	if q, err2 := packageurl.FromString(strings.TrimRight(s, "/") + "/_"); err2 == nil && q.Namespace != "" && q.Version == "" {
		full := packageurl.NewPackageURL(q.Type, q.Namespace, "_", "", nil, "").ToString()
		return strings.TrimSuffix(full, "/_"), ""
	}
	return "", "is not a valid package URL: " + strings.TrimPrefix(err.Error(), "purl ")
}

// packagePrefixes returns a purl's normalised form and each shorter prefix
// by path segment down to type plus one segment, so that a package finds the
// vendor that registered it or any namespace above it.
func packagePrefixes(s string) []string {
	norm, problem := NormalizePackage(s)
	if problem != "" {
		return nil
	}
	segs := strings.Split(strings.TrimPrefix(norm, "pkg:"), "/")
	out := make([]string, 0, len(segs))
	for k := len(segs); k >= 2; k-- {
		out = append(out, "pkg:"+strings.Join(segs[:k], "/"))
	}
	return out
}

// domainParents returns a domain and its parent domains down to two labels,
// so that a host name finds the organisation that registered its domain.
func domainParents(d string) []string {
	out := []string{d}
	for {
		i := strings.IndexByte(d, '.')
		if i < 0 || strings.Count(d[i+1:], ".") < 1 {
			return out
		}
		d = d[i+1:]
		out = append(out, d)
	}
}

package stix

import (
	"strings"

	"github.com/certhub/certhub/internal/intel/observable"
)

// stixPaths are the pattern paths of observable types.
var stixPaths = map[observable.Type]string{
	observable.IPv4: "ipv4-addr:value", observable.IPv6: "ipv6-addr:value", observable.Domain: "domain-name:value", observable.URL: "url:value",
	observable.Email: "email-addr:value", observable.MD5: "file:hashes.MD5", observable.SHA1: "file:hashes.'SHA-1'", observable.SHA256: "file:hashes.'SHA-256'",
	observable.SHA512: "file:hashes.'SHA-512'",
}

// Pattern is the STIX pattern that names an observable, as certhub
// writes the indicators it generates; Parse reads it back to the same
// observable. Types STIX has no path for give "".
func Pattern(o observable.Observable) string {
	switch o.Type {
	case observable.ASN:
		return "[autonomous-system:number = " + strings.TrimPrefix(o.Value, "AS") + "]"
	case observable.CIDR:
		path := "ipv4-addr:value"
		if strings.Contains(o.Value, ":") {
			path = "ipv6-addr:value"
		}
		return "[" + path + " ISSUBSET '" + o.Value + "']"
	}
	path, ok := stixPaths[o.Type]
	if !ok {
		return ""
	}
	return "[" + path + " = '" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(o.Value) + "']"
}

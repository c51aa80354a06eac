package misp

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/certhub/certhub/internal/intel/observable"
)

// The MISP feed certhub serves of a collection: one event per UTC day on
// which indicators were added, named by a UUID that carries the day, its
// attributes the observables written as MISP's types.

// EventUUID names the event of a collection (by its id) for a day (days
// since the Unix epoch, UTC): the day in the first eight hex digits, so a
// request finds it, the rest from the collection and the day.
func EventUUID(collection string, day int64) string {
	sum := sha256.Sum256([]byte("certhub MISP feed\x00" + collection + "\x00" + strconv.FormatInt(day, 10)))
	h := hex.EncodeToString(sum[:])
	return fmt.Sprintf("%08x-%s-4%s-8%s-%s", day, h[0:4], h[4:7], h[7:10], h[10:22])
}

// attributeTypes are the MISP attribute types and categories observables
// are written as.
var attributeTypes = map[observable.Type][2]string{
	observable.IPv4: {"ip-dst", "Network activity"}, observable.IPv6: {"ip-dst", "Network activity"}, observable.CIDR: {"ip-dst", "Network activity"},
	observable.Domain: {"domain", "Network activity"}, observable.URL: {"url", "Network activity"}, observable.Email: {"email-src", "Payload delivery"},
	observable.MD5: {"md5", "Payload delivery"}, observable.SHA1: {"sha1", "Payload delivery"}, observable.SHA256: {"sha256", "Payload delivery"},
	observable.SHA512: {"sha512", "Payload delivery"}, observable.ASN: {"AS", "Network activity"}, observable.CVE: {"vulnerability", "External analysis"},
}

// AttributeType is the MISP attribute type and category an observable of
// type t is written as (ok false: none).
func AttributeType(t observable.Type) (typ, category string, ok bool) {
	tc, ok := attributeTypes[t]
	return tc[0], tc[1], ok
}

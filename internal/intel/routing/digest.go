package routing

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/certhub/certhub/internal/intel/asn"
	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/platform/tlp"
)

// DigestLine is one indicator routed to an organisation, as its digest
// lists it.
type DigestLine struct {
	Type, Value, TLP string
	First, Last      int64 // Unix seconds
}

// DigestText is the message that tells an organisation (name, its id org)
// of the indicators that concern it: what, why it concerns them, the list
// (with the AS announcing each address, when origins is a table), and
// where the center (center, at baseURL) serves all of them. Unless the
// mail is encrypted, TLP:AMBER+STRICT lines are held back and counted.
func DigestText(center, baseURL, name, org string, lines []DigestLine, encrypted bool, origins *asn.Table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Dear %s,\n\n", name)
	fmt.Fprintf(&b, "%s has received reports of the indicators below, which concern networks, AS numbers\n", center)
	b.WriteString("or domains registered to your organisation. Each is marked with the Traffic Light Protocol:\n")
	b.WriteString("share it only as its marking allows. Please check the hosts, and tell us of anything you find.\n\n")
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TLP\ttype\tvalue\tAS\tfirst seen (UTC)\tlast seen (UTC)")
	held := 0
	for _, l := range lines {
		if !encrypted && tlp.Label(l.TLP) == tlp.AmberStrict {
			held++
			continue
		}
		as := "-"
		if o := origins.Origin(observable.Observable{Type: observable.Type(l.Type), Value: l.Value}); o != nil {
			as = "AS" + strconv.FormatUint(uint64(o.ASN), 10)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", l.TLP, l.Type, defang(l.Value), as,
			time.Unix(l.First, 0).UTC().Format("2006-01-02 15:04"), time.Unix(l.Last, 0).UTC().Format("2006-01-02 15:04"))
	}
	_ = tw.Flush()
	if held > 0 {
		fmt.Fprintf(&b, "\n%d TLP:AMBER+STRICT indicators are not listed in unencrypted mail: register an OpenPGP key with us,\nor read them in the portal.\n", held)
	}
	fmt.Fprintf(&b, "\nAll of them, as STIX 2.1, are in your TAXII collection \"org-%s\" at %s/taxii2/api/,\nand as CSV at %s/api/v1/intel/collections/org-%s/export?format=csv.\n", org, baseURL, baseURL, org)
	b.WriteString("\n-- \n" + center + "\n")
	return b.String()
}

// defang makes an indicator safe to show in mail: no live links, no
// names a mail client turns into them.
func defang(v string) string {
	if strings.HasPrefix(v, "http") {
		v = "hxxp" + v[len("http"):]
	}
	return strings.NewReplacer(".", "[.]", "@", "[@]").Replace(v)
}

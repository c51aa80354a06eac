package warninglist

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"

	"github.com/gaissmai/bart"

	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/platform/errs"
)

// Set matches observables against the lists it was built of. Warninglists
// name values that are known to be benign or meaningless as indicators
// (private networks, public resolvers, the largest sites), so that a feed
// listing them does not alert every constituent. A value on a list is not
// stored; the ingest rejects it with the list's name.
type Set struct {
	nets  *bart.Table[string] // network → list name
	hosts map[string]string   // exact host name → list name
}

// List is one list in MISP's warninglist format (the "cidr",
// "hostname" and "string" types). ID is certhub's (the built-in lists'
// are fixed).
type List struct {
	ID                 string   `json:"-"`
	Name               string   `json:"name"`
	Description        string   `json:"description,omitempty"`
	Version            any      `json:"version,omitempty"` // a number in MISP's lists
	Type               string   `json:"type"`
	Category           string   `json:"category,omitempty"`            // MISP's; not used
	MatchingAttributes []string `json:"matching_attributes,omitempty"` // MISP's; not used
	List               []string `json:"list"`
}

// builtin are the lists every installation has. Documentation ranges
// (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) are deliberately not
// here: test and demonstration networks use them as real constituencies.
var builtin = []List{
	{ID: "private-networks", Name: "private and special-purpose networks", Type: "cidr", List: []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16",
		"224.0.0.0/4", "240.0.0.0/4", "::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8"}},
	{ID: "public-resolvers", Name: "public DNS resolvers", Type: "cidr", List: []string{
		"8.8.8.8/32", "8.8.4.4/32", "1.1.1.1/32", "1.0.0.1/32", "9.9.9.9/32", "149.112.112.112/32", "208.67.222.222/32",
		"208.67.220.220/32", "2001:4860:4860::8888/128", "2001:4860:4860::8844/128", "2606:4700:4700::1111/128",
		"2606:4700:4700::1001/128", "2620:fe::fe/128"}},
	{ID: "largest-sites", Name: "the largest sites", Type: "hostname", List: []string{
		"google.com", "www.google.com", "youtube.com", "www.youtube.com", "facebook.com", "www.facebook.com",
		"microsoft.com", "www.microsoft.com", "apple.com", "www.apple.com", "amazon.com", "www.amazon.com",
		"wikipedia.org", "www.wikipedia.org", "cloudflare.com", "www.cloudflare.com", "github.com", "linkedin.com",
		"www.linkedin.com", "twitter.com", "x.com", "instagram.com", "whatsapp.com", "live.com", "office.com",
		"windowsupdate.com", "localhost.localdomain"}},
}

// New builds a matcher of the lists given.
func New(lists ...List) (*Set, error) {
	w := &Set{nets: &bart.Table[string]{}, hosts: map[string]string{}}
	for _, l := range lists {
		if err := w.add(l); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// Builtin are the lists every installation has.
func Builtin() []List { return slices.Clone(builtin) }

// types are the MISP list types certhub matches.
var types = []string{"cidr", "hostname", "string"}

func (w *Set) add(l List) error {
	if !slices.Contains(types, l.Type) {
		return &errs.Error{Kind: errs.KindInvalid, Message: "the warninglist cannot be used",
			Fields: []errs.FieldError{{Field: "type", Message: fmt.Sprintf("%q is not supported: cidr, hostname or string", l.Type)}}}
	}
	for i, v := range l.List {
		switch l.Type {
		case "cidr":
			p, err := netip.ParsePrefix(strings.TrimSpace(v))
			if err != nil {
				a, aerr := netip.ParseAddr(strings.TrimSpace(v))
				if aerr != nil {
					return &errs.Error{Kind: errs.KindInvalid, Message: "the warninglist cannot be used",
						Fields: []errs.FieldError{{Field: fmt.Sprintf("list[%d]", i), Message: fmt.Sprintf("%q is not a network or an address", v)}}}
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			w.nets.Insert(p.Masked(), l.Name)
		case "hostname", "string":
			o, err := observable.Normalize(v)
			if err != nil {
				continue // MISP's string lists hold more than host names
			}
			switch o.Type {
			case observable.Domain:
				w.hosts[o.Value] = l.Name
			case observable.IPv4, observable.IPv6:
				a := netip.MustParseAddr(o.Value)
				w.nets.Insert(netip.PrefixFrom(a, a.BitLen()), l.Name)
			}
		}
	}
	return nil
}

// MaxBytes and MaxEntries bound a loaded list: its JSON and its values.
const (
	MaxBytes   = 64 << 20
	MaxEntries = 2_000_000
)

// Load reads a list in MISP's warninglist JSON format and
// checks it.
func Load(r io.Reader) (List, error) {
	var l List
	if err := json.NewDecoder(io.LimitReader(r, MaxBytes)).Decode(&l); err != nil {
		return l, errs.Invalid("not a warninglist in MISP's JSON format: %v", err)
	}
	return l, l.Check()
}

// Check validates a list as read, trimming its name and description.
func (l *List) Check() error {
	l.Name, l.Description = strings.TrimSpace(l.Name), strings.TrimSpace(l.Description)
	var f errs.Fields
	switch {
	case l.Name == "":
		f.Add("name", "a list needs a name")
	case len(l.Name) > 200:
		f.Add("name", "at most 200 characters")
	}
	switch {
	case len(l.List) == 0:
		f.Add("list", "a list needs values")
	case len(l.List) > MaxEntries:
		f.Add("list", "at most %d values", MaxEntries)
	}
	for i, v := range l.List {
		if strings.ContainsAny(v, "\r\n") {
			f.Add(fmt.Sprintf("list[%d]", i), "one value, on one line")
			break
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	_, err := New(*l)
	return err
}

// Match returns the name of the list an observable is on, or "". Addresses
// match the networks they are in; a network matches when it lies inside a
// listed one; host names, e-mail domains and URL hosts match exactly.
func (w *Set) Match(o observable.Observable) string {
	if w == nil {
		return ""
	}
	switch o.Type {
	case observable.IPv4, observable.IPv6:
		if a, err := netip.ParseAddr(o.Value); err == nil {
			name, _ := w.nets.Lookup(a)
			return name
		}
	case observable.CIDR:
		if p, err := netip.ParsePrefix(o.Value); err == nil {
			if _, name, ok := w.nets.LookupPrefixLPM(p); ok {
				return name
			}
		}
	case observable.Domain:
		return w.hosts[o.Value]
	case observable.Email:
		if _, d, ok := strings.Cut(o.Value, "@"); ok {
			return w.hosts[d]
		}
	case observable.URL:
		if h := observable.URLHost(o.Value); h != "" {
			if a, err := netip.ParseAddr(h); err == nil {
				name, _ := w.nets.Lookup(a)
				return name
			}
			return w.hosts[h]
		}
	}
	return ""
}

package tlp

import (
	"fmt"
	"strings"
)

// Label is a TLP 2.0 label. The zero value is not a label.
type Label string

const (
	Clear       Label = "CLEAR"
	Green       Label = "GREEN"
	Amber       Label = "AMBER"
	AmberStrict Label = "AMBER+STRICT"
	Red         Label = "RED"
)

// Labels lists every label from least to most restrictive.
var Labels = []Label{Clear, Green, Amber, AmberStrict, Red}

// Parse reads a label as people and machines write it: case-insensitive, with
// or without a "TLP:" prefix; TLP 1.0's WHITE is CLEAR.
func Parse(s string) (Label, error) {
	v := strings.ToUpper(strings.TrimSpace(s))
	v = strings.TrimPrefix(v, "TLP:")
	v = strings.TrimSpace(v)
	switch v {
	case "CLEAR", "WHITE":
		return Clear, nil
	case "GREEN":
		return Green, nil
	case "AMBER":
		return Amber, nil
	case "AMBER+STRICT", "AMBER-STRICT", "AMBER STRICT":
		return AmberStrict, nil
	case "RED":
		return Red, nil
	}
	return "", fmt.Errorf("%q is not a TLP 2.0 label (CLEAR, GREEN, AMBER, AMBER+STRICT, RED)", s)
}

// Valid reports whether l is one of the five labels.
func (l Label) Valid() bool { return l.rank() >= 0 }

func (l Label) rank() int {
	for i, x := range Labels {
		if x == l {
			return i
		}
	}
	return -1
}

// String is the label as TLP 2.0 writes it, "TLP:AMBER+STRICT".
func (l Label) String() string { return "TLP:" + string(l) }

// MoreRestrictive reports whether l restricts sharing more than other.
func (l Label) MoreRestrictive(other Label) bool { return l.rank() > other.rank() }

// Reach is how close a viewer stands to a marked object, from the outside in.
type Reach int

const (
	// Public: anyone, signed in or not.
	Public Reach = iota
	// Community: a signed-in member of the object's sharing community.
	Community
	// Constituent: a member of an organisation inside a recipient's constituency.
	Constituent
	// RecipientOrg: a member of a recipient organisation.
	RecipientOrg
	// Named: the owner, or a person named as a recipient.
	Named
)

// Allows reports whether a viewer with reach r may see an object marked l:
// CLEAR everyone; GREEN the community; AMBER recipient organisations and their
// constituents; AMBER+STRICT recipient organisations only; RED named recipients only.
// An invalid label allows nothing but Named reach (fail closed).
func Allows(l Label, r Reach) bool {
	switch l {
	case Clear:
		return true
	case Green:
		return r >= Community
	case Amber:
		return r >= Constituent
	case AmberStrict:
		return r >= RecipientOrg
	default:
		return r >= Named
	}
}

// Readable lists the labels a viewer with reach r may see, from least to
// most restrictive: what Allows says, for building queries.
func Readable(r Reach) []Label {
	var out []Label
	for _, l := range Labels {
		if Allows(l, r) {
			out = append(out, l)
		}
	}
	return out
}

// Reaches maps a reach to an SQL condition that holds for the rows the
// viewer stands at least that close to ("" or absent: no row). Where
// everything marked CLEAR is public, Public's condition is "TRUE"; where
// even CLEAR needs membership (threat intelligence), it is absent.
type Reaches map[Reach]string

// Where is Allows as SQL over rows whose label is in column col: a row is
// kept when, at some reach whose condition holds for it, its label may be
// seen; with no condition at all, no row ("FALSE"). An unknown label keeps
// a row only at Named reach (fail closed, as Allows). Labels are the
// package's constants, written as literals.
func Where(col string, reach Reaches) string {
	var or []string
	for _, r := range []Reach{Public, Community, Constituent, RecipientOrg, Named} {
		cond := reach[r]
		if cond == "" {
			continue
		}
		if r == Named {
			or = append(or, "("+cond+")") // every label, and any other value
			continue
		}
		var in []string
		for _, l := range Readable(r) {
			in = append(in, "'"+string(l)+"'")
		}
		c := col + " IN (" + strings.Join(in, ", ") + ")"
		if cond != "TRUE" {
			c = "(" + c + " AND (" + cond + "))"
		}
		or = append(or, c)
	}
	if len(or) == 0 {
		return "FALSE"
	}
	return "(" + strings.Join(or, " OR ") + ")"
}

// Within reports whether l may cross a boundary whose ceiling is the most
// restrictive label agreed for it (a federation link's): no label above it,
// and no value that is not a label (fail closed).
func Within(l, ceiling Label) bool { return l.Valid() && ceiling.Valid() && l.rank() <= ceiling.rank() }

// WhereWithin is Within as SQL over column col: the labels up to ceiling,
// written as literals ("FALSE" for an invalid ceiling).
func WhereWithin(col string, ceiling Label) string {
	var in []string
	for _, l := range Labels {
		if Within(l, ceiling) {
			in = append(in, "'"+string(l)+"'")
		}
	}
	if len(in) == 0 {
		return "FALSE"
	}
	return col + " IN (" + strings.Join(in, ", ") + ")"
}

// stix20 are the STIX 2.1 marking definitions of the TLP 2.0 labels
// (extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d).
var stix20 = map[Label]string{
	Clear:       "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
	Green:       "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
	Amber:       "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
	AmberStrict: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
	Red:         "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

// stix10 are the TLP 1.0 marking definitions STIX 2.1 predefines, read on
// input (WHITE is CLEAR).
var stix10 = map[string]Label{
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": Clear,
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": Green,
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": Amber,
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": Red,
}

// FromSTIX returns the label of a STIX marking-definition ID, if it is a
// TLP marking (2.0, or 1.0 as STIX 2.1 defines it).
func FromSTIX(markingID string) (Label, bool) {
	for l, id := range stix20 {
		if id == markingID {
			return l, true
		}
	}
	l, ok := stix10[markingID]
	return l, ok
}

// STIXMarking is the STIX 2.1 marking-definition ID of a TLP 2.0 label.
func STIXMarking(l Label) string { return stix20[l] }

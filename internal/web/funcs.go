package web

import (
	"fmt"
	"html/template"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/errs"
)

var funcs = template.FuncMap{
	"when":        when,
	"markdown":    Markdown,
	"date":        func(t time.Time) string { return t.UTC().Format("2006-01-02") },
	"fe":          func(f errs.Fields, field string) string { return f.Message(field) },
	"fep":         fieldsWithPrefix,
	"invalid":     func(f errs.Fields, field string) bool { return f.Has(field) },
	"fieldLabel":  FieldLabel,
	"fieldAnchor": fieldAnchor,
	"dict":        dict,
	"join":        strings.Join,
	"label":       Label,
	"withq":       withQuery,
	"upper":       strings.ToUpper,
	"hasPrefix":   strings.HasPrefix,
	"contains":    func(list []string, s string) bool { return contains(list, s) },
	"add":         func(a, b int) int { return a + b },
	"mul":         func(a, b int) int { return a * b },
	"scale":       func(n, of, width int) int { return n * width / max(of, 1) },
	"fscale":      func(v, of float64, width int) int { return int(v*float64(width)/max(of, 1) + 0.5) },
	"div":         func(a, b int64) int64 { return a / max(b, 1) },
	"percent":     func(f float64) float64 { return f * 100 },
	"pct":         percentOf,
	"deref":       func(t *time.Time) time.Time { return derefTime(t) },
	"str": func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	},
	"list": func(s ...string) []string { return s },
	// num1 is a number with one decimal, "" for a nil *float64 (a score
	// not yet known).
	"num1": func(v any) string {
		switch f := v.(type) {
		case *float64:
			if f == nil {
				return ""
			}
			return strconv.FormatFloat(*f, 'f', 1, 64)
		case float64:
			return strconv.FormatFloat(f, 'f', 1, 64)
		}
		return ""
	},
	"fingerprint": func(fp string) string {
		// Groups of four, as OpenPGP tools print them.
		var b strings.Builder
		for i, r := range strings.ToUpper(fp) {
			if i > 0 && i%4 == 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
		}
		return b.String()
	},
}

// fieldsWithPrefix returns the messages of every field under prefix (for a
// textarea holding a list, whose items are reported as prefix[i]).
func fieldsWithPrefix(f errs.Fields, prefix string) []string {
	var out []string
	for _, e := range f {
		if e.Field == prefix || strings.HasPrefix(e.Field, prefix+"[") || strings.HasPrefix(e.Field, prefix+".") {
			out = append(out, e.Message)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// when renders a time as a <time> element in the viewer's zone, naming the
// zone, with UTC in the title (and shown too when the zones differ).
func when(v any, zone *time.Location) template.HTML {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return template.HTML(`<span class="muted">never</span>`)
		}
		t = *x
	default:
		return ""
	}
	if t.IsZero() {
		return template.HTML(`<span class="muted">never</span>`)
	}
	if zone == nil {
		zone = time.UTC
	}
	utc := t.UTC().Format("2006-01-02 15:04 UTC")
	local := t.In(zone).Format("2006-01-02 15:04 MST")
	text := local
	if zone != time.UTC && zone.String() != "UTC" {
		text = local + " (" + t.UTC().Format("15:04") + " UTC)"
	}
	return template.HTML(fmt.Sprintf(`<time datetime="%s" title="%s">%s</time>`,
		template.HTMLEscapeString(t.UTC().Format(time.RFC3339)), template.HTMLEscapeString(utc), template.HTMLEscapeString(text)))
}

func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict needs key/value pairs")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// withQuery returns the current query with key set to value (or removed when
// value is empty), for links that keep the list's filters.
func withQuery(q url.Values, kv ...string) string {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			out.Del(kv[i])
		} else {
			out.Set(kv[i], kv[i+1])
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return "?" + out.Encode()
}

// labels are the display names of vocabulary values. Domains add theirs
// with RegisterLabels when their package initialises.
var labels = map[string]string{
	"admin": "Admin", "analyst": "Analyst", "member": "Member", "viewer": "Viewer", "coordinator": "Coordinator",
	"read": "read", "write": "write",
}

// RegisterFuncs adds template functions a domain's pages need; call it from
// the package's init (before the renderer parses the templates).
func RegisterFuncs(m template.FuncMap) {
	for k, f := range m {
		funcs[k] = f
	}
}

// RegisterLabels adds display names; call it from a package's init.
func RegisterLabels(m map[string]string) {
	for k, v := range m {
		labels[k] = v
	}
}

// Label returns the display name of a vocabulary value.
func Label(v string) string {
	if l, ok := labels[v]; ok {
		return l
	}
	if v == "" {
		return "—"
	}
	return strings.ReplaceAll(v, "_", " ")
}

var indexRE = regexp.MustCompile(`\[(\d+)\]`)

// FieldLabel turns a field path such as "contacts[1].email" into words for
// the error summary: "Contacts 2 › E-mail". Names come from the labels (a
// domain registers "constituency.cidrs": "Networks"), else from the path.
//
// A one-word path is looked up as "field.<name>" only: the bare word may be
// a vocabulary value of some domain ("url" is a kind of intel source).
func FieldLabel(path string) string {
	key := indexRE.ReplaceAllString(path, "")
	l, ok := labels["field."+key]
	if !ok && strings.Contains(key, ".") {
		l, ok = labels[key]
	}
	if ok {
		if m := indexRE.FindAllStringSubmatch(path, -1); len(m) > 0 {
			n, _ := strconv.Atoi(m[len(m)-1][1])
			return fmt.Sprintf("%s, item %d", l, n+1)
		}
		return l
	}
	var parts []string
	for _, seg := range strings.Split(path, ".") {
		name := indexRE.ReplaceAllString(seg, "")
		l, ok := labels["field."+name]
		if !ok {
			l = strings.ReplaceAll(name, "_", " ")
			if l != "" {
				l = strings.ToUpper(l[:1]) + l[1:]
			}
		}
		if m := indexRE.FindStringSubmatch(seg); m != nil {
			n, _ := strconv.Atoi(m[1])
			l = fmt.Sprintf("%s %d", l, n+1)
		}
		parts = append(parts, l)
	}
	return strings.Join(parts, " › ")
}

// fieldAnchor is the id of the input a field path belongs to: form inputs
// are named f-<path>, and items of a one-per-line list point at the list.
func fieldAnchor(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i > 0 {
			path = path[:i]
		}
	}
	return "f-" + path
}

// percentOf writes a share in percent, "—" for none.
func percentOf(p *float64) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf("%.0f %%", *p)
}

package schema_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/schema"
)

// root is the repository's root, from this package's directory.
const root = "../.."

// ownerDirs are the source folders of each owner's code: its SQL may name
// its own tables only. Packages not listed own no table and name none.
var ownerDirs = map[string][]string{
	"platform":     {"internal/platform"},
	"directory":    {"internal/directory"},
	"vdp":          {"internal/vdp"},
	"advisory":     {"internal/advisory"},
	"intel":        {"internal/intel"},
	"procurement":  {"internal/procurement"},
	"coordination": {"internal/coordination"},
	"training":     {"internal/training"},
	"governance":   {"internal/governance"},
	"hygiene":      {"internal/hygiene"},
	"telemetry":    {"internal/telemetry"},
	"federation":   {"internal/federation"},
}

var (
	createTable = regexp.MustCompile(`(?i)\bCREATE\s+(?:VIRTUAL\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)`)
	tableUse    = regexp.MustCompile(`(?i)\b(?:FROM|JOIN|INTO|UPDATE|TABLE|REFERENCES)\s+([a-z_][a-z0-9_]*)\b`)
)

// tableOwners maps each table to the owner whose migrations make it
// (tables renamed into place, "…_new", count as the final name's).
func tableOwners(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, o := range schema.Owners {
		files, _ := fs.Glob(o.FS, "*.sql")
		for _, f := range files {
			b, _ := fs.ReadFile(o.FS, f)
			for _, m := range createTable.FindAllStringSubmatch(string(b), -1) {
				name := strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(m[1]), "_new"), "_rebuilt")
				if prev, ok := out[name]; ok && prev != o.Name {
					t.Errorf("%s and %s both make table %s", prev, o.Name, name)
				}
				out[name] = o.Name
			}
		}
	}
	return out
}

// TestTablesHaveOneOwner: every table is made by one owner's migrations,
// and the kernel's migrations make only the kernel's own tables.
func TestTablesHaveOneOwner(t *testing.T) {
	owners := tableOwners(t)
	var kernel []string
	for table, o := range owners {
		if o == "platform" {
			kernel = append(kernel, table)
		}
	}
	sort.Strings(kernel)
	want := []string{"api_token_scopes", "api_tokens", "audit_head", "audit_lanes", "audit_log", "counters", "file_blobs", "file_chunks", "mail_received", "mail_replies", "memberships", "rate_limits", "sessions", "settings", "user_links",
		"users", "webhook_events", "webhooks"}
	if strings.Join(kernel, " ") != strings.Join(want, " ") {
		t.Errorf("the kernel's migrations make %v, want %v", kernel, want)
	}
}

// TestNoDomainQueriesAnothersTables: the SQL in each package's code names
// only its owner's tables. A domain reaches another through the small
// interface it declares, wired in app; the kernel names no domain's table.
func TestNoDomainQueriesAnothersTables(t *testing.T) {
	owners := tableOwners(t)
	dirOwner := map[string]string{}
	for o, dirs := range ownerDirs {
		for _, d := range dirs {
			dirOwner[d] = o
		}
	}
	var problems []string
	err := filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			// Test helpers build whole databases; migrations are schema.
			if d.Name() == "testdata" || d.Name() == "migrations" || rel == filepath.Join("internal", "platform", "db", "dbtest") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		owner := ""
		for dir, o := range dirOwner {
			if strings.HasPrefix(rel, dir+string(filepath.Separator)) {
				owner = o
			}
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, lit := range sqlLiterals(string(src)) {
			for _, m := range tableUse.FindAllStringSubmatch(lit, -1) {
				table := strings.ToLower(m[1])
				o, known := owners[table]
				if !known || o == owner {
					continue
				}
				problems = append(problems, rel+": names "+table+" ("+o+"'s)")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(problems)
	problems = compact(problems)
	var unknown []string
	for _, p := range problems {
		if !slices.Contains(notYetMoved, p) {
			unknown = append(unknown, p)
		}
	}
	if len(unknown) > 0 {
		t.Errorf("SQL naming another owner's tables:\n  %s", strings.Join(unknown, "\n  "))
	}
	for _, p := range notYetMoved {
		if !slices.Contains(problems, p) {
			t.Errorf("%q is mended: take it off notYetMoved", p)
		}
	}
}

// notYetMoved are the places whose SQL still reads another owner's tables
// while the layout's change is under way; each goes when its domain asks
// the owner through an interface. The list only shrinks.
var notYetMoved = []string{}

// sqlLiterals are the raw string literals of Go source, where certhub
// writes its SQL.
func sqlLiterals(src string) []string {
	var out []string
	for {
		i := strings.IndexByte(src, '`')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(src[i+1:], '`')
		if j < 0 {
			return out
		}
		out = append(out, src[i+1:i+1+j])
		src = src[i+j+2:]
	}
}

func compact(s []string) []string {
	var out []string
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

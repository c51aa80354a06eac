package schema

import (
	"fmt"
	"io/fs"
	"path"
	"testing/fstest"

	advisory "github.com/certhub/certhub/internal/advisory/migrations"
	coordination "github.com/certhub/certhub/internal/coordination/migrations"
	directory "github.com/certhub/certhub/internal/directory/migrations"
	federation "github.com/certhub/certhub/internal/federation/migrations"
	governance "github.com/certhub/certhub/internal/governance/migrations"
	hygiene "github.com/certhub/certhub/internal/hygiene/migrations"
	intel "github.com/certhub/certhub/internal/intel/migrations"
	platform "github.com/certhub/certhub/internal/platform/migrations"
	procurement "github.com/certhub/certhub/internal/procurement/migrations"
	telemetry "github.com/certhub/certhub/internal/telemetry/migrations"
	training "github.com/certhub/certhub/internal/training/migrations"
	vdp "github.com/certhub/certhub/internal/vdp/migrations"
)

// Owners are the owners of tables, each with its migrations.
var Owners = []struct {
	Name string
	FS   fs.FS
}{
	{"platform", platform.FS},
	{"directory", directory.FS},
	{"vdp", vdp.FS},
	{"advisory", advisory.FS},
	{"intel", intel.FS},
	{"procurement", procurement.FS},
	{"coordination", coordination.FS},
	{"training", training.FS},
	{"governance", governance.FS},
	{"hygiene", hygiene.FS},
	{"telemetry", telemetry.FS},
	{"federation", federation.FS},
}

var merged = func() fs.FS {
	m := fstest.MapFS{}
	for _, o := range Owners {
		files, err := fs.Glob(o.FS, "*.sql")
		if err != nil {
			panic(err)
		}
		for _, f := range files {
			if _, dup := m[f]; dup {
				panic(fmt.Sprintf("schema: two owners have a migration named %s", f))
			}
			b, err := fs.ReadFile(o.FS, f)
			if err != nil {
				panic(err)
			}
			m[path.Base(f)] = &fstest.MapFile{Data: b, Mode: 0o444}
		}
	}
	return m
}()

// Migrations is every owner's migrations as one directory for db.Migrate
// (which refuses two files of one version).
func Migrations() fs.FS { return merged }

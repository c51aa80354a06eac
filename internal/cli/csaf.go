package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/certhub/certhub/internal/advisory"
)

const csafUsage = `csaf validate [--json] FILE ...

Validates CSAF 2.0 documents as the center does before publishing or
importing one: against the official JSON schema, every mandatory test of
section 6.1 (6.1.1 to 6.1.33), and the file-name rule (the name must be
the lower-cased tracking ID, other characters replaced by "_", ".json").

Prints "FILE: valid" or one line per problem:

  FILE: 6.1.1 /vulnerabilities/0/product_status/fixed/0: product ID CSAFPID-9 is not defined

With --json, prints one JSON object per file: {"file", "valid", "problems":
[{"test", "path", "message"}]}. Exits with status 1 when a document is not
valid.`

func runCSAF(_ context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "validate" {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			fmt.Fprintln(env.Stdout, csafUsage)
			return nil
		}
		return usageError{"usage: certhub csaf validate [--json] FILE ..."}
	}
	f := newFlags(env, "csaf validate", csafUsage)
	asJSON := f.Bool("json", false, "print one JSON object per file")
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	if f.NArg() == 0 {
		return usageError{"name at least one CSAF document"}
	}
	bad := 0
	enc := json.NewEncoder(env.Stdout)
	for _, name := range f.Args() {
		b, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		problems := advisory.ValidateCSAF(b, filepath.Base(name))
		if len(problems) > 0 {
			bad++
		}
		if *asJSON {
			if problems == nil {
				problems = []advisory.Problem{}
			}
			if err := enc.Encode(map[string]any{"file": name, "valid": len(problems) == 0, "problems": problems}); err != nil {
				return err
			}
			continue
		}
		if len(problems) == 0 {
			fmt.Fprintf(env.Stdout, "%s: valid\n", name)
		}
		for _, p := range problems {
			fmt.Fprintf(env.Stdout, "%s: %s %s: %s\n", name, p.Test, p.Path, p.Message)
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d documents are not valid", bad, f.NArg())
	}
	return nil
}

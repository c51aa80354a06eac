package cli

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
)

const commonCriteriaUsage = `common-criteria [--data DIR] [--db DSN] import FILE

Imports the Common Criteria portal's list of certified products (the CSV
of https://www.commoncriteriaportal.org/products/, certified-products.csv)
and recognises those of the center's product categories on the public
approved-products list, with their scheme: decided on the certification
date (or the latest maintenance), valid until the portal's archival date.
An entry the center has put under review, suspended or revoked keeps that
state. The same as the console's form and
POST /api/v1/approved-products/imports/common-criteria; audited.`

func runCommonCriteria(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "common-criteria", commonCriteriaUsage)
	var s storeFlags
	s.add(f)
	if err := f.parse(args); err != nil {
		return err
	}
	if f.NArg() == 0 || f.Arg(0) != "import" {
		return usageError{"name the subcommand: import"}
	}
	if f.NArg() != 2 {
		return usageError{"name the one CSV file to import"}
	}
	file, err := os.Open(f.Arg(1))
	if err != nil {
		return err
	}
	defer file.Close()
	c, ctx, id, err := openAsCommandLine(ctx, env, &s)
	if err != nil {
		return err
	}
	defer c.Close()
	res, err := c.Procurement.ImportCommonCriteria(ctx, id, file)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Arg(1), explain(err))
	}
	fmt.Fprintf(env.Stdout, "read %d certified products: %d new, %d updated, %d unchanged\n", res.Products, res.New, res.Updated, res.Unchanged)
	if len(res.Skipped) > 0 {
		var skipped []string
		for _, cat := range slices.Sorted(maps.Keys(res.Skipped)) {
			skipped = append(skipped, fmt.Sprintf("%s (%d)", cat, res.Skipped[cat]))
		}
		fmt.Fprintf(env.Stdout, "skipped, no criteria for their category: %s\n", strings.Join(skipped, ", "))
	}
	return nil
}

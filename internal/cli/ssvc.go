package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/certhub/certhub/internal/ssvc"
)

func runSSVC(_ context.Context, env Env, args []string) error {
	usage := "ssvc TABLE [point=value …] [--json]\n\n" +
		"Looks up the outcome of an SSVC decision table (" + strings.Join(ssvc.Names(), ", ") + ").\n" +
		"Points and values are named by key (RP=Y), name or slug (report_public=yes).\n" +
		"Without values, lists the table's decision points and their values.\n\n" +
		"Example: certhub ssvc triage report_public=no supplier_contacted=yes report_credibility=credible \\\n" +
		"           supplier_cardinality=one supplier_engagement=unresponsive utility=laborious public_safety_impact=minimal"
	f := newFlags(env, "ssvc", usage)
	asJSON := f.Bool("json", false, "print the decision as JSON")
	// Flags may come after the table and the values.
	var positional []string
	var flagArgs []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			flagArgs = append(flagArgs, a)
		} else {
			positional = append(positional, a)
		}
	}
	if err := f.parse(flagArgs); err != nil {
		return err
	}
	if len(positional) == 0 {
		f.Usage()
		return usageError{"name a table"}
	}
	t, err := ssvc.Get(positional[0])
	if err != nil {
		return usageError{err.Error()}
	}
	if len(positional) == 1 {
		fmt.Fprintf(env.Stdout, "%s (SSVC %s %s) → %s\n", t.Name, t.Key, t.Version, t.Outcome.Name)
		for _, p := range t.Points {
			vals := make([]string, len(p.Values))
			for i, v := range p.Values {
				vals[i] = fmt.Sprintf("%s (%s)", strings.ToLower(v.Name), v.Key)
			}
			fmt.Fprintf(env.Stdout, "  %s (%s): %s\n", p.Slug(), p.Key, strings.Join(vals, ", "))
		}
		return nil
	}
	in := map[string]string{}
	for _, kv := range positional[1:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" || v == "" {
			return usageError{fmt.Sprintf("%q: write decision values as point=value", kv)}
		}
		in[k] = v
	}
	d, err := t.Decide(in)
	if err != nil {
		return err
	}
	if *asJSON {
		b, _ := json.Marshal(d)
		fmt.Fprintln(env.Stdout, string(b))
		return nil
	}
	fmt.Fprintf(env.Stdout, "%s  %s\n", d.Outcome.Name, d.Vector)
	return nil
}

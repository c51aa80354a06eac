package cli

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/certhub/certhub/internal/intel/warninglist"
)

const warninglistUsage = `warninglist [--data DIR] [--db DSN] list
       certhub warninglist load FILE ...
       certhub warninglist enable|disable|delete ID
       certhub warninglist check VALUE ...

Manages the warninglists: values known to be benign, which ingest does not
store (private networks, public resolvers, the largest sites are built in).

  list     every list: id, on or off, type, values, name
  load     lists in MISP's warninglist JSON format (cidr, hostname or
           string); a list with the name of a loaded one replaces its values
  enable, disable
           switch a list (built-in ones too) on or off
  delete   remove a loaded list (built-in lists are disabled instead)
  check    which list, if any, calls each value benign

The server picks changes up within seconds. Every change is audited.`

func runWarninglist(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "warninglist", warninglistUsage)
	var s storeFlags
	s.add(f)
	if err := f.parse(args); err != nil {
		return err
	}
	if f.NArg() == 0 {
		return usageError{"name a subcommand: list, load, enable, disable, delete or check"}
	}
	sub, rest := f.Arg(0), f.Args()[1:]
	need := map[string]string{"load": "name at least one file", "enable": "name one list's id", "disable": "name one list's id",
		"delete": "name one list's id", "check": "name at least one value"}
	switch msg, known := need[sub]; {
	case !known && sub != "list":
		return usageError{fmt.Sprintf("unknown subcommand %q: list, load, enable, disable, delete or check", sub)}
	case known && len(rest) == 0, (sub == "enable" || sub == "disable" || sub == "delete") && len(rest) != 1:
		return usageError{msg}
	}
	c, ctx, id, err := openAsCommandLine(ctx, env, &s)
	if err != nil {
		return err
	}
	defer c.Close()
	switch sub {
	case "list":
		lists, err := c.Intel.Warninglists().All(ctx, id)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTATUS\tTYPE\tVALUES\tNAME")
		for _, l := range lists {
			status := map[bool]string{true: "on", false: "off"}[l.Enabled]
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", l.ID, status, l.Type, l.Entries, l.Name)
		}
		return tw.Flush()
	case "load":
		for _, name := range rest {
			file, err := os.Open(name)
			if err != nil {
				return err
			}
			l, err := warninglist.Load(file)
			file.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", name, explain(err))
			}
			info, created, err := c.Intel.Warninglists().Put(ctx, id, l)
			if err != nil {
				return fmt.Errorf("%s: %w", name, explain(err))
			}
			verb := "loaded"
			if !created {
				verb = "replaced the values of"
			}
			fmt.Fprintf(env.Stdout, "%s %s (%s, %d values)\n", verb, info.Name, info.ID, info.Entries)
		}
		return nil
	case "enable", "disable":
		l, err := c.Intel.Warninglists().SetEnabled(ctx, id, rest[0], sub == "enable")
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%sd %s\n", sub, l.Name)
		return nil
	case "delete":
		if err := c.Intel.Warninglists().Delete(ctx, id, rest[0]); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "deleted %s\n", rest[0])
		return nil
	default: // check
		checks, err := c.Intel.Warninglists().Check(ctx, id, rest)
		if err != nil {
			return explain(err)
		}
		for _, ch := range checks {
			switch {
			case ch.Invalid != "":
				fmt.Fprintf(env.Stdout, "%s\tnot an indicator: %s\n", ch.Value, ch.Invalid)
			case ch.List != "":
				fmt.Fprintf(env.Stdout, "%s\t%s %s: benign (%s)\n", ch.Value, ch.Type, ch.Normal, ch.List)
			default:
				fmt.Fprintf(env.Stdout, "%s\t%s %s: on no list\n", ch.Value, ch.Type, ch.Normal)
			}
		}
		return nil
	}
}

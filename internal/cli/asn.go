package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

const asnUsage = `asn [--data DIR] [--db DSN] load FILE
       certhub asn show
       certhub asn lookup VALUE ...
       certhub asn delete

Manages the AS table: which autonomous system announces which prefix, from
a RouteViews pfx2as dump ("192.0.2.0<TAB>24<TAB>64500") or a pyasn one
("192.0.2.0/24<TAB>64500"), plain or gzip-compressed. With a table loaded,
addresses are shown with their AS and announced prefix, and routed to the
organisations that registered that AS as well as to those that registered
the network.

  load     replace the table with FILE (a line that cannot be read refuses
           the file, naming the line)
  show     the loaded table: name, prefixes, origin ASes, when loaded
  lookup   the AS and announced prefix of addresses, networks or URLs
  delete   remove the table

The server picks changes up within seconds. Every change is audited.`

func runASN(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "asn", asnUsage)
	var s storeFlags
	s.add(f)
	if err := f.parse(args); err != nil {
		return err
	}
	if f.NArg() == 0 {
		return usageError{"name a subcommand: load, show, lookup or delete"}
	}
	sub, rest := f.Arg(0), f.Args()[1:]
	switch {
	case sub != "load" && sub != "show" && sub != "lookup" && sub != "delete":
		return usageError{fmt.Sprintf("unknown subcommand %q: load, show, lookup or delete", sub)}
	case sub == "load" && len(rest) != 1:
		return usageError{"name one file to load"}
	case sub == "lookup" && len(rest) == 0:
		return usageError{"name at least one address"}
	case (sub == "show" || sub == "delete") && len(rest) != 0:
		return usageError{sub + " takes no arguments"}
	}
	c, ctx, id, err := openAsCommandLine(ctx, env, &s)
	if err != nil {
		return err
	}
	defer c.Close()
	switch sub {
	case "load":
		file, err := os.Open(rest[0])
		if err != nil {
			return err
		}
		defer file.Close()
		info, err := c.Intel.ASNTable().Load(ctx, id, filepath.Base(rest[0]), file)
		if err != nil {
			return fmt.Errorf("%s: %w", rest[0], explain(err))
		}
		fmt.Fprintf(env.Stdout, "loaded %s: %d prefixes, %d origin ASes\n", info.Name, info.Prefixes, info.ASNs)
	case "show":
		info, err := c.Intel.ASNTable().Info(ctx, id)
		if err != nil {
			return explain(err)
		}
		fmt.Fprintf(env.Stdout, "%s: %d prefixes, %d origin ASes, loaded %s by %s\n", info.Name, info.Prefixes, info.ASNs,
			info.LoadedAt.Format("2006-01-02 15:04:05Z"), info.LoadedBy)
	case "lookup":
		items, err := c.Intel.ASNTable().Lookup(ctx, id, rest)
		if err != nil {
			return explain(err)
		}
		for _, l := range items {
			switch {
			case l.Invalid != "":
				fmt.Fprintf(env.Stdout, "%s\t%s\n", l.Value, l.Invalid)
			case l.ASN == 0:
				fmt.Fprintf(env.Stdout, "%s\tnot announced\n", l.Value)
			default:
				fmt.Fprintf(env.Stdout, "%s\tAS%d\t%s\n", l.Value, l.ASN, l.Prefix)
			}
		}
	default: // delete
		if err := c.Intel.ASNTable().Delete(ctx, id); err != nil {
			return explain(err)
		}
		fmt.Fprintln(env.Stdout, "deleted the AS table")
	}
	return nil
}

package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/certhub/certhub/internal/cvss"
)

const cvssUsage = `cvss [--json] [VECTOR ...]

Scores CVSS 3.0, 3.1 and 4.0 vectors, one output line per vector, in order:
the score, its severity and the vector, e.g.

  9.8 Critical  CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H

With no VECTOR, reads the vectors from standard input, one a line; blank
lines and lines starting with # are skipped, and no input prints nothing.

The score is of the whole vector: for CVSS 4.0 of every metric group it
defines (CVSS-B, -BT, -BE or -BTE); for CVSS 3.x the environmental score if
it sets an environmental metric, else the temporal score if it sets a
temporal one, else the base score. CVSS 2.0 is not supported.

An invalid vector prints "error: ..." on its line, saying what is wrong; the
other vectors are still scored, and the command then exits with status 1.

With --json, each line is a JSON object: vector, version, base_score (for
CVSS 4.0 the score of the base metrics alone), score, severity, and
nomenclature (4.0) or temporal_score and environmental_score (3.x); for an
invalid vector {"vector": "...", "error": "..."}.

Flags go before the vectors.`

func runCVSS(_ context.Context, env Env, args []string) error {
	f := newFlags(env, "cvss", cvssUsage)
	asJSON := f.Bool("json", false, "print one JSON object per line")
	if err := f.parse(args); err != nil {
		return err
	}
	vectors := f.Args()
	for _, v := range vectors {
		if len(v) > 1 && strings.HasPrefix(v, "-") {
			return usageError{fmt.Sprintf("flag %s after a vector: put flags before the vectors", v)}
		}
	}

	out := bufio.NewWriter(env.Stdout)
	total, bad := 0, 0
	score := func(vector string) error {
		total++
		s, err := cvss.Parse(vector)
		if err != nil {
			bad++
		}
		if *asJSON {
			var line []byte
			var jerr error
			if err != nil {
				line, jerr = json.Marshal(struct {
					Vector string `json:"vector"`
					Error  string `json:"error"`
				}{vector, err.Error()})
			} else {
				line, jerr = json.Marshal(s)
			}
			if jerr != nil {
				return jerr
			}
			_, werr := out.Write(append(line, '\n'))
			return werr
		}
		if err != nil {
			_, werr := fmt.Fprintf(out, "error: %q: %v\n", vector, err)
			return werr
		}
		_, werr := fmt.Fprintf(out, "%.1f %-8s  %s\n", s.Score, s.Severity, s.Vector)
		return werr
	}

	if len(vectors) > 0 {
		for _, v := range vectors {
			if err := score(v); err != nil {
				return err
			}
		}
	} else {
		if isTerminal(env.Stdin) {
			fmt.Fprintln(env.Stderr, "certhub cvss: reading vectors from standard input, one a line; end with Ctrl-D")
		}
		err := eachLine(env.Stdin, func(line string) error {
			// Vectors never contain spaces: take a line's surrounding spaces
			// (and a Windows line end) as the file's, not the vector's.
			if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
				return nil
			}
			return score(line)
		})
		if err != nil {
			out.Flush()
			return err
		}
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d vectors are invalid", bad, total)
	}
	return nil
}

// isTerminal tells whether stream (a reader or a writer) is an
// interactive terminal.
func isTerminal(stream any) bool {
	f, ok := stream.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// eachLine calls fn with each line of r, however long.
func eachLine(r io.Reader, fn func(string) error) error {
	if r == nil {
		return nil
	}
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			if ferr := fn(strings.TrimSuffix(line, "\n")); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading standard input: %w", err)
		}
	}
}

package telemetry

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
)

// Limits of an ingest.
const (
	// MaxLines is how many lines one request may carry; lines past it are
	// refused (batch_too_large) and the rest kept.
	MaxLines = 50000
	// MaxLineBytes bounds one line.
	MaxLineBytes = 64 << 10
	// MaxBodyBytes bounds a request.
	MaxBodyBytes = 64 << 20
	maxTop       = 50
	maxErrors    = 20
	// maxAge is how old a summary may be.
	maxAge = 35 * 24 * time.Hour
	// skew is how far ahead of the server's clock a summary may start.
	skew = 5 * time.Minute
)

// Reasons a line is refused.
const (
	Malformed        = "malformed"
	BadTimestamp     = "bad_timestamp"
	Future           = "future"
	TooOld           = "too_old"
	BadInterval      = "bad_interval"
	CounterBackwards = "counter_backwards"
	BadField         = "bad_field"
	LineTooLong      = "line_too_long"
	BatchTooLarge    = "batch_too_large"
	Duplicate        = "duplicate"
)

// ParseLine reads one line of an ingest at the time now: the summary, or
// the reason it is refused and a detail for the sender.
func ParseLine(line []byte, now time.Time) (Summary, string, string) {
	var s Summary
	d := json.NewDecoder(bytes.NewReader(line))
	d.DisallowUnknownFields()
	if err := d.Decode(&s); err != nil {
		var te *json.UnmarshalTypeError
		var pe *time.ParseError
		switch {
		case errors.As(err, &pe) || (errors.As(err, &te) && te.Field == "interval_start"):
			return s, BadTimestamp, "interval_start must be an RFC 3339 time"
		case errors.As(err, &te):
			return s, BadField, fmt.Sprintf("%s must be a %s", te.Field, te.Type)
		}
		return s, Malformed, trim(err.Error())
	}
	if d.More() {
		return s, Malformed, "one JSON object a line"
	}
	switch {
	case s.IntervalStart.IsZero():
		return s, BadTimestamp, "interval_start is required"
	case s.IntervalStart.After(now.Add(skew)):
		return s, Future, fmt.Sprintf("interval_start %s is after the server's clock (%s)", s.IntervalStart.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	case s.IntervalStart.Before(now.Add(-maxAge)):
		return s, TooOld, "interval_start is more than 35 days ago"
	case s.IntervalSeconds < 60 || s.IntervalSeconds > 3600 || 3600%s.IntervalSeconds != 0:
		return s, BadInterval, "interval_seconds divides an hour: 60 to 3600"
	case s.IntervalStart.Unix()%int64(s.IntervalSeconds) != 0:
		return s, BadInterval, "interval_start is aligned on interval_seconds"
	}
	for name, v := range map[string]int64{"bytes_in": s.BytesIn, "bytes_out": s.BytesOut, "packets_in": s.PacketsIn, "packets_out": s.PacketsOut,
		"flows": s.Flows, "drops": s.Drops, "capacity_bps": s.CapacityBPS} {
		if v < 0 {
			return s, CounterBackwards, fmt.Sprintf("%s is negative: a counter went backwards (send each interval's difference)", name)
		}
	}
	if s.PacketsIn > 0 && s.BytesIn < s.PacketsIn*20 || s.PacketsOut > 0 && s.BytesOut < s.PacketsOut*20 {
		return s, BadField, "fewer bytes than 20 a packet: the counters are not of one interval"
	}
	for _, l := range [][]Count{s.TopPorts, s.TopProtocols, s.TopASNs, s.TopPeers} {
		if len(l) > maxTop {
			return s, BadField, fmt.Sprintf("at most %d entries in a top list", maxTop)
		}
		for _, c := range l {
			if c.Bytes < 0 {
				return s, CounterBackwards, "a top list's bytes are negative"
			}
		}
	}
	for _, c := range s.TopPorts {
		if c.Port < 1 || c.Port > 65535 {
			return s, BadField, fmt.Sprintf("port %d is not 1 to 65535", c.Port)
		}
	}
	for _, c := range s.TopPeers {
		if _, err := netip.ParseAddr(c.IP); err != nil {
			return s, BadField, fmt.Sprintf("peer %q is not an IP address", trim(c.IP))
		}
	}
	for _, c := range s.TopASNs {
		if c.ASN < 1 || c.ASN > 4294967295 {
			return s, BadField, "an ASN is 1 to 4294967295"
		}
	}
	s.IntervalStart = s.IntervalStart.UTC()
	return s, "", ""
}

func trim(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// parsed is a body read: the lines kept and the result so far.
type parsed struct {
	list []Summary
	res  IngestResult
}

func (p *parsed) refuse(line int, reason, detail string) {
	p.res.Rejected++
	p.res.Reasons[reason]++
	if len(p.res.Errors) < maxErrors {
		p.res.Errors = append(p.res.Errors, LineError{Line: line, Reason: reason, Detail: detail})
	}
}

// parseBody reads the JSON lines of r (blank lines skipped).
func parseBody(r io.Reader, now time.Time) (parsed, error) {
	p := parsed{res: IngestResult{Reasons: map[string]int{}, Errors: []LineError{}}}
	br := bufio.NewReaderSize(r, 256<<10)
	n := 0
	for {
		line, err := br.ReadSlice('\n')
		long := errors.Is(err, bufio.ErrBufferFull)
		if long {
			// Read the rest of the long line away.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
		}
		if len(bytes.TrimSpace(line)) > 0 || long {
			n++
			switch {
			case n > MaxLines:
				p.refuse(n, BatchTooLarge, fmt.Sprintf("at most %d lines a request", MaxLines))
			case long || len(line) > MaxLineBytes:
				p.refuse(n, LineTooLong, fmt.Sprintf("at most %d KiB a line", MaxLineBytes>>10))
			default:
				s, reason, detail := ParseLine(line, now)
				if reason != "" {
					p.refuse(n, reason, detail)
				} else {
					p.list = append(p.list, s)
				}
			}
		}
		if err == io.EOF {
			return p, nil
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return p, err
		}
	}
}

// topJSON is a summary's top lists as stored.
type topJSON struct {
	Ports     []Count `json:"ports,omitempty"`
	Protocols []Count `json:"protocols,omitempty"`
	ASNs      []Count `json:"asns,omitempty"`
	Peers     []Count `json:"peers,omitempty"`
}

// hourKey is a gateway's hour.
type hourKey struct {
	gw   string
	hour int64
}

// hourSum is an hour's sums, merged as summaries arrive.
type hourSum struct {
	in, out, pin, pout, flows, drops int64
	ports                            map[string]int64
	peers                            map[string]int64
}

// insertSummaries writes summaries of gw and adds them to the hourly sums,
// in tx; it answers how many were new (the others were duplicates).
func insertSummaries(ctx context.Context, tx *db.Tx, gw string, list []Summary) (int, error) {
	// Chunks of 16 rows: SQLite looks each bound parameter up by name,
	// which costs each parameter a walk of the list: statements of 176
	// parameters, each prepared once (QueryRepeated), bind 10x faster than
	// one of 4,400 (5,700 summaries a second then, 51,000 now).
	const per = 16
	inserted := 0
	var fresh []Summary
	for i := 0; i < len(list); i += per {
		batch := list[i:min(i+per, len(list))]
		args := make(db.Args, 0, len(batch)*11)
		var rows []string
		for _, s := range batch {
			top, _ := json.Marshal(topJSON{Ports: s.TopPorts, Protocols: s.TopProtocols, ASNs: s.TopASNs, Peers: s.TopPeers})
			rows = append(rows, "("+args.In(gw, s.IntervalStart.Unix(), s.IntervalSeconds, s.BytesIn, s.BytesOut, s.PacketsIn, s.PacketsOut, s.Flows, s.Drops,
				s.CapacityBPS, string(top))+")")
		}
		q := `INSERT INTO telemetry_summaries (gateway_id, start_unix, seconds, bytes_in, bytes_out, packets_in, packets_out, flows, drops, capacity_bps, top)
			VALUES ` + strings.Join(rows, ", ") + ` ON CONFLICT (gateway_id, start_unix) DO NOTHING RETURNING start_unix`
		got, err := returned(ctx, tx, q, args)
		if err != nil {
			return 0, fmt.Errorf("telemetry: summaries: %w", err)
		}
		inserted += len(got)
		if len(got) == len(batch) {
			fresh = append(fresh, batch...)
			continue
		}
		kept := map[int64]bool{}
		for _, v := range got {
			kept[v] = true
		}
		for _, s := range batch {
			if kept[s.IntervalStart.Unix()] {
				fresh = append(fresh, s)
				delete(kept, s.IntervalStart.Unix()) // a start twice in one batch counts once
			}
		}
	}
	return inserted, addHours(ctx, tx, gw, fresh)
}

// returned runs an insert that returns the starts it kept.
func returned(ctx context.Context, tx *db.Tx, q string, args db.Args) ([]int64, error) {
	rows, err := tx.QueryRepeated(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// addHours adds summaries to their hours' sums.
func addHours(ctx context.Context, tx *db.Tx, gw string, list []Summary) error {
	sums := map[int64]*hourSum{}
	var hours []int64
	for _, s := range list {
		h := s.IntervalStart.Unix() / 3600
		x := sums[h]
		if x == nil {
			x = &hourSum{ports: map[string]int64{}, peers: map[string]int64{}}
			sums[h] = x
			hours = append(hours, h)
		}
		x.in, x.out, x.pin, x.pout, x.flows, x.drops = x.in+s.BytesIn, x.out+s.BytesOut, x.pin+s.PacketsIn, x.pout+s.PacketsOut, x.flows+s.Flows, x.drops+s.Drops
		for _, c := range s.TopPorts {
			x.ports[fmt.Sprint(c.Port)] += c.Bytes
		}
		for _, c := range s.TopPeers {
			x.peers[c.IP] += c.Bytes
		}
	}
	if len(hours) == 0 {
		return nil
	}
	slices.Sort(hours)
	// The hours known already, merged with what came.
	for i := 0; i < len(hours); i += 500 {
		args := db.Args{gw}
		rows, err := tx.Query(ctx, `SELECT hour, bytes_in, bytes_out, packets_in, packets_out, flows, drops, ports, peers FROM telemetry_hours
			WHERE gateway_id = $1 AND hour IN (`+db.In(&args, hours[i:min(i+500, len(hours))])+`)`, args...)
		if err != nil {
			return fmt.Errorf("telemetry: hours: %w", err)
		}
		for rows.Next() {
			var h int64
			var old hourSum
			var ports, peers string
			if err := rows.Scan(&h, &old.in, &old.out, &old.pin, &old.pout, &old.flows, &old.drops, &ports, &peers); err != nil {
				rows.Close()
				return err
			}
			x := sums[h]
			x.in, x.out, x.pin, x.pout, x.flows, x.drops = x.in+old.in, x.out+old.out, x.pin+old.pin, x.pout+old.pout, x.flows+old.flows, x.drops+old.drops
			var op, oq map[string]int64
			_ = json.Unmarshal([]byte(ports), &op)
			_ = json.Unmarshal([]byte(peers), &oq)
			for k, v := range op {
				x.ports[k] += v
			}
			for k, v := range oq {
				x.peers[k] += v
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for _, h := range hours {
		x := sums[h]
		ports, _ := json.Marshal(topN(x.ports, 20))
		peers, _ := json.Marshal(topN(x.peers, 50))
		if _, err := tx.ExecRepeated(ctx, `INSERT INTO telemetry_hours (gateway_id, hour, bytes_in, bytes_out, packets_in, packets_out, flows, drops, ports, peers)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (gateway_id, hour) DO UPDATE SET bytes_in = excluded.bytes_in,
			bytes_out = excluded.bytes_out, packets_in = excluded.packets_in, packets_out = excluded.packets_out, flows = excluded.flows,
			drops = excluded.drops, ports = excluded.ports, peers = excluded.peers`,
			gw, h, x.in, x.out, x.pin, x.pout, x.flows, x.drops, string(ports), string(peers)); err != nil {
			return fmt.Errorf("telemetry: hours: %w", err)
		}
	}
	return nil
}

// topN keeps the n largest of m.
func topN(m map[string]int64, n int) map[string]int64 {
	if len(m) <= n {
		return m
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			if m[a] > m[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	out := make(map[string]int64, n)
	for _, k := range keys[:n] {
		out[k] = m[k]
	}
	return out
}

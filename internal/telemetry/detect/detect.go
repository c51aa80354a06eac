// Package detect finds anomalies in a gateway's hourly traffic: volume
// spikes and drops in and out against a seasonal baseline robust to
// outliers (the median and the median absolute deviation of the same hour
// of the week over the past weeks, or of the same hour of the same kind
// of day while fewer weeks are known), ports new to the gateway's top
// ports, and peers threat intelligence knows. It keeps no state: the
// caller hands it the history.
package detect

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// Hour is one hour of a gateway's traffic.
type Hour struct {
	At                time.Time // the hour's start, UTC
	BytesIn, BytesOut float64
	// Ports are the hour's top destination ports (by bytes).
	Ports []int
}

// Kinds of anomaly.
const (
	SpikeIn  = "spike_in"
	SpikeOut = "spike_out"
	DropIn   = "drop_in"
	DropOut  = "drop_out"
	NewPort  = "new_port"
	Known    = "known_indicator"
)

// Kinds lists them.
var Kinds = []string{SpikeIn, SpikeOut, DropIn, DropOut, NewPort, Known}

// Anomaly is one finding of Detect.
type Anomaly struct {
	Kind     string
	At       time.Time
	Observed float64 // bytes, or the port
	Expected float64 // the baseline's median (0 for ports)
	// Score is how far from the baseline, in robust standard deviations
	// (for ports, the port's share of the top ports' rank, 1 the first).
	Score  float64
	Detail string
}

// Options tune Detect; the zero value is the defaults.
type Options struct {
	// Threshold is how many robust standard deviations above the median
	// count as a spike (default 6), DropThreshold how many below as a drop
	// (default 4: a drop cannot fall further than the median); Ratio how
	// far the value must also be from the median, as a factor (default 2:
	// twice, or half).
	Threshold, DropThreshold, Ratio float64
	// Floor is the least spread assumed, as a share of the median (default
	// 0.05), so a flat series does not flag noise.
	Floor float64
	// PortWindow is how far back a port counts as known (default 14 days).
	PortWindow time.Duration
}

func (o Options) defaults() Options {
	if o.Threshold <= 0 {
		o.Threshold = 6
	}
	if o.DropThreshold <= 0 {
		o.DropThreshold = 4
	}
	if o.Ratio <= 1 {
		o.Ratio = 2
	}
	if o.Floor <= 0 {
		o.Floor = 0.05
	}
	if o.PortWindow <= 0 {
		o.PortWindow = 14 * 24 * time.Hour
	}
	return o
}

// minSamples is how many past values a baseline needs.
const minSamples = 3

// maxWeeks bounds the past weeks a baseline reads.
const maxWeeks = 8

// Baseline is the expected value of a metric at an hour: the median of
// comparable past hours and their spread.
type Baseline struct {
	Median, MAD float64
	Samples     int
	Seasonal    string // "hour of week" or "hour of day"
}

// Series is a gateway's hours, kept by hour of the day, with when each
// port was last among its top ports. Detect an hour before adding it.
type Series struct {
	byHour   [24][]Hour
	portSeen map[int]time.Time
	first    time.Time
}

// NewSeries makes a series of hours (any order).
func NewSeries(hours []Hour) *Series {
	s := &Series{portSeen: map[int]time.Time{}}
	hours = slices.Clone(hours)
	slices.SortFunc(hours, func(a, b Hour) int { return a.At.Compare(b.At) })
	for _, h := range hours {
		s.Add(h)
	}
	return s
}

// Add adds an hour later than those added before.
func (s *Series) Add(h Hour) {
	h.At = h.At.UTC()
	if s.first.IsZero() || h.At.Before(s.first) {
		s.first = h.At
	}
	b := &s.byHour[h.At.Hour()]
	*b = append(*b, h)
	if len(*b) > 7*maxWeeks+7 {
		*b = (*b)[len(*b)-7*maxWeeks:]
	}
	for _, p := range h.Ports {
		s.portSeen[p] = h.At
	}
}

func weekend(t time.Time) bool { return t.Weekday() == time.Saturday || t.Weekday() == time.Sunday }

// baseline answers the baseline of metric at an hour: the same hour of
// the week when at least three weeks are known, else the same hour of the
// same kind of day (weekday or weekend).
func (s *Series) baseline(at time.Time, metric func(Hour) float64) (Baseline, bool) {
	var week, day []float64
	for _, p := range s.byHour[at.Hour()] {
		if !p.At.Before(at) || at.Sub(p.At) > maxWeeks*7*24*time.Hour {
			continue
		}
		v := metric(p)
		if p.At.Weekday() == at.Weekday() {
			week = append(week, v)
		}
		if weekend(p.At) == weekend(at) {
			day = append(day, v)
		}
	}
	vals, kind := week, "hour of week"
	if len(week) < minSamples {
		vals, kind = day, "hour of day"
	}

	if len(vals) < minSamples {
		return Baseline{}, false
	}
	m := median(vals)
	dev := make([]float64, len(vals))
	for i, v := range vals {
		dev[i] = math.Abs(v - m)
	}
	return Baseline{Median: m, MAD: median(dev), Samples: len(vals), Seasonal: kind}, true
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Detect judges hour h against the series (the hours before it) and
// answers its anomalies. Dismissed holds the patterns ("kind/" or
// "new_port/PORT") dismissed this week, which are not raised again.
func (s *Series) Detect(h Hour, o Options, dismissed map[string]bool) []Anomaly {
	o = o.defaults()
	h.At = h.At.UTC()
	var out []Anomaly
	for _, m := range []struct {
		up, down string
		value    func(Hour) float64
		dir      string
	}{
		{SpikeIn, DropIn, func(x Hour) float64 { return x.BytesIn }, "in"},
		{SpikeOut, DropOut, func(x Hour) float64 { return x.BytesOut }, "out"},
	} {
		b, ok := s.baseline(h.At, m.value)
		if !ok || b.Median <= 0 {
			continue
		}
		v := m.value(h)
		sigma := max(1.4826*b.MAD, o.Floor*b.Median)
		z := (v - b.Median) / sigma
		kind, way := "", ""
		switch {
		case z > o.Threshold && v > o.Ratio*b.Median:
			kind, way = m.up, "up"
		case z < -o.DropThreshold && v < b.Median/o.Ratio:
			kind, way = m.down, "down"
		}
		if kind == "" || dismissed[kind+"/"] {
			continue
		}
		out = append(out, Anomaly{Kind: kind, At: h.At, Observed: v, Expected: b.Median, Score: math.Round(math.Abs(z)*10) / 10,
			Detail: fmt.Sprintf("bytes %s %s: %s against %s expected (median of %d hours, %s)", m.dir, way, human(v), human(b.Median), b.Samples, b.Seasonal)})
	}
	// Ports new to the top ports, once a week has been learnt.
	if !s.first.IsZero() && h.At.Sub(s.first) >= 7*24*time.Hour {
		for i, port := range h.Ports {
			last, ok := s.portSeen[port]
			if (ok && last.Before(h.At) && h.At.Sub(last) <= o.PortWindow) || dismissed[NewPort+"/"+fmt.Sprint(port)] {
				continue
			}
			out = append(out, Anomaly{Kind: NewPort, At: h.At, Observed: float64(port), Score: float64(i + 1),
				Detail: fmt.Sprintf("port %d is among the top ports (rank %d), unseen in the past %d days", port, i+1, int(o.PortWindow.Hours()/24))})
		}
	}
	slices.SortFunc(out, func(a, b Anomaly) int { return cmp.Compare(a.Kind, b.Kind) })
	return out
}

// human writes a byte count short.
func human(b float64) string {
	switch {
	case b >= 1e12:
		return fmt.Sprintf("%.1f TB", b/1e12)
	case b >= 1e9:
		return fmt.Sprintf("%.1f GB", b/1e9)
	case b >= 1e6:
		return fmt.Sprintf("%.1f MB", b/1e6)
	case b >= 1e3:
		return fmt.Sprintf("%.1f kB", b/1e3)
	}
	return fmt.Sprintf("%.0f B", b)
}

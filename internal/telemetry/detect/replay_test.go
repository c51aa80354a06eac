package detect_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/telemetry/detect"
)

// truth is an injected anomaly: gateway, hour and kind.
type truth struct {
	gw   int
	at   time.Time
	kind string
}

// synthetic makes a month of hourly traffic for one gateway: a daily
// cycle, quieter weekends, multiplicative noise, a stable set of top
// ports; and from the second week on, three anomalies of random kinds
// injected at random hours.
func synthetic(gw int, start time.Time, days int, r *rand.Rand) ([]detect.Hour, []truth) {
	baseIn := math.Pow(10, 6+3*r.Float64())
	baseOut := baseIn * (0.2 + 0.6*r.Float64())
	weekendFactor := 0.4 + 0.5*r.Float64()
	pool := []int{443, 80, 53, 25, 993, 22, 123, 8080, 587, 853}
	r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	ports := pool[:6]
	hours := make([]detect.Hour, 0, days*24)
	for i := range days * 24 {
		at := start.Add(time.Duration(i) * time.Hour)
		f := 0.25 + 0.75*(0.5+0.5*math.Sin(float64(at.Hour()-8)/24*2*math.Pi))
		if at.Weekday() == time.Saturday || at.Weekday() == time.Sunday {
			f *= weekendFactor
		}
		noise := func() float64 { return math.Exp(r.NormFloat64() * 0.12) }
		top := slices.Clone(ports)
		r.Shuffle(len(top), func(i, j int) { top[i], top[j] = top[j], top[i] })
		hours = append(hours, detect.Hour{At: at, BytesIn: baseIn * f * noise(), BytesOut: baseOut * f * noise(), Ports: top[:5]})
	}
	var truths []truth
	used := map[int]bool{}
	for len(truths) < 3 {
		i := 8*24 + r.IntN((days-8)*24)
		if used[i] || used[i-1] || used[i+1] {
			continue
		}
		used[i] = true
		h := &hours[i]
		kind := []string{detect.SpikeIn, detect.SpikeOut, detect.DropIn, detect.DropOut, detect.NewPort}[r.IntN(5)]
		switch kind {
		case detect.SpikeIn:
			h.BytesIn *= 4 + 6*r.Float64()
		case detect.SpikeOut:
			h.BytesOut *= 4 + 6*r.Float64()
		case detect.DropIn:
			h.BytesIn *= 0.02 + 0.15*r.Float64()
		case detect.DropOut:
			h.BytesOut *= 0.02 + 0.15*r.Float64()
		case detect.NewPort:
			bad := []int{4444, 6667, 31337, 1337, 5555}[r.IntN(5)]
			h.Ports = slices.Insert(slices.Clone(h.Ports[:4]), r.IntN(3), bad)
		}
		truths = append(truths, truth{gw, h.At, kind})
	}
	return hours, truths
}

// TestReplay replays a synthetic month of 500 gateways' hourly traffic
// with injected spikes, drops and new ports through the detector, as the
// server does (each hour judged against the hours before it, then added),
// and prints precision and recall per kind. The first week is learning:
// nothing is injected there and nothing found there is counted.
func TestReplay(t *testing.T) {
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC) // a Monday
	const gateways, days = 500, 30
	type count struct{ tp, fp, fn int }
	byKind := map[string]*count{}
	for _, k := range detect.Kinds[:5] {
		byKind[k] = &count{}
	}
	learnt := start.Add(8 * 24 * time.Hour)
	for gw := range gateways {
		r := rand.New(rand.NewPCG(uint64(gw), 19))
		hours, truths := synthetic(gw, start, days, r)
		injected := map[string]bool{}
		for _, x := range truths {
			injected[fmt.Sprintf("%d %s", x.at.Unix(), x.kind)] = true
		}
		found := map[string]bool{}
		s := detect.NewSeries(nil)
		for _, h := range hours {
			for _, a := range s.Detect(h, detect.Options{}, nil) {
				if a.At.Before(learnt) {
					continue
				}
				key := fmt.Sprintf("%d %s", a.At.Unix(), a.Kind)
				if found[key] {
					continue
				}
				found[key] = true
				if injected[key] {
					byKind[a.Kind].tp++
				} else {
					byKind[a.Kind].fp++
				}
			}
			s.Add(h)
		}
		for key := range injected {
			if !found[key] {
				byKind[strings.Fields(key)[1]].fn++
			}
		}
	}
	var lines []string
	for _, k := range detect.Kinds[:5] {
		c := byKind[k]
		precision := float64(c.tp) / math.Max(1, float64(c.tp+c.fp))
		recall := float64(c.tp) / math.Max(1, float64(c.tp+c.fn))
		lines = append(lines, fmt.Sprintf("%-10s injected %4d  found %4d  false %4d  precision %.3f  recall %.3f", k, c.tp+c.fn, c.tp, c.fp, precision, recall))
		if precision < 0.9 || recall < 0.9 {
			t.Errorf("%s: precision %.3f, recall %.3f, want both at least 0.9", k, precision, recall)
		}
	}
	t.Logf("replay of %d gateways × %d days:\n%s", gateways, days, strings.Join(lines, "\n"))
}

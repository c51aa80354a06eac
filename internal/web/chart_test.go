package web

import (
	"math"
	"testing"
)

func TestNewLineChart(t *testing.T) {
	c := NewLineChart("Score", []string{"2026-10", "2026-11", "2026-12"}, []Series{
		{Name: "all", Values: []float64{50, math.NaN(), 100}},
		{Name: "banking", Values: []float64{0, 25, 150}},
	}, 0, 100, []float64{0, 50, 100})
	if got := c.Lines[0].Points; got != "40,90 168,10" {
		t.Errorf("points %q (a gap skipped, 100 at the top)", got)
	}
	if got := c.Lines[1].Points; got != "40,170 104,130 168,10" {
		t.Errorf("points %q (150 clamped to the top)", got)
	}
	if len(c.Grid) != 3 || c.Grid[1].Label != "50" || len(c.XLabels) != 3 || c.Lines[0].Colour == c.Lines[1].Colour {
		t.Errorf("chart %+v", c)
	}
}

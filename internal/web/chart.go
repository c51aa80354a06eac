package web

import (
	"fmt"
	"math"
	"strings"
)

// LineChart is a line chart drawn on the server as SVG (the "linechart"
// template): readable without JavaScript, scaled to a phone by its
// viewBox, with the numbers beside it in the page's table.
type LineChart struct {
	Title         string
	Width, Height int
	Right, Bottom int
	Lines         []ChartLine
	Grid          []ChartTick
	XLabels       []ChartTick
	// Marks are vertical lines at points of interest (Mark), Top their
	// upper end.
	Marks []ChartTick
	Top   int
	left  int
	step  int
}

// Mark draws a vertical line at the i-th label, named label.
func (c *LineChart) Mark(i int, label string) {
	c.Marks = append(c.Marks, ChartTick{X: c.left + i*c.step, Y: c.Bottom - 12, Label: label})
}

// ChartLine is one series drawn.
type ChartLine struct {
	Name, Colour, Points string
	Dots                 []ChartTick
}

// ChartTick is a position with its label.
type ChartTick struct {
	X, Y  int
	Label string
}

// Series is a named list of values, one per label (NaN where there is
// none).
type Series struct {
	Name   string
	Values []float64
}

// chartColours are the lines' colours, in order.
var chartColours = []string{"#3d6a9e", "#b5472f", "#2f7d4f", "#8a5a00", "#6b4c9a", "#2b8a9e", "#7d1a14", "#556270"}

// NewLineChart lays out series over labels between lo and hi (the y axis,
// with gridlines at ticks values).
func NewLineChart(title string, labels []string, series []Series, lo, hi float64, ticks []float64) LineChart {
	const left, top, plotH = 40, 10, 160
	n := max(len(labels), 2)
	step := min(64, max(4, 840/(n-1))) // a long series fits a screen
	c := LineChart{Title: title, Width: left + (n-1)*step + 30, Height: top + plotH + 30, Top: top, left: left, step: step}
	c.Right, c.Bottom = left+(n-1)*step+10, top+plotH+22
	y := func(v float64) int {
		if hi <= lo {
			return top + plotH
		}
		return top + int(math.Round(float64(plotH)*(hi-v)/(hi-lo)))
	}
	x := func(i int) int { return left + i*step }
	for _, t := range ticks {
		c.Grid = append(c.Grid, ChartTick{Y: y(t), Label: trimFloat(t)})
	}
	every := max(1, (len(labels)+6)/7) // at most eight labels fit a phone
	for i, l := range labels {
		if i%every == 0 || i == len(labels)-1 {
			c.XLabels = append(c.XLabels, ChartTick{X: x(i), Label: l})
		}
	}
	for k, s := range series {
		line := ChartLine{Name: s.Name, Colour: chartColours[k%len(chartColours)]}
		var pts []string
		for i, v := range s.Values {
			if math.IsNaN(v) || i >= len(labels) {
				continue
			}
			v = min(max(v, lo), hi)
			pts = append(pts, fmt.Sprintf("%d,%d", x(i), y(v)))
			line.Dots = append(line.Dots, ChartTick{X: x(i), Y: y(v), Label: trimFloat(v)})
		}
		line.Points = strings.Join(pts, " ")
		c.Lines = append(c.Lines, line)
	}
	return c
}

func trimFloat(f float64) string {
	s := fmt.Sprintf("%.1f", f)
	return strings.TrimSuffix(s, ".0")
}

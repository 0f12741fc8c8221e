package main

import (
	"fmt"
	"html"
	"math"
	"sort"
	"strings"

	"edgecheck/shared/benchcmp"
)

// A series is one line on a panel: one program's cost at each input size.
type series struct {
	label string
	pts   [][2]float64 // x, y sorted by x
}

// A panel is one scaling group: wall time and peak RSS against its x metric.
type panel struct {
	title  string
	metric string
	time   []series
	rss    []series
}

const (
	chartWidth  = 960
	panelHeight = 320
	plotW       = 360
	plotH       = 200
)

var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"}

// panels collects every group whose records carry an x metric with at least
// two distinct values.
func panels(recs []benchcmp.Record) []panel {
	var scale []benchcmp.Record
	for _, r := range recs {
		if _, _, ok := xMetric(r); ok {
			scale = append(scale, r)
		}
	}
	sortRecords(scale)
	var out []panel
	for _, g := range groups(scale) {
		xs := map[float64]bool{}
		for _, r := range g.recs {
			_, xv, _ := xMetric(r)
			xs[xv] = true
		}
		if len(xs) < 2 {
			continue
		}
		p := panel{title: g.name, metric: g.metric}
		p.time = collect(g.recs, func(r benchcmp.Record) []point {
			pts := []point{{r.Ours, r.OursMs}}
			if r.Peer != "" {
				pts = append(pts, point{r.Peer, r.PeerMs})
			}
			return pts
		})
		p.rss = collect(g.recs, func(r benchcmp.Record) []point {
			pts := []point{{r.Ours, r.OursRSSMB}}
			if r.Peer != "" {
				pts = append(pts, point{r.Peer, r.PeerRSSMB})
			}
			return pts
		})
		out = append(out, p)
	}
	return out
}

type point struct {
	label string
	y     float64
}

func collect(recs []benchcmp.Record, ys func(benchcmp.Record) []point) []series {
	var out []series
	index := map[string]int{}
	for _, r := range recs {
		_, xv, _ := xMetric(r)
		for _, p := range ys(r) {
			if p.y <= 0 {
				continue
			}
			i, ok := index[p.label]
			if !ok {
				i = len(out)
				index[p.label] = i
				out = append(out, series{label: p.label})
			}
			out[i].pts = append(out[i].pts, [2]float64{xv, p.y})
		}
	}
	for i := range out {
		sort.SliceStable(out[i].pts, func(a, b int) bool { return out[i].pts[a][0] < out[i].pts[b][0] })
	}
	return out
}

// renderChart draws every scaling panel into one SVG, or returns "" when no
// group has a series to draw.
func renderChart(recs []benchcmp.Record) string {
	ps := panels(recs)
	if len(ps) == 0 {
		return ""
	}
	var b strings.Builder
	// Each panel is tall enough for its legend, one line per series.
	tops := make([]int, len(ps))
	height := 0
	for i, p := range ps {
		tops[i] = height
		height += panelHeight + 16*max(0, max(len(p.time), len(p.rss))-2)
	}
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		chartWidth, height, chartWidth, height)
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	for i, p := range ps {
		top := tops[i]
		fmt.Fprintf(&b, `<text x="20" y="%d" font-size="15" font-weight="bold">%s</text>`+"\n", top+24, esc(p.title))
		plot(&b, 70, top+50, "wall time (ms, median)", p.metric, p.time)
		plot(&b, 70+plotW+110, top+50, "peak RSS (MB)", p.metric, p.rss)
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// plot draws one set of axes with its series and legend, origin at zero.
func plot(b *strings.Builder, x0, y0 int, ylabel, xlabel string, ss []series) {
	var xs, ys []float64
	for _, s := range ss {
		for _, p := range s.pts {
			xs = append(xs, p[0])
			ys = append(ys, p[1])
		}
	}
	// An axis spanning more than two decades (1 to 10,000 queues) is
	// logarithmic, so the small sizes are not squashed into the origin.
	xa, ya := newAxis(xs), newAxis(ys)
	if xa.log {
		xlabel += " (log scale)"
	}
	if ya.log {
		ylabel += ", log scale"
	}
	sx := func(v float64) float64 { return float64(x0) + xa.frac(v)*plotW }
	sy := func(v float64) float64 { return float64(y0+plotH) - ya.frac(v)*plotH }
	xTicks, yTicks := xa.ticks, ya.ticks

	fmt.Fprintf(b, `<g class="plot">`+"\n")
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", x0+plotW/2, y0-8, esc(ylabel))
	for _, t := range yTicks {
		y := sy(t)
		fmt.Fprintf(b, `<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="#ddd"/>`+"\n", x0, f1(y), x0+plotW, f1(y))
		fmt.Fprintf(b, `<text x="%d" y="%s" text-anchor="end">%s</text>`+"\n", x0-6, f1(y+4), esc(num(t)))
	}
	for _, t := range xTicks {
		x := sx(t)
		fmt.Fprintf(b, `<line x1="%s" y1="%d" x2="%s" y2="%d" stroke="#ddd"/>`+"\n", f1(x), y0, f1(x), y0+plotH)
		fmt.Fprintf(b, `<text x="%s" y="%d" text-anchor="middle">%s</text>`+"\n", f1(x), y0+plotH+16, esc(num(t)))
	}
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333"/>`+"\n", x0, y0, plotW, plotH)
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", x0+plotW/2, y0+plotH+34, esc(xlabel))
	for i, s := range ss {
		color := palette[i%len(palette)]
		pts := make([]string, len(s.pts))
		for j, p := range s.pts {
			pts[j] = f1(sx(p[0])) + "," + f1(sy(p[1]))
		}
		fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", color, strings.Join(pts, " "))
		for _, p := range s.pts {
			fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="3" fill="%s"><title>%s: %s at %s</title></circle>`+"\n",
				f1(sx(p[0])), f1(sy(p[1])), color, esc(s.label), esc(num3(p[1])), esc(num(p[0])))
		}
		ly := y0 + plotH + 52 + i*16
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="12" height="4" fill="%s"/>`+"\n", x0, ly-4, color)
		fmt.Fprintf(b, `<text x="%d" y="%d">%s</text>`+"\n", x0+18, ly, esc(s.label))
	}
	b.WriteString("</g>\n")
}

// An axis maps values to [0, 1], linearly from 0 or logarithmically.
type axis struct {
	log    bool
	lo, hi float64 // log10 bounds when log, else 0 and the top
	ticks  []float64
}

func newAxis(vs []float64) axis {
	lo, hi := math.Inf(1), 0.0
	for _, v := range vs {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if lo > 0 && hi/lo > 100 {
		a := axis{log: true, lo: math.Floor(math.Log10(lo)), hi: math.Ceil(math.Log10(hi))}
		for e := a.lo; e <= a.hi; e++ {
			a.ticks = append(a.ticks, math.Pow(10, e))
		}
		return a
	}
	ts, top := ticks(hi)
	return axis{hi: top, ticks: ts}
}

func (a axis) frac(v float64) float64 {
	if a.log {
		return (math.Log10(v) - a.lo) / (a.hi - a.lo)
	}
	return v / a.hi
}

// ticks returns about five round tick values from 0 and the axis top.
func ticks(max float64) ([]float64, float64) {
	if max <= 0 {
		return []float64{0, 1}, 1
	}
	raw := max / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		step = m * mag
		if step >= raw {
			break
		}
	}
	top := math.Ceil(max/step) * step
	var ts []float64
	for v := 0.0; v <= top+step/2; v += step {
		ts = append(ts, math.Round(v/step)*step)
	}
	return ts, top
}

func f1(v float64) string { return fmt.Sprintf("%.1f", v) }

func num3(v float64) string { return fmt.Sprintf("%.3g", v) }

func esc(s string) string { return html.EscapeString(s) }

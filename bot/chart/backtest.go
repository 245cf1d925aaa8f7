package chart

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/healthbot/healthbot/commands"
)

// ROCPNG draws an ROC curve (commands.ROCChart): the curve through its
// points, the area under it shaded, and the diagonal of a warning no
// better than chance. The title carries the AUC (commands.BacktestCharts
// writes it there).
func ROCPNG(title string, r commands.ROCChart) ([]byte, error) {
	if len(r.Points) == 0 {
		return nil, errors.New("roc chart: no points")
	}
	pts := make(plotter.XYs, 0, len(r.Points)+2)
	for _, pt := range r.Points {
		if math.IsNaN(pt.FPR) || math.IsNaN(pt.TPR) {
			continue // a rate with nothing to count: no churned, or no retained, samples
		}
		pts = append(pts, plotter.XY{X: clamp01(pt.FPR), Y: clamp01(pt.TPR)})
	}
	p := newPlot()
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	p.X.Label.Text = "false positive rate: retained accounts flagged"
	p.Y.Label.Text = "true positive rate: churned accounts caught"
	p.X.Tick.Marker = percentTicks{}
	p.Y.Tick.Marker = percentTicks{}

	chance, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		return nil, err
	}
	chance.Color, chance.Width, chance.Dashes = grey, pxl(1.2), []vg.Length{pxl(5), pxl(4)}
	legend := []entry{}
	if len(pts) > 0 {
		under := append(plotter.XYs{{X: pts[0].X, Y: 0}}, pts...)
		under = append(under, plotter.XY{X: pts[len(pts)-1].X, Y: 0})
		area, err := plotter.NewPolygon(under)
		if err != nil {
			return nil, err
		}
		area.Color, area.LineStyle.Width = tint(lineInk, 0.14), 0
		curve, err := plotter.NewLine(pts)
		if err != nil {
			return nil, err
		}
		curve.Color, curve.Width = lineInk, pxl(2.5)
		p.Add(area, chance, curve)
		auc := "AUC n/a"
		if !math.IsNaN(r.AUC) {
			auc = fmt.Sprintf("AUC %.2f", r.AUC)
		}
		legend = append(legend, entry{"health score (" + auc + ")", curve})
	} else {
		p.Add(chance)
	}
	legend = append(legend, entry{"chance (AUC 0.50)", chance})
	f := frame{w: 620, h: 600, title: title, legend: legend, plot: p}
	if len(pts) == 0 {
		f.after = func(_, data draw.Canvas) {
			sty := textStyle(12, grey)
			sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
			data.FillText(sty, data.Center(), "No curve: the samples need both churned and retained accounts")
		}
	}
	return f.render()
}

// BarsPNG draws one bar per category (commands.BarChart), each in its
// colour, with its value and its text above it; a bar without a value
// says "no samples".
func BarsPNG(title string, b commands.BarChart) ([]byte, error) {
	if len(b.Bars) == 0 {
		return nil, errors.New("bar chart: no bars")
	}
	top := b.Max
	for _, bar := range b.Bars {
		if !math.IsNaN(bar.Value) {
			top = max(top, bar.Value)
		}
	}
	if top <= 0 {
		top = 1
	}
	p := newPlot()
	p.Y.Min, p.Y.Max = 0, top*1.18 // room for two lines above the tallest bar
	p.Y.Label.Text = b.YLabel
	if b.Percent {
		p.Y.Tick.Marker = percentTicks{}
	}
	names := make([]string, len(b.Bars))
	for i, bar := range b.Bars {
		names[i] = bar.Label
	}
	p.NominalX(names...)
	p.X.Tick.Label = restyle(p.X.Tick.Label, 10, ink)
	p.X.Tick.Length, p.X.Tick.Width = 0, 0

	width := pxl(min(90, 420/float64(len(b.Bars))))
	var above plotter.XYLabels
	for i, bar := range b.Bars {
		v := bar.Value
		label := "no samples"
		if !math.IsNaN(v) {
			label = fmtValue(v, b.Percent)
			if bar.Text != "" {
				label += "\n" + bar.Text
			}
		} else {
			v = 0
		}
		vals := make(plotter.Values, len(b.Bars)) // one bar per chart, so each has its colour
		vals[i] = v
		bc, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return nil, err
		}
		bc.Color = replyRGBA(bar.Colour)
		bc.LineStyle.Width = 0
		p.Add(bc)
		above.XYs = append(above.XYs, plotter.XY{X: float64(i), Y: v})
		above.Labels = append(above.Labels, label)
	}
	if err := addLabels(p, above, vg.Point{Y: pxl(4)}, func(int) text.Style { return aboveStyle() }); err != nil {
		return nil, err
	}
	return frame{w: 620, h: 420, title: title, plot: p}.render()
}

// fmtValue is a bar's value: "12.5%" for a share, "3.2" otherwise.
func fmtValue(v float64, percent bool) string {
	if percent {
		s := fmt.Sprintf("%.1f", v*100)
		return strings.TrimSuffix(s, ".0") + "%"
	}
	s := fmt.Sprintf("%.2f", v)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

func clamp01(v float64) float64 { return max(0, min(1, v)) }

// percentTicks labels a 0..1 axis in percent, every 10% with a label
// every 20%, or, past 1, wherever the default ticker puts them.
type percentTicks struct{}

// Ticks implements plot.Ticker.
func (percentTicks) Ticks(lo, hi float64) []plot.Tick {
	if hi > 1.2 || hi <= 0.05 {
		ticks := plot.DefaultTicks{}.Ticks(lo, hi)
		for i := range ticks {
			if ticks[i].Label != "" {
				ticks[i].Label = fmtValue(ticks[i].Value, true)
			}
		}
		return ticks
	}
	step := 0.1
	if hi <= 0.3 {
		step = 0.05
	}
	var ticks []plot.Tick
	for i := 0; float64(i)*step <= hi+1e-9; i++ {
		v := float64(i) * step
		t := plot.Tick{Value: v}
		if i%2 == 0 {
			t.Label = fmtValue(v, true)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

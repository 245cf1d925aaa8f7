package chart

import (
	"errors"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/scoring"
)

// StatusTitle is the weekly summary chart's heading.
const StatusTitle = "Accounts by status, last 8 weeks"

// order stacks the status segments, bottom to top.
var order = []scoring.Status{scoring.Critical, scoring.AtRisk, scoring.Stable, scoring.Healthy, scoring.NoData}

// StatusPNG draws the weekly summary's chart (commands.Alerter.Chart):
// one stacked bar per week, oldest left, each segment as tall as the
// accounts in its status, with its count inside it where it fits, the
// week's total above the bar and its date below. A week without accounts
// is a thin grey line.
func StatusPNG(weeks []commands.StatusWeek) ([]byte, error) {
	return statusPNG(StatusTitle, weeks)
}

func statusPNG(title string, weeks []commands.StatusWeek) ([]byte, error) {
	if len(weeks) == 0 {
		return nil, errors.New("status chart: no weeks")
	}
	totals := make([]float64, len(weeks))
	maxTotal, noData := 0.0, false
	for i, w := range weeks {
		for _, n := range w.Counts {
			totals[i] += float64(n)
		}
		maxTotal = max(maxTotal, totals[i])
		noData = noData || w.Counts[scoring.NoData] > 0
	}
	if maxTotal == 0 {
		maxTotal = 1
	}
	p := newPlot()
	p.HideY()
	p.X.Tick.Label = restyle(p.X.Tick.Label, 9, ink)
	p.X.Tick.Length = 0
	p.X.Tick.Width = 0
	p.Y.Min, p.Y.Max = 0, maxTotal*1.08 // room for the totals
	names := make([]string, len(weeks))
	for i, w := range weeks {
		names[i] = w.Day.Format("Jan 2")
	}
	p.NominalX(names...)

	barW := pxl(min(56, 460/float64(len(weeks))))
	var (
		below  *plotter.BarChart
		labels plotter.XYLabels
		styles []scoring.Status
	)
	base := make([]float64, len(weeks))
	for _, st := range order {
		vals := make(plotter.Values, len(weeks))
		for i, w := range weeks {
			n := float64(w.Counts[st])
			vals[i] = n
			// A count goes inside its segment when the segment is tall
			// enough for a line of text.
			if n > 0 && n/maxTotal >= 0.07 {
				labels.XYs = append(labels.XYs, plotter.XY{X: float64(i), Y: base[i] + n/2})
				labels.Labels = append(labels.Labels, strconv.Itoa(int(n)))
				styles = append(styles, st)
			}
			base[i] += n
		}
		bars, err := plotter.NewBarChart(vals, barW)
		if err != nil {
			return nil, err
		}
		bars.Color = statusRGBA(st)
		bars.LineStyle.Color = white // a hairline between segments keeps small ones apart
		bars.LineStyle.Width = pxl(1)
		if below != nil {
			bars.StackOn(below)
		}
		p.Add(bars)
		below = bars
	}
	// Empty weeks: a thin grey line where the bar would stand.
	empty := make(plotter.Values, len(weeks))
	hasEmpty := false
	for i := range weeks {
		if totals[i] == 0 {
			empty[i], hasEmpty = maxTotal*0.006, true
		}
	}
	if hasEmpty {
		bars, err := plotter.NewBarChart(empty, barW)
		if err != nil {
			return nil, err
		}
		bars.Color = colours["grey"]
		bars.LineStyle.Width = 0
		p.Add(bars)
	}
	if err := addLabels(p, labels, vg.Point{}, func(i int) text.Style { return countStyle(styles[i]) }); err != nil {
		return nil, err
	}
	var tot plotter.XYLabels
	for i, t := range totals {
		if t > 0 {
			tot.XYs = append(tot.XYs, plotter.XY{X: float64(i), Y: t})
			tot.Labels = append(tot.Labels, strconv.Itoa(int(t)))
		}
	}
	if err := addLabels(p, tot, vg.Point{Y: pxl(3)}, func(int) text.Style { return aboveStyle() }); err != nil {
		return nil, err
	}
	sts := []scoring.Status{scoring.Healthy, scoring.Stable, scoring.AtRisk, scoring.Critical}
	if noData {
		sts = append(sts, scoring.NoData)
	}
	var legend []entry
	for _, st := range sts {
		legend = append(legend, entry{string(st), swatch(statusRGBA(st))})
	}
	return frame{w: 720, h: 400, title: title, legend: legend, plot: p}.render()
}

// countStyle is the style of a count inside a segment of status st:
// dark on the light yellow and grey, white on the others.
func countStyle(st scoring.Status) text.Style {
	sty := textStyle(10, white)
	if st == scoring.Stable || st == scoring.NoData {
		sty.Color = ink
	}
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	return sty
}

// aboveStyle is the style of a figure set just above a bar.
func aboveStyle() text.Style {
	sty := textStyle(10, grey)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YBottom
	return sty
}

// addLabels adds labels to p, label i set in style(i), moved by offset.
func addLabels(p *plot.Plot, l plotter.XYLabels, offset vg.Point, style func(i int) text.Style) error {
	if len(l.Labels) == 0 {
		return nil
	}
	lb, err := plotter.NewLabels(l)
	if err != nil {
		return err
	}
	for i := range lb.TextStyle {
		lb.TextStyle[i] = style(i)
	}
	lb.Offset = offset
	p.Add(lb)
	return nil
}

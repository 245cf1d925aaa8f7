package chart

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/scoring"
)

// maxTrendDays bounds a trend's span, and with it the work and memory of
// drawing one: a year of days.
const maxTrendDays = 366

// Lanes of the trend's marks, in score units: touches along the bottom,
// alerts along the top, clear of the score line's usual range.
const (
	touchLane = 4
	alertLane = 96
)

// TrendPNG draws an account's score over time (commands.TrendChart) on
// the status bands, with the pulses on the score line in their colours,
// touches along the bottom, alerts along the top, and a legend of what
// is there. Days without a score leave a gap in the line.
func TrendPNG(title string, t commands.TrendChart) ([]byte, error) {
	span := dayIndex(t.From, t.To)
	if span < 0 {
		return nil, errors.New("trend chart: the last day is before the first")
	}
	if span >= maxTrendDays {
		return nil, fmt.Errorf("trend chart: %d days is more than the %d a chart shows", span+1, maxTrendDays)
	}
	b := t.Bands
	if b == (scoring.StatusConfig{}) {
		b = scoring.Default().Status
	}
	p := newPlot()
	p.X.Min, p.X.Max = -0.5, float64(span)+0.5
	// A little room past 0 and 100, so a line at either is drawn whole.
	p.Y.Min, p.Y.Max = -2, 102
	ticks := dayTicks{from: t.From, span: span}
	p.X.Tick.Marker = ticks
	p.Y.Tick.Marker = plot.ConstantTicks(yTicks(b))
	p.Y.Label.Text = "score"

	bands := []struct {
		st     scoring.Status
		lo, hi int
	}{
		{scoring.Critical, 0, b.AtRiskMin},
		{scoring.AtRisk, b.AtRiskMin, b.StableMin},
		{scoring.Stable, b.StableMin, b.HealthyMin},
		{scoring.Healthy, b.HealthyMin, 100},
	}
	for _, band := range bands {
		if band.hi <= band.lo {
			continue
		}
		lo, hi := float64(band.lo), float64(band.hi)
		if band.lo == 0 {
			lo = p.Y.Min
		}
		if band.hi == 100 {
			hi = p.Y.Max
		}
		poly, err := plotter.NewPolygon(plotter.XYs{
			{X: p.X.Min, Y: lo}, {X: p.X.Max, Y: lo}, {X: p.X.Max, Y: hi}, {X: p.X.Min, Y: hi},
		})
		if err != nil {
			return nil, err
		}
		poly.Color = tint(statusRGBA(band.st), 0.16)
		poly.LineStyle.Width = 0
		p.Add(poly)
	}
	p.Add(weekLines{ticks})

	var legend []entry
	line, score := scoreLine(t, span)
	for _, run := range line {
		l, err := plotter.NewLine(run)
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = lineInk, pxl(2.5)
		p.Add(l)
	}
	if len(line) > 0 {
		legend = append(legend, entry{"score", lineThumb{}})
	}

	for _, colour := range []string{"red", "yellow", "green"} {
		var xys plotter.XYs
		for _, m := range t.Pulses {
			if m.Kind == colour {
				x := dayIndex(t.From, m.Day)
				xys = append(xys, plotter.XY{X: float64(x), Y: score(x)})
			}
		}
		if s := marks(xys, draw.GlyphStyle{Color: colours[colour], Radius: pxl(6), Shape: outlined{draw.CircleGlyph{}}}); s != nil {
			p.Add(s)
			legend = append(legend, entry{colour + " pulse", s})
		}
	}
	if s := marks(lane(t.From, t.Touches, touchLane), draw.GlyphStyle{Color: touchC, Radius: pxl(6), Shape: draw.PyramidGlyph{}}); s != nil {
		p.Add(s)
		legend = append(legend, entry{"touch", s})
	}
	if s := marks(lane(t.From, t.Alerts, alertLane), draw.GlyphStyle{Color: alertC, Radius: pxl(5.5), Shape: boldCross{}}); s != nil {
		p.Add(s)
		legend = append(legend, entry{"alert", s})
	}
	for _, band := range slices.Backward(bands) {
		legend = append(legend, entry{bandName(band.st, band.lo, band.hi), swatch(tint(statusRGBA(band.st), 0.45))})
	}

	f := frame{w: 860, h: 420, title: title, legend: legend, plot: p}
	f.after = func(_, data draw.Canvas) {
		if len(line) == 0 {
			sty := textStyle(12, grey)
			sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
			data.FillText(sty, data.Center(), "No score recorded in these days")
		}
		if t.ChurnedOn != nil {
			x := data.X((float64(dayIndex(t.From, *t.ChurnedOn)) - p.X.Min) / (p.X.Max - p.X.Min))
			data.StrokeLine2(draw.LineStyle{Color: ink, Width: pxl(1.5), Dashes: []vg.Length{pxl(4), pxl(3)}}, x, data.Min.Y, x, data.Max.Y)
			sty := textStyle(9, ink)
			sty.XAlign, sty.YAlign = draw.XRight, draw.YTop
			data.FillText(sty, vg.Point{X: x - pxl(4), Y: data.Max.Y - pxl(26)}, "churned "+t.ChurnedOn.Format("Jan 2"))
		}
	}
	return f.render()
}

// dayIndex is the number of calendar days from a to b.
func dayIndex(a, b time.Time) int {
	return int(math.Round(b.Sub(a).Hours() / 24))
}

// scoreLine splits the scores in [0, span] into runs of consecutive days
// (a missing day is a gap) and returns them with the score the marks of a
// day sit on: that day's, else the last one before it, else the first
// one after it, else the middle.
func scoreLine(t commands.TrendChart, span int) ([]plotter.XYs, func(x int) float64) {
	byDay := make([]float64, span+1)
	for i := range byDay {
		byDay[i] = math.NaN()
	}
	for _, s := range t.Scores {
		if x := dayIndex(t.From, s.Day); x >= 0 && x <= span {
			byDay[x] = float64(s.Score)
		}
	}
	var runs []plotter.XYs
	var run plotter.XYs
	for x, v := range byDay {
		if math.IsNaN(v) {
			if len(run) > 0 {
				runs = append(runs, run)
			}
			run = nil
			continue
		}
		run = append(run, plotter.XY{X: float64(x), Y: v})
	}
	if len(run) > 0 {
		runs = append(runs, run)
	}
	// A lone day is a run of one point, which a line does not show: give
	// it a short flat stroke.
	for i, r := range runs {
		if len(r) == 1 {
			runs[i] = plotter.XYs{{X: r[0].X - 0.3, Y: r[0].Y}, {X: r[0].X + 0.3, Y: r[0].Y}}
		}
	}
	score := func(x int) float64 {
		x = max(0, min(x, span))
		for i := x; i >= 0; i-- {
			if !math.IsNaN(byDay[i]) {
				return byDay[i]
			}
		}
		for i := x + 1; i <= span; i++ {
			if !math.IsNaN(byDay[i]) {
				return byDay[i]
			}
		}
		return 50
	}
	return runs, score
}

// lane places marks at height y on their days.
func lane(from time.Time, ms []commands.Mark, y float64) plotter.XYs {
	xys := make(plotter.XYs, 0, len(ms))
	for _, m := range ms {
		xys = append(xys, plotter.XY{X: float64(dayIndex(from, m.Day)), Y: y})
	}
	return xys
}

// marks is a scatter of glyphs, nil when there is none.
func marks(xys plotter.XYs, g draw.GlyphStyle) *plotter.Scatter {
	if len(xys) == 0 {
		return nil
	}
	s, err := plotter.NewScatter(xys)
	if err != nil {
		return nil // only non-finite values fail, and days are finite
	}
	s.GlyphStyle = g
	return s
}

// bandName is a band's legend name, e.g. "Stable 60–79".
func bandName(st scoring.Status, lo, hi int) string {
	switch {
	case lo == 0:
		return fmt.Sprintf("%s <%d", st, hi)
	case hi >= 100:
		return fmt.Sprintf("%s %d+", st, lo)
	}
	return fmt.Sprintf("%s %d–%d", st, lo, hi-1)
}

// yTicks marks 0, each status threshold and 100.
func yTicks(b scoring.StatusConfig) []plot.Tick {
	var ticks []plot.Tick
	for _, v := range []int{0, b.AtRiskMin, b.StableMin, b.HealthyMin, 100} {
		if v >= 0 && v <= 100 && !slices.ContainsFunc(ticks, func(t plot.Tick) bool { return t.Value == float64(v) }) {
			ticks = append(ticks, plot.Tick{Value: float64(v), Label: fmt.Sprint(v)})
		}
	}
	return ticks
}

// dayTicks labels every other Monday ("Mar 3") with a minor tick on the
// Mondays between, so weeks read at a glance.
type dayTicks struct {
	from time.Time
	span int
}

// Ticks implements plot.Ticker.
func (d dayTicks) Ticks(float64, float64) []plot.Tick {
	first := (8 - int(d.from.Weekday())) % 7 // days to the first Monday
	var ticks []plot.Tick
	for x, n := first, 0; x <= d.span; x, n = x+7, n+1 {
		t := plot.Tick{Value: float64(x)}
		if n%2 == 0 {
			t.Label = d.from.AddDate(0, 0, x).Format("Jan 2")
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// weekLines draws a faint vertical line on each Monday of a dayTicks.
type weekLines struct{ dayTicks }

// Plot implements plot.Plotter.
func (w weekLines) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	sty := draw.LineStyle{Color: color.RGBA{0x00, 0x00, 0x00, 0x16}, Width: pxl(1)}
	for _, t := range w.Ticks(p.X.Min, p.X.Max) {
		x := trX(t.Value)
		c.StrokeLine2(sty, x, c.Min.Y, x, c.Max.Y)
	}
}

// lineThumb is the score line's legend thumbnail.
type lineThumb struct{}

// Thumbnail draws a short stroke of the score line.
func (lineThumb) Thumbnail(c *draw.Canvas) {
	y := (c.Min.Y + c.Max.Y) / 2
	c.StrokeLine2(draw.LineStyle{Color: lineInk, Width: pxl(2.5)}, c.Min.X, y, c.Max.X, y)
}

// outlined draws a glyph with a dark outline, so a yellow pulse stays
// visible on the yellow band.
type outlined struct{ draw.GlyphDrawer }

// DrawGlyph draws the glyph, then its outline.
func (o outlined) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	o.GlyphDrawer.DrawGlyph(c, sty, pt)
	ring := sty
	ring.Color = ink
	draw.RingGlyph{}.DrawGlyph(c, ring, pt)
}

// boldCross is a cross (×) drawn with a thicker stroke than
// draw.CrossGlyph, to read at chat sizes.
type boldCross struct{}

// DrawGlyph draws the cross.
func (boldCross) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: pxl(2.5)})
	r := sty.Radius * 0.8
	c.Stroke(vg.Path{{Type: vg.MoveComp, Pos: vg.Point{X: pt.X - r, Y: pt.Y - r}}, {Type: vg.LineComp, Pos: vg.Point{X: pt.X + r, Y: pt.Y + r}}})
	c.Stroke(vg.Path{{Type: vg.MoveComp, Pos: vg.Point{X: pt.X - r, Y: pt.Y + r}}, {Type: vg.LineComp, Pos: vg.Point{X: pt.X + r, Y: pt.Y - r}}})
}

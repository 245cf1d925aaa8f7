// Package chart draws healthbot's pictures as PNG, every one of them over
// one plotting library (gonum.org/v1/plot) with one look: the weekly
// summary's status bars, an account's score trend, and a backtest's ROC
// curve and churn rate per status. It reads the neutral chart data that
// commands puts in a Reply (commands.Chart) and returns bytes; adapters
// attach them. Text is set in the Liberation fonts the library embeds, so
// nothing is read from disk or the network and a picture renders the same
// on every machine.
package chart

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"image/png"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/scoring"
)

// PNG draws c, whichever kind it is.
func PNG(c commands.Chart) ([]byte, error) {
	switch {
	case c.Trend != nil:
		return TrendPNG(c.Title, *c.Trend)
	case c.ROC != nil:
		return ROCPNG(c.Title, *c.ROC)
	case c.Bars != nil:
		return BarsPNG(c.Title, *c.Bars)
	case len(c.Status) > 0:
		return statusPNG(c.Title, c.Status)
	}
	return nil, errors.New("chart: nothing to draw")
}

// dpi is the resolution pictures are drawn at: sizes below are in pixels
// at this resolution, fonts in points.
const dpi = 96

// pxl is n pixels as a length.
func pxl(n float64) vg.Length { return vg.Length(n) * vg.Inch / dpi }

// The fonts: sans-serif for everything, bold for titles.
var (
	sans     = font.Font{Typeface: "Liberation", Variant: "Sans"}
	sansBold = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: xfont.WeightBold}
)

// Colours. Each status has the colour of its replies' colour bar, and a
// pale tint of it for backgrounds.
var (
	white   = color.RGBA{0xff, 0xff, 0xff, 0xff}
	ink     = color.RGBA{0x20, 0x20, 0x20, 0xff}
	grey    = color.RGBA{0x60, 0x60, 0x60, 0xff}
	lineInk = color.RGBA{0x1f, 0x3a, 0x5f, 0xff} // the score line, the ROC curve
	touchC  = color.RGBA{0x2f, 0x6f, 0xd0, 0xff}
	alertC  = color.RGBA{0x6a, 0x1b, 0x9a, 0xff}

	colours = map[string]color.RGBA{
		"green":  {0x2e, 0xa0, 0x43, 0xff},
		"yellow": {0xf2, 0xc1, 0x1b, 0xff},
		"orange": {0xf0, 0x88, 0x1f, 0xff},
		"red":    {0xd6, 0x2d, 0x2d, 0xff},
		"grey":   {0xa0, 0xa0, 0xa0, 0xff},
	}
)

// statusRGBA is the colour of a status.
func statusRGBA(st scoring.Status) color.RGBA { return colours[scoring.StatusColour(st)] }

// replyRGBA is the colour named by a reply colour, a neutral blue-grey
// for "" or an unknown name.
func replyRGBA(name string) color.RGBA {
	if c, ok := colours[name]; ok {
		return c
	}
	return color.RGBA{0x6b, 0x7f, 0x99, 0xff}
}

// tint mixes c with white, keeping share of c.
func tint(c color.RGBA, share float64) color.RGBA {
	mix := func(v uint8) uint8 { return uint8(float64(v)*share + 255*(1-share) + 0.5) }
	return color.RGBA{mix(c.R), mix(c.G), mix(c.B), 0xff}
}

// textStyle is a text style in the house font.
func textStyle(size float64, c color.Color) text.Style {
	return text.Style{Color: c, Font: font.From(sans, vg.Points(size)), Handler: plot.DefaultTextHandler}
}

// restyle sets sty in the house font at size, in c, keeping its alignment.
func restyle(sty text.Style, size float64, c color.Color) text.Style {
	sty.Font, sty.Color = font.From(sans, vg.Points(size)), c
	return sty
}

// newPlot is a plot in the house style: fonts, colours, no title (the
// frame draws it) and no legend (the frame draws one row of it).
func newPlot() *plot.Plot {
	p := plot.New()
	p.BackgroundColor = color.Transparent
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle = restyle(ax.Label.TextStyle, 10, grey)
		ax.Tick.Label = restyle(ax.Tick.Label, 9, ink)
		ax.Color, ax.Tick.Color = grey, grey
		ax.Padding = 0
	}
	return p
}

// entry is one item of a legend row: a thumbnail and its name.
type entry struct {
	name  string
	thumb plot.Thumbnailer
}

// frame is a picture: a title, a row of legend entries under it, and the
// plot filling the rest.
type frame struct {
	w, h   float64 // pixels
	title  string
	legend []entry
	plot   *plot.Plot
	// after draws on the whole canvas once the plot is drawn, with the
	// canvas of the plot's data area (for notes placed in data units).
	after func(all, data draw.Canvas)
}

const (
	margin  = 16 // pixels around everything
	titleH  = 26 // the title's line
	legendH = 22 // the legend's line
)

// render draws the frame as a PNG.
func (f frame) render() ([]byte, error) {
	c := vgimg.NewWith(vgimg.UseWH(pxl(f.w), pxl(f.h)), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(white))
	dc := draw.New(c)
	top := dc.Max.Y - pxl(margin)
	if f.title != "" {
		sty := textStyle(13, ink)
		sty.Font = font.From(sansBold, vg.Points(13))
		sty.YAlign = draw.YTop
		dc.FillText(sty, vg.Point{X: dc.Min.X + pxl(margin), Y: top}, f.title)
		top -= pxl(titleH)
	}
	for _, row := range legendRows(f.legend, dc.Max.X-dc.Min.X-2*pxl(margin)) {
		legendRow(dc, vg.Point{X: dc.Min.X + pxl(margin), Y: top}, row)
		top -= pxl(legendH)
	}
	area := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: dc.Min.X + pxl(margin), Y: dc.Min.Y + pxl(margin)},
		Max: vg.Point{X: dc.Max.X - pxl(margin), Y: top - pxl(4)},
	}}
	f.plot.Draw(area)
	if f.after != nil {
		f.after(dc, f.plot.DataCanvas(area))
	}
	var buf bytes.Buffer
	// Pictures go to chat and are drawn on demand: fast compression
	// beats a few kilobytes.
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, c.Image()); err != nil {
		return nil, fmt.Errorf("encode chart: %w", err)
	}
	return buf.Bytes(), nil
}

// Legend metrics, in pixels: a thumbnail, the gap after it, the gap
// after an entry's name.
const (
	thumbW, thumbH = 16, 12
	thumbGap       = 5
	entryGap       = 16
)

// legendStyle is the style of legend names.
func legendStyle() text.Style {
	sty := textStyle(10, ink)
	sty.YAlign = draw.YCenter
	return sty
}

// legendRows splits entries into rows no wider than width, in order.
func legendRows(entries []entry, width vg.Length) [][]entry {
	sty := legendStyle()
	var rows [][]entry
	var row []entry
	x := vg.Length(0)
	for _, e := range entries {
		w := pxl(thumbW+thumbGap) + sty.Width(e.name)
		if len(row) > 0 && x+w > width {
			rows, row, x = append(rows, row), nil, 0
		}
		row = append(row, e)
		x += w + pxl(entryGap)
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	return rows
}

// legendRow draws entries left to right from pt (the row's top left).
func legendRow(dc draw.Canvas, pt vg.Point, entries []entry) {
	sty := legendStyle()
	x, y := pt.X, pt.Y-pxl(legendH)/2
	for _, e := range entries {
		box := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x, Y: y - pxl(thumbH)/2},
			Max: vg.Point{X: x + pxl(thumbW), Y: y + pxl(thumbH)/2},
		}}
		e.thumb.Thumbnail(&box)
		x += pxl(thumbW + thumbGap)
		dc.FillText(sty, vg.Point{X: x, Y: y}, e.name)
		x += sty.Width(e.name) + pxl(entryGap)
	}
}

// swatch is a legend thumbnail: a filled square.
type swatch color.RGBA

// Thumbnail draws the swatch.
func (s swatch) Thumbnail(c *draw.Canvas) {
	side := min(c.Max.X-c.Min.X, c.Max.Y-c.Min.Y)
	x0 := c.Min.X + (c.Max.X-c.Min.X-side)/2
	c.FillPolygon(color.RGBA(s), []vg.Point{
		{X: x0, Y: c.Min.Y}, {X: x0 + side, Y: c.Min.Y}, {X: x0 + side, Y: c.Min.Y + side}, {X: x0, Y: c.Min.Y + side},
	})
}

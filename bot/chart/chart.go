// Package chart draws the weekly summary's picture: the status
// distribution of the last weeks as stacked bars, in a PNG made with the
// standard library's image packages and golang.org/x/image's built-in
// bitmap font (no font files to ship): a title, a legend, a date under
// each bar, each bar's total above it and each segment's count inside it
// where it fits.
package chart

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/scoring"
)

// Order of the stacked segments, bottom to top.
var order = []scoring.Status{scoring.Critical, scoring.AtRisk, scoring.Stable, scoring.Healthy, scoring.NoData}

// Colours match the reply colours of each status.
var colours = map[scoring.Status]color.RGBA{
	scoring.Healthy:  {0x2e, 0xa0, 0x43, 0xff},
	scoring.Stable:   {0xf2, 0xc1, 0x1b, 0xff},
	scoring.AtRisk:   {0xf0, 0x88, 0x1f, 0xff},
	scoring.Critical: {0xd6, 0x2d, 0x2d, 0xff},
	scoring.NoData:   {0xa0, 0xa0, 0xa0, 0xff},
}

var (
	white = color.RGBA{0xff, 0xff, 0xff, 0xff}
	ink   = color.RGBA{0x20, 0x20, 0x20, 0xff}
	grey  = color.RGBA{0x60, 0x60, 0x60, 0xff}
)

// face is the 7×13 pixel font built into x/image: the chart needs no
// font file and renders the same everywhere.
var face = basicfont.Face7x13

const (
	width, height = 720, 400
	margin        = 24
	titleY        = 22  // baseline of the title
	legendY       = 44  // baseline of the legend labels
	plotTop       = 76  // top of the tallest bar; its total sits above it
	plotBottom    = 356 // the axis; week labels sit below it
	lineH         = 13  // the font's line height
)

// Title is the chart's heading.
const Title = "Accounts by status, last 8 weeks"

// StatusPNG draws one stacked bar per week (oldest left), each segment's
// height proportional to the accounts in that status, scaled to the
// largest week. An empty week is drawn as a thin grey line.
func StatusPNG(weeks []commands.StatusWeek) ([]byte, error) {
	if len(weeks) == 0 {
		return nil, fmt.Errorf("status chart: no weeks")
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), &image.Uniform{white}, image.Point{}, draw.Src)
	text(img, margin, titleY, Title, ink)

	maxTotal, noData := 0, false
	for _, w := range weeks {
		t := 0
		for _, n := range w.Counts {
			t += n
		}
		maxTotal = max(maxTotal, t)
		noData = noData || w.Counts[scoring.NoData] > 0
	}
	legend(img, noData)

	plotH := plotBottom - plotTop
	slot := (width - 2*margin) / len(weeks)
	barW := slot * 2 / 3
	fill(img, margin, plotBottom, width-margin, plotBottom+1, grey)

	for i, w := range weeks {
		x0 := margin + i*slot + (slot-barW)/2
		center := x0 + barW/2
		textCentered(img, center, plotBottom+4+lineH, w.Day.Format("Jan 2"), ink)
		y := plotBottom
		if maxTotal == 0 {
			fill(img, x0, y-2, x0+barW, y, colours[scoring.NoData])
			continue
		}
		total := 0
		for _, st := range order {
			n := w.Counts[st]
			if n == 0 {
				continue
			}
			total += n
			h := n * plotH / maxTotal
			fill(img, x0, y-h, x0+barW, y, colours[st])
			// A white hairline between segments keeps small ones visible.
			fill(img, x0, y-h, x0+barW, y-h+1, white)
			label := strconv.Itoa(n)
			if h >= lineH+2 && textWidth(label) <= barW-4 {
				textCentered(img, center, y-h/2+lineH/2-2, label, labelInk(st))
			}
			y -= h
		}
		textCentered(img, center, y-4, strconv.Itoa(total), grey)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("status chart: %w", err)
	}
	return buf.Bytes(), nil
}

// legend draws a swatch and a name per status, in reading order from the
// best; "No data" only when some week has such accounts.
func legend(img *image.RGBA, noData bool) {
	sts := []scoring.Status{scoring.Healthy, scoring.Stable, scoring.AtRisk, scoring.Critical}
	if noData {
		sts = append(sts, scoring.NoData)
	}
	x := margin
	for _, st := range sts {
		fill(img, x, legendY-11, x+12, legendY+1, colours[st])
		x += 18
		text(img, x, legendY, string(st), ink)
		x += textWidth(string(st)) + 22
	}
}

// labelInk is the colour of a count drawn on st's segment: dark on the
// light yellow, white on the others.
func labelInk(st scoring.Status) color.RGBA {
	if st == scoring.Stable || st == scoring.NoData {
		return ink
	}
	return white
}

// text draws s with its baseline at y, starting at x.
func text(img *image.RGBA, x, y int, s string, c color.RGBA) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// textCentered draws s with its baseline at y, centred on x.
func textCentered(img *image.RGBA, x, y int, s string, c color.RGBA) {
	text(img, x-textWidth(s)/2, y, s, c)
}

func textWidth(s string) int { return font.MeasureString(face, s).Ceil() }

func fill(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	draw.Draw(img, image.Rect(x0, y0, x1, y1), &image.Uniform{c}, image.Point{}, draw.Src)
}

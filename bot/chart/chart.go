// Package chart draws the weekly summary's picture: the status
// distribution of the last weeks as stacked bars, in a PNG made with the
// standard library only (no fonts: the legend is colour swatches in status
// order, and the message text carries the numbers).
package chart

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"

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

const (
	width, height = 640, 320
	margin        = 24
	legendH       = 28
)

// StatusPNG draws one stacked bar per week (oldest left), each segment's
// height proportional to the accounts in that status, scaled to the
// largest week. An empty week is drawn as a thin grey line.
func StatusPNG(weeks []commands.StatusWeek) ([]byte, error) {
	if len(weeks) == 0 {
		return nil, fmt.Errorf("status chart: no weeks")
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), &image.Uniform{color.RGBA{0xff, 0xff, 0xff, 0xff}}, image.Point{}, draw.Src)

	maxTotal := 0
	for _, w := range weeks {
		t := 0
		for _, n := range w.Counts {
			t += n
		}
		maxTotal = max(maxTotal, t)
	}
	plotTop, plotBottom := margin+legendH, height-margin
	plotH := plotBottom - plotTop
	slot := (width - 2*margin) / len(weeks)
	barW := slot * 2 / 3
	axis := color.RGBA{0x60, 0x60, 0x60, 0xff}
	fill(img, margin, plotBottom, width-margin, plotBottom+1, axis)

	for i, w := range weeks {
		x0 := margin + i*slot + (slot-barW)/2
		y := plotBottom
		if maxTotal == 0 {
			fill(img, x0, y-2, x0+barW, y, colours[scoring.NoData])
			continue
		}
		for _, st := range order {
			n := w.Counts[st]
			if n == 0 {
				continue
			}
			h := n * plotH / maxTotal
			fill(img, x0, y-h, x0+barW, y, colours[st])
			// A white hairline between segments keeps small ones visible.
			fill(img, x0, y-h, x0+barW, y-h+1, color.RGBA{0xff, 0xff, 0xff, 0xff})
			y -= h
		}
	}
	// Legend: swatches in the order Healthy, Stable, At-risk, Critical.
	for i, st := range []scoring.Status{scoring.Healthy, scoring.Stable, scoring.AtRisk, scoring.Critical} {
		x := margin + i*40
		fill(img, x, margin, x+28, margin+14, colours[st])
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("status chart: %w", err)
	}
	return buf.Bytes(), nil
}

func fill(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	draw.Draw(img, image.Rect(x0, y0, x1, y1), &image.Uniform{c}, image.Point{}, draw.Src)
}

package commands

import (
	"fmt"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// Chart is a picture a Reply carries, as data: what to draw, not pixels.
// Adapters draw it (bot/chart turns each kind into a PNG) and attach it
// the way their platform shows images, so commands stays free of any
// drawing library, as it is of any platform's. Exactly one of Status,
// Trend, ROC and Bars is set.
type Chart struct {
	Name  string // the file name, e.g. "acme-corp-90-days.png"
	Title string // the heading drawn on the picture
	Alt   string // what it shows, in words, for screen readers and previews

	Status []StatusWeek // accounts per status per week, as stacked bars (the weekly summary)
	Trend  *TrendChart  // one account's score over time
	ROC    *ROCChart    // how well the score tells churn, as an ROC curve
	Bars   *BarChart    // one value per category, as bars
}

// TrendChart is an account's score over a span of days, drawn over the
// status bands with what happened on the way marked on it.
type TrendChart struct {
	From, To time.Time            // the first and last day shown
	Scores   []ScorePoint         // the known scores, oldest first; a missing day is a gap
	Bands    scoring.StatusConfig // the lowest score of each status, as configured
	Pulses   []Mark               // Kind is the pulse's colour: red, yellow or green
	Touches  []Mark               // Kind is the touch's kind; Exec marks the sponsor's presence
	Alerts   []Mark               // Kind is the alert's rule
	// ChurnedOn is the day a churned account left; the chart ends there.
	ChurnedOn *time.Time
}

// ScorePoint is a day's score.
type ScorePoint struct {
	Day   time.Time
	Score int
}

// Mark is something that happened on a day, drawn on a trend.
type Mark struct {
	Day  time.Time
	Kind string
	Exec bool // a touch with the executive sponsor
}

// ROCChart is the ROC curve of a churn warning: for each threshold, the
// share of churned samples it caught (true positive rate) against the
// share of retained ones it flagged (false positive rate).
type ROCChart struct {
	Points []ROCPoint // from (0,0) to (1,1), in threshold order
	AUC    float64    // the area under the curve; NaN when undefined
}

// ROCPoint is one threshold of an ROC curve.
type ROCPoint struct {
	FPR, TPR float64
}

// BarChart is one bar per category, e.g. the churn rate of each status.
type BarChart struct {
	YLabel string // what the value is, e.g. "churn rate"
	Bars   []Bar
	Max    float64 // the top of the value axis; 0 fits the tallest bar
	// Percent draws values (0..1) as percentages.
	Percent bool
}

// Bar is one category of a BarChart.
type Bar struct {
	Label  string  // under the bar, e.g. "At-risk"
	Value  float64 // its height; NaN draws no bar (no samples)
	Text   string  // above the bar, e.g. "12 of 40"
	Colour string  // a reply colour (green, yellow, orange, red, grey); "" is neutral
}

// BacktestCharts are the pictures of a backtest: the score's ROC curve
// with its AUC, and the churn rate of each status with its counts.
func BacktestCharts(rep scoring.BacktestReport) []Chart {
	roc := &ROCChart{AUC: float64(rep.AUC)}
	for _, p := range rep.Histogram.ROC() {
		roc.Points = append(roc.Points, ROCPoint{FPR: p.FalsePositive, TPR: p.TruePositive})
	}
	title := "ROC of the health score, AUC " + rep.AUC.String()
	bars := &BarChart{YLabel: "churn rate within " + countNoun(rep.HorizonDays, "day"), Percent: true}
	for _, st := range rep.Statuses {
		bars.Bars = append(bars.Bars, Bar{
			Label:  string(st.Status),
			Value:  float64(st.ChurnRate),
			Text:   fmtCount(st.Churned) + " of " + fmtCount(st.Samples), // short: neighbours' labels must not meet
			Colour: scoring.StatusColour(st.Status),
		})
	}
	return []Chart{
		{Name: "backtest-roc.png", Title: title, ROC: roc,
			Alt: fmt.Sprintf("ROC curve of the health score over %d samples, %d churned: AUC %s", rep.Samples, rep.Churned, rep.AUC)},
		{Name: "backtest-churn-by-status.png", Title: "Churn rate by status", Bars: bars,
			Alt: "Churned samples of each status: " + barsAlt(bars.Bars)},
	}
}

// barsAlt lists bars in words: "Healthy 2 of 40, Stable 5 of 30".
func barsAlt(bars []Bar) string {
	var s string
	for i, b := range bars {
		if i > 0 {
			s += ", "
		}
		s += b.Label + " " + b.Text
	}
	return s
}

// fmtCount is a count with thousands separators: "271,280".
func fmtCount(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + fmtCount(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

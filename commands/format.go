package commands

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// fmtMoney renders cents in the currency's units with thousands separators,
// dropping ".00": the currency itself is the organisation's, so no symbol.
func fmtMoney(cents int64) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	whole := strconv.FormatInt(cents/100, 10)
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if frac := cents % 100; frac != 0 {
		out += fmt.Sprintf(".%02d", frac)
	}
	if neg {
		out = "-" + out
	}
	return out
}

// fmtPts renders points with one decimal, without a trailing ".0".
func fmtPts(f float64) string {
	s := strconv.FormatFloat(math.Round(f*10)/10, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0")
}

// countNoun is "1 day", "3 days".
func countNoun(n int, word string) string {
	if n == 1 || n == -1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// fmtAgo says how long before now t was, in the coarsest unit that fits.
func fmtAgo(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return countNoun(int(d/time.Minute), "minute") + " ago"
	case d < 48*time.Hour:
		return countNoun(int(d/time.Hour), "hour") + " ago"
	}
	return countNoun(int(d/(24*time.Hour)), "day") + " ago"
}

// fmtChange renders a score change: "▲3", "▼5", "±0".
func fmtChange(d int) string {
	switch {
	case d > 0:
		return fmt.Sprintf("▲%d", d)
	case d < 0:
		return fmt.Sprintf("▼%d", -d)
	}
	return "±0"
}

// scoreLabel is "72 Stable", or "no data" when the score is unknown.
func scoreLabel(r scoring.Result) string {
	if !r.Known {
		return "no data"
	}
	return fmt.Sprintf("%d %s", r.Score, r.Status)
}

// scoreSentence is "59 At-risk (capped; computed 71)" for write replies.
func scoreSentence(r scoring.Result) string {
	if !r.Known {
		return "unknown (no data yet)"
	}
	s := scoreLabel(r)
	if r.Capped() {
		s += fmt.Sprintf(" (capped; computed %d)", r.Computed)
	}
	return s
}

// resultColour is the reply colour of a result.
func resultColour(r scoring.Result) string {
	if !r.Known {
		return scoring.StatusColour(scoring.NoData)
	}
	return scoring.StatusColour(r.Status)
}

// storedDay reads a stored "YYYY-MM-DD" as midnight UTC; ok is false for a
// malformed value, which callers simply do not show.
func storedDay(s string) (time.Time, bool) {
	t, err := time.Parse(models.DayLayout, s)
	return t, err == nil
}

// dayDiff is the number of calendar days from a to b (both midnight UTC).
func dayDiff(a, b time.Time) int {
	return int(math.Round(b.Sub(a).Hours() / 24))
}

// recordedBy is the name recorded as the author of a pulse or touch.
func recordedBy(c Caller) string {
	if c.UserName != "" {
		return c.UserName
	}
	if c.UserID != "" {
		return c.UserID
	}
	return "someone"
}

// recordedByID is the caller's identity as recorded with a pulse or touch,
// "platform:user id" (e.g. "slack:U123"), or "" without a user id.
func recordedByID(c Caller) string {
	if c.UserID == "" {
		return ""
	}
	return c.Platform + ":" + c.UserID
}

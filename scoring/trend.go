package scoring

import (
	"sort"
	"time"
)

// Point is one daily snapshot of an account's score.
type Point struct {
	Day    time.Time
	Known  bool
	Score  int
	Status Status
}

// TrendResult is what an account's history says as of a day.
type TrendResult struct {
	Current      *Point // the latest snapshot on or before the as-of day; nil with no history
	Change7      *int   // score change since the latest snapshot on or before asOf-7; nil when there is none or either score is unknown
	Change30     *int   // the same over 30 days
	DaysInStatus int    // days, up to asOf included, since the current status began
	DaysCritical int    // DaysInStatus when the current status is Critical, else 0
}

// Trend reads an account's snapshots (any order; those after asOf are
// ignored). A day without a snapshot is taken to keep the status of the
// snapshot before it, so a missed rescoring does not reset the counters.
func Trend(asOf time.Time, history []Point) TrendResult {
	h := make([]Point, 0, len(history))
	for _, p := range history {
		if daysBetween(p.Day, asOf) >= 0 {
			h = append(h, p)
		}
	}
	sort.SliceStable(h, func(i, j int) bool { return h[i].Day.Before(h[j].Day) })
	var tr TrendResult
	if len(h) == 0 {
		return tr
	}
	cur := h[len(h)-1]
	tr.Current = &cur
	tr.Change7 = change(asOf, h, cur, 7)
	tr.Change30 = change(asOf, h, cur, 30)

	start := cur.Day
	for i := len(h) - 1; i >= 0 && h[i].Status == cur.Status; i-- {
		start = h[i].Day
	}
	tr.DaysInStatus = daysBetween(start, asOf) + 1
	if cur.Status == Critical {
		tr.DaysCritical = tr.DaysInStatus
	}
	return tr
}

// BeganOn counts the days in status from first, the day the current
// status began, for a caller that gave Trend only recent snapshots (all of
// that status) and knows the run's first day from elsewhere.
func (tr *TrendResult) BeganOn(asOf, first time.Time) {
	tr.DaysInStatus = daysBetween(first, asOf) + 1
	tr.DaysCritical = 0
	if tr.Current != nil && tr.Current.Status == Critical {
		tr.DaysCritical = tr.DaysInStatus
	}
}

// change is cur's score minus that of the latest snapshot on or before
// asOf-days, or nil.
func change(asOf time.Time, h []Point, cur Point, days int) *int {
	for i := len(h) - 1; i >= 0; i-- {
		if daysBetween(h[i].Day, asOf) >= days {
			if !h[i].Known || !cur.Known {
				return nil
			}
			d := cur.Score - h[i].Score
			return &d
		}
	}
	return nil
}

package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/healthbot/healthbot/scoring"
	"gorm.io/gorm"
)

// UpsertMetrics stores metric rows, idempotent by (account, name, day); a
// re-sent day with another value updates it.
func (s *Store) UpsertMetrics(ctx context.Context, rows []Metric) (Counts, error) {
	key := func(m Metric) string { return fmt.Sprintf("%d|%s|%s", m.AccountID, m.Name, m.Day) }
	return upsertRows(ctx, s, rows, upsertSpec[Metric]{
		op:        "upsert metrics",
		key:       key,
		find:      byNaturalKey(s, metricKey, key),
		same:      func(e, r Metric) bool { return e.Value == r.Value },
		accountID: func(m Metric) uint { return m.AccountID },
		conflict:  []string{"account_id", "name", "day"},
		update:    []string{"value"},
	})
}

var metricKey = naturalKey[Metric]{
	table:   "metrics",
	columns: []string{"account_id", "name", "day"},
	pgTypes: []string{"bigint", "text", "text"},
	values:  func(m Metric) []any { return []any{m.AccountID, m.Name, m.Day} },
}

// metricInput is one distinct figure the custom components read: a
// metric's aggregate over a window. Components that read the same figure
// (under different names or bands) share one.
type metricInput struct {
	metric, aggregate string
	days              int
	names             []string // the components that read it
}

// metricInputs groups the components by the figure they read, in the
// order the components come (by name).
func metricInputs(comps []scoring.NamedComponent) []metricInput {
	var out []metricInput
next:
	for _, c := range comps {
		for i := range out {
			if in := &out[i]; in.metric == c.Metric && in.aggregate == c.Aggregate && in.days == c.Days {
				in.names = append(in.names, c.Name)
				continue next
			}
		}
		out = append(out, metricInput{metric: c.Metric, aggregate: c.Aggregate, days: c.Days, names: []string{c.Name}})
	}
	return out
}

// metricSourcesSQL is the part of the sources statement that asks, per
// metric the components read, whether it has any row at all: one probe of
// metric_name_day each. It adds columns m0, m1, … and their parameters to
// args; metrics lists the names in column order. and narrows each probe
// (" AND day <= @t" as of a past day), or is empty.
func metricSourcesSQL(inputs []metricInput, args map[string]any, and string) (cols string, metrics []string) {
	var b strings.Builder
	for _, in := range inputs {
		if containsString(metrics, in.metric) {
			continue
		}
		k := "m" + strconv.Itoa(len(metrics))
		args[k] = in.metric
		fmt.Fprintf(&b, ",\n\t\tCASE WHEN EXISTS (SELECT 1 FROM metrics WHERE name = @%s) THEN 1 ELSE 0 END AS %s", k, k)
		metrics = append(metrics, in.metric)
	}
	return b.String(), metrics
}

func containsString(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// aggregateSQL is the SQL aggregate of each aggregate but latest, as a
// double on both databases (COUNT is an integer, and so is SUM over
// integers on SQLite).
var aggregateSQL = map[string]string{
	scoring.AggSum:   "SUM(value)",
	scoring.AggMean:  "AVG(value)",
	scoring.AggMax:   "MAX(value)",
	scoring.AggMin:   "MIN(value)",
	scoring.AggCount: "COUNT(*)",
}

// metricSignals fills every account's figure of every custom component
// with ONE statement, however many components and accounts: a UNION ALL
// of one grouped read per distinct figure, each a range of metric_name_day
// (name, window). Each row is (figure, account, rows in the window,
// value); an account with no row in a window gets no entry, which scores
// as 0 (silence is a signal).
func metricSignals(db *gorm.DB, w sigWindow, inputs []metricInput, m map[uint]*scoring.Signals) error {
	if len(inputs) == 0 {
		return nil
	}
	args := w.args()
	branches := make([]string, len(inputs))
	for i, in := range inputs {
		k := strconv.Itoa(i)
		args["cm"+k], args["cf"+k] = in.metric, addDays(w.t, -(in.days-1))
		where := "name = @cm" + k + " AND day >= @cf" + k + " AND day <= @t" + w.filter()
		if in.aggregate == scoring.AggLatest {
			// The latest row in the window, and how many there are.
			branches[i] = `SELECT ` + k + ` AS c, account_id, n, v FROM (
			SELECT account_id, CAST(value AS DOUBLE PRECISION) AS v, COUNT(*) OVER (PARTITION BY account_id) AS n,
				ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY day DESC) AS rn
			FROM metrics WHERE ` + where + `) latest WHERE rn = 1`
			continue
		}
		branches[i] = `SELECT ` + k + ` AS c, account_id, COUNT(*) AS n, CAST(` + aggregateSQL[in.aggregate] +
			` AS DOUBLE PRECISION) AS v FROM metrics WHERE ` + where + ` GROUP BY account_id`
	}
	for _, sig := range m {
		sig.Metrics = make(map[string]scoring.MetricSignal, len(inputs))
	}
	err := eachRow(db, strings.Join(branches, "\n\tUNION ALL\n\t"), args, func(rows rowScanner) error {
		var (
			c  int
			id uint
			n  int64
			v  float64
		)
		if err := rows.Scan(&c, &id, &n, &v); err != nil {
			return err
		}
		sig := m[id]
		if sig == nil || c < 0 || c >= len(inputs) {
			return nil
		}
		for _, name := range inputs[c].names {
			sig.Metrics[name] = scoring.MetricSignal{Value: v, Rows: int(n)}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

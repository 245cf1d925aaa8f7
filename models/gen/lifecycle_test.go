package gen

import (
	"testing"
	"time"
)

// TestLifecycle checks, on the generated rows before any database sees
// them, that accounts live and churn as lifecycle.go says: nothing after a
// churn, MRR that ends at 0, a churn rate in line with the hazards, usage
// that fades before a churn with warning, and failed or unpaid invoices
// that are mostly the churners'.
func TestLifecycle(t *testing.T) {
	p := Params{Accounts: 2000, Days: 240}.withDefaults()
	g := newGenerator(p)
	prof := make([]profile, p.Accounts)
	churned := 0
	for i := range prof {
		prof[i] = g.profile(i)
		if prof[i].churnDay >= 0 {
			churned++
		}
	}
	if rate := float64(churned) / float64(p.Accounts); rate < 0.06 || rate > 0.14 {
		t.Errorf("%.1f%% of accounts churned in %d days, want 6-14%%", 100*rate, p.Days)
	}
	churnDay := func(id any) (string, bool) {
		pr := prof[id.(int64)-1]
		return g.day(pr.churnDay), pr.churnDay >= 0
	}

	// Nothing on or after a churn day; and activity per account and day.
	perDay := make([]map[string]int, p.Accounts)
	for i := range perDay {
		perDay[i] = map[string]int{}
	}
	for _, tb := range g.tables() {
		dayCol := map[string]int{"activities": 1, "tickets": 3, "touches": 2, "pulses": 2, "surveys": 4, "invoices": 3}[tb.name]
		idCol := 0
		if tb.name == "tickets" || tb.name == "invoices" {
			idCol = 1
		}
		for row := range tb.rows {
			if tb.name == "activities" {
				perDay[row[0].(int64)-1][row[1].(string)]++
			}
			if dayCol == 0 {
				continue
			}
			on, ok := churnDay(row[idCol])
			if !ok {
				continue
			}
			if row[dayCol].(string) >= on {
				t.Fatalf("%s row %v on or after the churn day %s", tb.name, row, on)
			}
			if tb.name == "tickets" {
				end, _ := time.Parse("2006-01-02", on)
				if c, ok := row[4].(time.Time); !ok || c.After(end.Add(9*time.Hour)) {
					t.Fatalf("ticket %v of an account churned on %s closed at %v", row[0], on, row[4])
				}
			}
			if tb.name == "invoices" && row[4] != nil && row[4].(string) >= on {
				t.Fatalf("invoice %v paid on or after the churn day %s", row, on)
			}
		}
	}
	last := map[int64][]any{}
	for row := range g.mrr() {
		id := row[0].(int64)
		if l, ok := last[id]; !ok || row[1].(string) > l[1].(string) {
			last[id] = row
		}
	}
	for id, row := range last {
		on, ok := churnDay(id)
		if ok && (row[1] != on || row[2].(int64) != 0) {
			t.Errorf("account %d churned on %s: latest MRR change %v, want 0 on that day", id, on, row)
		}
	}

	// Usage fades before a churn with warning: the last 30 days against 30
	// days before the fade, over every such account fully in the history.
	var before, after int
	for i, pr := range prof {
		if !pr.warned || pr.churnDay-pr.warnDay < 60 || pr.warnDay-30 < max(pr.startDay, 0) {
			continue
		}
		for d := 0; d < 30; d++ {
			before += perDay[i][g.day(pr.warnDay-30+d)]
			after += perDay[i][g.day(pr.churnDay-30+d)]
		}
	}
	if before == 0 || float64(after) > 0.3*float64(before) {
		t.Errorf("activity rows in the last 30 days before a churn: %d against %d before the fade; want under 30%%", after, before)
	}

	// Failed or unpaid invoices: most churners with warning, few others.
	trouble := map[int64]bool{}
	for row := range g.invoices() {
		if row[5] != "paid" && row[3].(string) < g.day(p.Days-60) {
			trouble[row[1].(int64)] = true
		}
	}
	var warned, warnedTrouble, stayed, stayedTrouble int
	for i, pr := range prof {
		switch {
		case pr.warned && pr.churnDay < p.Days-60:
			warned++
			if trouble[int64(i+1)] {
				warnedTrouble++
			}
		case pr.churnDay < 0:
			stayed++
			if trouble[int64(i+1)] {
				stayedTrouble++
			}
		}
	}
	w, s := float64(warnedTrouble)/float64(warned), float64(stayedTrouble)/float64(stayed)
	t.Logf("%d of %d accounts churned; activity %d -> %d rows over a fade; failed or unpaid invoices: %.0f%% of churners with warning, %.1f%% of the others",
		churned, p.Accounts, before, after, 100*w, 100*s)
	if w < 0.5 || s > 0.05 {
		t.Errorf("failed or unpaid invoices: %.0f%% of churners with warning, %.1f%% of accounts that stay; want >= 50%% and <= 5%%", 100*w, 100*s)
	}
}

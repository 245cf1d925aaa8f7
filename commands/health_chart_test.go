package commands_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// hooliID is an account that churned on T-10 after sliding for months.
const hooliID = 9

// loadChurned adds Hooli: scored daily from T-120 to T-11 (88 down to
// 24, with T-50..T-48 missing), churned on T-10, with pulses, touches
// and alerts on the way, one alert muted, and a last snapshot with its
// sub-scores and raw figures.
func loadChurned(t *testing.T, s *models.Store) {
	t.Helper()
	insert(t, s, &models.Account{ID: hooliID, ExternalID: "A-9", Name: "Hooli", Slug: "hooli", MRRCents: 310000, Owner: "maria",
		ChurnedOn: ptrTo(fixtureDay(10))})
	var snaps []models.Snapshot
	for n := 120; n >= 11; n-- {
		if n >= 48 && n <= 50 {
			continue
		}
		score := 24 + (n-11)*64/109
		sn := models.Snapshot{AccountID: hooliID, Day: fixtureDay(n), Known: true, Score: score, Computed: score,
			Status: string(scoring.StatusOf(score)), Subscores: "{}"}
		if n == 11 {
			sn.Score, sn.Computed, sn.Status = 24, 24, string(scoring.Critical)
			sn.Subscores = `{"adoption":20,"engagement":33,"payment":0,"support":25,"usage":33}`
			sn.Details = `{"raw":{"usage":"DAU 0.4 / MAU 9 = 0.04","payment":"1 failed invoice"},"overrides":["red pulse: budget"]}`
		}
		snaps = append(snaps, sn)
	}
	insert(t, s, &snaps)
	insert(t, s, &[]models.Pulse{
		{AccountID: hooliID, At: fixtureAt(95), Day: fixtureDay(95), Colour: "green", By: "Maria"},
		{AccountID: hooliID, At: fixtureAt(60), Day: fixtureDay(60), Colour: "yellow", By: "Maria", Note: "usage dipping"},
		{AccountID: hooliID, At: fixtureAt(25), Day: fixtureDay(25), Colour: "red", Reason: "budget", By: "Maria", Note: "CFO froze spend"},
	})
	insert(t, s, &[]models.Touch{
		{AccountID: hooliID, At: fixtureAt(150), Day: fixtureDay(150), Kind: "qbr", By: "Maria"}, // before the chart's 90 days
		{AccountID: hooliID, At: fixtureAt(90), Day: fixtureDay(90), Kind: "call", By: "Maria"},
		{AccountID: hooliID, At: fixtureAt(40), Day: fixtureDay(40), Kind: "email", By: "Maria"},
	})
	insert(t, s, &[]models.AlertRecord{
		{DedupeKey: "9/below_60/1", AccountID: hooliID, Rule: scoring.AlertBelow60, Arming: 1, Day: fixtureDay(64), FromScore: 60, ToScore: 59},
		{DedupeKey: "9/pulse_red/1", AccountID: hooliID, Rule: scoring.AlertPulseRed, Arming: 1, Day: fixtureDay(25), FromScore: 40, ToScore: 37},
		{DedupeKey: "9/below_40/1", AccountID: hooliID, Rule: scoring.AlertBelow40, Arming: 1, Day: fixtureDay(30), FromScore: 41, ToScore: 39, Muted: true},
	})
}

// TestHealthChart: /health ACCOUNT chart carries the account's 90 days
// as chart data (drawn by the adapters), with what is marked on them and
// a sentence that says what the picture shows.
func TestHealthChart(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		loadChurned(t, s)
		svc, _ := newTestService(s)

		r := runLine(t, svc, callerMaria, "/health globex chart")
		if r.Ephemeral || len(r.Charts) != 1 || r.Charts[0].Trend == nil {
			t.Fatalf("reply %+v", r)
		}
		c := r.Charts[0]
		tr := c.Trend
		if c.Name != "globex-2025-03-14.png" || c.Title != "Globex — score over 90 days" || r.Title != c.Title || r.Colour != "orange" {
			t.Errorf("name %q, title %q / %q, colour %q", c.Name, c.Title, r.Title, r.Colour)
		}
		if !tr.From.Equal(day(89)) || !tr.To.Equal(day(0)) || tr.Bands != scoring.Default().Status || tr.ChurnedOn != nil {
			t.Errorf("span %s..%s, bands %+v, churned %v", tr.From, tr.To, tr.Bands, tr.ChurnedOn)
		}
		want := []commands.ScorePoint{{Day: day(30), Score: 80}, {Day: day(7), Score: 70}, {Day: day(3), Score: 59}}
		if !slices.Equal(tr.Scores, want) {
			t.Errorf("scores %+v", tr.Scores)
		}
		if len(tr.Touches) != 1 || tr.Touches[0] != (commands.Mark{Day: day(20), Kind: "meeting"}) || len(tr.Pulses)+len(tr.Alerts) != 0 {
			t.Errorf("marks %+v %+v %+v", tr.Pulses, tr.Touches, tr.Alerts)
		}
		if c.Alt != "Score 80 on Feb 12, 59 on Mar 11 (▼21); lowest 59 on Mar 11, highest 80 on Feb 12. Marked: 1 touch." || r.Text != c.Alt {
			t.Errorf("alt %q, text %q", c.Alt, r.Text)
		}

		// A churned account's chart: its last 90 days up to the churn,
		// muted alerts and events before the span left out.
		r = runLine(t, svc, callerMaria, "/health hooli chart")
		c = r.Charts[0]
		tr = c.Trend
		if c.Title != "Hooli — its last 90 days, churned 2025-03-04" || tr.ChurnedOn == nil || !tr.ChurnedOn.Equal(day(10)) || !tr.To.Equal(day(10)) || !tr.From.Equal(day(99)) {
			t.Errorf("churned chart %q %s..%s", c.Title, tr.From, tr.To)
		}
		if n := len(tr.Scores); n != 86 || tr.Scores[0].Day != day(99) || tr.Scores[n-1] != (commands.ScorePoint{Day: day(11), Score: 24}) {
			t.Errorf("%d scores, %+v … %+v", n, tr.Scores[0], tr.Scores[n-1])
		}
		if got := fmt.Sprint(tr.Pulses, tr.Touches, tr.Alerts); got != fmt.Sprint(
			[]commands.Mark{{Day: day(95), Kind: "green"}, {Day: day(60), Kind: "yellow"}, {Day: day(25), Kind: "red"}},
			[]commands.Mark{{Day: day(90), Kind: "call"}, {Day: day(40), Kind: "email"}},
			[]commands.Mark{{Day: day(64), Kind: scoring.AlertBelow60}, {Day: day(25), Kind: scoring.AlertPulseRed}},
		) {
			t.Errorf("marks %s", got)
		}
		if !strings.HasSuffix(c.Alt, "Marked: 3 pulses (1 red, 1 yellow, 1 green), 2 touches and 2 alerts. Churned on 2025-03-04.") {
			t.Errorf("alt %q", c.Alt)
		}

		// Bad names are answered as for the card, with no picture.
		r = runLine(t, svc, callerMaria, "/health acem chart")
		if !strings.Contains(r.Text, "Did you mean: Acme Corp?") || len(r.Charts) != 0 || !r.Ephemeral {
			t.Errorf("unknown account: %+v", r)
		}
	})
}

// TestChurnedCard: a churned account's card is frozen at its final
// score, with its churn date and its last 90 days, offers its chart and
// no pulse or touch buttons, and never scores it again.
func TestChurnedCard(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		loadChurned(t, s)
		svc, _ := newTestService(s)
		r := runLine(t, svc, callerMaria, "/health hooli")
		checkGolden(t, "card_churned", r)
		if r.Title != "Hooli — churned 2025-03-04 · final score 24 Critical" || !r.Ephemeral || len(r.Charts) != 0 {
			t.Errorf("title %q, ephemeral %v", r.Title, r.Ephemeral)
		}
		if len(r.Buttons) != 1 || r.Buttons[0].Action != "/health hooli chart" {
			t.Errorf("buttons %+v", r.Buttons)
		}
		if n := countRows(t, s, &models.Snapshot{}, "account_id = ? AND day >= ?", hooliID, fixtureDay(10)); n != 0 {
			t.Errorf("the churned account was scored again: %d snapshots", n)
		}
		// Like a live card: private unless asked for in public, and no
		// MRR for a viewer (once roles are in use, a user with none).
		if pub := runLine(t, svc, callerMaria, "/health hooli public"); pub.Ephemeral || !strings.Contains(strings.Join(pub.Context, " "), "MRR at churn: 3,100") || len(pub.Buttons) != 1 {
			t.Errorf("public churned card: ephemeral %v, %q, buttons %+v", pub.Ephemeral, pub.Context, pub.Buttons)
		}
		commandstest.RolesInUse(t, s)
		viewer := commands.Caller{Platform: commands.Slack, UserID: "U0VIEW", UserName: "vic"}
		for _, line := range []string{"/health hooli", "/health hooli public"} {
			v := runLine(t, svc, viewer, line)
			if v.Title != r.Title || strings.Contains(strings.Join(v.Context, " "), "MRR") || len(v.Buttons) != 1 {
				t.Errorf("%s by a viewer: %q %q buttons %+v", line, v.Title, v.Context, v.Buttons)
			}
		}
		// The button draws its chart.
		p, err := commands.RunPress(t.Context(), svc, callerMaria, commands.Press{Action: r.Buttons[0].Action})
		if err != nil || len(p.Reply.Charts) != 1 || p.Reply.Charts[0].Trend.ChurnedOn == nil {
			t.Errorf("chart button: %+v, %v", p.Reply, err)
		}
		// Churned without any score in its last 90 days.
		r = runLine(t, svc, callerMaria, "/health acme old")
		if r.Title != "Acme Old — churned 2025-02-12" || !strings.Contains(r.Text, "No score was recorded in its last 90 days.") {
			t.Errorf("no history: %q / %q", r.Title, r.Text)
		}
	})
}

// day is T-n as midnight UTC.
func day(n int) time.Time {
	d, _ := time.Parse(models.DayLayout, fixtureDay(n))
	return d
}

package commandstest

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/demo"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// Below60Input is a consistent below_60 alert for Acme Corp on platform:
// 72 Stable → 52 At-risk, with the previous snapshot's sub-scores and raw
// figures, the owner mapped to a Slack and a Discord user.
func Below60Input(platform string) commands.AlertInput {
	renewal := "2025-06-30"
	part := func(c string, sub int, w float64, raw string) scoring.Part {
		return scoring.Part{Component: c, HasData: true, Sub: sub, Weight: w, Raw: raw}
	}
	return commands.AlertInput{
		Alert:   models.AlertRecord{ID: 41, DedupeKey: "7/below_60/1", AccountID: 7, Rule: scoring.AlertBelow60, Arming: 1, FromScore: 72, ToScore: 52},
		Account: models.Account{ID: 7, Name: "Acme Corp", Slug: "acme", Owner: "maria", MRRCents: 420000, RenewalOn: &renewal},
		// Sub-scores are band scores of the default model, and each score is
		// the weighted sum of its sub-scores: 72.15 before, 51.95 now.
		Result: scoring.Result{AccountID: 7, Known: true, Score: 52, Computed: 52, Status: scoring.AtRisk, Parts: []scoring.Part{
			part(scoring.Usage, 33, 30, "DAU 0.4 / MAU 10 = 0.04"),
			part(scoring.Adoption, 80, 25, "4 of 5 value features (0.80)"),
			part(scoring.Support, 25, 20, "3 tickets: 0 positive, 1 neutral, 2 negative (mean -0.67)"),
			part(scoring.Engagement, 67, 15, "last touch 21 days ago, 2 in 90 days"),
			part(scoring.Payment, 70, 10, "1 invoice paid late in 180 days"),
		}},
		Previous: &models.Snapshot{AccountID: 7, Day: "2025-03-02", Known: true, Score: 72, Computed: 72, Status: "Stable",
			Subscores: `{"usage":67,"adoption":80,"support":75,"engagement":67,"payment":70}`,
			Details: `{"raw":{"usage":"DAU 3.1 / MAU 10 = 0.31","adoption":"4 of 5 value features (0.80)",` +
				`"support":"3 tickets: 1 positive, 1 neutral, 1 negative (mean 0.00)","engagement":"last touch 20 days ago, 2 in 90 days",` +
				`"payment":"1 invoice paid late in 180 days"}}`},
		Owner:    models.CSM{Handle: "maria", SlackUserID: "U024BE7LH", DiscordUserID: "80351110224678912"},
		Platform: platform,
		Config:   scoring.Default(),
	}
}

// Below60Alert is the below_60 alert as commands.AlertMessage builds it
// from Below60Input for platform.
func Below60Alert(platform string) commands.Reply {
	return commands.AlertMessage(Below60Input(platform))
}

// DemoSummary is the weekly summary the real commands.Service builds over
// the demo portfolio on 2025-03-10, scored on each of the eight weekly
// days it charts.
func DemoSummary(t testing.TB) commands.Reply {
	t.Helper()
	today := time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)
	s := modelstest.MustOpenSQLite(t)
	ctx := context.Background()
	if _, err := demo.Load(ctx, s, today); err != nil {
		t.Fatal(err)
	}
	svc := &commands.Service{Store: s, Config: scoring.Default(), Now: func() time.Time { return today }, Log: slog.New(slog.DiscardHandler)}
	for i := 7; i >= 0; i-- {
		if _, err := svc.Rescore(ctx, today.AddDate(0, 0, -7*i)); err != nil {
			t.Fatal(err)
		}
	}
	res, err := svc.WeeklySummary(ctx, today)
	if err != nil {
		t.Fatal(err)
	}
	return res.Reply
}

// LongSummary is summary r with its at-risk list grown to n accounts, as
// in a large portfolio, to prove an adapter cuts it within its limits.
func LongSummary(r commands.Reply, n int) commands.Reply {
	r.Sections = append([]commands.Section(nil), r.Sections...)
	for i, s := range r.Sections {
		if strings.HasPrefix(s.Title, "At-risk") {
			var fields []commands.Field
			for k := range n {
				f := s.Fields[k%len(s.Fields)]
				fields = append(fields, commands.Field{Label: fmt.Sprintf("%s %d", f.Label, k), Value: f.Value})
			}
			r.Sections[i].Fields = fields
		}
	}
	return r
}

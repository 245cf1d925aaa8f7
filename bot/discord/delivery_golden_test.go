package discord_test

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/discord"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/demo"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// below60Alert is the below_60 alert as commands.AlertMessage builds it
// for platform (the input of commands' own alert golden), the owner
// mapped to a user on that platform.
func below60Alert(platform string) commands.Reply {
	renewal := "2025-06-30"
	part := func(c string, sub int, w float64, raw string) scoring.Part {
		return scoring.Part{Component: c, HasData: true, Sub: sub, Weight: w, Raw: raw}
	}
	return commands.AlertMessage(commands.AlertInput{
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
	})
}

// demoSummary is the weekly summary the real commands.Service builds over
// the demo portfolio, scored on each of the eight weekly days it charts.
func demoSummary(t *testing.T) commands.Reply {
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

// longSummary is the demo summary with its at-risk list grown to 400
// accounts, as in a large portfolio.
func longSummary(r commands.Reply) commands.Reply {
	r.Sections = append([]commands.Section(nil), r.Sections...)
	for i, s := range r.Sections {
		if strings.HasPrefix(s.Title, "At-risk") {
			var fields []commands.Field
			for n := range 400 {
				f := s.Fields[n%len(s.Fields)]
				fields = append(fields, commands.Field{Label: fmt.Sprintf("%s %d", f.Label, n), Value: f.Value})
			}
			r.Sections[i].Fields = fields
		}
	}
	return r
}

// TestDeliveryGoldens renders the below_60 alert and the weekly summary
// as Discord embeds within Discord's limits, the owner pinged from the
// content (an embed draws no mention); a summary with 400 at-risk
// accounts keeps every section, its list cut with "…and N more".
func TestDeliveryGoldens(t *testing.T) {
	alert := discord.Render(below60Alert("discord"))
	if err := discord.Validate(alert); err != nil {
		t.Fatalf("alert over Discord's limits: %v", err)
	}
	golden(t, "alert-below-60.golden.json", messageJSON(t, alert))
	if alert.Content != "Owner: <@80351110224678912>" || alert.AllowedMentions == nil || fmt.Sprint(alert.AllowedMentions.Users) != "[80351110224678912]" {
		t.Errorf("owner content %q, allowed mentions %+v", alert.Content, alert.AllowedMentions)
	}
	if f := alert.Embeds[0].Footer; f == nil || strings.Contains(f.Text, "<@") || !strings.Contains(f.Text, "7/below_60/1") {
		t.Errorf("footer %+v", f)
	}

	summary := demoSummary(t)
	m := discord.Render(summary)
	if err := discord.Validate(m); err != nil {
		t.Fatalf("summary over Discord's limits: %v", err)
	}
	golden(t, "weekly-summary.golden.json", messageJSON(t, m))

	long := discord.Render(longSummary(summary))
	if err := discord.Validate(long); err != nil {
		t.Fatalf("long summary over Discord's limits: %v", err)
	}
	names := map[string]string{}
	for _, f := range long.Embeds[0].Fields {
		names[f.Name] = f.Value
	}
	for _, sec := range summary.Sections {
		if _, ok := names[sec.Title]; !ok {
			t.Errorf("long summary lost section %q", sec.Title)
		}
	}
	if v := names["At-risk accounts"]; !regexp.MustCompile(`\n…and \d+ more$`).MatchString(v) {
		t.Errorf("at-risk list not cut with …and N more: …%s", v[max(0, len(v)-40):])
	}
}

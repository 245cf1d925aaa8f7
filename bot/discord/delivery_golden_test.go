package discord_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/bot/discord"
	"github.com/healthbot/healthbot/commands/commandstest"
)

// TestDeliveryGoldens renders the below_60 alert and the weekly summary
// as Discord embeds within Discord's limits, the owner pinged from the
// content (an embed draws no mention); a summary with 400 at-risk
// accounts keeps every section, its list cut with "…and N more".
func TestDeliveryGoldens(t *testing.T) {
	alert := discord.Render(commandstest.Below60Alert("discord"))
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

	summary := commandstest.DemoSummary(t)
	m := discord.Render(summary)
	if err := discord.Validate(m); err != nil {
		t.Fatalf("summary over Discord's limits: %v", err)
	}
	golden(t, "weekly-summary.golden.json", messageJSON(t, m))

	long := discord.Render(commandstest.LongSummary(summary, 400))
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

package commands_test

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// TestPlatformNames: the layers below commands, which cannot import it,
// spell the platforms the same way.
func TestPlatformNames(t *testing.T) {
	if !slices.Equal(commands.Platforms, scoring.Platforms) {
		t.Errorf("commands.Platforms %q, scoring.Platforms %q", commands.Platforms, scoring.Platforms)
	}
	for _, p := range commands.Platforms {
		_, byID := models.ChatColumn(p)
		if byID != (p != commands.Console) {
			t.Errorf("models.ChatColumn(%q) says %v", p, byID)
		}
		if !commands.IsPlatform(p) {
			t.Errorf("IsPlatform(%q) = false", p)
		}
	}
	if commands.IsPlatform("Slack") || commands.IsPlatform("teams") {
		t.Error("IsPlatform accepts what is not stored")
	}
}

func TestSpans(t *testing.T) {
	type span struct {
		text, id string
		channel  bool
	}
	for _, tc := range []struct {
		in   string
		want []span
	}{
		{"Owner: <@U024BE7LH>", []span{{text: "Owner: "}, {text: "<@U024BE7LH>", id: "U024BE7LH"}}},
		{"<#C1> to <@!123456>.", []span{{text: "<#C1>", id: "C1", channel: true}, {text: " to "}, {text: "<@!123456>", id: "123456"}, {text: "."}}},
		{"<@U1|maria> <@ x> <@> <@U1", []span{{text: "<@U1|maria> <@ x> <@> <@U1"}}},
		{"<<@U1>>", []span{{text: "<"}, {text: "<@U1>", id: "U1"}, {text: ">"}}},
		{"", nil},
	} {
		var got []span
		for _, sp := range commands.Spans(tc.in) {
			s := span{text: sp.Text}
			if m := sp.Mention; m != nil {
				s.id, s.channel = m.ID, m.Channel
			}
			got = append(got, s)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Spans(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
	if got := (commands.Mention{ID: "U1"}).String() + (commands.Mention{Channel: true, ID: "C1"}).String(); got != "<@U1><#C1>" {
		t.Errorf("mentions written as %q", got)
	}
}

// TestSpansFindWhatAdaptersMention: the mentions Slack and Discord render
// are exactly what the patterns they used to search text with matched
// (Slack <@U…>/<@W…>; Discord <@id>/<@!id>), on random text made of the
// characters that matter.
func TestSpansFindWhatAdaptersMention(t *testing.T) {
	patterns := map[string]*regexp.Regexp{
		commands.Slack:   regexp.MustCompile(`<@[UW][A-Z0-9]{2,}>`),
		commands.Discord: regexp.MustCompile(`<@!?[0-9]{5,25}>`),
	}
	pieces := []string{"<@", "<@!", "<#", "<", ">", ">", "U", "W", "U0A", "WZ9", "C", "12345", "0", "9", "A", "Z", "a", "|", " ", "é"}
	rng := rand.New(rand.NewPCG(1, 2))
	found := map[string]int{}
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		for platform, re := range patterns {
			want := re.FindAllString(s, -1)
			var got []string
			var joined strings.Builder
			for _, sp := range commands.Spans(s) {
				joined.WriteString(sp.Text)
				if sp.Mention != nil && sp.Mention.UserOn(platform) {
					got = append(got, sp.Text)
				}
			}
			if !slices.Equal(got, want) || joined.String() != s {
				t.Fatalf("%s mentions in %q: %q, want %q", platform, s, got, want)
			}
			found[platform] += len(got)
		}
	}
	if found[commands.Slack] < 20 || found[commands.Discord] < 20 {
		t.Errorf("the random texts held too few mentions to prove anything: %v", found)
	}
}

package slack_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	slackbot "github.com/healthbot/healthbot/bot/slack"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

const homeOpened = `{"type":"event_callback","team_id":"%s","event_id":"%s","event":{"type":"app_home_opened","user":"%s","channel":"D0001","tab":"%s","event_ts":"1741944600.000100"}}`

// TestAppHome: opening healthbot's Home tab publishes the user's day
// (views.publish) as the real service builds it, a valid home view
// within Block Kit's limits; a button pressed on the tab runs and
// publishes the tab again, led by what it did.
func TestAppHome(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		svc := commandstest.SeedDay(t, s, clock)
		h := newHarness(t, svc)

		h.event(fmt.Sprintf(homeOpened, team, "EvMessagesTab", commandstest.MariaSlack, "messages"), nil)
		h.event(fmt.Sprintf(homeOpened, team, "EvHome", commandstest.MariaSlack, "home"), nil)
		pub := h.api.next(t, "views.publish")
		if n := h.api.count("views.publish"); n != 1 {
			t.Errorf("%d views published, want 1 (the messages tab publishes none)", n)
		}
		if got := str(pub.JSON, "user_id"); got != commandstest.MariaSlack {
			t.Errorf("published for %q", got)
		}
		view := pub.JSON["view"].(map[string]any)
		if view["type"] != "home" {
			t.Errorf("view type %v, want home", view["type"])
		}
		raw, _ := json.Marshal(view["blocks"])
		checkLimits(t, raw, slackbot.MaxModalBlocks)
		golden(t, "app_home.golden.json", indentJSON(t, view["blocks"]))
		for _, want := range []string{"Your day — Fri 14 Mar 2025 (Maria)", "#1 Save plan for Paper Street Soap", `"/health tasks done 1"`, "Renewals in the next 90 days", "Pulses to refresh"} {
			if !strings.Contains(string(raw), want) {
				t.Errorf("home view lacks %s", want)
			}
		}

		// Done, pressed on the tab.
		h.interaction(homePress(t, "hb:0", "/health tasks done 1"))
		pub = h.api.next(t, "views.publish")
		blocks := pub.JSON["view"].(map[string]any)["blocks"].([]any)
		if got := str(blocks, 0, "elements", 0, "text"); !strings.Contains(got, "Closed task 1 (Save plan for Paper Street Soap).") {
			t.Errorf("the republished tab does not lead with the answer: %q", got)
		}
		if raw, _ := json.Marshal(blocks); strings.Contains(string(raw), "#1 Save plan") {
			t.Error("the closed task is still on the tab")
		}
		var task models.Task
		if err := s.DB().Where("id = 1").Take(&task).Error; err != nil || task.Open() || task.ClosedBy != "maria" {
			t.Errorf("task 1 after Done on the tab: %+v %v", task, err)
		}

		// Reassign asks who with a modal opened from the tab.
		h.interaction(homePress(t, "hb:2", "/health tasks reassign 2"))
		open := h.api.next(t, "views.open")
		if meta := str(open.JSON, "view", "private_metadata"); !strings.Contains(meta, `"o":true`) {
			t.Errorf("the form does not know it came from the tab: %s", meta)
		}
	})
}

// homePress is a block_actions payload for a button on the Home tab.
func homePress(t *testing.T, actionID, value string) string {
	t.Helper()
	p := map[string]any{
		"type": "block_actions", "token": "x", "api_app_id": "A0001",
		"team":       map[string]any{"id": team, "domain": "acme"},
		"user":       map[string]any{"id": commandstest.MariaSlack, "username": "maria", "name": "maria", "team_id": team},
		"container":  map[string]any{"type": "view", "view_id": "V0001"},
		"view":       map[string]any{"id": "V0001", "type": "home", "team_id": team},
		"trigger_id": "TRIG-home",
		"actions": []any{map[string]any{
			"type": "button", "action_id": actionID, "block_id": "b1", "value": value, "action_ts": "1741944001.000100",
			"text": map[string]any{"type": "plain_text", "text": "Done"},
		}},
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestHomeViewWithinLimits: a day far longer than a view holds keeps to
// 100 blocks and Slack's text limits, saying what it left out.
func TestHomeViewWithinLimits(t *testing.T) {
	var r commands.Reply
	r.Title = "Your day — " + strings.Repeat("a very long name ", 20)
	r.Text = strings.Repeat("x", 5000)
	for i := range 200 {
		r.Sections = append(r.Sections, commands.Section{Title: fmt.Sprintf("#%d task", i), Text: strings.Repeat("line\n", 1000),
			Buttons: []commands.Button{{Label: "Done", Action: fmt.Sprintf("/health tasks done %d", i)}}})
	}
	view := slackbot.HomeView(r, "Closed task 3.")
	raw, _ := json.Marshal(view.Blocks.BlockSet)
	checkLimits(t, raw, slackbot.MaxModalBlocks)
	if n := len(view.Blocks.BlockSet); n != slackbot.MaxModalBlocks {
		t.Errorf("%d blocks, want the view's %d", n, slackbot.MaxModalBlocks)
	}
	if s := string(raw); !strings.Contains(s, "more blocks not shown") || !strings.Contains(s, "…and ") {
		t.Error("what was left out is not said")
	}
}

package slack_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	slackbot "github.com/healthbot/healthbot/bot/slack"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// TestEndToEndWithRealService drives the real commands.Service on a real
// database (SQLite, and PostgreSQL when HEALTHBOT_TEST_POSTGRES_URL is
// set) through the signed HTTP handlers: refused requests change nothing,
// a typed pulse, a button click and a modal submission each record one
// pulse, a repeated click records none, and the real cards render within
// Slack's limits.
func TestEndToEndWithRealService(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		seed(t, s)
		svc := &commands.Service{Store: s, Config: scoring.Default(), Now: func() time.Time { return clock }, Log: slog.New(slog.DiscardHandler)}
		h := newHarness(t, svc)
		h.a.EventStore = s
		pulses := func() int64 {
			var n int64
			if err := s.DB().Model(&models.Pulse{}).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}

		// The real cards, rendered: golden and within limits.
		for slug, name := range map[string]string{"acme": "real_card.golden.json", "initech": "real_critical.golden.json"} {
			w := h.command("/health", slug)
			body := decode(t, w.Body.Bytes())
			raw, _ := json.Marshal(body["blocks"])
			checkLimits(t, raw, slackbot.MaxMessageBlocks)
			golden(t, name, indentJSON(t, body["blocks"]))
		}

		// Refused requests: bad signatures and a foreign workspace.
		for name, f := range refusedRequests() {
			if w := h.do(f("/slack/commands", commandBody(team, "/pulse", "acme green"))); w.Code != http.StatusUnauthorized {
				t.Errorf("%s: %d", name, w.Code)
			}
		}
		mention := `{"type":"event_callback","team_id":"%s","event_id":"%s","event":{"type":"app_mention","user":"U0001","text":"<@UBOT> acme","channel":"C1","ts":"1.2"}}`
		for name, f := range refusedRequests() {
			if w := h.do(f("/slack/events", []byte(fmt.Sprintf(mention, team, "EvBad")))); w.Code != http.StatusUnauthorized {
				t.Errorf("event, %s: %d", name, w.Code)
			}
		}
		h.do(signed("/slack/commands", "application/x-www-form-urlencoded", commandBody("T9999", "/pulse", "acme green"), clock))
		h.interaction(strings.ReplaceAll(click(h, "hb:2", "/pulse acme green", "U0001", "e2e-foreign"), team, "T9999"))
		h.api.next(t, "response_url") // the refusal
		h.event(fmt.Sprintf(mention, "T9999", "EvForeign"), nil)
		if n := pulses(); n != 0 {
			t.Fatalf("%d pulses recorded by refused requests", n)
		}
		// The served /health commands above are remembered (as replay
		// digests, under their own platform); refused requests add nothing.
		events := func(platform string) int64 {
			var n int64
			if err := s.DB().Model(&models.ProcessedEvent{}).Where("platform = ?", platform).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n, m := events("slack"), events("slack-request"); n != 0 || m != 2 {
			t.Fatalf("%d event ids and %d request digests recorded, want 0 and the 2 served commands'", n, m)
		}
		// The same event from the served workspace is recorded: the count
		// above would have seen a refused one.
		h.event(fmt.Sprintf(mention, team, "EvGood"), nil)
		h.api.next(t, "chat.postEphemeral") // a card shows MRR: to the asker alone
		if n := events("slack"); n != 1 {
			t.Fatalf("%d processed_events rows after one served event, want 1", n)
		}

		// A typed pulse.
		body := decode(t, h.command("/pulse", "acme green").Body.Bytes())
		if !strings.Contains(str(body, "text"), "Recorded a green pulse for Acme Corp") || pulses() != 1 {
			t.Fatalf("typed pulse answered %v; %d pulses", body["text"], pulses())
		}

		// A yellow click by another CSM, then the same click again.
		payload := click(h, "hb:1", "/pulse acme yellow", "U0002", "e2e-yellow")
		h.interaction(payload)
		got := h.api.next(t, "response_url")
		if str(got.JSON, "replace_original") != "true" || !strings.Contains(str(got.JSON, "blocks", 0, "text", "text"), "Acme Corp") {
			t.Errorf("click did not update the card in place: %v", got.JSON)
		}
		h.interaction(payload)
		if n := pulses(); n != 2 {
			t.Errorf("%d pulses after a click and its repeat, want 2", n)
		}

		// Red without a reason: the modal, then its submission.
		h.interaction(click(h, "hb:0", "/pulse acme red", "U0002", "e2e-red"))
		open := h.api.next(t, "views.open")
		view := open.JSON["view"].(map[string]any)
		reason := str(view, "blocks", 1, "element", "options", 0, "value")
		h.interaction(submission(t, view, map[string]any{
			"reason": map[string]any{"reason": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": reason}}},
			"note":   map[string]any{"note": map[string]any{"type": "plain_text_input", "value": "CFO wants a discount"}},
		}))
		got = h.api.next(t, "response_url")
		var p models.Pulse
		if err := s.DB().Order("id desc").First(&p).Error; err != nil {
			t.Fatal(err)
		}
		if pulses() != 3 || p.Colour != "red" || p.Reason != reason || p.Note != "CFO wants a discount" {
			t.Errorf("after the modal: %d pulses, last %+v", pulses(), p)
		}
		if !strings.Contains(str(got.JSON, "blocks", 1, "text", "text"), "red pulse") {
			t.Errorf("modal result: %v", str(got.JSON, "blocks", 1, "text", "text"))
		}
	})
}

// seed loads one scored account owned by the caller of the tests (U0001)
// and one with no data.
func seed(t *testing.T, s *models.Store) {
	t.Helper()
	day := func(n int) string { return clock.AddDate(0, 0, -n).Format(models.DayLayout) }
	create := func(v any) {
		if err := s.DB().Create(v).Error; err != nil {
			t.Fatalf("seed %T: %v", v, err)
		}
	}
	create(&models.CSM{Handle: "maria", Name: "Maria", SlackUserID: "U0001"})
	create(&[]models.Account{
		{ExternalID: "A-1", Name: "Acme Corp", Slug: "acme", Plan: "enterprise", MRRCents: 1250000, Seats: 10, Owner: "maria", SponsorStatus: "active"},
		{ExternalID: "A-2", Name: "Initech", Slug: "initech", MRRCents: 90000, Owner: "maria"},
	})
	var acc models.Account
	if err := s.DB().Where("slug = ?", "acme").First(&acc).Error; err != nil {
		t.Fatal(err)
	}
	var acts []models.Activity
	for d := range 30 {
		for u := range 6 {
			acts = append(acts, models.Activity{AccountID: acc.ID, Day: day(d), UserID: fmt.Sprintf("u%d", u), Feature: []string{"reports", "dashboards", "alerts"}[u%3]})
		}
	}
	create(&acts)
	create(&models.Touch{AccountID: acc.ID, At: clock.AddDate(0, 0, -4), Day: day(4), Kind: "call", Exec: true, By: "Maria"})
}

package slack_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
)

func TestHealthCommandAnsweredInline(t *testing.T) {
	exec := newFakeExec()
	exec.replies["/health acme"] = healthyCard(t)
	h := newHarness(t, exec)

	w := h.command("/health", "acme")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	body := decode(t, w.Body.Bytes())
	if got := str(body, "response_type"); got != "ephemeral" {
		t.Errorf("response_type = %q, want ephemeral", got)
	}
	if got := str(body, "blocks", 0, "text", "text"); !strings.Contains(got, "Acme Corp — 92 Healthy") {
		t.Errorf("header = %q", got)
	}
	if got := str(body, "blocks", 5, "elements", 2, "value"); got != "/pulse acme green" {
		t.Errorf("pulse green button value = %q", got)
	}
	want := execCall{Caller: commands.Caller{Platform: "slack", TeamID: team, UserID: "U0001", UserName: "maria", ChannelID: "C0001"}, Line: "/health acme"}
	if got := exec.calls(); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("executor calls = %+v, want [%+v]", got, want)
	}
}

func TestPulseCommandPostsInChannel(t *testing.T) {
	exec := newFakeExec()
	exec.replies["/pulse acme green"] = commands.Reply{Colour: "green", Text: "Recorded a green pulse for Acme Corp by maria. Score now 84 Healthy."}
	h := newHarness(t, exec)
	body := decode(t, h.command("/pulse", "acme green").Body.Bytes())
	if str(body, "response_type") != "in_channel" || !strings.Contains(str(body, "text"), "Recorded a green pulse") {
		t.Errorf("answer = %v", body)
	}
}

// TestTouchCommandModal: /touch opens the touch modal with the command's
// trigger id; submitting it runs the touch through FormCommand and posts
// the result to the command's response_url.
func TestTouchCommandModal(t *testing.T) {
	exec := newFakeExec()
	exec.replies["/touch acme"] = touchForm()
	h := newHarness(t, exec)

	w := h.commandWithURL("/touch", "acme", "cmd-touch")
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Fatalf("answer %d %q, want an empty 200 (the modal is the answer)", w.Code, w.Body)
	}
	open := h.api.next(t, "views.open")
	if got := str(open.JSON, "trigger_id"); got != "13345224609.738474920.8088930838d88f008e0" {
		t.Errorf("views.open trigger_id = %q", got)
	}
	view := open.JSON["view"].(map[string]any)
	for path, want := range map[string]string{
		"callback_id":                      "hb:form",
		"blocks/1/element/type":            "static_select",
		"blocks/2/element/type":            "checkboxes",
		"blocks/3/element/multiline":       "true",
		"blocks/1/element/options/4/value": "qbr",
	} {
		if got := str(view, splitPath(path)...); got != want {
			t.Errorf("view %s = %q, want %q", path, got, want)
		}
	}

	w = h.interaction(submission(t, view, map[string]any{
		"kind": map[string]any{"kind": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "call", "text": map[string]any{"type": "plain_text", "text": "Call"}}}},
		"exec": map[string]any{"exec": map[string]any{"type": "checkboxes", "selected_options": []any{map[string]any{"value": "true"}}}},
		"note": map[string]any{"note": map[string]any{"type": "plain_text_input", "value": "renewal talk"}},
	}))
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Fatalf("submission answer %d %q, want an empty 200 (closes the modal)", w.Code, w.Body)
	}
	got := h.api.next(t, "response_url")
	if !strings.Contains(str(got.JSON, "text"), "executed touch acme") || str(got.JSON, "replace_original") != "false" {
		t.Errorf("response_url got %v", got.JSON)
	}
	calls := exec.calls()
	wantCmd := commands.Command{Verb: commands.VerbTouch, Account: "acme", Kind: "call", Exec: true, Note: "renewal talk"}
	if len(calls) != 2 || calls[1].Cmd != wantCmd || calls[1].Caller.UserID != "U0002" {
		t.Errorf("executor calls = %+v, want the touch %+v by U0002", calls, wantCmd)
	}
}

// TestRedPulseButtonModal: the red button without a reason opens the
// reason modal with the click's trigger id; a submission without a reason
// keeps it open with an error; a full one records the pulse and updates
// the card in place.
func TestRedPulseButtonModal(t *testing.T) {
	exec := newFakeExec()
	exec.replies["/pulse acme red"] = pulseForm()
	exec.replies["health show acme"] = healthyCard(t)
	h := newHarness(t, exec)

	w := h.interaction(click(h, "hb:0", "/pulse acme red", "U0002", "click-red"))
	if w.Code != http.StatusOK {
		t.Fatalf("click answer %d", w.Code)
	}
	open := h.api.next(t, "views.open")
	if got := str(open.JSON, "trigger_id"); got != "TRIG-U0002" {
		t.Errorf("views.open trigger_id = %q, want the click's", got)
	}
	view := open.JSON["view"].(map[string]any)
	if got := str(view, "blocks", 1, "element", "options", 1, "value"); got != "champion-left" {
		t.Errorf("reason option 1 = %q", got)
	}

	w = h.interaction(submission(t, view, map[string]any{
		"note": map[string]any{"note": map[string]any{"type": "plain_text_input", "value": "CFO wants 20% off"}},
	}))
	ack := decode(t, w.Body.Bytes())
	if str(ack, "response_action") != "errors" || !strings.Contains(str(ack, "errors", "reason"), "needs a reason") {
		t.Errorf("submission without reason answered %v, want errors on the reason field", ack)
	}
	if n := len(exec.calls()); n != 1 {
		t.Fatalf("%d executor calls after a refused submission, want 1", n)
	}

	h.interaction(submission(t, view, map[string]any{
		"reason": map[string]any{"reason": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "budget"}}},
		"note":   map[string]any{"note": map[string]any{"type": "plain_text_input", "value": "CFO wants 20% off"}},
	}))
	got := h.api.next(t, "response_url")
	if str(got.JSON, "replace_original") != "true" {
		t.Errorf("card not replaced in place: %v", got.JSON)
	}
	if s := str(got.JSON, "blocks", 1, "text", "text"); !strings.HasPrefix(s, "executed pulse acme red budget") {
		t.Errorf("updated card lead = %q, want the recorded pulse first", s)
	}
	calls := exec.calls()
	wantCmd := commands.Command{Verb: commands.VerbPulse, Account: "acme", Colour: "red", Reason: "budget", Note: "CFO wants 20% off"}
	if len(calls) != 3 || calls[1].Cmd != wantCmd {
		t.Errorf("executor calls = %+v, want the pulse %+v then the card", calls, wantCmd)
	}
}

// TestPulseButtonUpdatesCardOnce: a click records with the clicking user
// and replaces the card; the same click repeated is dropped.
func TestPulseButtonUpdatesCardOnce(t *testing.T) {
	exec := newFakeExec()
	exec.replies["/pulse acme green"] = commands.Reply{Colour: "green", Text: "Recorded a green pulse for Acme Corp by dana. Score now 86 Healthy."}
	exec.replies["health show acme"] = healthyCard(t)
	h := newHarness(t, exec)

	payload := click(h, "hb:2", "/pulse acme green", "U0002", "click-green")
	h.interaction(payload)
	got := h.api.next(t, "response_url")
	if str(got.JSON, "replace_original") != "true" || !strings.HasPrefix(str(got.JSON, "blocks", 1, "text", "text"), "Recorded a green pulse") {
		t.Errorf("response_url got %v, want the card replaced, led by the record", got.JSON)
	}
	if w := h.interaction(payload); w.Code != http.StatusOK {
		t.Errorf("repeated click answered %d", w.Code)
	}
	calls := exec.calls()
	if len(calls) != 2 || calls[0].Line != "/pulse acme green" || calls[0].Caller.UserID != "U0002" || calls[0].Caller.UserName != "dana" {
		t.Fatalf("executor calls = %+v, want one pulse by U0002 and one card", calls)
	}
	// Another person's click on the same card is theirs to make.
	h.interaction(click(h, "hb:2", "/pulse acme green", "U0003", "click-green-2"))
	h.api.next(t, "response_url")
	if n := len(exec.calls()); n != 4 {
		t.Errorf("%d executor calls, want 4", n)
	}
}

func TestLogTouchButtonOpensModal(t *testing.T) {
	exec := newFakeExec()
	exec.replies["/touch acme"] = touchForm()
	h := newHarness(t, exec)
	h.interaction(click(h, "hb:3", "/touch acme", "U0002", "click-touch"))
	open := h.api.next(t, "views.open")
	meta := map[string]any{}
	_ = json.Unmarshal([]byte(str(open.JSON, "view", "private_metadata")), &meta)
	if str(open.JSON, "trigger_id") != "TRIG-U0002" || meta["f"] != "touch" || meta["a"] != "acme" || meta["r"] != true {
		t.Errorf("views.open %v, metadata %v", open.JSON["trigger_id"], meta)
	}
}

// TestAppMentionAnsweredInThreadOnce: "@healthbot acme" is answered in
// its thread, once however often Slack retries, and to the asker alone,
// since a card shows MRR; "@healthbot acme public" posts it there.
func TestAppMentionAnsweredInThreadOnce(t *testing.T) {
	exec := newFakeExec()
	exec.replies["/health acme"] = healthyCard(t)
	public := healthyCard(t)
	public.Ephemeral = false
	exec.replies["/health acme public"] = public
	h := newHarness(t, exec)
	ev := `{"token":"x","team_id":"` + team + `","api_app_id":"A0001","type":"event_callback","event_id":"Ev0001","event_time":1741944000,
	  "event":{"type":"app_mention","user":"U0001","text":"<@UBOT> acme","ts":"1741944000.000500","channel":"C0001","event_ts":"1741944000.000500"}}`
	if w := h.event(ev, nil); w.Code != http.StatusOK {
		t.Fatalf("event answered %d", w.Code)
	}
	post := h.api.next(t, "chat.postEphemeral")
	if post.Form.Get("channel") != "C0001" || post.Form.Get("user") != "U0001" || post.Form.Get("thread_ts") != "1741944000.000500" ||
		!strings.Contains(post.Form.Get("blocks"), "Acme Corp") {
		t.Errorf("chat.postEphemeral %v", post.Form)
	}
	h.event(strings.NewReplacer("Ev0001", "Ev0002", "acme", "acme public").Replace(ev), nil)
	if post := h.api.next(t, "chat.postMessage"); post.Form.Get("thread_ts") != "1741944000.000500" {
		t.Errorf("public answer %v", post.Form)
	}
	if w := h.event(ev, http.Header{"X-Slack-Retry-Num": {"1"}, "X-Slack-Retry-Reason": {"http_timeout"}}); w.Code != http.StatusOK {
		t.Errorf("retry answered %d", w.Code)
	}
	if calls := exec.calls(); len(calls) != 2 || calls[0].Line != "/health acme" {
		t.Errorf("executor calls = %+v, want /health acme once, then in public", calls)
	}
}

func TestURLVerification(t *testing.T) {
	h := newHarness(t, newFakeExec())
	w := h.event(`{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`, nil)
	if got := str(decode(t, w.Body.Bytes()), "challenge"); got != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("challenge = %q", got)
	}
}

// TestSlowExecutorAnswersWithinThreeSeconds: with the executor stuck, the
// command is still answered before Slack's 3 s limit, and the answer
// follows through response_url once the executor finishes.
func TestSlowExecutorAnswersWithinThreeSeconds(t *testing.T) {
	exec := newFakeExec()
	exec.Gate = make(chan struct{})
	h := newHarness(t, exec)

	start := time.Now()
	w := h.commandWithURL("/health", "acme", "slow")
	elapsed := time.Since(start)
	if elapsed >= 3*time.Second {
		t.Errorf("answered after %s, Slack gives up at 3s", elapsed)
	}
	body := decode(t, w.Body.Bytes())
	if str(body, "text") != "Working on it…" || str(body, "response_type") != "ephemeral" {
		t.Errorf("acknowledgement = %v", body)
	}
	if h.api.count("response_url") != 0 {
		t.Fatal("response_url used before the executor finished")
	}
	close(exec.Gate)
	got := h.api.next(t, "response_url")
	if str(got.JSON, "text") != "ran /health acme" {
		t.Errorf("follow-up = %v", got.JSON)
	}
}

func splitPath(p string) []any {
	var out []any
	for _, s := range strings.Split(p, "/") {
		if n, err := parseIndex(s); err == nil {
			out = append(out, n)
		} else {
			out = append(out, s)
		}
	}
	return out
}

func parseIndex(s string) (int, error) {
	var n int
	err := json.Unmarshal([]byte(s), &n)
	return n, err
}

// click is a block_actions payload as Slack sends it for a button on an
// ephemeral card.
func click(h *harness, actionID, value, user, responseID string) string {
	p := map[string]any{
		"type": "block_actions", "token": "x", "api_app_id": "A0001",
		"team":         map[string]any{"id": team, "domain": "acme"},
		"user":         map[string]any{"id": user, "username": "dana", "name": "dana", "team_id": team},
		"container":    map[string]any{"type": "message", "message_ts": "1741944000.000100", "channel_id": "C0001", "is_ephemeral": true},
		"trigger_id":   "TRIG-" + user,
		"channel":      map[string]any{"id": "C0001", "name": "cs-team"},
		"response_url": h.api.ResponseURL(responseID),
		"actions": []any{map[string]any{
			"type": "button", "action_id": actionID, "block_id": "b1", "value": value, "action_ts": "1741944001.000100",
			"text": map[string]any{"type": "plain_text", "text": "Pulse"},
		}},
	}
	b, _ := json.Marshal(p)
	return string(b)
}

// submission is a view_submission payload for view (as sent to
// views.open) with the given state values.
func submission(t *testing.T, view map[string]any, values map[string]any) string {
	t.Helper()
	v := map[string]any{}
	for k, x := range view {
		v[k] = x
	}
	v["id"], v["team_id"] = "V0001", team
	v["state"] = map[string]any{"values": values}
	p := map[string]any{
		"type": "view_submission", "token": "x", "api_app_id": "A0001", "trigger_id": "TRIG-SUBMIT",
		"team": map[string]any{"id": team, "domain": "acme"},
		"user": map[string]any{"id": "U0002", "username": "dana", "name": "dana", "team_id": team},
		"view": v,
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

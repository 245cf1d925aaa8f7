package slack_test

import (
	"net/http"
	"testing"
)

// TestEscapedTextReachesTheGrammar: with should_escape on, Slack sends
// mentions and channel links as <@U…|name> / <#C…|name> and escapes & < >
// everywhere; the executor gets the mentions intact (the admin grammar
// reads their ids) and the rest as typed.
func TestEscapedTextReachesTheGrammar(t *testing.T) {
	exec := newFakeExec()
	h := newHarness(t, exec)
	for _, tt := range []struct{ cmd, text, want string }{
		{"/health", "admin csm maria <@U0002|maria>", "/health admin csm maria <@U0002|maria>"},
		{"/health", "admin channel AT&amp;T <#C0002|cs-att>", "/health admin channel AT&T <#C0002|cs-att>"},
		{"/health", "iam maria", "/health iam maria"},
		{"/touch", "acme call 2 &lt; 3 &amp;&gt; fine", "/touch acme call 2 < 3 &> fine"},
		{"/health", "&amp;lt;", "/health &lt;"},
	} {
		if w := h.command(tt.cmd, tt.text); w.Code != http.StatusOK {
			t.Fatalf("%s %s: status %d", tt.cmd, tt.text, w.Code)
		}
		calls := exec.calls()
		if got := calls[len(calls)-1].Line; got != tt.want {
			t.Errorf("%s %q ran %q, want %q", tt.cmd, tt.text, got, tt.want)
		}
	}
}

// TestMentionKeepsLaterMentions: only the bot's mention is dropped from
// an app mention, so "@healthbot admin csm maria @maria" names maria.
func TestMentionKeepsLaterMentions(t *testing.T) {
	exec := newFakeExec()
	h := newHarness(t, exec)
	ev := `{"token":"x","team_id":"` + team + `","api_app_id":"A0001","type":"event_callback","event_id":"Ev0900","event_time":1741944000,
	  "event":{"type":"app_mention","user":"U0001","text":"<@UBOT> admin csm maria <@U0002> for P&amp;G","ts":"1741944000.000500","channel":"C0001","event_ts":"1741944000.000500"}}`
	if w := h.event(ev, nil); w.Code != http.StatusOK {
		t.Fatalf("event answered %d", w.Code)
	}
	h.api.next(t, "chat.postEphemeral")
	want := "/health admin csm maria <@U0002> for P&G"
	if calls := exec.calls(); len(calls) != 1 || calls[0].Line != want {
		t.Errorf("executor calls = %+v, want one %q", calls, want)
	}
}

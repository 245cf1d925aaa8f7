package slack

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	slackgo "github.com/slack-go/slack"
)

// defaultHTTPClient posts to response_url when Adapter.HTTPClient is nil;
// its timeout keeps a stuck Slack endpoint from holding a goroutine.
var defaultHTTPClient = &http.Client{Timeout: 15 * time.Second}

// serveCommand answers POST /slack/commands (form-encoded slash command).
func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request, body []byte) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "bad form body", http.StatusBadRequest)
		return
	}
	sc := slackgo.SlashCommand{
		TeamID:      form.Get("team_id"),
		ChannelID:   form.Get("channel_id"),
		UserID:      form.Get("user_id"),
		UserName:    form.Get("user_name"),
		Command:     form.Get("command"),
		Text:        form.Get("text"),
		ResponseURL: form.Get("response_url"),
		TriggerID:   form.Get("trigger_id"),
	}
	if a.served(sc.TeamID) && a.replayed(r) {
		w.WriteHeader(http.StatusOK)
		return
	}
	writeAck(w, a.handleCommand(sc, receivedAt(r)))
}

// serveInteraction answers POST /slack/interactions (a form with one
// "payload" field holding the JSON).
func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request, body []byte) {
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("payload") == "" {
		http.Error(w, "missing payload", http.StatusBadRequest)
		return
	}
	var ic slackgo.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &ic); err != nil {
		a.log.Warn("unreadable interaction payload", "err", err)
		http.Error(w, "unreadable payload", http.StatusBadRequest)
		return
	}
	if a.served(interactionTeam(ic)) && a.replayed(r) {
		w.WriteHeader(http.StatusOK)
		return
	}
	writeAck(w, a.handleInteraction(ic, receivedAt(r)))
}

// interactionTeam is the workspace an interaction came from: a modal
// submission carries it on its view only.
func interactionTeam(ic slackgo.InteractionCallback) string {
	if ic.Team.ID != "" {
		return ic.Team.ID
	}
	return ic.View.TeamID
}

// serveEvent answers POST /slack/events (JSON).
func (a *Adapter) serveEvent(w http.ResponseWriter, r *http.Request, body []byte) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		http.Error(w, "unreadable event", http.StatusBadRequest)
		return
	}
	if r.Header.Get("X-Slack-Retry-Num") != "" {
		a.log.Info("event retried by Slack", "event_id", env.EventID, "retry", r.Header.Get("X-Slack-Retry-Num"), "reason", r.Header.Get("X-Slack-Retry-Reason"))
	}
	writeAck(w, a.handleEvent(env))
}

// writeAck writes an acknowledgement: an empty 200, or 200 with JSON.
func writeAck(w http.ResponseWriter, ack any) {
	if ack == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(ack)
}

// hostOf is raw's host, for a log line that must not carry the rest of
// the address (a response_url's path is a credential).
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable)"
	}
	return u.Host
}

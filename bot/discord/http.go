package discord

import (
	"encoding/json"
	"net/http"

	"github.com/bwmarrin/discordgo"

	"github.com/healthbot/healthbot/bot"
)

// maxBody bounds an interaction request; real ones are a few kilobytes.
const maxBody = 1 << 20

// ServeHTTP answers Discord's HTTP interactions (POST /discord/interactions).
// A request whose Ed25519 signature over timestamp + body does not verify
// with the application's public key, or whose timestamp is stale, gets 401
// and nothing runs.
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := bot.ReadBody(w, r, maxBody)
	if err != nil {
		a.log.WarnContext(ctx, "interaction body not read", "remote", r.RemoteAddr, "err", err)
		return
	}
	if err := a.verify(r.Header, body); err != nil {
		a.log.WarnContext(ctx, "rejected interaction request", "remote", r.RemoteAddr, "err", err)
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	var i discordgo.Interaction
	if err := json.Unmarshal(body, &i); err != nil {
		a.log.WarnContext(ctx, "unreadable interaction", "err", err)
		http.Error(w, "unreadable interaction", http.StatusBadRequest)
		return
	}
	resp, later := a.dispatch(ctx, &i)
	if resp == nil {
		resp = duplicateResponse(&i)
	}
	b, err := json.Marshal(resp)
	if err != nil {
		a.log.ErrorContext(ctx, "encode interaction response", "interaction", i.ID, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if _, err := w.Write(b); err != nil {
		a.log.WarnContext(ctx, "write interaction response", "interaction", i.ID, "err", err)
	}
	if later != nil {
		// Send the deferral now, before the follow-up can race it.
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		a.background(func() { later(a.rest) })
	}
}

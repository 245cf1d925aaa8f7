package discord_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/healthbot/healthbot/bot/discord"
	"github.com/healthbot/healthbot/commands"
)

// now is the fixed clock of every test; signed timestamps are taken from it.
var now = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

const (
	appID   = "app1"
	guildID = "111111111111111111"
)

// call is one request the fake executor received.
type call struct {
	Method string // "Run" or "Execute"
	Caller commands.Caller
	Line   string
	Cmd    commands.Command
}

// fakeExec is a stateful stand-in for commands.Service: it records calls
// and answers with reply; when gate is set, every call waits for it to be
// closed (a slow command).
type fakeExec struct {
	mu    sync.Mutex
	calls []call
	reply func(c call) commands.Reply
	gate  chan struct{}
}

func (f *fakeExec) do(ctx context.Context, c call) (commands.Reply, error) {
	f.mu.Lock()
	f.calls = append(f.calls, c)
	gate := f.gate
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return commands.Reply{}, ctx.Err()
		}
	}
	if f.reply != nil {
		return f.reply(c), nil
	}
	return commands.Reply{Text: "ok"}, nil
}

func (f *fakeExec) Run(ctx context.Context, caller commands.Caller, line string) (commands.Reply, error) {
	return f.do(ctx, call{Method: "Run", Caller: caller, Line: line})
}

func (f *fakeExec) Execute(ctx context.Context, caller commands.Caller, cmd commands.Command) (commands.Reply, error) {
	return f.do(ctx, call{Method: "Execute", Caller: caller, Cmd: cmd})
}

func (f *fakeExec) Calls() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// fakeAccounts suggests from a fixed list and counts calls.
type fakeAccounts struct {
	mu      sync.Mutex
	prefixs []string
}

func (f *fakeAccounts) SuggestAccounts(ctx context.Context, prefix string, limit int) ([]discord.Choice, error) {
	f.mu.Lock()
	f.prefixs = append(f.prefixs, prefix)
	f.mu.Unlock()
	all := []discord.Choice{{Name: "Acme Corp (acme)", Value: "acme"}, {Name: "Acme Labs (acme-labs)", Value: "acme-labs"}, {Name: "Globex (globex)", Value: "globex"}}
	var out []discord.Choice
	for _, c := range all {
		if strings.HasPrefix(c.Value, prefix) && len(out) < limit {
			out = append(out, c)
		}
	}
	return out, nil
}

// request is one call the fake Discord REST API received.
type request struct {
	Method string
	Path   string
	Query  string
	Auth   string
	Body   map[string]any
	Files  []postedFile // the files of a multipart request
}

// fakeDiscord is an httptest stand-in for Discord's REST API: it records
// every request and answers as Discord does; fail overrides the answer for
// a path.
type fakeDiscord struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []request
	fail map[string]failure // by "METHOD path"
	msgs []postedMsg        // messages created, oldest first
	// gatewayURL answers GET /gateway; callbacks gets the path of every
	// interaction callback, for tests waiting on the gateway.
	gatewayURL string
	callbacks  chan string
}

type failure struct {
	status int
	body   string
	posted bool // the message is created before the failure is answered
}

// postedMsg is a message the fake channel shows.
type postedMsg struct {
	ID, Channel, Nonce string
	Body               map[string]any // the JSON payload as sent
	Files              []postedFile
}

type postedFile struct {
	Name string
	Type string // the part's Content-Type
	Data []byte
}

func parts(path string) []string {
	return strings.Split(strings.Trim(strings.TrimPrefix(path, "/api/v10"), "/"), "/")
}

// create makes a message as Discord does: with enforce_nonce, a nonce
// already used in the channel returns the earlier message instead.
func (f *fakeDiscord) create(channel string, body map[string]any, files []postedFile) postedMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	nonce, _ := body["nonce"].(string)
	if enforce, _ := body["enforce_nonce"].(bool); enforce && nonce != "" {
		for _, m := range f.msgs {
			if m.Channel == channel && m.Nonce == nonce {
				return m
			}
		}
	}
	m := postedMsg{ID: "msg-" + strconv.Itoa(len(f.msgs)+1), Channel: channel, Nonce: nonce, Body: body, Files: files}
	f.msgs = append(f.msgs, m)
	return m
}

// list answers GET /channels/{id}/messages: newest first, without nonces
// (Discord returns none there), at most limit.
func (f *fakeDiscord) list(channel, limit string) []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, _ := strconv.Atoi(limit)
	out := []map[string]any{}
	for i := len(f.msgs) - 1; i >= 0 && len(out) < n; i-- {
		if m := f.msgs[i]; m.Channel == channel {
			out = append(out, map[string]any{"id": m.ID, "channel_id": channel, "content": m.Body["content"], "embeds": m.Body["embeds"]})
		}
	}
	return out
}

// Posted returns the messages the fake channels show.
func (f *fakeDiscord) Posted() []postedMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]postedMsg(nil), f.msgs...)
}

// readMultipart splits a multipart message body into its payload_json and
// its files.
func readMultipart(contentType string, raw []byte) ([]byte, []postedFile) {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, nil
	}
	mr := multipart.NewReader(bytes.NewReader(raw), params["boundary"])
	var payload []byte
	var files []postedFile
	for {
		p, err := mr.NextPart()
		if err != nil {
			return payload, files
		}
		data, _ := io.ReadAll(p)
		if p.FormName() == "payload_json" {
			payload = data
		} else {
			files = append(files, postedFile{Name: p.FileName(), Type: p.Header.Get("Content-Type"), Data: data})
		}
	}
}

func newFakeDiscord(t *testing.T) *fakeDiscord {
	f := &fakeDiscord{fail: map[string]failure{}, callbacks: make(chan string, 100)}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeDiscord) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	var files []postedFile
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		raw, files = readMultipart(r.Header.Get("Content-Type"), raw)
	}
	if len(raw) > 0 {
		var v any
		if err := json.Unmarshal(raw, &v); err == nil {
			if m, ok := v.(map[string]any); ok {
				body = m
			} else {
				body = map[string]any{"": v}
			}
		}
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization"), Body: body, Files: files})
	fail, failing := f.fail[r.Method+" "+r.URL.Path]
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if failing {
		if fail.posted {
			// Discord made the message, then the call failed anyway.
			f.create(parts(r.URL.Path)[1], body, files)
		}
		w.WriteHeader(fail.status)
		_, _ = io.WriteString(w, fail.body)
		return
	}
	parts := parts(r.URL.Path)
	switch {
	case r.Method == "POST" && len(parts) == 4 && parts[0] == "interactions" && parts[3] == "callback":
		w.WriteHeader(http.StatusNoContent)
		f.callbacks <- r.URL.Path
	case r.Method == "GET" && parts[0] == "gateway":
		_ = json.NewEncoder(w).Encode(map[string]any{"url": f.gatewayURL})
	case r.Method == "DELETE":
		w.WriteHeader(http.StatusNoContent)
	case r.Method == "PUT" && parts[0] == "applications":
		// Bulk overwrite answers with the commands, ids filled in.
		var cmds []map[string]any
		_ = json.Unmarshal(raw, &cmds)
		for i, c := range cmds {
			c["id"] = "cmd" + strconv.Itoa(i)
			c["application_id"] = parts[1]
		}
		_ = json.NewEncoder(w).Encode(cmds)
	case r.Method == "POST" && len(parts) == 3 && parts[0] == "users" && parts[1] == "@me" && parts[2] == "channels":
		// A user's DM channel is "dm" and their id, as Discord answers the same channel each time.
		_ = json.NewEncoder(w).Encode(map[string]any{"id": fmt.Sprint("dm", body["recipient_id"]), "type": 1})
	case r.Method == "POST" && parts[0] == "channels":
		m := f.create(parts[1], body, files)
		_ = json.NewEncoder(w).Encode(map[string]any{"id": m.ID, "channel_id": parts[1], "content": body["content"], "nonce": body["nonce"]})
	case r.Method == "GET" && parts[0] == "channels" && len(parts) == 3:
		_ = json.NewEncoder(w).Encode(f.list(parts[1], r.URL.Query().Get("limit")))
	case r.Method == "PATCH" && parts[0] == "channels":
		_ = json.NewEncoder(w).Encode(map[string]any{"id": parts[3], "channel_id": parts[1]})
	case parts[0] == "webhooks":
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "followup-1", "channel_id": "c1"})
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"message": "404: Not Found", "code": 0}`)
	}
}

func (f *fakeDiscord) Requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.reqs...)
}

// env is one adapter wired to fakes.
type env struct {
	t       *testing.T
	a       *discord.Adapter
	exec    *fakeExec
	rest    *fakeDiscord
	accts   *fakeAccounts
	priv    ed25519.PrivateKey
	handler http.Handler
}

func newEnv(t *testing.T, exec *fakeExec, guilds ...string) *env {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	rest := newFakeDiscord(t)
	if exec == nil {
		exec = &fakeExec{}
	}
	accts := &fakeAccounts{}
	cfg := discord.Config{BotToken: "bot-token", AppID: appID, PublicKey: hex.EncodeToString(pub), APIURL: rest.URL + "/api/v10", GuildIDs: guilds}
	a, err := discord.New(cfg, exec, accts, slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	if err != nil {
		t.Fatal(err)
	}
	a.Now = func() time.Time { return now }
	mux := http.NewServeMux()
	a.Mount(mux)
	return &env{t: t, a: a, exec: exec, rest: rest, accts: accts, priv: priv, handler: mux}
}

// sign signs body exactly as Discord does: Ed25519 over the timestamp
// header followed by the raw body, hex in X-Signature-Ed25519.
func sign(priv ed25519.PrivateKey, ts string, body []byte) string {
	return hex.EncodeToString(ed25519.Sign(priv, append([]byte(ts), body...)))
}

// post sends a signed interaction through the real HTTP handler.
func (e *env) post(body []byte) *httptest.ResponseRecorder {
	ts := strconv.FormatInt(now.Unix(), 10)
	return e.postWith(body, map[string]string{"X-Signature-Ed25519": sign(e.priv, ts, body), "X-Signature-Timestamp": ts})
}

func (e *env) postWith(body []byte, headers map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/discord/interactions", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return rec
}

// response decodes an HTTP interaction answer as generic JSON.
func response(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("response %q: %v", rec.Body.String(), err)
	}
	return m
}

// gateway drives the gateway handler with the same interaction JSON and
// returns the callback it posted to the fake REST API (nil when none).
func (e *env) gateway(body []byte) map[string]any {
	e.t.Helper()
	var i discordgo.Interaction
	if err := json.Unmarshal(body, &i); err != nil {
		e.t.Fatal(err)
	}
	s, err := e.a.NewSession()
	if err != nil {
		e.t.Fatal(err)
	}
	before := len(e.rest.Requests())
	e.a.OnInteractionCreate(s, &discordgo.InteractionCreate{Interaction: &i})
	for _, r := range e.rest.Requests()[before:] {
		if r.Method == "POST" && r.Path == "/api/v10/interactions/"+i.ID+"/"+i.Token+"/callback" {
			return r.Body
		}
	}
	return nil
}

// member is the clicking/typing guild member.
var member = map[string]any{"user": map[string]any{"id": "u1", "username": "maria", "global_name": "Maria Lopez"}, "nick": "Maria"}

var idSeq int

// interaction builds an interaction's JSON as Discord sends it.
func interaction(typ discordgo.InteractionType, data any, extra map[string]any) []byte {
	idSeq++
	id := "9000" + strconv.Itoa(idSeq)
	m := map[string]any{
		"id": id, "application_id": appID, "type": int(typ), "token": "tok-" + id, "version": 1,
		"guild_id": guildID, "channel_id": "c1", "member": member, "locale": "en-US",
	}
	if data != nil {
		m["data"] = data
	}
	for k, v := range extra {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// slash is an application command interaction's data.
func slash(name string, options ...map[string]any) map[string]any {
	return map[string]any{"id": "cmd-" + name, "name": name, "type": 1, "options": options}
}

func opt(name string, typ int, value any) map[string]any {
	return map[string]any{"name": name, "type": typ, "value": value}
}

func subcmd(name string, options ...map[string]any) map[string]any {
	return map[string]any{"name": name, "type": 1, "options": options}
}

// cardMessage is a card as Discord echoes it back with a click.
var cardMessage = map[string]any{
	"id": "m1", "channel_id": "c1", "content": "",
	"embeds": []any{map[string]any{"title": "Acme Corp — 72 Stable", "color": 0xECB22E}},
	"components": []any{map[string]any{"type": 1, "components": []any{
		map[string]any{"type": 2, "style": 4, "label": "Pulse red", "custom_id": "b0|pulse acme red"},
		map[string]any{"type": 2, "style": 2, "label": "Pulse yellow", "custom_id": "b1|pulse acme yellow"},
		map[string]any{"type": 2, "style": 3, "label": "Pulse green", "custom_id": "b2|pulse acme green"},
		map[string]any{"type": 2, "style": 2, "label": "Log touch", "custom_id": "b3|touch acme"},
	}}},
}

func click(customID string) []byte {
	return interaction(discordgo.InteractionMessageComponent,
		map[string]any{"custom_id": customID, "component_type": 2},
		map[string]any{"message": cardMessage})
}

func submit(customID string, values map[string]string, fromCard bool) []byte {
	var rows []any
	for k, v := range values {
		rows = append(rows, map[string]any{"type": 1, "components": []any{map[string]any{"type": 4, "custom_id": k, "value": v}}})
	}
	extra := map[string]any{}
	if fromCard {
		extra["message"] = cardMessage
	}
	return interaction(discordgo.InteractionModalSubmit, map[string]any{"custom_id": customID, "components": rows}, extra)
}

// get walks generic JSON: get(m, "data", "embeds", 0, "title").
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			s, ok := v.([]any)
			if !ok || k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	return v
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

func length(v any) int {
	s, _ := v.([]any)
	return len(s)
}

// testWriter sends the adapter's log to the test's log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func discordConfigWithoutKey() discord.Config {
	return discord.Config{BotToken: "bot-token", AppID: appID}
}

func newAdapter(cfg discord.Config) (*discord.Adapter, error) {
	return discord.New(cfg, &fakeExec{}, nil, nil)
}

func mustRequest(method, path string) *http.Request {
	return httptest.NewRequest(method, path, nil)
}

func ed25519GenerateKey() (ed25519.PublicKey, ed25519.PrivateKey, error) {
	return ed25519.GenerateKey(nil)
}

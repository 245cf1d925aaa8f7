package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	slackbot "github.com/healthbot/healthbot/bot/slack"
	"github.com/healthbot/healthbot/commands"
)

const (
	secret = "8f742231b10e8888abcd99yyyzzz85a5"
	team   = "T0001"
)

// clock is the fixed "now" of the adapter under test.
var clock = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

// apiCall is one request received by the fake Slack Web API or by the
// response_url stand-in.
type apiCall struct {
	Method string         // "chat.postMessage", …, or "response_url"
	Form   url.Values     // form-encoded calls
	JSON   map[string]any // JSON calls (views.open, response_url)
	Raw    []byte         // the body as sent (file uploads)
	Type   string         // its Content-Type header
}

// postedMsg is a message the fake keeps, as conversations.history returns it.
type postedMsg struct {
	Channel  string
	TS       string
	Text     string
	Metadata string // the metadata JSON as sent, "" without
}

// fakeSlack stands in for slack.com/api/ and for response_url, speaking
// Slack's wire format and recording what it was sent.
type fakeSlack struct {
	srv   *httptest.Server
	calls chan apiCall
	mu    sync.Mutex
	fail  map[string]string // method → Slack error code ("ratelimited" → HTTP 429)
	wsURL string            // answered by apps.connections.open
	all   []apiCall
	msgs  []postedMsg // chat.postMessage calls that succeeded, oldest first
	page  int         // history page size cap; 0 = none to speak of
	// stall, when set, runs after chat.postMessage has kept the message
	// and before it answers: a slow or hung Web API that already posted.
	// ctx ends when the client gives up.
	stall func(ctx context.Context)
}

func newFakeSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{calls: make(chan apiCall, 100), fail: map[string]string{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// APIURL is the base URL to give the adapter (SLACK_API_URL).
func (f *fakeSlack) APIURL() string { return f.srv.URL + "/api/" }

// ResponseURL is a response_url that the fake records.
func (f *fakeSlack) ResponseURL(id string) string { return f.srv.URL + "/response/" + id }

func (f *fakeSlack) failWith(method, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[method] = code
}

func (f *fakeSlack) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c := apiCall{Method: strings.TrimPrefix(r.URL.Path, "/api/"), Raw: body, Type: r.Header.Get("Content-Type")}
	if strings.HasPrefix(r.URL.Path, "/response/") {
		c.Method = "response_url"
	}
	if strings.HasPrefix(r.URL.Path, "/upload/") {
		c.Method = "upload"
	}
	switch ct := r.Header.Get("Content-Type"); {
	case strings.HasPrefix(ct, "multipart/"):
	case strings.HasPrefix(ct, "application/json"):
		_ = json.Unmarshal(body, &c.JSON)
	default:
		c.Form, _ = url.ParseQuery(string(body))
	}
	f.mu.Lock()
	code := f.fail[c.Method]
	f.all = append(f.all, c)
	f.mu.Unlock()
	select {
	case f.calls <- c:
	default: // nobody waits for calls this many (a long end-to-end run): all keeps them
	}
	w.Header().Set("Content-Type", "application/json")
	if after, ok := strings.CutPrefix(code, "posted+"); ok {
		// The platform took the message and then failed the call anyway
		// (a 429 or a timeout after the post): keep it, answer the error.
		f.keep(c.Form)
		code = after
	}
	switch {
	case code == "ratelimited":
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
		return
	case code != "":
		_, _ = io.WriteString(w, `{"ok":false,"error":"`+code+`"}`)
		return
	}
	switch c.Method {
	case "response_url":
		_, _ = io.WriteString(w, "ok")
	case "auth.test":
		_, _ = io.WriteString(w, `{"ok":true,"url":"https://acme.slack.com/","team":"Acme","user":"healthbot","team_id":"`+team+`","user_id":"UBOT"}`)
	case "chat.postMessage":
		m := f.keep(c.Form)
		f.mu.Lock()
		stall := f.stall
		f.mu.Unlock()
		if stall != nil {
			stall(r.Context())
		}
		_, _ = io.WriteString(w, `{"ok":true,"channel":"`+m.Channel+`","ts":"`+m.TS+`"}`)
	case "chat.update":
		_, _ = io.WriteString(w, `{"ok":true,"channel":"`+c.Form.Get("channel")+`","ts":"`+c.Form.Get("ts")+`"}`)
	case "conversations.history":
		f.history(w, c.Form)
	case "files.getUploadURLExternal":
		_, _ = io.WriteString(w, `{"ok":true,"upload_url":"`+f.srv.URL+`/upload/F0001","file_id":"F0001"}`)
	case "upload":
		_, _ = io.WriteString(w, "OK - "+strconv.Itoa(len(body)))
	case "files.completeUploadExternal":
		_, _ = io.WriteString(w, `{"ok":true,"files":[{"id":"F0001","title":"chart"}]}`)
	case "chat.postEphemeral":
		_, _ = io.WriteString(w, `{"ok":true,"message_ts":"1741944600.000300"}`)
	case "views.open", "views.publish":
		_, _ = io.WriteString(w, `{"ok":true,"view":{"id":"V0001"}}`)
	case "conversations.open":
		// The direct message channel of a user is "D" and the user's id.
		_, _ = io.WriteString(w, `{"ok":true,"channel":{"id":"D`+c.Form.Get("users")+`"}}`)
	case "apps.connections.open":
		_, _ = io.WriteString(w, `{"ok":true,"url":"`+f.wsURL+`"}`)
	default:
		_, _ = io.WriteString(w, `{"ok":false,"error":"unknown_method"}`)
	}
}

// keep stores a posted message with the next ts.
func (f *fakeSlack) keep(form url.Values) postedMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := postedMsg{Channel: form.Get("channel"), TS: fmt.Sprintf("1741944600.%06d", 200+len(f.msgs)), Text: form.Get("text"), Metadata: form.Get("metadata")}
	f.msgs = append(f.msgs, m)
	return m
}

// posted returns the messages posted so far.
func (f *fakeSlack) posted() []postedMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]postedMsg(nil), f.msgs...)
}

// history answers conversations.history from the messages posted so far,
// newest first as Slack does, honouring oldest, limit and cursor (an
// offset here), and returning metadata only with include_all_metadata.
func (f *fakeSlack) history(w http.ResponseWriter, form url.Values) {
	f.mu.Lock()
	defer f.mu.Unlock()
	oldest, _ := strconv.ParseFloat(form.Get("oldest"), 64)
	var list []map[string]any
	for i := len(f.msgs) - 1; i >= 0; i-- {
		m := f.msgs[i]
		ts, _ := strconv.ParseFloat(m.TS, 64)
		if m.Channel != form.Get("channel") || ts <= oldest {
			continue
		}
		msg := map[string]any{"type": "message", "ts": m.TS, "text": m.Text}
		if m.Metadata != "" && form.Get("include_all_metadata") == "1" {
			msg["metadata"] = json.RawMessage(m.Metadata)
		}
		list = append(list, msg)
	}
	start, _ := strconv.Atoi(form.Get("cursor"))
	limit, _ := strconv.Atoi(form.Get("limit"))
	if limit <= 0 || limit > f.pageLimit() {
		limit = f.pageLimit()
	}
	start = min(start, len(list))
	end := min(start+limit, len(list))
	resp := map[string]any{"ok": true, "messages": list[start:end], "has_more": end < len(list)}
	if end < len(list) {
		resp["response_metadata"] = map[string]any{"next_cursor": strconv.Itoa(end)}
	}
	_ = json.NewEncoder(w).Encode(resp)
}

// pageLimit is the most messages one history page returns; tests lower
// it to exercise paging.
func (f *fakeSlack) pageLimit() int {
	if f.page > 0 {
		return f.page
	}
	return 1000
}

// next waits for the next call to method, failing the test after a
// generous bound (this guards against hangs; it is not a timing check).
func (f *fakeSlack) next(t *testing.T, method string) apiCall {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case c := <-f.calls:
			if c.Method == method {
				return c
			}
		case <-deadline:
			t.Fatalf("no %s call arrived", method)
			return apiCall{}
		}
	}
}

// count is how many calls to method were recorded so far.
func (f *fakeSlack) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.all {
		if c.Method == method {
			n++
		}
	}
	return n
}

// fakeExec is a stateful bot.Executor: it records every call and answers
// from a table of replies by command line; Gate, when set, holds each call
// until the test closes it (a slow store).
type fakeExec struct {
	mu      sync.Mutex
	runs    []execCall
	replies map[string]commands.Reply // by line, or "health show ACCOUNT" for Execute
	Gate    chan struct{}
	started chan struct{}
}

type execCall struct {
	Caller commands.Caller
	Line   string           // Run
	Cmd    commands.Command // Execute
}

func newFakeExec() *fakeExec {
	return &fakeExec{replies: map[string]commands.Reply{}, started: make(chan struct{}, 100)}
}

func (e *fakeExec) Run(ctx context.Context, caller commands.Caller, line string) (commands.Reply, error) {
	e.record(execCall{Caller: caller, Line: line})
	if err := e.wait(ctx); err != nil {
		return commands.Reply{}, err
	}
	if r, ok := e.lookup(line); ok {
		return r, nil
	}
	return commands.Reply{Ephemeral: true, Text: "ran " + line}, nil
}

func (e *fakeExec) Execute(ctx context.Context, caller commands.Caller, cmd commands.Command) (commands.Reply, error) {
	e.record(execCall{Caller: caller, Cmd: cmd})
	if err := e.wait(ctx); err != nil {
		return commands.Reply{}, err
	}
	key := cmd.Verb + " " + cmd.Sub + " " + cmd.Account
	if r, ok := e.lookup(key); ok {
		return r, nil
	}
	return commands.Reply{Text: "executed " + cmd.Verb + " " + cmd.Account + " " + cmd.Colour + " " + cmd.Reason + " " + cmd.Kind}, nil
}

func (e *fakeExec) record(c execCall) {
	e.mu.Lock()
	e.runs = append(e.runs, c)
	e.mu.Unlock()
	e.started <- struct{}{}
}

func (e *fakeExec) wait(ctx context.Context) error {
	if e.Gate == nil {
		return nil
	}
	select {
	case <-e.Gate:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *fakeExec) lookup(key string) (commands.Reply, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.replies[key]
	return r, ok
}

func (e *fakeExec) calls() []execCall {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]execCall(nil), e.runs...)
}

// harness is an adapter mounted on a mux, talking to a fake Slack.
type harness struct {
	t    *testing.T
	api  *fakeSlack
	exec *fakeExec
	a    *slackbot.Adapter
	mux  *http.ServeMux
}

func newHarness(t *testing.T, exec interface {
	Run(context.Context, commands.Caller, string) (commands.Reply, error)
	Execute(context.Context, commands.Caller, commands.Command) (commands.Reply, error)
}) *harness {
	t.Helper()
	h := &harness{t: t, api: newFakeSlack(t), mux: http.NewServeMux()}
	if fe, ok := exec.(*fakeExec); ok {
		h.exec = fe
	}
	cfg := slackbot.Config{SigningSecret: secret, BotToken: "xoxb-test", APIURL: h.api.APIURL(), TeamIDs: []string{team}}
	a, err := slackbot.New(cfg, exec, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	a.Now = func() time.Time { return clock }
	t.Cleanup(func() { _ = a.Close() })
	a.Mount(h.mux)
	h.a = a
	return h
}

// signed builds a request signed exactly as Slack signs it.
func signed(path, contentType string, body []byte, at time.Time) *http.Request {
	ts := strconv.FormatInt(at.Unix(), 10)
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(body)))
	r.Header.Set("Content-Type", contentType)
	r.Header.Set("X-Slack-Request-Timestamp", ts)
	r.Header.Set("X-Slack-Signature", slackbot.Sign(secret, ts, body))
	return r
}

func (h *harness) do(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.mux.ServeHTTP(w, r)
	return w
}

// command sends a slash command as Slack does (form-encoded).
func (h *harness) command(cmd, text string) *httptest.ResponseRecorder {
	return h.do(signed("/slack/commands", "application/x-www-form-urlencoded", commandBody(team, cmd, text), clock))
}

func commandBody(teamID, cmd, text string) []byte {
	v := url.Values{
		"token": {"deprecated"}, "team_id": {teamID}, "team_domain": {"acme"},
		"channel_id": {"C0001"}, "channel_name": {"cs-team"}, "user_id": {"U0001"}, "user_name": {"maria"},
		"command": {cmd}, "text": {text}, "api_app_id": {"A0001"},
		"response_url": {"RESPONSE_URL"}, "trigger_id": {"13345224609.738474920.8088930838d88f008e0"},
	}
	return []byte(v.Encode())
}

// interaction sends an interaction payload as Slack does.
func (h *harness) interaction(payload string) *httptest.ResponseRecorder {
	body := []byte(url.Values{"payload": {payload}}.Encode())
	return h.do(signed("/slack/interactions", "application/x-www-form-urlencoded", body, clock))
}

func (h *harness) event(body string, header http.Header) *httptest.ResponseRecorder {
	r := signed("/slack/events", "application/json", []byte(body), clock)
	for k, v := range header {
		r.Header[k] = v
	}
	return h.do(r)
}

// withResponseURL points the command body's response_url at the fake.
func (h *harness) commandWithURL(cmd, text, id string) *httptest.ResponseRecorder {
	body := strings.Replace(string(commandBody(team, cmd, text)), "RESPONSE_URL", url.QueryEscape(h.api.ResponseURL(id)), 1)
	return h.do(signed("/slack/commands", "application/x-www-form-urlencoded", []byte(body), clock))
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decode %q: %v", b, err)
	}
	return m
}

// str walks a decoded JSON value by keys and indexes: str(m, "view", "blocks", 0, "type").
func str(v any, path ...any) string {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return ""
			}
			v = a[k]
		}
	}
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// calledWith lists the recorded calls to method, oldest first.
func (f *fakeSlack) calledWith(method string) []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []apiCall
	for _, c := range f.all {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

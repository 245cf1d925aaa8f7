package slack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/outbox"
	slackbot "github.com/healthbot/healthbot/bot/slack"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// outboxRig is the real outbox worker on a real database, delivering
// through the Slack adapter to the Web API stand-in, on a fake clock.
type outboxRig struct {
	h     *harness
	s     *models.Store
	w     *outbox.Worker
	clock time.Time
}

func newOutboxRig(t *testing.T, s *models.Store) *outboxRig {
	rig := &outboxRig{h: newHarness(t, newFakeExec()), s: s, clock: clock}
	rig.w = outbox.New(s, slog.New(slog.DiscardHandler), rig.h.a)
	rig.w.Now = func() time.Time { return rig.clock }
	rig.w.Jitter = func() float64 { return 0.5 }
	return rig
}

func (r *outboxRig) enqueue(t *testing.T, key string, rep commands.Reply, png []byte) {
	t.Helper()
	commandstest.EnqueueSummary(t, r.s, "slack", "C0001", key, rep, png, r.clock)
}

// run advances the clock by d and runs one delivery round.
func (r *outboxRig) run(t *testing.T, d time.Duration) {
	t.Helper()
	r.clock = r.clock.Add(d)
	if _, err := r.w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (r *outboxRig) row(t *testing.T, key string) models.OutboxMessage {
	t.Helper()
	return commandstest.OutboxRow(t, r.s, key)
}

// keyOf reads the dedupe key back from a message's metadata as sent.
func keyOf(t *testing.T, m postedMsg) string {
	t.Helper()
	var md struct {
		EventType    string         `json:"event_type"`
		EventPayload map[string]any `json:"event_payload"`
	}
	if err := json.Unmarshal([]byte(m.Metadata), &md); err != nil {
		t.Fatalf("metadata %q: %v", m.Metadata, err)
	}
	if md.EventType != slackbot.MetadataEventType {
		t.Errorf("event_type %q", md.EventType)
	}
	k, _ := md.EventPayload["key"].(string)
	return k
}

// TestOutboxAmbiguousPostFoundNotRepeated: chat.postMessage takes the
// message and answers 429; the worker waits out Retry-After, finds the
// message by its metadata in conversations.history (three pages back) and
// updates it. The channel shows it once, and the outbox records its ts.
func TestOutboxAmbiguousPostFoundNotRepeated(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		rig := newOutboxRig(t, s)
		api := rig.h.api
		rig.enqueue(t, "summary/2025-W11/C0001", commands.Reply{Title: "Weekly health summary"}, nil)

		api.failWith("chat.postMessage", "posted+ratelimited")
		rig.run(t, 0)
		if m := rig.row(t, "summary/2025-W11/C0001"); m.Status != models.OutboxPending || m.Ref != "" {
			t.Fatalf("after the 429: status %s ref %q", m.Status, m.Ref)
		}
		api.failWith("chat.postMessage", "")

		// Other messages land in the channel meanwhile; paging must reach
		// the one sought.
		api.page = 2
		for range 5 {
			if _, err := rig.h.a.Post(context.Background(), "C0001", commands.Reply{Text: "other"}); err != nil {
				t.Fatal(err)
			}
		}
		rig.run(t, 6*time.Second) // still within Retry-After (7 s): nothing happens
		if n := api.count("conversations.history"); n != 0 {
			t.Fatalf("history searched %d times before Retry-After ran out", n)
		}
		rig.run(t, 2*time.Second)

		msgs := api.posted()
		tagged := 0
		for _, m := range msgs {
			if m.Metadata != "" {
				tagged++
				if k := keyOf(t, m); k != "summary/2025-W11/C0001" {
					t.Errorf("metadata key %q", k)
				}
			}
		}
		if tagged != 1 || len(msgs) != 6 {
			t.Fatalf("%d tagged of %d messages, want the summary once", tagged, len(msgs))
		}
		if n := api.count("conversations.history"); n != 3 {
			t.Errorf("%d history pages read, want 3", n)
		}
		if n := api.count("chat.update"); n != 1 {
			t.Errorf("%d chat.update calls, want 1", n)
		}
		m := rig.row(t, "summary/2025-W11/C0001")
		if m.Status != models.OutboxSent || m.Ref != msgs[0].TS {
			t.Errorf("row %s ref %q, want sent %s", m.Status, m.Ref, msgs[0].TS)
		}
		for _, c := range api.all {
			if c.Method == "conversations.history" && (c.Form.Get("include_all_metadata") != "1" || c.Form.Get("oldest") == "") {
				t.Errorf("history asked without metadata or a window: %v", c.Form)
			}
		}
	})
}

// TestOutboxNothingFoundPostsOnce: when the failed post did not go through,
// the search finds nothing and the message is posted once, tagged.
func TestOutboxNothingFoundPostsOnce(t *testing.T) {
	rig := newOutboxRig(t, modelstest.MustOpenSQLite(t))
	api := rig.h.api
	rig.enqueue(t, "alert/41", commands.Reply{Title: "Acme Corp 72 → 58"}, nil)
	api.failWith("chat.postMessage", "internal_error")
	rig.run(t, 0)
	api.failWith("chat.postMessage", "")
	rig.run(t, time.Minute)
	msgs := api.posted()
	if len(msgs) != 1 || keyOf(t, msgs[0]) != "alert/41" {
		t.Fatalf("posted %+v", msgs)
	}
	if n := api.count("conversations.history"); n != 1 {
		t.Errorf("%d history calls, want 1", n)
	}
	if m := rig.row(t, "alert/41"); m.Status != models.OutboxSent || m.Ref != msgs[0].TS {
		t.Errorf("row %s ref %q", m.Status, m.Ref)
	}
}

// TestOutboxUnsearchableChannelStillDelivers: a channel the bot may post
// to but not read (not_in_channel on history) does not hold the message
// back: it is posted anew.
func TestOutboxUnsearchableChannelStillDelivers(t *testing.T) {
	rig := newOutboxRig(t, modelstest.MustOpenSQLite(t))
	api := rig.h.api
	rig.enqueue(t, "alert/42", commands.Reply{Title: "Globex"}, nil)
	api.failWith("chat.postMessage", "internal_error")
	rig.run(t, 0)
	api.failWith("chat.postMessage", "")
	api.failWith("conversations.history", "not_in_channel")
	rig.run(t, time.Minute)
	if m := rig.row(t, "alert/42"); m.Status != models.OutboxSent || len(api.posted()) != 1 {
		t.Errorf("row %s, %d posted", m.Status, len(api.posted()))
	}
}

// TestOutboxPostFile: a summary with its chart is posted (tagged), then the
// PNG goes up through files.getUploadURLExternal, the upload URL and
// files.completeUploadExternal with channel_id; the row keeps the
// message's ts. A failing upload still leaves the message delivered.
func TestOutboxPostFile(t *testing.T) {
	png, err := os.ReadFile("../chart/testdata/status_8_weeks.png")
	if err != nil {
		t.Fatal(err)
	}
	rig := newOutboxRig(t, modelstest.MustOpenSQLite(t))
	api := rig.h.api
	rig.enqueue(t, "summary/2025-W11/C0001", commands.Reply{Title: "Weekly health summary"}, png)
	rig.run(t, 0)

	var order []string
	var get, up, done apiCall
	for _, c := range api.all {
		order = append(order, c.Method)
		switch c.Method {
		case "files.getUploadURLExternal":
			get = c
		case "upload":
			up = c
		case "files.completeUploadExternal":
			done = c
		}
	}
	want := "chat.postMessage files.getUploadURLExternal upload files.completeUploadExternal"
	if got := strings.Join(order, " "); got != want {
		t.Fatalf("calls %q, want %q", got, want)
	}
	if get.Form.Get("filename") != commands.ChartName || get.Form.Get("length") != itoa(len(png)) {
		t.Errorf("getUploadURLExternal %v", get.Form)
	}
	if !bytes.Contains(up.Raw, png) {
		t.Error("the upload did not carry the PNG")
	}
	if done.Form.Get("channel_id") != "C0001" || !strings.Contains(done.Form.Get("files"), `"F0001"`) {
		t.Errorf("completeUploadExternal %v", done.Form)
	}
	msgs := api.posted()
	if m := rig.row(t, "summary/2025-W11/C0001"); len(msgs) != 1 || m.Status != models.OutboxSent || m.Ref != msgs[0].TS {
		t.Errorf("row %s ref %q, posted %+v", m.Status, m.Ref, msgs)
	}

	rig.enqueue(t, "summary/2025-W12/C0001", commands.Reply{Title: "Weekly health summary"}, png)
	api.failWith("files.completeUploadExternal", "internal_error")
	rig.run(t, 7*24*time.Hour)
	if m := rig.row(t, "summary/2025-W12/C0001"); m.Status != models.OutboxSent || len(api.posted()) != 2 {
		t.Errorf("upload failure: row %s, %d posted", m.Status, len(api.posted()))
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

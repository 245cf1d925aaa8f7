package discord_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/healthbot/healthbot/bot/discord"
	"github.com/healthbot/healthbot/bot/outbox"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// outboxRig is the real outbox worker on a real database, delivering
// through the Discord adapter to the REST stand-in, on a fake clock.
type outboxRig struct {
	e     *env
	s     *models.Store
	w     *outbox.Worker
	clock time.Time
}

const postPath = "POST /api/v10/channels/555/messages"

func newOutboxRig(t *testing.T, s *models.Store) *outboxRig {
	rig := &outboxRig{e: newEnv(t, nil, guildID), s: s, clock: now}
	rig.w = outbox.New(s, slog.New(slog.DiscardHandler), rig.e.a)
	rig.w.Now = func() time.Time { return rig.clock }
	rig.w.Jitter = func() float64 { return 0.5 }
	return rig
}

func (r *outboxRig) enqueue(t *testing.T, key string, rep commands.Reply, png []byte) {
	t.Helper()
	commandstest.EnqueueSummary(t, r.s, "discord", "555", key, rep, png, r.clock)
}

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

func (r *outboxRig) count(method, path string) int {
	n := 0
	for _, q := range r.e.rest.Requests() {
		if q.Method == method && q.Path == path {
			n++
		}
	}
	return n
}

var summaryReply = commands.Reply{Colour: "grey", Title: "Weekly health summary", Text: "4 accounts scored.", Context: []string{"week 11"}}

// TestOutboxAmbiguousPostFoundNotRepeated: Discord makes the message and
// answers 429; after retry_after the worker finds it among the channel's
// newest messages by its footer marker and edits it: one message, and the
// outbox keeps its id.
func TestOutboxAmbiguousPostFoundNotRepeated(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		rig := newOutboxRig(t, s)
		const key = "summary/2025-W11/555"
		rig.enqueue(t, key, summaryReply, nil)
		rig.e.rest.fail[postPath] = failure{status: 429, body: `{"message": "You are being rate limited.", "retry_after": 2.5, "global": false}`, posted: true}
		rig.run(t, 0)
		if m := rig.row(t, key); m.Status != models.OutboxPending || m.Ref != "" {
			t.Fatalf("after the 429: %s %q", m.Status, m.Ref)
		}
		delete(rig.e.rest.fail, postPath)
		rig.run(t, 3*time.Second)

		posted := rig.e.rest.Posted()
		if len(posted) != 1 {
			t.Fatalf("%d messages in the channel, want 1", len(posted))
		}
		first := posted[0]
		if first.Nonce != discord.Nonce(key) || len(first.Nonce) > 25 || first.Body["enforce_nonce"] != true {
			t.Errorf("nonce %q enforce %v", first.Nonce, first.Body["enforce_nonce"])
		}
		if footer := get(first.Body, "embeds", 0, "footer", "text"); footer != "week 11\n"+discord.RefMarker(key) {
			t.Errorf("footer %q", footer)
		}
		if rig.count("GET", "/api/v10/channels/555/messages") != 1 || rig.count("PATCH", "/api/v10/channels/555/messages/"+first.ID) != 1 {
			t.Errorf("requests %+v", rig.e.rest.Requests())
		}
		if m := rig.row(t, key); m.Status != models.OutboxSent || m.Ref != first.ID {
			t.Errorf("row %s ref %q, want sent %s", m.Status, m.Ref, first.ID)
		}
	})
}

// TestOutboxNonceDedupesWhenChannelUnreadable: the bot may not read the
// channel (403 on GET), so the search finds nothing and the worker posts
// again; the enforced nonce makes Discord return the first message rather
// than a second one.
func TestOutboxNonceDedupesWhenChannelUnreadable(t *testing.T) {
	rig := newOutboxRig(t, modelstest.MustOpenSQLite(t))
	const key = "alert/41"
	rig.enqueue(t, key, commands.Reply{Colour: "orange", Title: "Acme Corp 72 → 58"}, nil)
	rig.e.rest.fail[postPath] = failure{status: 500, body: `{"message": "Internal Server Error", "code": 0}`, posted: true}
	rig.run(t, 0)
	delete(rig.e.rest.fail, postPath)
	rig.e.rest.fail["GET /api/v10/channels/555/messages"] = failure{status: 403, body: `{"message": "Missing Access", "code": 50001}`}
	rig.run(t, time.Minute)
	posted := rig.e.rest.Posted()
	if len(posted) != 1 || rig.count("POST", "/api/v10/channels/555/messages") != 2 {
		t.Fatalf("%d messages after 2 posts, want 1", len(posted))
	}
	if m := rig.row(t, key); m.Status != models.OutboxSent || m.Ref != posted[0].ID {
		t.Errorf("row %s ref %q", m.Status, m.Ref)
	}
}

// TestOutboxPostFile: the summary and its chart go in one multipart
// request, the embed showing the PNG through attachment://.
func TestOutboxPostFile(t *testing.T) {
	png, err := os.ReadFile("../chart/testdata/status_8_weeks.png")
	if err != nil {
		t.Fatal(err)
	}
	rig := newOutboxRig(t, modelstest.MustOpenSQLite(t))
	rig.enqueue(t, "summary/2025-W11/555", summaryReply, png)
	rig.run(t, 0)
	posted := rig.e.rest.Posted()
	if len(posted) != 1 {
		t.Fatalf("%d messages", len(posted))
	}
	m := posted[0]
	if len(m.Files) != 1 || m.Files[0].Name != commands.ChartName || !bytes.Equal(m.Files[0].Data, png) {
		t.Fatalf("files %+v", m.Files)
	}
	if url := get(m.Body, "embeds", 0, "image", "url"); url != "attachment://"+commands.ChartName {
		t.Errorf("embed image %v", url)
	}
	if get(m.Body, "embeds", 0, "title") != summaryReply.Title || m.Nonce == "" {
		t.Errorf("body %v", m.Body)
	}
	if r := rig.row(t, "summary/2025-W11/555"); r.Status != models.OutboxSent || r.Ref != m.ID {
		t.Errorf("row %s ref %q", r.Status, r.Ref)
	}
}

// TestTagKeepsLimits: the marker fits even on a message already at
// Discord's limits.
func TestTagKeepsLimits(t *testing.T) {
	long := strings.Repeat("x", 900)
	r := commands.Reply{Title: strings.Repeat("T", 300), Text: strings.Repeat("line\n", 2000), Context: []string{strings.Repeat("c", 3000)}}
	for range 40 {
		r.Sections = append(r.Sections, commands.Section{Fields: []commands.Field{{Label: "f", Value: long}}})
	}
	rig := newOutboxRig(t, modelstest.MustOpenSQLite(t))
	rig.enqueue(t, "big", r, nil)
	rig.run(t, 0)
	posted := rig.e.rest.Posted()
	if len(posted) != 1 {
		t.Fatalf("%d posted", len(posted))
	}
	footer, _ := get(posted[0].Body, "embeds", 0, "footer", "text").(string)
	if !strings.HasSuffix(footer, "\n"+discord.RefMarker("big")) {
		t.Errorf("footer ends %q", footer[max(0, len(footer)-40):])
	}
	var e struct {
		Embeds []json.RawMessage `json:"embeds"`
	}
	raw, _ := json.Marshal(posted[0].Body)
	_ = json.Unmarshal(raw, &e)
	var msg discord.Message
	msg.Embeds = decodeEmbeds(t, e.Embeds)
	if err := discord.Validate(msg); err != nil {
		t.Error(err)
	}
}

func decodeEmbeds(t *testing.T, raws []json.RawMessage) []*discordgo.MessageEmbed {
	t.Helper()
	var out []*discordgo.MessageEmbed
	for _, r := range raws {
		var e discordgo.MessageEmbed
		if err := json.Unmarshal(r, &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, &e)
	}
	return out
}

// TestOutboxDirectMessage: a task for a user ("user:ID") opens their DM
// channel (POST /users/@me/channels) and posts there; an edit of it goes
// to the same channel, which is opened once.
func TestOutboxDirectMessage(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		rig := newOutboxRig(t, s)
		ctx := context.Background()
		payload, _ := json.Marshal(commandstest.TaskDM("discord"))
		m := &models.OutboxMessage{Platform: "discord", Channel: models.UserChannel("80351110224678912"), Kind: models.KindTask, Payload: string(payload), DedupeKey: "task/12/discord"}
		if _, err := s.Enqueue(ctx, m, rig.clock); err != nil {
			t.Fatal(err)
		}
		rig.run(t, time.Second)
		row := rig.row(t, "task/12/discord")
		if row.Status != models.OutboxSent || row.Ref == "" {
			t.Fatalf("after delivery: %+v", row)
		}
		if err := s.RequeueMessages(ctx, map[uint]string{row.ID: string(payload)}, rig.clock); err != nil {
			t.Fatal(err)
		}
		rig.run(t, time.Second)
		const dm = "/api/v10/channels/dm80351110224678912/messages"
		if rig.count("POST", "/api/v10/users/@me/channels") != 1 || rig.count("POST", dm) != 1 || rig.count("PATCH", dm+"/"+row.Ref) != 1 {
			t.Errorf("requests %+v", rig.e.rest.Requests())
		}
	})
}

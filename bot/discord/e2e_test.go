package discord_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/healthbot/healthbot/bot/discord"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// TestEndToEndWithTheRealService drives the HTTP handler against the real
// commands.Service on a real database: a button records one pulse for the
// clicking member (a double click still one), a modal records a red pulse
// with its reason, and rejected or refused requests leave the database as
// it was.
func TestEndToEndWithTheRealService(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, store *models.Store) {
		clock := now
		acme := models.Account{ExternalID: "acme-1", Name: "Acme Corp", Slug: "acme", MRRCents: 1240000, Owner: "maria"}
		for _, a := range []*models.Account{&acme, {ExternalID: "glx-1", Name: "Globex", Slug: "globex"}} {
			if err := store.DB().Create(a).Error; err != nil {
				t.Fatal(err)
			}
		}
		svc := &commands.Service{Store: store, Config: scoring.Default(), Now: func() time.Time { return clock }, Log: slog.New(slog.DiscardHandler)}

		e := newEnv(t, nil, guildID)
		pub := e.priv.Public().(ed25519.PublicKey)
		rest := e.rest
		a, err := discord.New(discord.Config{BotToken: "bot-token", AppID: appID, PublicKey: hex.EncodeToString(pub), APIURL: rest.URL + "/api/v10", GuildIDs: []string{guildID}},
			svc, discord.StoreAccounts{Store: store, Now: func() time.Time { return clock }}, nil)
		if err != nil {
			t.Fatal(err)
		}
		a.Now = func() time.Time { return now }
		a.EventStore = store
		mux := http.NewServeMux()
		a.Mount(mux)
		e.a, e.handler = a, mux

		pulses := func() []models.Pulse {
			var ps []models.Pulse
			if err := store.DB().Order("id").Find(&ps).Error; err != nil {
				t.Fatal(err)
			}
			return ps
		}

		// Autocomplete from the database.
		got := response(t, e.post(interaction(discordgo.InteractionApplicationCommandAutocomplete,
			slash("pulse", map[string]any{"name": "account", "type": 3, "value": "ac", "focused": true}), nil)))
		if c := get(got, "data", "choices"); length(c) != 1 || get(c, 0, "value") != "acme" || get(c, 0, "name") != "Acme Corp (acme)" {
			t.Errorf("autocomplete = %v", c)
		}

		// The card, then a click on its green button.
		got = response(t, e.post(interaction(discordgo.InteractionApplicationCommand, slash("health", subcmd("show", opt("account", 3, "acme"))), nil)))
		if title, _ := get(got, "data", "embeds", 0, "title").(string); num(got["type"]) != 4 || !strings.HasPrefix(title, "Acme Corp") {
			t.Fatalf("card = %v", got)
		}
		green, _ := get(got, "data", "components", 0, "components", 2, "custom_id").(string)
		if green != "b2|pulse acme green" {
			t.Fatalf("green button id %q", green)
		}
		got = response(t, e.post(click(green)))
		if num(got["type"]) != 7 || !strings.HasPrefix(get(got, "data", "content").(string), "Recorded a green pulse for Acme Corp") {
			t.Fatalf("click answered %v", got)
		}
		ps := pulses()
		if len(ps) != 1 || ps[0].Colour != "green" || ps[0].By != "Maria" || ps[0].AccountID != acme.ID {
			t.Fatalf("pulses after the click = %+v", ps)
		}

		// A double click (a second interaction, seconds later) records nothing new.
		clock = clock.Add(5 * time.Second)
		got = response(t, e.post(click(green)))
		if len(pulses()) != 1 {
			t.Fatalf("double click recorded %d pulses", len(pulses()))
		}
		if c, _ := get(got, "data", "content").(string); !strings.Contains(c, "Already recorded") {
			t.Errorf("double click answered %v", got)
		}

		// Rejected and refused requests change nothing: no pulse, and no
		// interaction id recorded as processed.
		events := countRows(t, store, &models.ProcessedEvent{})
		if events == 0 {
			t.Fatal("handled interactions left no processed_events rows: the count below would prove nothing")
		}
		body := click("b1|pulse acme yellow")
		ts := strconv.FormatInt(now.Unix(), 10)
		_, otherKey, _ := ed25519GenerateKey()
		for name, h := range map[string]map[string]string{
			"bad signature": {"X-Signature-Ed25519": sign(e.priv, ts, []byte("{}")), "X-Signature-Timestamp": ts},
			"wrong key":     {"X-Signature-Ed25519": sign(otherKey, ts, body), "X-Signature-Timestamp": ts},
			"no headers":    {},
		} {
			if rec := e.postWith(body, h); rec.Code != http.StatusUnauthorized {
				t.Errorf("%s: status %d", name, rec.Code)
			}
		}
		foreign := interaction(discordgo.InteractionApplicationCommand,
			slash("pulse", opt("account", 3, "acme"), opt("color", 3, "yellow")), map[string]any{"guild_id": "999"})
		if got := response(t, e.post(foreign)); !strings.Contains(get(got, "data", "content").(string), "does not serve") {
			t.Errorf("foreign guild answered %v", got)
		}
		dm := interaction(discordgo.InteractionApplicationCommand, slash("pulse", opt("account", 3, "acme"), opt("color", 3, "green")),
			map[string]any{"guild_id": nil, "member": nil, "user": member["user"]})
		if got := response(t, e.post(dm)); !strings.Contains(get(got, "data", "content").(string), "direct messages") {
			t.Errorf("DM answered %v", got)
		}
		if ps := pulses(); len(ps) != 1 {
			t.Fatalf("rejected requests changed the database: %+v", ps)
		}
		if n := countRows(t, store, &models.ProcessedEvent{}); n != events {
			t.Fatalf("rejected requests recorded %d processed_events rows", n-events)
		}

		// Red without a reason opens the modal; submitting it records.
		got = response(t, e.post(click("b0|pulse acme red")))
		if num(got["type"]) != 9 {
			t.Fatalf("red click answered %v", got)
		}
		if p, _ := get(got, "data", "components", 0, "components", 0, "placeholder").(string); !strings.Contains(p, "budget") {
			t.Errorf("reason input placeholder %q", p)
		}
		modal, _ := get(got, "data", "custom_id").(string)
		got = response(t, e.post(submit(modal, map[string]string{"reason": "budget", "note": "CFO froze spend"}, true)))
		if num(got["type"]) != 7 {
			t.Fatalf("modal submit answered %v", got)
		}
		ps = pulses()
		if len(ps) != 2 || ps[1].Colour != "red" || ps[1].Reason != "budget" || ps[1].Note != "CFO froze spend" {
			t.Fatalf("pulses after the modal = %+v", ps)
		}
		if len(rest.Requests()) != 0 {
			t.Errorf("the HTTP path made REST calls: %+v", rest.Requests())
		}
	})
}

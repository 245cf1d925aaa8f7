package discord_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"image/png"
	"log/slog"
	"net/http"
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

// TestChartCommand: "/health chart account:acme" with the real Service,
// over HTTP and the gateway. A picture cannot ride in an HTTP
// interaction's JSON answer, so both answer "thinking…" (public) at
// once, then edit the response with the PNG attached (multipart,
// image/png) and shown as the embed's image through attachment://.
func TestChartCommand(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, store *models.Store) {
		acme := models.Account{ExternalID: "acme-1", Name: "Acme Corp", Slug: "acme", MRRCents: 1240000, Owner: "maria"}
		if err := store.DB().Create(&acme).Error; err != nil {
			t.Fatal(err)
		}
		var snaps []models.Snapshot
		for n := 60; n >= 1; n-- {
			score := 50 + n/2
			snaps = append(snaps, models.Snapshot{AccountID: acme.ID, Day: now.AddDate(0, 0, -n).Format(models.DayLayout),
				Known: true, Score: score, Computed: score, Status: string(scoring.StatusOf(score)), Subscores: "{}"})
		}
		if err := store.DB().Create(&snaps).Error; err != nil {
			t.Fatal(err)
		}
		svc := &commands.Service{Store: store, Config: scoring.Default(), Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}
		for _, transport := range []string{"http", "gateway"} {
			t.Run(transport, func(t *testing.T) {
				e := newEnv(t, nil, guildID)
				a, err := discord.New(discord.Config{BotToken: "bot-token", AppID: appID, PublicKey: hex.EncodeToString(e.priv.Public().(ed25519.PublicKey)),
					APIURL: e.rest.URL + "/api/v10", GuildIDs: []string{guildID}}, svc, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				a.Now = func() time.Time { return now }
				mux := http.NewServeMux()
				a.Mount(mux)
				e.a, e.handler = a, mux

				body := interaction(discordgo.InteractionApplicationCommand, slash("health", subcmd("chart", opt("account", 3, "acme"))), nil)
				var got map[string]any
				if transport == "http" {
					got = response(t, e.post(body))
				} else {
					got = e.gateway(body)
				}
				if num(got["type"]) != 5 || num(get(got, "data", "flags")) != 0 {
					t.Fatalf("immediate answer %v, want a public deferral", got)
				}
				e.a.Wait()
				var edit *request
				for _, r := range e.rest.Requests() {
					if r.Method == "PATCH" && strings.HasSuffix(r.Path, "/messages/@original") {
						edit = &r
					}
				}
				if edit == nil {
					t.Fatalf("no edit of the response: %+v", e.rest.Requests())
				}
				name := "acme-2025-03-14.png"
				if len(edit.Files) != 1 || edit.Files[0].Name != name || edit.Files[0].Type != "image/png" {
					t.Fatalf("files %+v", edit.Files)
				}
				if img, err := png.Decode(bytes.NewReader(edit.Files[0].Data)); err != nil || img.Bounds().Dx() != 860 {
					t.Errorf("the file is not the chart: %v", err)
				}
				if url := get(edit.Body, "embeds", 0, "image", "url"); url != "attachment://"+name {
					t.Errorf("embed image %v", url)
				}
				if title := get(edit.Body, "embeds", 0, "title"); title != "Acme Corp — score over 90 days" {
					t.Errorf("embed title %v", title)
				}
				if d, _ := get(edit.Body, "embeds", 0, "description").(string); !strings.HasPrefix(d, "Score 80 on Jan 13, 50 on Mar 13") {
					t.Errorf("embed says %q", d)
				}
			})
		}
	})
}

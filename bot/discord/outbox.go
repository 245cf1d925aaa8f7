package discord

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/healthbot/healthbot/bot/outbox"
	"github.com/healthbot/healthbot/commands"
)

// The outbox's optional capabilities: the summary chart, and finding a
// message again after an ambiguous failure.
var (
	_ outbox.FilePoster = (*Adapter)(nil)
	_ outbox.Finder     = (*Adapter)(nil)
)

// findLimit is how many recent messages FindPosted reads (Discord's most
// per request). The post sought was attempted by the previous delivery
// attempt, so it is among the newest unless the channel is very busy.
const findLimit = 50

// Nonce is the message nonce healthbot sends for an outbox dedupe key: a
// hash, since Discord allows at most 25 characters. With enforce_nonce,
// Discord answers a repeated create within a few minutes with the message
// it already made instead of posting again.
func Nonce(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "hb" + hex.EncodeToString(sum[:])[:23]
}

// RefMarker is the footer line that tags an outbox message with its dedupe
// key, so FindPosted can recognise it later (Discord returns no nonce
// when listing messages). It is short: readers see it.
func RefMarker(key string) string { return "ref " + Nonce(key)[2:14] }

// messageCreate is discordgo.MessageSend plus the fields discordgo v0.29
// lacks: nonce and enforce_nonce.
type messageCreate struct {
	*discordgo.MessageSend
	Nonce        string `json:"nonce,omitempty"`
	EnforceNonce bool   `json:"enforce_nonce,omitempty"`
}

// tag marks m with the outbox key's RefMarker: the last footer line of its
// embed, or the last line of its content when it has no embed. Room is
// made within Discord's limits by cutting the footer or fields first.
func tag(m *Message, key string) {
	if key == "" {
		return
	}
	marker := RefMarker(key)
	if len(m.Embeds) == 0 {
		if m.Content == "" {
			m.Content = marker
			return
		}
		m.Content = TruncateLines(m.Content, MaxContent-utf8.RuneCountInString(marker)-1) + "\n" + marker
		return
	}
	e := m.Embeds[0]
	if e.Footer == nil || e.Footer.Text == "" {
		e.Footer = &discordgo.MessageEmbedFooter{Text: marker}
	} else {
		e.Footer.Text = TruncateLines(e.Footer.Text, MaxFooter-utf8.RuneCountInString(marker)-1) + "\n" + marker
	}
	if EmbedLength(e) > MaxEmbedTotal {
		e.Fields = FitFields(e.Fields, MaxFields, MaxEmbedTotal-embedTextLen(e))
	}
}

// send creates a message with the outbox key's nonce (enforced) and
// marker, with files attached when given.
func (a *Adapter) send(ctx context.Context, channel string, m Message, files []*discordgo.File) (string, error) {
	key := outbox.KeyFrom(ctx)
	tag(&m, key)
	for _, e := range m.Embeds {
		if e.Type == "" {
			e.Type = discordgo.EmbedTypeRich
		}
	}
	data := messageCreate{MessageSend: &discordgo.MessageSend{
		Content: m.Content, Embeds: m.Embeds, Components: m.Components, AllowedMentions: m.AllowedMentions,
	}}
	if key != "" {
		data.Nonce, data.EnforceNonce = Nonce(key), true
	}
	endpoint := discordgo.EndpointChannelMessages(channel)
	var (
		body []byte
		err  error
	)
	if len(files) > 0 {
		ct, payload, encErr := discordgo.MultipartBodyWithJSON(data, files)
		if encErr != nil {
			return "", fmt.Errorf("encode discord message: %w", encErr)
		}
		body, err = a.rest.RequestRaw(http.MethodPost, endpoint, ct, payload, endpoint, 0, discordgo.WithContext(ctx))
	} else {
		body, err = a.rest.RequestWithBucketID(http.MethodPost, endpoint, data, endpoint, discordgo.WithContext(ctx))
	}
	if err != nil {
		return "", deliveryError("post to discord channel "+channel, err)
	}
	var msg struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &msg); err != nil || msg.ID == "" {
		return "", fmt.Errorf("post to discord channel %s: no message id in the answer: %s", channel, truncateRunes(string(body), 200))
	}
	return msg.ID, nil
}

// PostFile posts r with data attached as name (the weekly summary's
// chart), shown as the embed's image through attachment://name
// (outbox.FilePoster). Message and file go in one request, so they arrive
// together or not at all.
func (a *Adapter) PostFile(ctx context.Context, channel string, r commands.Reply, name string, data []byte) (string, error) {
	channel, err := a.target(ctx, channel)
	if err != nil {
		return "", err
	}
	name = attachmentName(name)
	m := a.render(r)
	if len(m.Embeds) > 0 {
		m.Embeds[0].Image = &discordgo.MessageEmbedImage{URL: "attachment://" + name}
	}
	return a.send(ctx, channel, m, []*discordgo.File{{Name: name, ContentType: "image/png", Reader: bytes.NewReader(data)}})
}

// attachmentName keeps the characters Discord accepts in an attachment://
// reference (letters, digits, dot, dash, underscore).
func attachmentName(name string) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, name)
	if clean == "" {
		return "chart.png"
	}
	return clean
}

// FindPosted reads the channel's newest messages (GET
// /channels/{id}/messages?limit=50) and returns the id of the one carrying
// key's nonce or footer marker, or "" (outbox.Finder). A rate limit is a
// *bot.RetryAfterError; a channel the bot may not read counts as "none
// found" (and is logged), so delivery goes on and the nonce still
// catches a repeat within Discord's window.
func (a *Adapter) FindPosted(ctx context.Context, channel, key string) (string, error) {
	if key == "" {
		return "", nil
	}
	channel, err := a.target(ctx, channel)
	if err != nil {
		return "", err
	}
	endpoint := discordgo.EndpointChannelMessages(channel)
	body, err := a.rest.RequestWithBucketID(http.MethodGet, endpoint+fmt.Sprintf("?limit=%d", findLimit), nil, endpoint, discordgo.WithContext(ctx))
	if err != nil {
		err = deliveryError("read discord channel "+channel, err)
		if isPermanent(err) {
			a.log.Warn("cannot read the channel to look for an earlier post; posting anew may duplicate it", "channel", channel, "key", key, "err", err)
			return "", nil
		}
		return "", err
	}
	var msgs []struct {
		ID      string `json:"id"`
		Nonce   any    `json:"nonce"`
		Content string `json:"content"`
		Embeds  []struct {
			Footer *struct {
				Text string `json:"text"`
			} `json:"footer"`
		} `json:"embeds"`
	}
	if err := json.Unmarshal(body, &msgs); err != nil {
		return "", fmt.Errorf("read discord channel %s: %w", channel, err)
	}
	nonce, marker := Nonce(key), RefMarker(key)
	for _, m := range msgs {
		if fmt.Sprint(m.Nonce) == nonce || lastLine(m.Content) == marker {
			return m.ID, nil
		}
		for _, e := range m.Embeds {
			if e.Footer != nil && lastLine(e.Footer.Text) == marker {
				return m.ID, nil
			}
		}
	}
	return "", nil
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

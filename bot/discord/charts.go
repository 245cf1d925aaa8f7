package discord

import (
	"bytes"

	"github.com/bwmarrin/discordgo"

	"github.com/healthbot/healthbot/bot/chart"
	"github.com/healthbot/healthbot/commands"
)

// maxEmbeds is the most embeds a Discord message holds.
const maxEmbeds = 10

// attachment is a picture sent with a message.
type attachment struct {
	name string
	data []byte
}

// drawCharts draws the pictures of r (/health ACCOUNT chart) and shows
// them in m through attachment://NAME: the first as the image of m's
// embed, each other in an embed of its own.
func (a *Adapter) drawCharts(r commands.Reply, m *Message) []attachment {
	var out []attachment
	for _, c := range r.Charts {
		png, err := chart.PNG(c)
		if err != nil {
			a.log.Error("draw chart", "chart", c.Name, "err", err)
			continue
		}
		att := attachment{name: attachmentName(c.Name), data: png}
		img := &discordgo.MessageEmbedImage{URL: "attachment://" + att.name}
		switch {
		case len(out) == 0 && len(m.Embeds) > 0:
			m.Embeds[0].Image = img
		case len(m.Embeds) < maxEmbeds:
			m.Embeds = append(m.Embeds, &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich, Title: truncateRunes(c.Title, MaxEmbedTitle), Image: img})
		default:
			continue
		}
		out = append(out, att)
	}
	return out
}

// discordFiles are the attachments as a request sends them, each with a
// reader of its own: a retried request reads them again.
func discordFiles(atts []attachment) []*discordgo.File {
	out := make([]*discordgo.File, len(atts))
	for i, a := range atts {
		out[i] = &discordgo.File{Name: a.name, ContentType: "image/png", Reader: bytes.NewReader(a.data)}
	}
	return out
}

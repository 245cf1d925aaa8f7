package slack

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/healthbot/healthbot/commands"
	slackgo "github.com/slack-go/slack"
)

// statusEmoji marks a header with the reply's status colour: Block Kit has
// no coloured bars (those are legacy attachments), so the colour shows as
// a circle emoji.
var statusEmoji = map[string]string{
	"green":  ":large_green_circle:",
	"yellow": ":large_yellow_circle:",
	"orange": ":large_orange_circle:",
	"red":    ":red_circle:",
	"grey":   ":white_circle:",
}

// actionPrefix starts every action_id healthbot renders, so an interaction
// can be told apart from other apps' and its index read back.
const actionPrefix = "hb:"

// Blocks renders a neutral Reply as Block Kit message blocks, within
// Slack's limits: a header with the status emoji and title, the lead text,
// each section (fields split ten to a block, then an actions block of its
// own buttons), the context lines and one actions block holding the
// reply's buttons. It is a pure function.
func Blocks(r commands.Reply) []slackgo.Block { return blocks(r, MaxMessageBlocks) }

// blocks is Blocks within maxBlocks: a message's 50, or a view's 100.
func blocks(r commands.Reply, maxBlocks int) []slackgo.Block {
	var content []slackgo.Block
	if r.Title != "" {
		title := r.Title
		if e := statusEmoji[r.Colour]; e != "" {
			title = e + " " + title
		}
		content = append(content, slackgo.NewHeaderBlock(plain(Truncate(title, MaxHeaderText))))
	}
	if t := strings.TrimSpace(r.Text); t != "" {
		if r.Title == "" && statusEmoji[r.Colour] != "" && r.Colour != "grey" {
			t = statusEmoji[r.Colour] + " " + t
		}
		content = append(content, slackgo.NewSectionBlock(mrkdwn(truncateEscaped(t, MaxSectionText, "")), nil, nil))
	}
	n := 0 // buttons rendered so far: action ids are unique across the message
	for _, s := range r.Sections {
		content = append(content, sectionBlocks(s)...)
		content = append(content, actionBlocks(s.Buttons, n)...)
		n += len(s.Buttons)
	}
	content = append(content, contextBlocks(r.Context)...)
	if len(content) == 0 && len(r.Buttons) == 0 {
		// Slack refuses an empty message; say something rather than nothing.
		content = append(content, slackgo.NewSectionBlock(mrkdwn("Done."), nil, nil))
	}

	actions := actionBlocks(r.Buttons, n)
	room := maxBlocks - len(actions)
	if len(content) > room {
		dropped := len(content) - (room - 1)
		content = append(content[:room-1:room-1],
			slackgo.NewContextBlock("", mrkdwn(fmt.Sprintf("…and %d more blocks not shown", dropped))))
	}
	return append(content, actions...)
}

// FallbackText is the plain text Slack shows in notifications and to
// clients that cannot draw blocks.
func FallbackText(r commands.Reply) string {
	t := r.Title
	if t == "" {
		t = r.Text
	}
	if t == "" {
		t = "healthbot"
	}
	return Truncate(strings.SplitN(t, "\n", 2)[0], MaxHeaderText)
}

// sectionBlocks renders one Section: the title in bold above its text,
// then its fields ten to a block (Slack's limit per section).
func sectionBlocks(s commands.Section) []slackgo.Block {
	var head string
	if s.Title != "" {
		head = "*" + escape(s.Title) + "*"
	}
	text := head
	if t := strings.TrimSpace(s.Text); t != "" {
		if head != "" {
			head += "\n"
		}
		text = truncateEscaped(t, MaxSectionText, head)
	}
	if len(s.Fields) > maxFieldsAsFields {
		return []slackgo.Block{slackgo.NewSectionBlock(mrkdwn(listText(head, s.Text, s.Fields)), nil, nil)}
	}
	var fields []*slackgo.TextBlockObject
	for _, f := range s.Fields {
		label := "*" + escape(f.Label) + "*\n"
		fields = append(fields, mrkdwn(truncateEscaped(f.Value, MaxFieldText, label)))
	}
	var out []slackgo.Block
	first := true
	for first || len(fields) > 0 {
		n := min(len(fields), MaxSectionFields)
		var tb *slackgo.TextBlockObject
		if first && text != "" {
			tb = mrkdwn(text)
		}
		if tb != nil || n > 0 {
			out = append(out, slackgo.NewSectionBlock(tb, fields[:n:n], nil))
		}
		fields = fields[n:]
		first = false
	}
	return out
}

// maxFieldsAsFields is the most fields a section shows as Block Kit
// fields (two blocks); a longer one (the weekly summary's at-risk list in a
// large portfolio) becomes one list so it cannot crowd the sections after
// it out of the message's 50 blocks.
const maxFieldsAsFields = 2 * MaxSectionFields

// listText renders fields as lines "*label* — value" under head and the
// section's text, cut at a line to fit a section with an explicit
// "…and N more" (N entries left out).
func listText(head, text string, fields []commands.Field) string {
	var lines []string
	if t := strings.TrimSpace(text); t != "" {
		lines = append(lines, escape(t))
	}
	top := len(lines)
	for _, f := range fields {
		lines = append(lines, "*"+escape(oneLine(f.Label))+"* — "+escape(oneLine(f.Value)))
	}
	if head != "" {
		head += "\n"
	}
	room := MaxSectionText - utf8.RuneCountInString(head)
	for keep := len(lines); keep > top; keep-- {
		out := strings.Join(lines[:keep], "\n")
		if keep < len(lines) {
			out += fmt.Sprintf("\n…and %d more", len(lines)-keep)
		}
		if utf8.RuneCountInString(out) <= room {
			return head + out
		}
	}
	return head + Truncate(strings.Join(lines, "\n"), room)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// contextBlocks renders the small secondary lines, one element each, ten
// elements to a block.
func contextBlocks(lines []string) []slackgo.Block {
	var out []slackgo.Block
	var els []slackgo.MixedElement
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		els = append(els, mrkdwn(truncateEscaped(l, MaxSectionText, "")))
		if len(els) == MaxContextItems {
			out = append(out, slackgo.NewContextBlock("", els...))
			els = nil
		}
	}
	if len(els) > 0 {
		out = append(out, slackgo.NewContextBlock("", els...))
	}
	return out
}

// actionBlocks renders the buttons, 25 to a block; each action_id is
// "hb:N" (N counts from after, unique within the message) and each value
// the button's command line, which is what runs when it is pressed. A
// command line too long for a value is left out rather than cut, since a
// cut command would do something else.
func actionBlocks(buttons []commands.Button, after int) []slackgo.Block {
	var out []slackgo.Block
	var els []slackgo.BlockElement
	for i, b := range buttons {
		if len([]rune(b.Action)) > MaxValue || b.Action == "" {
			continue
		}
		btn := slackgo.NewButtonBlockElement(fmt.Sprintf("%s%d", actionPrefix, after+i), b.Action, plain(Truncate(b.Label, MaxButtonText)))
		switch b.Style {
		case commands.StyleDanger:
			btn = btn.WithStyle(slackgo.StyleDanger)
		case commands.StylePrimary:
			btn = btn.WithStyle(slackgo.StylePrimary)
		}
		els = append(els, btn)
		if len(els) == MaxActionElements {
			out = append(out, slackgo.NewActionBlock("", els...))
			els = nil
		}
	}
	if len(els) > 0 {
		out = append(out, slackgo.NewActionBlock("", els...))
	}
	return out
}

// truncateEscaped escapes s for mrkdwn and keeps prefix+s within limit
// characters, never leaving half an escape sequence at the cut.
func truncateEscaped(s string, limit int, prefix string) string {
	room := max(limit-len([]rune(prefix)), 0)
	esc := escape(s)
	out := Truncate(esc, room)
	if out != esc {
		if cut := strings.LastIndex(out, "…and "); cut >= 0 {
			body, suffix := out[:cut], out[cut:]
			if i := strings.LastIndexByte(body, '&'); i >= 0 && !strings.Contains(body[i:], ";") {
				body = body[:i]
			}
			// Nor half a mention: "<@U02" would show as broken markup.
			if i := strings.LastIndexByte(body, '<'); i >= 0 && !strings.Contains(body[i:], ">") {
				body = body[:i]
			}
			out = body + suffix
		}
	}
	return prefix + out
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escape makes plain text safe for mrkdwn: Slack reads &, < and > as
// markup. A mention of a Slack user (the owner line of an alert) is kept
// as Slack's own mention, so the user is pinged; any other mention is
// text.
func escape(s string) string {
	var b strings.Builder
	for _, sp := range commands.Spans(s) {
		if m := sp.Mention; m != nil && m.UserOn(Platform) {
			b.WriteString(m.String())
			continue
		}
		b.WriteString(escaper.Replace(sp.Text))
	}
	return b.String()
}

func plain(s string) *slackgo.TextBlockObject {
	return slackgo.NewTextBlockObject(slackgo.PlainTextType, s, true, false)
}

func mrkdwn(s string) *slackgo.TextBlockObject {
	return slackgo.NewTextBlockObject(slackgo.MarkdownType, s, false, false)
}

package discord

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/healthbot/healthbot/commands"
)

// Discord's limits on what a message may carry
// (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
const (
	MaxContent      = 2000
	MaxEmbedTitle   = 256
	MaxDescription  = 4096
	MaxFields       = 25
	MaxFieldName    = 256
	MaxFieldValue   = 1024
	MaxFooter       = 2048
	MaxEmbedTotal   = 6000
	MaxButtonsInRow = 5
	MaxRows         = 5
	MaxButtonLabel  = 80
	MaxCustomID     = 100
	MaxModalTitle   = 45
	MaxInputLabel   = 45
	MaxPlaceholder  = 100
	MaxInputLength  = 4000
	MaxModalInputs  = 5
	MaxChoices      = 25
	MaxChoiceName   = 100
)

// Embed colours by Reply.Colour.
var colours = map[string]int{
	"green":  0x2EB67D,
	"yellow": 0xECB22E,
	"orange": 0xE8912D,
	"red":    0xE01E5A,
	"grey":   0x9AA0A6,
}

// What the footer and the lead text keep when an embed must be cut to
// 6000 characters; with a title of at most 256 the fields keep over 4000.
const (
	minFooter      = 512
	minDescription = 1024
)

// blank is the zero-width space Discord accepts where a field needs a
// non-empty value but there is nothing to say.
const blank = "\u200b"

// Message is a Reply rendered for Discord: the parts every message-bearing
// call (interaction response, webhook edit, channel message) carries.
type Message struct {
	Content    string
	Embeds     []*discordgo.MessageEmbed
	Components []discordgo.MessageComponent
	Ephemeral  bool
	// AllowedMentions limits pings to the users mentioned in Content (the
	// account owner); nil when nobody is mentioned.
	AllowedMentions *discordgo.MessageAllowedMentions
	// Long maps the custom ids of buttons whose action was too long to
	// encode to that action; the adapter remembers them for the click.
	Long map[string]string
}

// Render lays out r as a Discord message: an embed coloured by status
// (title, lead text, a field per section and component, context lines in
// the footer) and rows of buttons. A reply with only text becomes plain
// content. Everything is cut to Discord's limits, with an explicit
// "…and N more" where something was left out.
func Render(r commands.Reply) Message {
	m := Message{Ephemeral: r.Ephemeral}
	// Discord draws no mention in an embed (nor pings): context lines that
	// mention someone ("Owner: <@123>") go to the content instead.
	var mentions []string
	r.Context, mentions = splitMentions(r.Context)
	if len(mentions) > 0 && (r.Title != "" || len(r.Sections) > 0 || len(r.Context) > 0) {
		m.Content = TruncateLines(strings.Join(mentions, "\n"), MaxContent)
		m.AllowedMentions = &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}, Users: mentionedUsers(m.Content, 100)}
	} else if len(mentions) > 0 {
		r.Text = strings.TrimSpace(r.Text + "\n" + strings.Join(mentions, "\n"))
	}
	if r.Title == "" && len(r.Sections) == 0 && len(r.Context) == 0 {
		m.Content = TruncateLines(r.Text, MaxContent)
	} else {
		m.Embeds = []*discordgo.MessageEmbed{renderEmbed(r)}
	}
	m.Components, m.Long = renderButtons(buttonGroups(r))
	return m
}

// splitMentions separates the lines that mention a Discord user from the rest.
func splitMentions(lines []string) (rest, mentions []string) {
	for _, l := range lines {
		if len(mentionedUsers(l, 1)) > 0 {
			mentions = append(mentions, l)
		} else {
			rest = append(rest, l)
		}
	}
	return rest, mentions
}

// mentionedUsers lists the ids of the Discord users mentioned in s, at
// most limit (Discord takes 100 in allowed_mentions.users).
func mentionedUsers(s string, limit int) []string {
	var ids []string
	for _, sp := range commands.Spans(s) {
		if m := sp.Mention; m != nil && m.UserOn(Platform) && len(ids) < limit {
			ids = append(ids, m.ID)
		}
	}
	return ids
}

func renderEmbed(r commands.Reply) *discordgo.MessageEmbed {
	e := &discordgo.MessageEmbed{
		Title:       truncateRunes(r.Title, MaxEmbedTitle),
		Description: TruncateLines(r.Text, MaxDescription),
		Color:       colours[r.Colour],
	}
	if e.Color == 0 {
		e.Color = colours["grey"]
	}
	var fields []*discordgo.MessageEmbedField
	compact := compactSections(r.Sections)
	for i, s := range r.Sections {
		if compact[i] {
			fields = append(fields, listField(s))
			continue
		}
		if s.Title != "" || s.Text != "" {
			// The section header: a full-width field so the inline
			// component fields below it start on a new line.
			name, value := s.Title, s.Text
			if name == "" {
				name = blank
			}
			if value == "" {
				value = blank
			}
			fields = append(fields, &discordgo.MessageEmbedField{
				Name:  truncateRunes(name, MaxFieldName),
				Value: TruncateLines(value, MaxFieldValue),
			})
		}
		for _, f := range s.Fields {
			fields = append(fields, &discordgo.MessageEmbedField{
				Name:   truncateRunes(nonEmpty(f.Label), MaxFieldName),
				Value:  TruncateLines(nonEmpty(f.Value), MaxFieldValue),
				Inline: true,
			})
		}
	}
	if len(r.Context) > 0 {
		e.Footer = &discordgo.MessageEmbedFooter{Text: TruncateLines(strings.Join(r.Context, "\n"), MaxFooter)}
	}
	e.Fields = FitFields(fields, MaxFields, MaxEmbedTotal) // 25 fields at most
	// Over 6000 characters in all, the footer gives way first, then the
	// lead text, each keeping a useful minimum, then the fields.
	if over := EmbedLength(e) - MaxEmbedTotal; over > 0 && e.Footer != nil {
		if n := utf8.RuneCountInString(e.Footer.Text); n > minFooter {
			e.Footer.Text = TruncateLines(e.Footer.Text, max(minFooter, n-over))
		}
	}
	if over := EmbedLength(e) - MaxEmbedTotal; over > 0 {
		if n := utf8.RuneCountInString(e.Description); n > minDescription {
			e.Description = TruncateLines(e.Description, max(minDescription, n-over))
		}
	}
	if EmbedLength(e) > MaxEmbedTotal {
		e.Fields = FitFields(fields, MaxFields, MaxEmbedTotal-embedTextLen(e))
	}
	return e
}

// compactSections picks the sections to show as one list field each, so
// that the embed needs at most MaxFields fields: the longest first (in a
// weekly summary, the at-risk or expansion list), leaving the short ones
// (overview, key metrics) as fields.
func compactSections(sections []commands.Section) []bool {
	compact := make([]bool, len(sections))
	cost := func(i int) int {
		s := sections[i]
		if compact[i] {
			return 1
		}
		n := len(s.Fields)
		if s.Title != "" || s.Text != "" {
			n++
		}
		return n
	}
	for {
		total, worst := 0, -1
		for i := range sections {
			total += cost(i)
			if !compact[i] && len(sections[i].Fields) > 1 && (worst < 0 || len(sections[i].Fields) > len(sections[worst].Fields)) {
				worst = i
			}
		}
		if total <= MaxFields || worst < 0 {
			return compact
		}
		compact[worst] = true
	}
}

// listField renders a section as one field: its text, then a line
// "**label** — value" per field, cut at a line with "…and N more".
func listField(s commands.Section) *discordgo.MessageEmbedField {
	var lines []string
	if t := strings.TrimSpace(s.Text); t != "" {
		lines = append(lines, t)
	}
	for _, f := range s.Fields {
		lines = append(lines, "**"+oneLine(f.Label)+"** — "+oneLine(f.Value))
	}
	return &discordgo.MessageEmbedField{
		Name:  truncateRunes(nonEmpty(s.Title), MaxFieldName),
		Value: TruncateLines(nonEmpty(strings.Join(lines, "\n")), MaxFieldValue),
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func nonEmpty(s string) string {
	if strings.TrimSpace(s) == "" {
		return blank
	}
	return s
}

// FitFields keeps as many fields as fit within maxFields and budget
// characters (names plus values); when some do not fit, the last kept slot
// becomes an explicit "…and N more" field so the reader knows.
func FitFields(fields []*discordgo.MessageEmbedField, maxFields, budget int) []*discordgo.MessageEmbedField {
	total := 0
	for _, f := range fields {
		total += fieldLen(f)
	}
	if len(fields) <= maxFields && total <= budget {
		return fields
	}
	var kept []*discordgo.MessageEmbedField
	used := 0
	for i, f := range fields {
		more := andMore(len(fields) - i)
		moreField := &discordgo.MessageEmbedField{Name: more, Value: "Not shown: a Discord message has room for no more."}
		if len(kept)+2 > maxFields || used+fieldLen(f)+fieldLen(moreField) > budget {
			if used+fieldLen(moreField) <= budget && len(kept) < maxFields {
				kept = append(kept, moreField)
			}
			return kept
		}
		kept = append(kept, f)
		used += fieldLen(f)
	}
	return kept
}

func fieldLen(f *discordgo.MessageEmbedField) int {
	return utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
}

// embedTextLen counts what an embed carries besides its fields.
func embedTextLen(e *discordgo.MessageEmbed) int {
	n := utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
	if e.Footer != nil {
		n += utf8.RuneCountInString(e.Footer.Text)
	}
	if e.Author != nil {
		n += utf8.RuneCountInString(e.Author.Name)
	}
	return n
}

// EmbedLength is the character count Discord checks against its 6000 limit.
func EmbedLength(e *discordgo.MessageEmbed) int {
	n := embedTextLen(e)
	for _, f := range e.Fields {
		n += fieldLen(f)
	}
	return n
}

// andMore is the marker that says how much was left out.
func andMore(n int) string { return fmt.Sprintf("…and %d more", n) }

// truncateRunes cuts s to at most n characters, ending in "…" when cut.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 1 {
		return string([]rune(s)[:n])
	}
	return string([]rune(s)[:n-1]) + "…"
}

// TruncateLines cuts s to at most n characters at a line boundary, ending
// with "…and N more" (N lines left out); a first line longer than n is cut
// mid-line instead.
func TruncateLines(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	lines := strings.Split(s, "\n")
	for keep := len(lines) - 1; keep > 0; keep-- {
		out := strings.Join(lines[:keep], "\n") + "\n" + andMore(len(lines)-keep)
		if utf8.RuneCountInString(out) <= n {
			return out
		}
	}
	return truncateRunes(s, n)
}

// buttonGroups are the reply's buttons by what they act on: each
// section's, then the reply's own.
func buttonGroups(r commands.Reply) [][]commands.Button {
	var out [][]commands.Button
	for _, s := range r.Sections {
		if len(s.Buttons) > 0 {
			out = append(out, s.Buttons)
		}
	}
	if len(r.Buttons) > 0 {
		out = append(out, r.Buttons)
	}
	return out
}

// renderButtons puts each group of buttons (a section's: one task's
// four) on rows of its own, five to a row, at most five rows; buttons
// beyond them are dropped (a list of tasks offers buttons for its first
// five only, so none is). Custom ids count buttons across the message, in
// Reply.AllButtons order. Styles: danger red, primary green (the "good"
// action), the rest grey.
func renderButtons(groups [][]commands.Button) ([]discordgo.MessageComponent, map[string]string) {
	var (
		rows []discordgo.MessageComponent
		long map[string]string
		i    int
	)
	for _, g := range groups {
		var row []discordgo.MessageComponent
		for _, b := range g {
			id, overflow := ButtonID(i, b.Action)
			i++
			if overflow {
				if long == nil {
					long = map[string]string{}
				}
				long[id] = b.Action
			}
			style := discordgo.SecondaryButton
			switch b.Style {
			case commands.StyleDanger:
				style = discordgo.DangerButton
			case commands.StylePrimary:
				style = discordgo.SuccessButton
			}
			row = append(row, discordgo.Button{Label: truncateRunes(nonEmpty(b.Label), MaxButtonLabel), Style: style, CustomID: id})
			if len(row) == MaxButtonsInRow {
				rows = append(rows, discordgo.ActionsRow{Components: row})
				row = nil
			}
		}
		if len(row) > 0 {
			rows = append(rows, discordgo.ActionsRow{Components: row})
		}
	}
	if len(rows) > MaxRows {
		rows = rows[:MaxRows]
	}
	return rows, long
}

// RenderModal lays out a Form as a Discord modal. Discord modals hold only
// text inputs (at most five), so a select becomes a short input whose
// placeholder lists the allowed values (FormCommand and the handler check
// what was typed) and a checkbox a short yes/no input. Hidden values and
// the account travel in the modal's custom id.
func RenderModal(f commands.Form) (*discordgo.InteractionResponseData, map[string]string) {
	id, overflow := FormID(f)
	var long map[string]string
	if overflow {
		long = map[string]string{id: encodeFormPayload(f)}
	}
	data := &discordgo.InteractionResponseData{CustomID: id, Title: truncateRunes(nonEmpty(f.Title), MaxModalTitle)}
	for i, ff := range f.Fields {
		if i >= MaxModalInputs {
			break
		}
		in := discordgo.TextInput{
			CustomID:    truncateRunes(ff.Name, MaxCustomID),
			Label:       truncateRunes(nonEmpty(ff.Label), MaxInputLabel),
			Style:       discordgo.TextInputShort,
			Placeholder: truncateRunes(ff.Placeholder, MaxPlaceholder),
			Required:    ff.Required,
			MaxLength:   min(ff.MaxLength, MaxInputLength),
		}
		switch {
		case ff.Kind == commands.FieldSelect && len(ff.Options) > 0:
			values := make([]string, 0, len(ff.Options))
			for _, o := range ff.Options {
				values = append(values, o.Value)
			}
			in.Placeholder = truncateRunes("One of: "+strings.Join(values, ", "), MaxPlaceholder)
			in.MaxLength = 0
			for _, v := range values {
				in.MaxLength = max(in.MaxLength, len(v))
			}
		case ff.Kind == commands.FieldCheckbox:
			in.Label = truncateRunes(ff.Label+" (yes/no)", MaxInputLabel)
			in.Placeholder, in.MaxLength, in.Required = "no", 3, false
		default:
			if ff.MaxLength > 200 {
				in.Style = discordgo.TextInputParagraph
			}
		}
		if in.MaxLength <= 0 {
			in.MaxLength = MaxInputLength
		}
		data.Components = append(data.Components, discordgo.ActionsRow{Components: []discordgo.MessageComponent{in}})
	}
	return data, long
}

// Package console is the terminal platform: it renders a commands.Reply as
// plain text with numbered buttons, and runs a line-by-line chat session
// (interactive on a terminal, scriptable through a pipe).
package console

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/healthbot/healthbot/commands"
)

// statusMarkers maps a Reply's colour to the bracketed status a terminal
// shows in place of Slack's colour bar.
var statusMarkers = map[string]string{
	"green":  "[HEALTHY]",
	"yellow": "[STABLE]",
	"orange": "[AT-RISK]",
	"red":    "[CRITICAL]",
	"grey":   "[NO DATA]",
}

// Marker is the bracketed status shown before a reply's title ("" for a
// colour without one, such as a plain help text).
func Marker(colour string) string { return statusMarkers[colour] }

// Render writes r as terminal text: the title with its status marker, the
// lead text, each section with its fields aligned, the context lines, and
// the buttons numbered from 1 so the user can press one by typing its
// number (a section's buttons under it, the reply's at the end, numbered
// in the order of Reply.AllButtons).
// A Form is not rendered here: the session asks for it field by field.
func Render(w io.Writer, r commands.Reply) error {
	var b strings.Builder
	if r.Title != "" {
		if m := titleMarker(r); m != "" {
			b.WriteString(m + " ")
		}
		b.WriteString(r.Title + "\n")
	}
	if r.Text != "" {
		b.WriteString(strings.TrimRight(r.Text, "\n") + "\n")
	}
	n := 0 // buttons numbered so far: they are numbered across the reply
	for _, s := range r.Sections {
		b.WriteString("\n")
		if s.Title != "" {
			b.WriteString(s.Title + "\n")
		}
		if s.Text != "" {
			b.WriteString(indent(strings.TrimRight(s.Text, "\n"), "  ") + "\n")
		}
		writeFields(&b, s.Fields)
		if len(s.Buttons) > 0 {
			b.WriteString("  " + buttonLine(s.Buttons, n) + "\n")
			n += len(s.Buttons)
		}
	}
	if len(r.Context) > 0 {
		b.WriteString("\n")
		for _, c := range r.Context {
			b.WriteString("  · " + c + "\n")
		}
	}
	if len(r.Buttons) > 0 {
		b.WriteString("\n" + buttonLine(r.Buttons, n) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// titleMarker is the marker shown before r's title. Grey means both "no
// data" and "neutral" (help, lists), so it is shown only when the title
// itself is about missing data.
func titleMarker(r commands.Reply) string {
	if r.Colour == "grey" && !strings.Contains(strings.ToLower(r.Title), "no data") {
		return ""
	}
	return Marker(r.Colour)
}

// ButtonLine is the buttons as "[1] Pulse red  [2] Pulse yellow  …".
func ButtonLine(buttons []commands.Button) string { return buttonLine(buttons, 0) }

// buttonLine numbers buttons from after+1.
func buttonLine(buttons []commands.Button, after int) string {
	parts := make([]string, len(buttons))
	for i, btn := range buttons {
		parts[i] = fmt.Sprintf("[%d] %s", after+i+1, btn.Label)
	}
	return strings.Join(parts, "  ")
}

// writeFields prints label/value pairs with the values in one column; a
// multi-line value continues under its first line.
func writeFields(b *strings.Builder, fields []commands.Field) {
	width := 0
	for _, f := range fields {
		width = max(width, utf8.RuneCountInString(f.Label))
	}
	for _, f := range fields {
		pad := strings.Repeat(" ", width-utf8.RuneCountInString(f.Label))
		lines := strings.Split(strings.TrimRight(f.Value, "\n"), "\n")
		fmt.Fprintf(b, "  %s%s  %s\n", f.Label, pad, lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(b, "  %s  %s\n", strings.Repeat(" ", width), l)
		}
	}
}

// indent prefixes every line of s.
func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

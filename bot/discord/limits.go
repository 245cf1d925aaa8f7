package discord

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// Validate checks a rendered message against Discord's limits: content,
// embed parts and total, fields, rows, buttons, labels and custom ids
// (present, at most 100 characters, unique). Render's output always
// passes; tests and golden files use it to prove so.
func Validate(m Message) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	runes := utf8.RuneCountInString
	if runes(m.Content) > MaxContent {
		bad("content has %d characters, over %d", runes(m.Content), MaxContent)
	}
	if len(m.Embeds) > 10 {
		bad("%d embeds, over 10", len(m.Embeds))
	}
	total := 0
	for i, e := range m.Embeds {
		if runes(e.Title) > MaxEmbedTitle {
			bad("embed %d: title has %d characters, over %d", i, runes(e.Title), MaxEmbedTitle)
		}
		if runes(e.Description) > MaxDescription {
			bad("embed %d: description has %d characters, over %d", i, runes(e.Description), MaxDescription)
		}
		if e.Footer != nil && runes(e.Footer.Text) > MaxFooter {
			bad("embed %d: footer has %d characters, over %d", i, runes(e.Footer.Text), MaxFooter)
		}
		if len(e.Fields) > MaxFields {
			bad("embed %d: %d fields, over %d", i, len(e.Fields), MaxFields)
		}
		for j, f := range e.Fields {
			if f.Name == "" || f.Value == "" {
				bad("embed %d field %d: empty name or value", i, j)
			}
			if runes(f.Name) > MaxFieldName {
				bad("embed %d field %d: name has %d characters, over %d", i, j, runes(f.Name), MaxFieldName)
			}
			if runes(f.Value) > MaxFieldValue {
				bad("embed %d field %d: value has %d characters, over %d", i, j, runes(f.Value), MaxFieldValue)
			}
		}
		n := EmbedLength(e)
		if n > MaxEmbedTotal {
			bad("embed %d: %d characters in all, over %d", i, n, MaxEmbedTotal)
		}
		total += n
	}
	if total > MaxEmbedTotal {
		bad("embeds have %d characters in all, over %d", total, MaxEmbedTotal)
	}
	errs = append(errs, validateRows(m.Components, false)...)
	return errors.Join(errs...)
}

// ValidateModal checks a modal response against Discord's limits.
func ValidateModal(d *discordgo.InteractionResponseData) error {
	var errs []error
	if d.CustomID == "" || len(d.CustomID) > MaxCustomID {
		errs = append(errs, fmt.Errorf("modal custom id %q: empty or over %d characters", d.CustomID, MaxCustomID))
	}
	if d.Title == "" || utf8.RuneCountInString(d.Title) > MaxModalTitle {
		errs = append(errs, fmt.Errorf("modal title %q: empty or over %d characters", d.Title, MaxModalTitle))
	}
	errs = append(errs, validateRows(d.Components, true)...)
	return errors.Join(errs...)
}

// validateRows checks action rows of buttons (messages) or of single text
// inputs (modals).
func validateRows(rows []discordgo.MessageComponent, modal bool) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(rows) > MaxRows {
		bad("%d action rows, over %d", len(rows), MaxRows)
	}
	seen := map[string]bool{}
	checkID := func(id string) {
		if id == "" || len(id) > MaxCustomID {
			bad("custom id %q: empty or over %d characters", id, MaxCustomID)
		}
		if seen[id] {
			bad("custom id %q used twice", id)
		}
		seen[id] = true
	}
	for i, c := range rows {
		row, ok := c.(discordgo.ActionsRow)
		if !ok {
			bad("component %d is %T, not an action row", i, c)
			continue
		}
		if len(row.Components) == 0 || len(row.Components) > MaxButtonsInRow || (modal && len(row.Components) != 1) {
			bad("row %d has %d components", i, len(row.Components))
		}
		for _, c := range row.Components {
			switch x := c.(type) {
			case discordgo.Button:
				if modal {
					bad("row %d: a button in a modal", i)
				}
				if x.Label == "" || utf8.RuneCountInString(x.Label) > MaxButtonLabel {
					bad("row %d: button label %q empty or over %d characters", i, x.Label, MaxButtonLabel)
				}
				checkID(x.CustomID)
			case discordgo.TextInput:
				if !modal {
					bad("row %d: a text input in a message", i)
				}
				if x.Label == "" || utf8.RuneCountInString(x.Label) > MaxInputLabel {
					bad("row %d: input label %q empty or over %d characters", i, x.Label, MaxInputLabel)
				}
				if utf8.RuneCountInString(x.Placeholder) > MaxPlaceholder {
					bad("row %d: placeholder over %d characters", i, MaxPlaceholder)
				}
				if x.MaxLength < 0 || x.MaxLength > MaxInputLength {
					bad("row %d: max length %d out of range", i, x.MaxLength)
				}
				checkID(x.CustomID)
			default:
				bad("row %d: unexpected component %T", i, c)
			}
		}
	}
	return errs
}

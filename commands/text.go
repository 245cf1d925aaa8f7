package commands

import (
	"strings"
	"unicode/utf8"
)

// unstorableText is the sentence refusing the first text field of cmd
// that no database can store faithfully, or "" when every field is fine:
// the rule ingestion applies to its records (fieldParser.badText). A NUL
// character cannot be held by PostgreSQL text, and bytes that are not
// UTF-8 are refused by it (SQLite would store them as they are): without
// this check both reached the write, which failed, and the user was told
// "Sorry". Checked before any handler runs, so nothing is half-written
// and no lookup sends them to the database either.
func (cmd Command) unstorableText() string {
	for _, f := range []struct{ name, value string }{
		{"account", cmd.Account}, {"status", cmd.Status}, {"colour", cmd.Colour}, {"reason or note", cmd.Reason},
		{"kind", cmd.Kind}, {"note", cmd.Note}, {"handle", cmd.Handle}, {"user", cmd.User}, {"channel", cmd.Channel},
	} {
		switch {
		case strings.IndexByte(f.value, 0) >= 0:
			return "The " + f.name + " contains a NUL character (\\u0000), which cannot be stored; remove it and send the command again."
		case !utf8.ValidString(f.value):
			return "The " + f.name + " is not valid UTF-8 text; send it again as plain text."
		}
	}
	return ""
}

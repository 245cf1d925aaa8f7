package slack

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Slack's Block Kit limits, in characters (Slack counts characters, not
// bytes). Exceeding any of them makes Slack reject the whole message, so
// the renderer truncates to them and CheckBlocks proves it did.
const (
	MaxMessageBlocks  = 50   // blocks in a message
	MaxModalBlocks    = 100  // blocks in a modal view
	MaxSectionText    = 3000 // a section's text
	MaxHeaderText     = 150  // a header's plain text
	MaxFieldText      = 2000 // one section field
	MaxSectionFields  = 10   // fields in one section
	MaxContextItems   = 10   // elements in one context block
	MaxActionElements = 25   // elements in one actions block
	MaxButtonText     = 75   // a button's label
	MaxActionID       = 255  // action_id
	MaxValue          = 2000 // a button's value
	MaxModalTitle     = 24   // a modal's title, submit and close labels
	MaxOptionText     = 75   // a select option's label
	MaxOptionValue    = 150  // a select option's value
	MaxPlaceholder    = 150  // an input's placeholder
	MaxLabel          = 2000 // an input block's label
	MaxMetadata       = 3000 // a view's private_metadata
	MaxInputLength    = 3000 // plain_text_input max_length
)

// Truncate shortens s to at most limit characters, ending it with an
// explicit "…and N more" (N characters dropped) so a reader knows text is
// missing rather than seeing a silent cut. It leaves s alone when it fits.
func Truncate(s string, limit int) string {
	n := utf8.RuneCountInString(s)
	if n <= limit {
		return s
	}
	runes := []rune(s)
	// The suffix's own length depends on N; a few rounds settle it.
	keep := limit
	for range 4 {
		suffix := fmt.Sprintf("…and %d more", n-keep)
		k := limit - utf8.RuneCountInString(suffix)
		if k < 0 {
			k = 0
		}
		if k == keep {
			break
		}
		keep = k
	}
	suffix := fmt.Sprintf("…and %d more", n-keep)
	if utf8.RuneCountInString(suffix) > limit {
		// A limit too small for the note at all: a plain cut is all that fits.
		return string(runes[:limit])
	}
	return string(runes[:keep]) + suffix
}

// CheckBlocks reports every way a Block Kit JSON array (as sent in a
// message's or a view's "blocks") breaks Slack's limits; maxBlocks is
// MaxMessageBlocks or MaxModalBlocks. It reads the JSON, not the Go
// values, so it checks exactly what goes over the wire.
func CheckBlocks(raw []byte, maxBlocks int) []string {
	var blocks []map[string]any
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return []string{"blocks are not a JSON array of objects: " + err.Error()}
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if len(blocks) > maxBlocks {
		bad("%d blocks, limit %d", len(blocks), maxBlocks)
	}
	actionIDs := map[string]bool{}
	textLen := func(v any) int {
		m, _ := v.(map[string]any)
		s, _ := m["text"].(string)
		return utf8.RuneCountInString(s)
	}
	for i, b := range blocks {
		switch b["type"] {
		case "header":
			if n := textLen(b["text"]); n > MaxHeaderText {
				bad("block %d: header text %d chars, limit %d", i, n, MaxHeaderText)
			}
		case "section":
			if n := textLen(b["text"]); n > MaxSectionText {
				bad("block %d: section text %d chars, limit %d", i, n, MaxSectionText)
			}
			fields, _ := b["fields"].([]any)
			if len(fields) > MaxSectionFields {
				bad("block %d: %d fields, limit %d", i, len(fields), MaxSectionFields)
			}
			for j, f := range fields {
				if n := textLen(map[string]any{"text": f.(map[string]any)["text"]}); n > MaxFieldText {
					bad("block %d field %d: %d chars, limit %d", i, j, n, MaxFieldText)
				}
			}
			if b["text"] == nil && len(fields) == 0 {
				bad("block %d: section with neither text nor fields", i)
			}
		case "context":
			els, _ := b["elements"].([]any)
			if len(els) > MaxContextItems || len(els) == 0 {
				bad("block %d: %d context elements, want 1..%d", i, len(els), MaxContextItems)
			}
			for j, e := range els {
				if n := textLen(e); n > MaxSectionText {
					bad("block %d element %d: %d chars, limit %d", i, j, n, MaxSectionText)
				}
			}
		case "actions":
			els, _ := b["elements"].([]any)
			if len(els) > MaxActionElements || len(els) == 0 {
				bad("block %d: %d action elements, want 1..%d", i, len(els), MaxActionElements)
			}
			for j, e := range els {
				el, _ := e.(map[string]any)
				id, _ := el["action_id"].(string)
				if n := utf8.RuneCountInString(id); n == 0 || n > MaxActionID {
					bad("block %d element %d: action_id %d chars, want 1..%d", i, j, n, MaxActionID)
				}
				if actionIDs[id] {
					bad("block %d element %d: action_id %q repeated", i, j, id)
				}
				actionIDs[id] = true
				if v, _ := el["value"].(string); utf8.RuneCountInString(v) > MaxValue {
					bad("block %d element %d: value %d chars, limit %d", i, j, utf8.RuneCountInString(v), MaxValue)
				}
				if n := textLen(el["text"]); n > MaxButtonText {
					bad("block %d element %d: button text %d chars, limit %d", i, j, n, MaxButtonText)
				}
			}
		case "input":
			if n := textLen(b["label"]); n == 0 || n > MaxLabel {
				bad("block %d: input label %d chars, want 1..%d", i, n, MaxLabel)
			}
			el, _ := b["element"].(map[string]any)
			if id, _ := el["action_id"].(string); id == "" || utf8.RuneCountInString(id) > MaxActionID {
				bad("block %d: input action_id %q", i, id)
			}
			if n := textLen(el["placeholder"]); n > MaxPlaceholder {
				bad("block %d: placeholder %d chars, limit %d", i, n, MaxPlaceholder)
			}
			opts, _ := el["options"].([]any)
			for j, o := range opts {
				om, _ := o.(map[string]any)
				if n := textLen(om["text"]); n > MaxOptionText {
					bad("block %d option %d: text %d chars, limit %d", i, j, n, MaxOptionText)
				}
				if v, _ := om["value"].(string); utf8.RuneCountInString(v) > MaxOptionValue {
					bad("block %d option %d: value too long", i, j)
				}
			}
		case "divider":
		default:
			bad("block %d: unexpected type %v", i, b["type"])
		}
	}
	return problems
}

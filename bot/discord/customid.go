package discord

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"

	"github.com/healthbot/healthbot/commands"
)

// Custom ids carry what a click or a modal submission needs, within
// Discord's 100 characters, so that no state is needed in the common case:
//
//	button  "b<index>|<action without its slash>"   e.g. "b0|pulse acme red"
//	modal   "f|<form id>|<account>|<hidden values>" e.g. "f|pulse|acme|colour=red"
//
// The index makes ids unique within a message even when two buttons share
// an action. When an id would be too long, the account slug is shortened
// (the commands resolve a unique prefix of a slug); when even that cannot
// fit, the id becomes a hash ("b<index>#…", "f#…") and the adapter keeps the
// full payload in memory, so such a button works until the process restarts.

const hashLen = 24 // hex characters of SHA-256 kept in overflow ids

// minAccount is the shortest account prefix worth sending instead of a hash.
const minAccount = 12

// ButtonID encodes button index i with its action. overflow reports that
// the id is a hash whose action must be remembered by the caller.
func ButtonID(i int, action string) (id string, overflow bool) {
	prefix := "b" + strconv.Itoa(i)
	line := strings.TrimPrefix(strings.TrimSpace(action), "/")
	if id := prefix + "|" + line; len(id) <= MaxCustomID {
		return id, false
	}
	if short, ok := shortenAccount(line, MaxCustomID-len(prefix)-1); ok {
		return prefix + "|" + short, false
	}
	return prefix + "#" + digest(action), true
}

// ParseButtonID decodes a button id: the action line for an ordinary id,
// or hashed=true when the action must be looked up by the whole id.
func ParseButtonID(id string) (action string, hashed, ok bool) {
	if !strings.HasPrefix(id, "b") {
		return "", false, false
	}
	if i := strings.IndexAny(id, "|#"); i > 1 {
		if _, err := strconv.Atoi(id[1:i]); err != nil {
			return "", false, false
		}
		if id[i] == '#' {
			return "", true, true
		}
		return "/" + id[i+1:], false, true
	}
	return "", false, false
}

// shortenAccount cuts the second word of "verb account rest…" so the line
// fits in n bytes, when the account is a plain slug long enough to stay
// a usable prefix.
func shortenAccount(line string, n int) (string, bool) {
	words := strings.Fields(line)
	if len(words) < 2 || strings.ContainsAny(line, `"'`) {
		return "", false
	}
	over := len(line) - n
	acc := words[1]
	keep := len(acc) - over
	if keep < minAccount {
		return "", false
	}
	words[1] = acc[:keep]
	out := strings.Join(words, " ")
	return out, len(out) <= n
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:hashLen]
}

// encodeFormPayload is "<form id>|<account>|<hidden values>".
func encodeFormPayload(f commands.Form) string {
	hidden := url.Values{}
	for k, v := range f.Hidden {
		hidden.Set(k, v)
	}
	return f.ID + "|" + f.Account + "|" + hidden.Encode()
}

// FormID encodes the parts of a form that must survive the round trip
// through Discord (its id, account and hidden values) as a modal custom
// id. overflow reports a hashed id whose payload the caller must remember.
func FormID(f commands.Form) (id string, overflow bool) {
	payload := encodeFormPayload(f)
	if len("f|"+payload) <= MaxCustomID {
		return "f|" + payload, false
	}
	if over := len("f|"+payload) - MaxCustomID; len(f.Account)-over >= minAccount && !strings.Contains(f.Account, "|") {
		g := f
		g.Account = f.Account[:len(f.Account)-over]
		return "f|" + encodeFormPayload(g), false
	}
	return "f#" + digest(payload), true
}

// ParseFormID decodes a modal custom id into the form it came from (ID,
// Account, Hidden; fields are not carried). hashed=true means the payload
// must be looked up by the whole id and passed to ParseFormPayload.
func ParseFormID(id string) (f commands.Form, hashed, ok bool) {
	switch {
	case strings.HasPrefix(id, "f#"):
		return commands.Form{}, true, true
	case strings.HasPrefix(id, "f|"):
		f, ok := ParseFormPayload(id[2:])
		return f, false, ok
	}
	return commands.Form{}, false, false
}

// ParseFormPayload decodes "<form id>|<account>|<hidden values>".
func ParseFormPayload(p string) (commands.Form, bool) {
	parts := strings.SplitN(p, "|", 3)
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return commands.Form{}, false
	}
	f := commands.Form{ID: parts[0], Account: parts[1]}
	hidden, err := url.ParseQuery(parts[2])
	if err != nil {
		return commands.Form{}, false
	}
	if len(hidden) > 0 {
		f.Hidden = map[string]string{}
		for k := range hidden {
			f.Hidden[k] = hidden.Get(k)
		}
	}
	return f, true
}

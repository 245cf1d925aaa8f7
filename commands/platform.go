package commands

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// This file holds what healthbot knows about its chat platforms: their
// names, the shapes of their user and channel ids, how a person types a
// mention on each, how a reply writes one, and how an account's channels
// on several platforms are stored side by side.

// The chat platforms, as Caller.Platform, ChatUser.Platform and
// Target.Platform name them.
const (
	Slack   = "slack"
	Discord = "discord"
	Console = "console"
)

// Platforms lists every platform, in the order a stored channel list
// (Account.Channel) writes them.
var Platforms = []string{Slack, Discord, Console}

// IsPlatform reports whether p names a platform (lower case, as stored).
func IsPlatform(p string) bool { return slices.Contains(Platforms, p) }

var (
	slackUserID   = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`) // U0123ABCD; W… on Enterprise Grid
	slackChanID   = regexp.MustCompile(`^[CGD][A-Z0-9]{2,}$`)
	discordID     = regexp.MustCompile(`^[0-9]{5,25}$`) // a snowflake: users and channels alike
	plainChatWord = regexp.MustCompile(`^[^\s,:<>]+$`)  // a console user name, a CSM handle
)

// checkUserID says what is wrong with a chat user id on platform, "" when
// it is usable.
func checkUserID(platform, id string) string {
	switch platform {
	case Slack:
		if !slackUserID.MatchString(id) {
			return fmt.Sprintf("Slack sent %q, not a user id. Mention the person so Slack sends their id (this needs \"Escape channels, users, and links\" turned on for /health in the Slack app's slash command settings), or paste their member ID from their profile (⋯ → Copy member ID), e.g. U0123ABCD.", id)
		}
	case Discord:
		if !discordID.MatchString(id) {
			return fmt.Sprintf("%q is not a Discord user id. Mention the person (pick them from the list after @), or paste their id (Developer Mode → right-click → Copy User ID).", id)
		}
	case Console:
		if !plainChatWord.MatchString(id) {
			return fmt.Sprintf("%q is not a console user name.", id)
		}
	default:
		return fmt.Sprintf("healthbot has no platform %q.", platform)
	}
	return ""
}

// normalizeChannel checks a channel for platform and puts it in the form
// the platform's API takes; "" (the default routing) is always fine.
func normalizeChannel(platform, ch string) (string, string) {
	if ch == "" {
		return "", ""
	}
	if strings.ContainsAny(ch, ",:<> \t") {
		return "", fmt.Sprintf("%q is not a channel.", ch)
	}
	switch platform {
	case Slack:
		// An id (C…, G…) is kept; a name is posted to as "#name".
		if slackChanID.MatchString(ch) {
			return ch, ""
		}
		return "#" + strings.TrimLeft(ch, "#"), ""
	case Discord:
		if !discordID.MatchString(ch) {
			return "", fmt.Sprintf("Discord posts only to channel ids and %q is not one: mention the channel (pick it after #) or paste its id (Developer Mode → right-click → Copy Channel ID).", ch)
		}
		return ch, ""
	case Console:
		return ch, ""
	}
	return "", fmt.Sprintf("healthbot has no platform %q.", platform)
}

// Typed mentions: what a person's chat client sends for "@maria" or
// "#cs-acme" inside a command.
var (
	// userMentionRe matches Slack's escaped <@U123ABC> / <@U123ABC|name> and
	// Discord's <@123456> / <@!123456> (the "!" marks a nickname mention).
	userMentionRe = regexp.MustCompile(`^<@!?([A-Za-z0-9]+)(?:\|[^>]*)?>$`)
	// channelMentionRe matches Slack's <#C123> / <#C123|name> and Discord's <#123>.
	channelMentionRe = regexp.MustCompile(`^<#([A-Za-z0-9]+)(?:\|[^>]*)?>$`)
)

func isMention(s string) bool { return userMentionRe.MatchString(strings.TrimSpace(s)) }

// UserRef decodes a chat user as typed: the id inside a Slack or Discord
// mention, else the text without a leading "@" (a console user name, or
// a Slack id pasted from a profile).
func UserRef(s string) string {
	s = strings.TrimSpace(s)
	if m := userMentionRe.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return handleWord(s)
}

// ChannelRef decodes a channel as typed: the id inside a Slack or Discord
// channel mention, else the text as it is ("#cs-acme", "C0123456789").
func ChannelRef(s string) string {
	s = strings.TrimSpace(s)
	if m := channelMentionRe.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return s
}

// handleWord is a handle as typed, without the "@" people put before names.
func handleWord(s string) string {
	return strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(s), "@"))
}

// splitPlatform takes an explicit "slack:" / "discord:" / "console:" off a
// user or channel, so an admin can configure one platform from another
// (the console, typically); otherwise the caller's platform applies.
func splitPlatform(s, callerPlatform string) (platform, rest string) {
	if p, r, ok := strings.Cut(s, ":"); ok && IsPlatform(strings.ToLower(p)) {
		return strings.ToLower(p), decodeRef(r)
	}
	return callerPlatform, s
}

// decodeRef decodes what follows a platform prefix, a mention or not.
func decodeRef(s string) string {
	if strings.HasPrefix(s, "<#") {
		return ChannelRef(s)
	}
	if strings.HasPrefix(s, "<@") {
		return UserRef(s)
	}
	return strings.TrimSpace(s)
}

// Mention is a chat user or channel named in a reply's text. A reply
// writes it with String; adapters find it again with Spans and render it
// their platform's way (Slack and Discord ping or link it; the console,
// which has no ids of its own, shows it as written).
type Mention struct {
	Channel bool   // a channel link, not a user
	ID      string // the platform's id of the user or channel
	nick    bool   // Discord's nickname form, <@!ID>, as people type it
}

// String is the mention as reply text carries it: <@ID> for a user, <#ID>
// for a channel. Slack and Discord write theirs the same way, so messages
// stored before mentions had a type of their own read back unchanged.
func (m Mention) String() string {
	if m.Channel {
		return "<#" + m.ID + ">"
	}
	if m.nick {
		return "<@!" + m.ID + ">"
	}
	return "<@" + m.ID + ">"
}

// UserOn reports whether m is a user that platform can mention (and so
// ping): its id has the shape of that platform's user ids.
func (m Mention) UserOn(platform string) bool {
	if m.Channel {
		return false
	}
	switch platform {
	case Slack:
		return !m.nick && slackUserID.MatchString(m.ID)
	case Discord:
		return discordID.MatchString(m.ID)
	}
	return false
}

// Span is a run of reply text: plain text, or one mention (Mention set,
// Text the mention as written).
type Span struct {
	Text    string
	Mention *Mention
}

// Spans splits reply text into plain runs and mentions, so an adapter
// renders each mention without searching the text for markup of its own.
// Anything that is not a whole mention (an unclosed "<@", "<@U1|name>") is
// plain text.
func Spans(s string) []Span {
	var out []Span
	plain := 0 // start of the pending plain run
	for i := 0; i < len(s); {
		m, n := mentionAt(s[i:])
		if n == 0 {
			i++
			continue
		}
		if plain < i {
			out = append(out, Span{Text: s[plain:i]})
		}
		out = append(out, Span{Text: s[i : i+n], Mention: &m})
		i += n
		plain = i
	}
	if plain < len(s) {
		out = append(out, Span{Text: s[plain:]})
	}
	return out
}

// mentionAt reads a mention at the start of s: "<@ID>", "<@!ID>" or
// "<#ID>" with ID of ASCII letters and digits. n is its length, 0 when s
// does not start with one.
func mentionAt(s string) (m Mention, n int) {
	if len(s) < 4 || s[0] != '<' {
		return Mention{}, 0
	}
	i := 2
	switch {
	case s[1] == '#':
		m.Channel = true
	case s[1] == '@' && s[2] == '!':
		m.nick = true
		i = 3
	case s[1] != '@':
		return Mention{}, 0
	}
	start := i
	for i < len(s) && isIDByte(s[i]) {
		i++
	}
	if i == start || i == len(s) || s[i] != '>' {
		return Mention{}, 0
	}
	m.ID = s[start:i]
	return m, i + 1
}

func isIDByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

// userLabel shows a chat user of platform in a reply: a mention where the
// platform has user ids, the name itself on the console.
func userLabel(platform, id string) string {
	switch {
	case id == "":
		return "(none)"
	case platform == Slack || platform == Discord:
		return Mention{ID: id}.String()
	}
	return id
}

// channelMention shows a channel of platform in a reply: a channel
// mention when it is an id of that platform, the name as stored otherwise.
func channelMention(platform, ch string) string {
	switch {
	case platform == Slack && slackChanID.MatchString(ch),
		platform == Discord && discordID.MatchString(ch):
		return Mention{Channel: true, ID: ch}.String()
	}
	return ch
}

// accountChannel is the account's own channel on platform, "" when none.
// Account.Channel is either a bare channel (used on every platform) or
// "platform:channel" entries, comma-separated (each on that platform only).
func accountChannel(channel, platform string) string {
	for _, part := range strings.Split(channel, ",") {
		part = strings.TrimSpace(part)
		if p, c, ok := strings.Cut(part, ":"); ok && IsPlatform(p) {
			if p == platform {
				return c
			}
			continue
		}
		if part != "" {
			return part
		}
	}
	return ""
}

// withPlatformChannel is stored (Account.Channel: a bare channel and/or
// "platform:channel" entries) with platform's entry set to ch, or removed
// when ch is "". Platform entries come first because a bare channel,
// which serves every platform without its own entry, ends the lookup.
func withPlatformChannel(stored, platform, ch string) string {
	byPlatform := map[string]string{}
	bare := ""
	for _, part := range strings.Split(stored, ",") {
		part = strings.TrimSpace(part)
		if p, c, ok := strings.Cut(part, ":"); ok && IsPlatform(p) {
			if _, seen := byPlatform[p]; !seen {
				byPlatform[p] = c
			}
			continue
		}
		if part != "" && bare == "" {
			bare = part
		}
	}
	if ch == "" {
		delete(byPlatform, platform)
	} else {
		byPlatform[platform] = ch
	}
	var parts []string
	for _, p := range Platforms {
		if c, ok := byPlatform[p]; ok && c != "" {
			parts = append(parts, p+":"+c)
		}
	}
	if bare != "" {
		parts = append(parts, bare)
	}
	return strings.Join(parts, ",")
}

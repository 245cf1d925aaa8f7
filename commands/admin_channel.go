package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// adminChannel runs "/health admin channel ACCOUNT CHANNEL": the account's
// alert channel on the caller's platform (or the one CHANNEL names with a
// "slack:" / "discord:" / "console:" prefix). Other platforms' channels in
// Account.Channel are kept.
func (s *Service) adminChannel(ctx context.Context, caller Caller, cmd Command) (Reply, error) {
	platform, ch := splitPlatform(cmd.Channel, caller.Platform)
	if slices.Contains(channelDefaultWords, strings.ToLower(ch)) {
		ch = ""
	}
	ch, problem := normalizeChannel(platform, ch)
	if problem != "" {
		return userError(problem + " Nothing was changed. Example: " + exampleAdminChannel), nil
	}
	acc, reply, err := resolve(ctx, s.Store, s.today(), cmd.Account)
	if err != nil || acc == nil {
		return reply, err
	}
	stored := withPlatformChannel(acc.Channel, platform, ch)
	oldEff, newEff := accountChannel(acc.Channel, platform), accountChannel(stored, platform)
	if stored == acc.Channel {
		return userError(fmt.Sprintf("Nothing changed: %s's alerts on %s already go to %s.", acc.Name, platform, s.channelLabel(platform, acc.Segment, oldEff))), nil
	}
	if err := s.Store.SetAccountChannel(ctx, acc.ID, stored); err != nil {
		return Reply{}, fmt.Errorf("admin channel: %w", err)
	}
	s.logger().InfoContext(ctx, "admin: account alert channel set", "by_platform", caller.Platform, "by", caller.UserID,
		"by_name", caller.UserName, "account", acc.Slug, "platform", platform, "old", acc.Channel, "new", stored)
	return Reply{Ephemeral: true, Colour: "green",
		Text: fmt.Sprintf("%s's alerts on %s: %s → %s.", acc.Name, platform,
			s.channelLabel(platform, acc.Segment, oldEff), s.channelLabel(platform, acc.Segment, newEff)),
		Context: []string{fmt.Sprintf("Stored channel: %s → %s.", orNone(acc.Channel), orNone(stored))}}, nil
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
	case "slack":
		// An id (C…, G…) is kept; a name is posted to as "#name".
		if slackChanID.MatchString(ch) {
			return ch, ""
		}
		return "#" + strings.TrimLeft(ch, "#"), ""
	case "discord":
		if !discordID.MatchString(ch) {
			return "", fmt.Sprintf("Discord posts only to channel ids and %q is not one: mention the channel (pick it after #) or paste its id (Developer Mode → right-click → Copy Channel ID).", ch)
		}
		return ch, ""
	case "console":
		return ch, ""
	}
	return "", fmt.Sprintf("healthbot has no platform %q.", platform)
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
		if p, c, ok := strings.Cut(part, ":"); ok && isPlatform(p) {
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
	for _, p := range []string{"slack", "discord", "console"} {
		if c, ok := byPlatform[p]; ok && c != "" {
			parts = append(parts, p+":"+c)
		}
	}
	if bare != "" {
		parts = append(parts, bare)
	}
	return strings.Join(parts, ",")
}

// channelLabel shows where alerts go on platform given the account's own
// channel (own "" = the segment's or default routing, said so).
func (s *Service) channelLabel(platform, segment, own string) string {
	if own != "" {
		return channelMention(platform, own)
	}
	if routed := s.Config.Channels.For(platform, segment, ""); routed != "" {
		return "the default (" + channelMention(platform, routed) + ")"
	}
	return "the default (none configured)"
}

// channelMention renders a channel the way the platform links it.
func channelMention(platform, ch string) string {
	switch {
	case platform == "slack" && slackChanID.MatchString(ch):
		return "<#" + ch + ">"
	case platform == "discord" && discordID.MatchString(ch):
		return "<#" + ch + ">"
	}
	return ch
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

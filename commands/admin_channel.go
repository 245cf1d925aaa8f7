package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/healthbot/healthbot/models"
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
	err = s.Store.WithTx(ctx, func(tx *models.Store) error {
		if err := tx.SetAccountChannel(ctx, acc.ID, stored); err != nil {
			return err
		}
		return tx.Audit(ctx, models.AuditRecord{At: s.now(), By: actorOf(caller), Action: models.AuditAdminChannel,
			Subject: acc.Slug, Accounts: []uint{acc.ID}, Changes: []models.Change{{Field: "channel", Old: acc.Channel, New: stored}}})
	})
	if err != nil {
		return Reply{}, fmt.Errorf("admin channel: %w", err)
	}
	s.logger().InfoContext(ctx, "admin: account alert channel set", "by_platform", caller.Platform, "by", caller.UserID,
		"by_name", caller.UserName, "account", acc.Slug, "platform", platform, "old", acc.Channel, "new", stored)
	return Reply{Ephemeral: true, Colour: "green",
		Text: fmt.Sprintf("%s's alerts on %s: %s → %s.", acc.Name, platform,
			s.channelLabel(platform, acc.Segment, oldEff), s.channelLabel(platform, acc.Segment, newEff)),
		Context: []string{fmt.Sprintf("Stored channel: %s → %s.", orNone(acc.Channel), orNone(stored))}}, nil
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

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

package slack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/healthbot/healthbot/bot/outbox"
	"github.com/healthbot/healthbot/commands"
	slackgo "github.com/slack-go/slack"
)

// The outbox's optional capabilities: the summary chart, and finding a
// message again after an ambiguous failure.
var (
	_ outbox.FilePoster = (*Adapter)(nil)
	_ outbox.Finder     = (*Adapter)(nil)
)

// MetadataEventType is the Slack message metadata event_type healthbot
// tags every outbox message with; its event_payload is {"key": dedupe key}.
const MetadataEventType = "healthbot_outbox"

// How far back, and how many history pages, FindPosted looks. The post
// being looked for was attempted by the previous delivery attempt, which
// the outbox schedules at most its MaxDelay (30 min) apart, so a day is
// ample; the page bound keeps a busy channel from costing many calls.
const (
	DefaultFindWindow = 24 * time.Hour
	findPageSize      = 200
	findMaxPages      = 5
)

// unsearchable are conversations.history errors that mean the channel
// cannot be searched at all (the bot posts with chat:write.public without
// being a member, or lacks channels:history). Looking cannot help, and
// failing would hold the message back for good, so FindPosted reports
// "not found" and the message is posted anew.
var unsearchable = []string{"not_in_channel", "missing_scope", "channel_not_found", "not_allowed_token_type"}

// metadata tags a message with the dedupe key of the outbox message being
// delivered, if any.
func metadata(ctx context.Context) []slackgo.MsgOption {
	key := outbox.KeyFrom(ctx)
	if key == "" {
		return nil
	}
	return []slackgo.MsgOption{slackgo.MsgOptionMetadata(slackgo.SlackMetadata{
		EventType:    MetadataEventType,
		EventPayload: map[string]any{"key": key},
	})}
}

// PostFile posts r like Post, then uploads data (the summary chart) to the
// same channel with Slack's upload flow (files.getUploadURLExternal, the
// upload itself, files.completeUploadExternal with channel_id). It returns
// the message's ts. The message is what matters: when only the upload
// fails, the failure is logged and the message counts as delivered, since
// retrying would either post the message twice or update it without the
// file.
func (a *Adapter) PostFile(ctx context.Context, channel string, r commands.Reply, name string, data []byte) (string, error) {
	channel, err := a.channelFor(ctx, channel)
	if err != nil {
		return "", err
	}
	ts, err := a.Post(ctx, channel, r)
	if err != nil {
		return "", err
	}
	if len(data) == 0 {
		return ts, nil
	}
	if name == "" {
		name = "chart.png"
	}
	err = a.uploadFiles(ctx, channel, "", "", []upload{{name: name, title: FallbackText(r), alt: "Chart: " + FallbackText(r), data: data}})
	if err != nil {
		a.log.Warn("posted the message but not its file", "channel", channel, "ts", ts, "file", name, "err", err)
	}
	return ts, nil
}

// FindPosted looks through the channel's recent history
// (conversations.history with include_all_metadata, the last FindWindow,
// at most a few pages) for a message tagged with key, and returns its ts,
// or "" when there is none. A rate limit is returned as
// *bot.RetryAfterError; a channel that cannot be searched counts as
// "none found" (and is logged), so delivery goes on.
func (a *Adapter) FindPosted(ctx context.Context, channel, key string) (string, error) {
	if key == "" {
		return "", nil
	}
	channel, err := a.channelFor(ctx, channel)
	if err != nil {
		return "", err
	}
	window := a.FindWindow
	if window <= 0 {
		window = DefaultFindWindow
	}
	params := &slackgo.GetConversationHistoryParameters{
		ChannelID:          channel,
		Limit:              findPageSize,
		Oldest:             slackTS(a.Now().Add(-window)),
		IncludeAllMetadata: true,
	}
	for range findMaxPages {
		resp, err := a.api.GetConversationHistoryContext(ctx, params)
		if err != nil {
			if se, ok := errors.AsType[slackgo.SlackErrorResponse](err); ok && slices.Contains(unsearchable, se.Err) {
				a.log.Warn("cannot search the channel for an earlier post; posting anew may duplicate it", "channel", channel, "key", key, "err", se.Err)
				return "", nil
			}
			return "", deliveryError("conversations.history", err)
		}
		for _, m := range resp.Messages {
			if m.Metadata.EventType == MetadataEventType && m.Metadata.EventPayload["key"] == key {
				return m.Timestamp, nil
			}
		}
		if !resp.HasMore || resp.ResponseMetaData.NextCursor == "" {
			return "", nil
		}
		params.Cursor = resp.ResponseMetaData.NextCursor
	}
	a.log.Warn("an earlier post was not found within the pages searched", "channel", channel, "key", key, "pages", findMaxPages)
	return "", nil
}

// slackTS formats t as a Slack timestamp ("seconds.micros").
func slackTS(t time.Time) string {
	return strconv.FormatInt(t.Unix(), 10) + "." + fmt.Sprintf("%06d", t.Nanosecond()/1000)
}

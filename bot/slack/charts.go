package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/healthbot/healthbot/bot/chart"
	"github.com/healthbot/healthbot/commands"
	slackgo "github.com/slack-go/slack"
)

// upload is one file to share.
type upload struct {
	name, title, alt string
	data             []byte
}

// uploadFiles shares files in channel in one message (in the thread
// threadTS when set), through Slack's upload flow as slack-go runs it:
// files.getUploadURLExternal and the upload itself for each file, then
// one files.completeUploadExternal with channel_id. comment, when set, is
// the message's text (mrkdwn).
func (a *Adapter) uploadFiles(ctx context.Context, channel, threadTS, comment string, files []upload) error {
	done := make([]slackgo.FileSummary, 0, len(files))
	for _, f := range files {
		u, err := a.api.GetUploadURLExternalContext(ctx, slackgo.GetUploadURLExternalParameters{
			FileName: f.name, FileSize: len(f.data), AltTxt: f.alt,
		})
		if err != nil {
			return fmt.Errorf("files.getUploadURLExternal: %w", err)
		}
		err = a.api.UploadToURL(ctx, slackgo.UploadToURLParameters{UploadURL: u.UploadURL, Reader: bytes.NewReader(f.data), Filename: f.name})
		if err != nil {
			return fmt.Errorf("upload %s: %w", f.name, err)
		}
		done = append(done, slackgo.FileSummary{ID: u.FileID, Title: f.title})
	}
	_, err := a.api.CompleteUploadExternalContext(ctx, slackgo.CompleteUploadExternalParameters{
		Files: done, Channel: channel, ThreadTimestamp: threadTS, InitialComment: comment,
	})
	if err != nil {
		return fmt.Errorf("files.completeUploadExternal: %w", err)
	}
	return nil
}

// shareCharts answers a reply that carries pictures (/health ACCOUNT
// chart): each is drawn and uploaded, and all are shared in one message
// in the channel the request came from, its text the reply's title and
// lead text (in the thread, for a mention). Slack has no ephemeral file,
// so a chart is posted for the channel to see, as the weekly summary's
// is. When it cannot be posted, the person who asked is told why.
func (a *Adapter) shareCharts(ctx context.Context, o origin, r commands.Reply) {
	files := make([]upload, 0, len(r.Charts))
	for _, c := range r.Charts {
		png, err := chart.PNG(c)
		if err != nil {
			a.log.Error("draw chart", "chart", c.Name, "err", err)
			continue
		}
		files = append(files, upload{name: c.Name, title: c.Title, alt: Truncate(c.Alt, maxAltText), data: png})
	}
	err := errors.New("no chart could be drawn")
	if len(files) > 0 {
		err = a.uploadFiles(ctx, o.channel, o.threadTS, chartComment(r), files)
	}
	if err == nil {
		return
	}
	a.log.Error("share chart", "channel", o.channel, "err", err)
	a.tell(ctx, o, chartFailure(err))
}

// maxAltText bounds a file's alt text (Slack's limit is 1,000 characters).
const maxAltText = 1000

// chartComment is the text of a chart's message: the title in bold, then
// the lead text.
func chartComment(r commands.Reply) string {
	var parts []string
	if r.Title != "" {
		parts = append(parts, "*"+escape(r.Title)+"*")
	}
	if t := strings.TrimSpace(r.Text); t != "" {
		parts = append(parts, escape(t))
	}
	return Truncate(strings.Join(parts, "\n"), MaxSectionText)
}

// notPostable are the errors of a channel the bot cannot post files in.
var notPostable = []string{"not_in_channel", "channel_not_found", "is_archived", "not_allowed_token_type"}

// chartFailure is what the person who asked for a chart is told when it
// could not be posted.
func chartFailure(err error) string {
	if se, ok := errors.AsType[slackgo.SlackErrorResponse](err); ok && slices.Contains(notPostable, se.Err) {
		return "I can't post the chart in this conversation: invite healthbot to the channel (/invite @healthbot), or ask me in a direct message."
	}
	return "The chart could not be posted; try again in a moment."
}

// tell shows text to the person a request came from alone: through the
// response_url, else as an ephemeral message.
func (a *Adapter) tell(ctx context.Context, o origin, text string) {
	if o.responseURL != "" {
		a.postResponse(ctx, o.responseURL, ephemeralText(text))
		return
	}
	if o.channel != "" && o.user != "" {
		if _, err := a.api.PostEphemeralContext(ctx, o.channel, o.user, slackgo.MsgOptionText(text, false)); err != nil {
			a.log.Error("tell", "channel", o.channel, "user", o.user, "err", err)
		}
	}
}

package slack

import (
	"context"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/commands"
	slackgo "github.com/slack-go/slack"
)

// The App Home tab shows the user's day (/health home): published with
// views.publish when they open it (the app_home_opened event), and again
// after a button pressed on it, so the tab always shows what is true now.
// A press's own answer (or a form's, which has nowhere else to go) heads
// the tab as a notice.

// HomeView lays out r, the user's day, as an App Home view within a
// view's limits (100 blocks), with notice, when set, as its first block.
func HomeView(r commands.Reply, notice string) slackgo.HomeTabViewRequest {
	max := MaxModalBlocks
	var head []slackgo.Block
	if notice != "" {
		head = append(head, slackgo.NewContextBlock("", mrkdwn(truncateEscaped(notice, MaxSectionText, ""))))
		max--
	}
	return slackgo.HomeTabViewRequest{Type: slackgo.VTHomeTab, Blocks: slackgo.Blocks{BlockSet: append(head, blocks(r, max)...)}}
}

// publishHome builds the user's day and publishes it on their App Home
// tab, with notice above it.
func (a *Adapter) publishHome(ctx context.Context, caller commands.Caller, notice string) {
	r, err := a.exec.Execute(ctx, caller, commands.Command{Verb: commands.VerbHealth, Sub: commands.HealthHome})
	if err != nil {
		a.log.Error("build the App Home", "user", caller.UserID, "err", err)
		if r.Text == "" && r.Title == "" {
			r = commands.Reply{Colour: "grey", Text: bot.SorryText}
		}
	}
	req := slackgo.PublishViewContextRequest{UserID: caller.UserID, View: HomeView(r, notice)}
	if _, err := a.api.PublishViewContext(ctx, req); err != nil {
		a.log.Error("publish the App Home: views.publish", "user", caller.UserID, "err", err)
	}
}

// homeNotice is what a press on the App Home answered, shown at the top
// of the tab it republishes: the text of a confirmation or an error.
func homeNotice(r commands.Reply) string {
	if r.Text != "" {
		return r.Text
	}
	return r.Title
}

package slack

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/commands"
	slackgo "github.com/slack-go/slack"
)

// workingText acknowledges a command whose answer will come later.
const workingText = "Working on it…"

// originKind says how a request arrived, which decides how its answer can
// be delivered.
type originKind int

const (
	fromCommand    originKind = iota // slash command: inline body, then response_url
	fromAction                       // button click: response_url (replace the card)
	fromSubmission                   // modal submission: response_url or chat.postEphemeral
	fromMention                      // app mention: chat.postMessage in the thread
	fromHome                         // a press on the App Home tab (or a form it opened): the tab is published again
)

// origin is where a request came from and where its answer goes.
type origin struct {
	kind        originKind
	responseURL string
	triggerID   string // opens a modal; valid for 3 s after the request
	channel     string
	user        string
	threadTS    string          // mentions: the thread to answer in
	replace     bool            // the request came from a message that should be updated in place
	caller      commands.Caller // fromHome: whose tab to publish
	received    time.Time       // when the request arrived (zero: now); the inline wait counts from it
}

// message is the JSON of an inline answer and of a response_url post.
type message struct {
	ResponseType    string          `json:"response_type,omitempty"`
	Text            string          `json:"text"`
	Blocks          []slackgo.Block `json:"blocks,omitempty"`
	ReplaceOriginal *bool           `json:"replace_original,omitempty"`
}

type result struct {
	reply commands.Reply
	err   error
}

func toMessage(r commands.Reply) message {
	m := message{ResponseType: "in_channel", Text: FallbackText(r), Blocks: Blocks(r)}
	if r.Ephemeral {
		m.ResponseType = "ephemeral"
	}
	return m
}

func ephemeralText(text string) message {
	return message{ResponseType: "ephemeral", Text: text}
}

// handleCommand is the one path of a slash command, from HTTP or Socket
// Mode, received at received; it returns the immediate answer (nil: an
// empty acknowledgement).
func (a *Adapter) handleCommand(sc slackgo.SlashCommand, received time.Time) any {
	if !a.served(sc.TeamID) {
		a.log.Warn("slash command from a workspace not served", "team_id", sc.TeamID, "user", sc.UserID)
		return ephemeralText(notServed)
	}
	caller := commands.Caller{Platform: Platform, TeamID: sc.TeamID, UserID: sc.UserID, UserName: sc.UserName, ChannelID: sc.ChannelID}
	line := strings.TrimSpace(sc.Command + " " + unescape(sc.Text))
	o := origin{kind: fromCommand, responseURL: sc.ResponseURL, triggerID: sc.TriggerID, channel: sc.ChannelID, user: sc.UserID,
		received: received}
	return a.run(o, func(ctx context.Context) (commands.Reply, error) {
		return a.exec.Run(ctx, caller, line)
	})
}

// handleInteraction is the one path of a button click or a modal
// submission, received at received.
func (a *Adapter) handleInteraction(ic slackgo.InteractionCallback, received time.Time) any {
	team := interactionTeam(ic)
	if !a.served(team) {
		a.log.Warn("interaction from a workspace not served", "team_id", team, "user", ic.User.ID)
		if ic.ResponseURL != "" {
			a.background(func(ctx context.Context) {
				a.postResponse(ctx, ic.ResponseURL, ephemeralText(notServed))
			})
		}
		return nil
	}
	channel := ic.Channel.ID
	if channel == "" {
		channel = ic.Container.ChannelID
	}
	caller := commands.Caller{Platform: Platform, TeamID: team, UserID: ic.User.ID, UserName: userName(ic.User), ChannelID: channel}
	switch ic.Type {
	case slackgo.InteractionTypeBlockActions:
		return a.handleAction(ic, caller, received)
	case slackgo.InteractionTypeViewSubmission:
		return a.handleSubmission(ic, caller, received)
	}
	return nil
}

func userName(u slackgo.User) string {
	if u.Name != "" {
		return u.Name
	}
	return u.Profile.DisplayName
}

func (a *Adapter) handleAction(ic slackgo.InteractionCallback, caller commands.Caller, received time.Time) any {
	if len(ic.ActionCallback.BlockActions) == 0 {
		return nil
	}
	act := ic.ActionCallback.BlockActions[0]
	if !strings.HasPrefix(act.ActionID, actionPrefix) || act.Value == "" {
		return nil
	}
	msgTS := ic.Container.MessageTs
	if msgTS == "" {
		msgTS = ic.Message.Timestamp
	}
	if ic.View.Type == slackgo.VTHomeTab {
		msgTS = ic.View.ID
	}
	if a.clicks.seen(caller.UserID+"|"+msgTS+"|"+act.ActionID, a.Now()) {
		a.log.Info("ignored a repeated click", "user", caller.UserID, "message_ts", msgTS, "action_id", act.ActionID)
		return nil
	}
	line := act.Value
	o := origin{kind: fromAction, responseURL: ic.ResponseURL, triggerID: ic.TriggerID, channel: caller.ChannelID,
		user: caller.UserID, replace: ic.Container.Type == "message" || msgTS != "", received: received}
	if ic.View.Type == slackgo.VTHomeTab {
		// No message to replace and no response_url: the answer heads the
		// tab, published again with the day as it now is.
		o = origin{kind: fromHome, triggerID: ic.TriggerID, user: caller.UserID, caller: caller, received: received}
	}
	return a.run(o, func(ctx context.Context) (commands.Reply, error) {
		p, err := commands.RunPress(ctx, a.exec, caller, commands.Press{Action: line, OnCard: o.replace})
		return pressReply(p), err
	})
}

// pressReply is the answer to a press as one message: the account's card
// drawn afresh, led by what was recorded, which replaces the card the
// button sat on; or the press's own reply.
func pressReply(p commands.Pressed) commands.Reply {
	if p.Card == nil {
		return p.Reply
	}
	card := *p.Card
	card.Text = strings.TrimSpace(p.Reply.Text + "\n" + card.Text)
	card.Replace = true
	return card
}

func (a *Adapter) handleSubmission(ic slackgo.InteractionCallback, caller commands.Caller, received time.Time) any {
	if ic.View.CallbackID != formCallbackID {
		return nil
	}
	meta, err := decodeMeta(ic.View.PrivateMetadata)
	if err != nil {
		a.log.Error("view submission with unreadable metadata", "err", err)
		return viewErrors(ic.View, "This form lost track of its account; close it and start again from the account's card.")
	}
	cmd, err := commands.FormCommand(meta.form(), formValues(ic.View.State))
	if err != nil {
		// Keep the modal open with the problem shown, so nothing typed is lost.
		return viewErrors(ic.View, err.Error())
	}
	if meta.Channel != "" {
		caller.ChannelID = meta.Channel
	}
	o := origin{kind: fromSubmission, responseURL: meta.ResponseURL, channel: caller.ChannelID, user: caller.UserID,
		replace: meta.Replace, received: received}
	if meta.Home {
		o = origin{kind: fromHome, user: caller.UserID, caller: caller, received: received}
	}
	a.run(o, func(ctx context.Context) (commands.Reply, error) {
		p, err := commands.RunPress(ctx, a.exec, caller, commands.Press{Form: &cmd, OnCard: meta.Replace})
		return pressReply(p), err
	})
	return nil // closes the modal
}

// viewErrors keeps a modal open with msg under its first input.
func viewErrors(v slackgo.View, msg string) any {
	block := ""
	for _, b := range v.Blocks.BlockSet {
		if in, ok := b.(*slackgo.InputBlock); ok {
			block = in.BlockID
			break
		}
	}
	if block == "" {
		return nil
	}
	return map[string]any{"response_action": "errors", "errors": map[string]string{block: Truncate(msg, 150)}}
}

// envelope is an Events API callback, from HTTP or a Socket Mode
// events_api payload.
type envelope struct {
	Type      string `json:"type"`
	Challenge string `json:"challenge"`
	TeamID    string `json:"team_id"`
	EventID   string `json:"event_id"`
	Event     struct {
		Type     string `json:"type"`
		Tab      string `json:"tab"` // app_home_opened: "home" or "messages"
		User     string `json:"user"`
		Text     string `json:"text"`
		Channel  string `json:"channel"`
		TS       string `json:"ts"`
		ThreadTS string `json:"thread_ts"`
		BotID    string `json:"bot_id"`
	} `json:"event"`
}

// handleEvent acknowledges an event at once and answers app mentions in
// the background; an event id seen before (Slack retries after 3 s without
// an ack, or on errors) is acknowledged and dropped.
func (a *Adapter) handleEvent(env envelope) any {
	switch env.Type {
	case "url_verification":
		return map[string]string{"challenge": env.Challenge}
	case "event_callback":
	default:
		return nil
	}
	if !a.served(env.TeamID) {
		a.log.Warn("event from a workspace not served", "team_id", env.TeamID, "event_id", env.EventID)
		return nil
	}
	if env.EventID != "" && a.repeatedEvent(env.EventID) {
		a.log.Info("ignored a repeated event", "event_id", env.EventID)
		return nil
	}
	ev := env.Event
	if ev.Type == "app_home_opened" && ev.Tab == "home" && ev.User != "" {
		caller := commands.Caller{Platform: Platform, TeamID: env.TeamID, UserID: ev.User}
		a.background(func(ctx context.Context) { a.publishHome(ctx, caller, "") })
		return nil
	}
	if ev.Type != "app_mention" || ev.BotID != "" {
		return nil
	}
	caller := commands.Caller{Platform: Platform, TeamID: env.TeamID, UserID: ev.User, ChannelID: ev.Channel}
	line := mentionLine(ev.Text)
	thread := ev.ThreadTS
	if thread == "" {
		thread = ev.TS
	}
	o := origin{kind: fromMention, channel: ev.Channel, user: ev.User, threadTS: thread}
	a.background(func(ctx context.Context) {
		r, err := a.exec.Run(ctx, caller, line)
		a.deliver(ctx, o, result{r, err})
	})
	return nil
}

var mentionRE = regexp.MustCompile(`<@[A-Z0-9]+(\|[^>]*)?>`)

// unescaper undoes Slack's escaping of message and command text (&amp;
// &lt; &gt;, the only three it escapes) in one left-to-right pass.
// Mentions and channel links (<@U…|name>, <#C…|name>, sent for /health
// because the manifest sets should_escape) keep their angle brackets:
// the admin grammar reads the ids in them.
var unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// unescape returns text as the user typed it, mentions aside.
func unescape(text string) string { return unescaper.Replace(text) }

// mentionLine turns "@healthbot acme" into "/health acme". Only the first
// mention, the bot's, is dropped: a later one is an argument, as in
// "@healthbot admin csm maria @maria".
func mentionLine(text string) string {
	if loc := mentionRE.FindStringIndex(text); loc != nil {
		text = text[:loc[0]] + " " + text[loc[1]:]
	}
	rest := strings.Join(strings.Fields(unescape(text)), " ")
	if low := strings.ToLower(rest); low == "/health" || low == "health" || strings.HasPrefix(low, "/health ") {
		rest = strings.TrimSpace(rest[strings.IndexByte(rest, 'h')+len("health"):])
	}
	return strings.TrimSpace("/health " + rest)
}

// run executes fn under the 3-second rule: if it finishes within
// InlineWait of the request's arrival its answer is delivered now (inline
// for a command), otherwise the request is acknowledged ("Working on it…"
// for a command, empty for an interaction) and the answer follows through
// response_url. The time already spent on the request (reading it, the
// replay check) counts, so a busy database cannot push the
// acknowledgement past Slack's deadline.
func (a *Adapter) run(o origin, fn func(ctx context.Context) (commands.Reply, error)) any {
	ctx, cancel := context.WithTimeout(a.ctx, followUpTimeout)
	done := make(chan result, 1)
	a.bg.Go(func() {
		r, err := fn(ctx)
		done <- result{r, err}
	})
	wait := a.InlineWait
	if !o.received.IsZero() {
		wait -= time.Since(o.received)
	}
	timer := time.NewTimer(max(wait, 0))
	defer timer.Stop()
	select {
	case res := <-done:
		if o.kind == fromCommand {
			defer cancel()
			return a.answer(ctx, o, res)
		}
		a.bg.Go(func() {
			defer cancel()
			a.deliver(ctx, o, res)
		})
		return nil
	case <-timer.C:
		o.triggerID = "" // expired by the time the answer comes
		a.bg.Go(func() {
			defer cancel()
			a.deliver(ctx, o, <-done)
		})
		if o.kind == fromCommand {
			return ephemeralText(workingText)
		}
		return nil
	}
}

// answer is a command's inline answer: the rendered reply, or nothing
// when the reply opened a modal.
func (a *Adapter) answer(ctx context.Context, o origin, res result) any {
	r := a.replyOf(res)
	if r.Form != nil && a.openModal(ctx, o, r) {
		return nil
	}
	if len(r.Charts) > 0 {
		// Files cannot go inline: the chart follows as its own message.
		a.background(func(ctx context.Context) { a.shareCharts(ctx, o, r) })
		return nil
	}
	return toMessage(r)
}

// deliver sends an answer that could not go inline.
func (a *Adapter) deliver(ctx context.Context, o origin, res result) {
	r := a.replyOf(res)
	if r.Form != nil && a.openModal(ctx, o, r) {
		return
	}
	if len(r.Charts) > 0 {
		a.shareCharts(ctx, o, r)
		return
	}
	switch {
	case o.kind == fromHome:
		a.publishHome(ctx, o.caller, homeNotice(r))
	case o.kind == fromMention && r.Ephemeral:
		// A private answer (a card, which shows MRR; a mistake to
		// correct) is shown in the thread to the person who asked alone.
		opts := append(msgOptions(r), slackgo.MsgOptionTS(o.threadTS))
		if _, err := a.api.PostEphemeralContext(ctx, o.channel, o.user, opts...); err != nil {
			a.log.Error("answer mention", "channel", o.channel, "user", o.user, "err", err)
		}
	case o.kind == fromMention:
		opts := append(msgOptions(r), slackgo.MsgOptionTS(o.threadTS))
		if _, _, err := a.api.PostMessageContext(ctx, o.channel, opts...); err != nil {
			a.log.Error("answer mention", "channel", o.channel, "err", err)
		}
	case o.responseURL != "":
		m := toMessage(r)
		replace := o.replace && r.Replace && res.err == nil
		m.ReplaceOriginal = &replace
		if !replace && o.kind != fromCommand {
			// Answers to clicks and forms that do not update the card are
			// for the person who acted.
			m.ResponseType = "ephemeral"
		}
		a.postResponse(ctx, o.responseURL, m)
	case o.channel != "" && o.user != "":
		opts := msgOptions(r)
		if _, err := a.api.PostEphemeralContext(ctx, o.channel, o.user, opts...); err != nil {
			a.log.Error("answer form", "channel", o.channel, "user", o.user, "err", err)
		}
	default:
		a.log.Error("answer lost: nowhere to deliver it", "kind", o.kind)
	}
}

// replyOf is the reply to show for a result; an executor error is logged
// here and shown as the Reply that came with it, or a plain apology.
func (a *Adapter) replyOf(res result) commands.Reply {
	if res.err == nil {
		return res.reply
	}
	if !errors.Is(res.err, context.Canceled) {
		a.log.Error("command failed", "err", res.err)
	}
	r := res.reply
	if r.Text == "" && r.Title == "" {
		r = commands.Reply{Ephemeral: true, Colour: "grey", Text: bot.SorryText}
	}
	r.Ephemeral = true
	return r
}

// openModal shows r's form with views.open; the trigger id must still be
// fresh. It reports whether the modal opened.
func (a *Adapter) openModal(ctx context.Context, o origin, r commands.Reply) bool {
	if o.triggerID == "" {
		return false
	}
	f := *r.Form
	meta, err := formMeta{Form: f.ID, Account: f.Account, Hidden: f.Hidden, ResponseURL: o.responseURL, Channel: o.channel, Replace: o.replace,
		Home: o.kind == fromHome}.encode()
	if err != nil {
		a.log.Error("open modal", "err", err)
		return false
	}
	if _, err := a.api.OpenViewContext(ctx, o.triggerID, ModalView(f, r.Text, meta)); err != nil {
		a.log.Error("open modal: views.open", "form", f.ID, "err", err)
		return false
	}
	return true
}

// background runs fn after the request has been answered, under Close's
// control.
func (a *Adapter) background(fn func(ctx context.Context)) {
	a.bg.Go(func() {
		ctx, cancel := context.WithTimeout(a.ctx, followUpTimeout)
		defer cancel()
		fn(ctx)
	})
}

// postResponse posts m to a response_url, if it is Slack's.
func (a *Adapter) postResponse(ctx context.Context, url string, m message) {
	if !a.cfg.responseURLAllowed(url) {
		a.log.Warn("answer not posted: the response_url is not a Slack address", "host", hostOf(url))
		return
	}
	wm := &slackgo.WebhookMessage{Text: m.Text, ResponseType: m.ResponseType}
	if len(m.Blocks) > 0 {
		wm.Blocks = &slackgo.Blocks{BlockSet: m.Blocks}
	}
	if m.ReplaceOriginal != nil {
		wm.ReplaceOriginal = *m.ReplaceOriginal
	}
	client := a.HTTPClient
	if client == nil {
		client = defaultHTTPClient
	}
	if err := slackgo.PostWebhookCustomHTTPContext(ctx, url, client, wm); err != nil {
		a.log.Error("post to response_url", "err", err)
	}
}

package discord

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/commands"
)

// Sentences users see when the adapter itself answers.
const (
	msgForeignGuild   = "healthbot does not serve this server. Ask whoever runs healthbot to add its id to DISCORD_GUILD_IDS."
	msgNoDM           = "healthbot works in its servers' channels, not in direct messages. Use the command in a channel."
	msgExpired        = "This button has expired. Run the command again, e.g. /health show."
	msgFormExpired    = "This form has expired. Start again from the account's card."
	msgDuplicate      = "That was already handled."
	msgUnknownCommand = "healthbot does not know this command any more. Ask whoever runs healthbot to restart it so the commands are registered again."
)

// later finishes a deferred interaction through a REST session.
type later func(s *discordgo.Session)

// outcome is what a command produced, ready to send: a message, and a
// modal when the reply asks for input; update says the message the user
// clicked on should be replaced rather than answered.
type outcome struct {
	msg    Message
	modal  *discordgo.InteractionResponseData
	update bool
	files  []attachment // pictures the message shows (attachment://)
}

// dispatch is the one core behind both transports: it decides the
// immediate answer to i and, when the work outlives AckDeadline, returns
// the step that finishes it. A nil response means i repeats an
// interaction already handled.
func (a *Adapter) dispatch(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, later) {
	received := time.Now()
	if i.Type == discordgo.InteractionPing {
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong}, nil
	}
	// Refuse before recording the id: a refused interaction must change
	// nothing, not even processed_events.
	if refusal := a.refuse(i); refusal != "" {
		a.log.WarnContext(ctx, "refused interaction", "interaction", i.ID, "guild", i.GuildID, "reason", refusal)
		if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
			return autocompleteResponse(nil), nil
		}
		return messageResponse(Message{Content: refusal, Ephemeral: true}), nil
	}
	if i.ID != "" && a.repeated(ctx, i) {
		a.log.InfoContext(ctx, "ignored a repeated interaction", "interaction", i.ID)
		return nil, nil
	}
	caller := callerOf(i)
	var (
		work    func(ctx context.Context) outcome
		private bool // the answer is for the caller alone: defer privately too
	)
	switch i.Type {
	case discordgo.InteractionApplicationCommandAutocomplete:
		return a.autocomplete(ctx, i), nil
	case discordgo.InteractionApplicationCommand:
		row, cmd, ok := CommandFromOptions(i.ApplicationCommandData())
		if !ok {
			return messageResponse(Message{Content: msgUnknownCommand, Ephemeral: true}), nil
		}
		private = row.PrivateFor(cmd)
		work = func(ctx context.Context) outcome {
			reply, err := a.exec.Execute(ctx, caller, cmd)
			return a.outcome(reply, err)
		}
	case discordgo.InteractionMessageComponent:
		action, ok := a.buttonAction(i.MessageComponentData().CustomID)
		if !ok {
			return messageResponse(Message{Content: msgExpired, Ephemeral: true}), nil
		}
		work = func(ctx context.Context) outcome {
			return a.press(ctx, i, caller, commands.Press{Action: action})
		}
	case discordgo.InteractionModalSubmit:
		data := i.ModalSubmitData()
		form, ok := a.formOf(data.CustomID)
		if !ok {
			return messageResponse(Message{Content: msgFormExpired, Ephemeral: true}), nil
		}
		cmd, err := commands.FormCommand(form, modalValues(data))
		if err != nil {
			return messageResponse(Message{Content: err.Error(), Ephemeral: true}), nil
		}
		work = func(ctx context.Context) outcome {
			o := a.press(ctx, i, caller, commands.Press{Form: &cmd})
			if o.modal != nil {
				o.modal = nil // a modal cannot answer a modal; its text says what to type
			}
			return o
		}
	default:
		return messageResponse(Message{Content: "healthbot does not handle this kind of interaction.", Ephemeral: true}), nil
	}
	return a.runWithDeadline(ctx, i, private, received, work)
}

// refuse says why i must not be executed, or "" when it may: commands in
// direct messages unless Config.AllowDMs, and guilds outside
// Config.GuildIDs when that list is set. A button (or the form it
// opened) in a direct message is always let through: it sits on a
// message healthbot itself sent that person (a task), since Discord
// sends a component's clicks to the application that posted it.
func (a *Adapter) refuse(i *discordgo.Interaction) string {
	if i.GuildID == "" {
		if a.cfg.AllowDMs || i.Type == discordgo.InteractionMessageComponent || i.Type == discordgo.InteractionModalSubmit {
			return ""
		}
		return msgNoDM
	}
	if a.guilds != nil && !a.guilds[i.GuildID] {
		return msgForeignGuild
	}
	return ""
}

// runWithDeadline runs work and answers with its result when it finishes
// within AckDeadline of received, or with a deferred response otherwise
// (an ephemeral one when private), the result then following through
// later. The time already spent since received (the replay check on a
// busy database) counts against the deadline.
func (a *Adapter) runWithDeadline(ctx context.Context, i *discordgo.Interaction, private bool, received time.Time, work func(context.Context) outcome) (*discordgo.InteractionResponse, later) {
	done := make(chan outcome, 1)
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.WorkTimeout)
	// Counted for Wait, so shutdown waits for work that outlives the ack.
	a.background(func() {
		defer cancel()
		done <- work(wctx)
	})
	timer := time.NewTimer(max(a.AckDeadline-time.Since(received), 0))
	defer timer.Stop()
	select {
	case o := <-done:
		if len(o.files) == 0 {
			return immediate(i, o), nil
		}
		// Files go up as a multipart edit of the response, which both
		// transports can send (an HTTP interaction's own answer is JSON
		// only): defer now, and attach them in the edit.
		done <- o
	case <-timer.C:
	}
	onMessage := i.Type == discordgo.InteractionMessageComponent || (i.Type == discordgo.InteractionModalSubmit && i.Message != nil)
	deferred := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}
	switch {
	case onMessage:
		deferred.Type = discordgo.InteractionResponseDeferredMessageUpdate
		private = false
	case private:
		deferred.Data = &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}
	}
	return deferred, func(s *discordgo.Session) {
		o := <-done
		// The request that brought i is over by now; the edit must not
		// die with its context.
		ctx := context.WithoutCancel(ctx)
		if err := a.finish(ctx, s, i, onMessage, private, o); err != nil {
			a.log.ErrorContext(ctx, "finish deferred interaction", "interaction", i.ID, "err", err)
		}
	}
}

// immediate is the response for an outcome ready within the deadline.
func immediate(i *discordgo.Interaction, o outcome) *discordgo.InteractionResponse {
	switch {
	case o.modal != nil:
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal, Data: o.modal}
	case o.update:
		r := messageResponse(o.msg)
		r.Type = discordgo.InteractionResponseUpdateMessage
		r.Data.Flags = 0 // an update keeps the message's own visibility
		return r
	}
	return messageResponse(o.msg)
}

// finish sends a deferred outcome: an edit of the original response (or of
// the clicked message; a private "thinking…" stays private once edited),
// or, for an answer only the user may see after a public "thinking…", a
// private follow-up in its place.
func (a *Adapter) finish(ctx context.Context, s *discordgo.Session, i *discordgo.Interaction, onMessage, private bool, o outcome) error {
	opt := discordgo.WithContext(ctx)
	m := o.msg
	if o.update || private || (!onMessage && !m.Ephemeral) {
		content := m.Content
		embeds := m.Embeds
		components := m.Components
		if embeds == nil {
			embeds = []*discordgo.MessageEmbed{}
		}
		if components == nil {
			components = []discordgo.MessageComponent{}
		}
		return retryUnknown(ctx, func() error {
			edit := &discordgo.WebhookEdit{Content: &content, Embeds: &embeds, Components: &components, Files: discordFiles(o.files)}
			_, err := s.InteractionResponseEdit(i, edit, opt)
			return err
		})
	}
	if !onMessage {
		// The deferred "thinking…" is public; a private answer replaces it.
		if err := s.InteractionResponseDelete(i, opt); err != nil {
			a.log.WarnContext(ctx, "delete deferred response", "interaction", i.ID, "err", err)
		}
	}
	params := &discordgo.WebhookParams{Content: m.Content, Embeds: m.Embeds, Components: m.Components}
	if m.Ephemeral || onMessage {
		params.Flags = discordgo.MessageFlagsEphemeral
	}
	return retryUnknown(ctx, func() error {
		params.Files = discordFiles(o.files)
		_, err := s.FollowupMessageCreate(i, true, params, opt)
		return err
	})
}

// retryUnknown retries a follow-up once when Discord answers 404: over
// HTTP the deferred response may still be on its way when a fast
// follow-up arrives, and Discord does not know the interaction yet.
func retryUnknown(ctx context.Context, call func() error) error {
	err := call()
	var re *discordgo.RESTError
	if err == nil || !errors.As(err, &re) || re.Response == nil || re.Response.StatusCode != http.StatusNotFound {
		return err
	}
	select {
	case <-time.After(time.Second):
	case <-ctx.Done():
		return err
	}
	return call()
}

// outcome renders a reply to a slash command or form.
func (a *Adapter) outcome(reply commands.Reply, err error) outcome {
	if err != nil && reply.Text == "" && reply.Title == "" {
		reply = commands.Reply{Ephemeral: true, Text: bot.SorryText}
	}
	o := outcome{msg: a.render(reply)}
	if len(reply.Charts) > 0 {
		o.files = a.drawCharts(reply, &o.msg)
	}
	if reply.Form != nil {
		data, long := RenderModal(*reply.Form)
		a.remember(long)
		o.modal = data
	}
	return o
}

// press answers a click (or a form opened by one) through
// commands.RunPress: when it recorded something, the card the user
// clicked on is redrawn in place with the confirmation above it; an
// updated alert replaces the message; anything else (a form, an error, a
// repeat) is answered without touching the message.
func (a *Adapter) press(ctx context.Context, i *discordgo.Interaction, caller commands.Caller, p commands.Press) outcome {
	p.OnCard = i.Message != nil && isCard(i.Message)
	pressed, err := commands.RunPress(ctx, a.exec, caller, p)
	o := a.outcome(pressed.Reply, err)
	switch {
	case err != nil || o.modal != nil || i.Message == nil || !pressed.Replace():
		return o
	case pressed.Card == nil: // the alert, updated
		o.update = true
		return o
	}
	m := a.render(*pressed.Card)
	m.Content = TruncateLines(pressed.Reply.Text, MaxContent)
	return outcome{msg: m, update: true}
}

// isCard reports whether a message is one of healthbot's cards (an embed
// with buttons), the kind a click refreshes.
func isCard(m *discordgo.Message) bool {
	return len(m.Embeds) > 0 && len(m.Components) > 0
}

// render renders a reply and remembers its hashed button ids.
func (a *Adapter) render(r commands.Reply) Message {
	m := Render(r)
	a.remember(m.Long)
	return m
}

func (a *Adapter) remember(long map[string]string) {
	for id, payload := range long {
		a.long.add(id, payload)
	}
}

// buttonAction recovers the action line of a clicked button.
func (a *Adapter) buttonAction(id string) (string, bool) {
	action, hashed, ok := ParseButtonID(id)
	if !ok {
		return "", false
	}
	if hashed {
		return a.long.get(id)
	}
	return action, true
}

// formOf recovers the form a modal was opened for.
func (a *Adapter) formOf(id string) (commands.Form, bool) {
	f, hashed, ok := ParseFormID(id)
	if !ok || !hashed {
		return f, ok
	}
	payload, ok := a.long.get(id)
	if !ok {
		return commands.Form{}, false
	}
	return ParseFormPayload(payload)
}

// modalValues collects a modal's text inputs by custom id (the field name).
func modalValues(d discordgo.ModalSubmitInteractionData) map[string]string {
	values := map[string]string{}
	var walk func(cs []discordgo.MessageComponent)
	walk = func(cs []discordgo.MessageComponent) {
		for _, c := range cs {
			switch x := c.(type) {
			case *discordgo.ActionsRow:
				walk(x.Components)
			case discordgo.ActionsRow:
				walk(x.Components)
			case *discordgo.TextInput:
				values[x.CustomID] = x.Value
			case discordgo.TextInput:
				values[x.CustomID] = x.Value
			}
		}
	}
	walk(d.Components)
	return values
}

// autocomplete answers the account option with matching accounts.
func (a *Adapter) autocomplete(ctx context.Context, i *discordgo.Interaction) *discordgo.InteractionResponse {
	f := focusedOption(i.ApplicationCommandData().Options)
	if f == nil || f.Name != commands.ParamAccount || a.accounts == nil {
		return autocompleteResponse(nil)
	}
	prefix, _ := f.Value.(string)
	ctx, cancel := context.WithTimeout(ctx, a.AckDeadline)
	defer cancel()
	found, err := a.accounts.SuggestAccounts(ctx, strings.TrimSpace(prefix), MaxChoices)
	if err != nil {
		a.log.ErrorContext(ctx, "suggest accounts", "prefix", prefix, "err", err)
		return autocompleteResponse(nil)
	}
	return autocompleteResponse(found)
}

func autocompleteResponse(found []Choice) *discordgo.InteractionResponse {
	choices := []*discordgo.ApplicationCommandOptionChoice{}
	for _, c := range found {
		if len(choices) == MaxChoices {
			break
		}
		if c.Value == "" || len(c.Value) > MaxChoiceName {
			continue // Discord would reject the whole answer
		}
		choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: truncateRunes(nonEmpty(c.Name), MaxChoiceName), Value: c.Value})
	}
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices},
	}
}

// messageResponse is a type 4 response carrying m.
func messageResponse(m Message) *discordgo.InteractionResponse {
	d := &discordgo.InteractionResponseData{Content: m.Content, Embeds: m.Embeds, Components: m.Components}
	if m.Ephemeral {
		d.Flags = discordgo.MessageFlagsEphemeral
	}
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: d}
}

// duplicateResponse answers a repeated HTTP interaction harmlessly.
func duplicateResponse(i *discordgo.Interaction) *discordgo.InteractionResponse {
	if i.Type == discordgo.InteractionMessageComponent {
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}
	}
	return messageResponse(Message{Content: msgDuplicate, Ephemeral: true})
}

// callerOf says who sent i: the member in a guild, the user in a DM.
func callerOf(i *discordgo.Interaction) commands.Caller {
	c := commands.Caller{Platform: Platform, TeamID: i.GuildID, ChannelID: i.ChannelID}
	var u *discordgo.User
	if i.Member != nil {
		u = i.Member.User
		c.UserName = i.Member.Nick
	}
	if u == nil {
		u = i.User
	}
	if u != nil {
		c.UserID = u.ID
		if c.UserName == "" {
			c.UserName = u.GlobalName
		}
		if c.UserName == "" {
			c.UserName = u.Username
		}
	}
	return c
}

var errNoKey = errors.New("no public key configured")

package slack

import (
	"context"
	"encoding/json"
	"errors"
	"log"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// RunSocketMode connects to Slack over Socket Mode (apps.connections.open
// with the app token, then a websocket) and serves commands, clicks,
// submissions and mentions through the same dispatch core as HTTP until
// ctx ends. Each request is acknowledged with the same answer HTTP would
// have returned as its body.
func (a *Adapter) RunSocketMode(ctx context.Context) error {
	if a.cfg.AppToken == "" {
		return errors.New("slack socket mode: SLACK_APP_TOKEN is not set")
	}
	client := socketmode.New(a.api, socketmode.OptionLog(log.New(slogWriter{a}, "", 0)))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- client.RunContext(ctx) }()
	for {
		select {
		case err := <-runErr:
			if ctx.Err() != nil {
				return nil
			}
			return err
		case evt := <-client.Events:
			a.socketEvent(ctx, client, evt)
		}
	}
}

// socketEvent hands one Socket Mode event to the dispatch core; requests
// are handled concurrently, since each may wait up to InlineWait.
func (a *Adapter) socketEvent(ctx context.Context, client *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		a.log.Info("socket mode connecting")
		return
	case socketmode.EventTypeConnected:
		a.log.Info("socket mode connected")
		return
	case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth:
		a.log.Error("socket mode connection failed", "type", evt.Type, "data", evt.Data)
		return
	case socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive, socketmode.EventTypeEventsAPI:
	default:
		return
	}
	if evt.Request == nil {
		return
	}
	req := *evt.Request
	received := time.Now()
	go func() {
		var ack any
		switch evt.Type {
		case socketmode.EventTypeSlashCommand:
			if sc, ok := evt.Data.(slackgo.SlashCommand); ok {
				ack = a.handleCommand(sc, received)
			}
		case socketmode.EventTypeInteractive:
			if ic, ok := evt.Data.(slackgo.InteractionCallback); ok {
				ack = a.handleInteraction(ic, received)
			}
		case socketmode.EventTypeEventsAPI:
			// The raw payload is the same envelope HTTP receives, so both
			// transports decode it one way.
			var env envelope
			if err := json.Unmarshal(req.Payload, &env); err != nil {
				a.log.Warn("socket mode: unreadable event", "err", err)
			} else {
				ack = a.handleEvent(env)
			}
		}
		if err := client.AckCtx(ctx, req.EnvelopeID, ack); err != nil {
			a.log.Error("socket mode ack", "envelope_id", req.EnvelopeID, "err", err)
		}
	}()
}

// slogWriter routes slack-go's own log lines into the adapter's logger.
type slogWriter struct{ a *Adapter }

func (w slogWriter) Write(p []byte) (int, error) {
	w.a.log.Debug("socketmode", "msg", string(p))
	return len(p), nil
}

package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/healthbot/healthbot/bot/connect"
	"github.com/healthbot/healthbot/bot/connect/hubspot"
	"github.com/healthbot/healthbot/bot/connect/intercom"
	"github.com/healthbot/healthbot/bot/connect/segment"
	"github.com/healthbot/healthbot/bot/connect/stripe"
	"github.com/healthbot/healthbot/bot/connect/writer"
	"github.com/healthbot/healthbot/bot/connect/zendesk"
)

// hook is one connector endpoint: its source, the variable holding its
// secret, and its handler for a secret.
type hook struct {
	source, secretEnv string
	handler           func(secret string, sink connect.Sink, opts ...connect.Option) http.Handler
}

// setupHooks mounts POST /hooks/{source} for each connector whose secret
// is set. Deliveries are written (in small group-committed batches) before
// they are answered, and the accounts they touched are rescored with their
// alerts evaluated in the background, so a failed Stripe payment becomes
// an alert within seconds.
func (m *Main) setupHooks(ctx context.Context, w *wiring) error {
	// The options are checked even when their connector is off, so a typo
	// surfaces at once rather than on the day the secret is set.
	props, err := hubspot.ParseProperties(m.Getenv("HUBSPOT_PROPERTIES"))
	if err != nil {
		return usagef("HUBSPOT_PROPERTIES: %v", err)
	}
	traits, err := segment.ParseTraits(m.Getenv("SEGMENT_TRAITS"))
	if err != nil {
		return usagef("SEGMENT_TRAITS: %v", err)
	}
	publicURL := strings.TrimRight(strings.TrimSpace(m.Getenv("HUBSPOT_PUBLIC_URL")), "/")
	if u, err := url.Parse(publicURL); publicURL != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "") {
		return usagef("HUBSPOT_PUBLIC_URL=%q: give the scheme and host HubSpot calls, e.g. https://healthbot.example.com", publicURL)
	}
	hooks := []hook{
		{stripe.Source, "STRIPE_WEBHOOK_SECRET", func(s string, sink connect.Sink, o ...connect.Option) http.Handler {
			return stripe.NewHandler(s, sink, o...)
		}},
		{segment.Source, "SEGMENT_WEBHOOK_SECRET", func(s string, sink connect.Sink, o ...connect.Option) http.Handler {
			return segment.NewHandler(segment.Config{Secret: s, Traits: traits}, sink, o...)
		}},
		{zendesk.Source, "ZENDESK_WEBHOOK_SECRET", func(s string, sink connect.Sink, o ...connect.Option) http.Handler {
			return zendesk.NewHandler(zendesk.Config{Secret: s}, sink, o...)
		}},
		{hubspot.Source, "HUBSPOT_CLIENT_SECRET", func(s string, sink connect.Sink, o ...connect.Option) http.Handler {
			return hubspot.NewHandler(hubspot.Config{Secret: s, PublicURL: publicURL, Properties: props}, sink, o...)
		}},
		{intercom.Source, "INTERCOM_CLIENT_SECRET", func(s string, sink connect.Sink, o ...connect.Option) http.Handler {
			return intercom.NewHandler(intercom.Config{Secret: s}, sink, o...)
		}},
	}
	var on, envs []string
	for _, h := range hooks {
		envs = append(envs, h.secretEnv)
		if strings.TrimSpace(m.Getenv(h.secretEnv)) != "" {
			on = append(on, h.source)
		}
	}
	if len(on) == 0 {
		m.log.Info("connectors not configured: set " + strings.Join(envs, ", ") + " to turn on POST /hooks/{stripe,segment,zendesk,hubspot,intercom}")
		return nil
	}
	log := m.log.With("part", "hooks")
	sink := writer.New(writer.Config{Store: m.store, Rescore: m.rescoreIngested, Now: m.Now, Log: log, Registry: w.srv.Registry,
		Types: map[string][]string{stripe.Source: stripe.EventTypes, segment.Source: segment.EventTypes,
			zendesk.Source: zendesk.EventTypes, hubspot.Source: hubspot.EventTypes, intercom.Source: intercom.EventTypes}})
	// Closed after the HTTP server has stopped: deliveries still queued
	// are written, since their vendors wait for the answer.
	m.closers = append(m.closers, func() error { sink.Close(); return nil })
	var paths []string
	for _, h := range hooks {
		secret := strings.TrimSpace(m.Getenv(h.secretEnv))
		if secret == "" {
			log.Info("connector off: " + h.secretEnv + " is not set")
			continue
		}
		path := "/hooks/" + h.source
		w.srv.Handle("POST "+path, h.handler(secret, sink, connect.WithLogger(log)))
		paths = append(paths, path)
	}
	if publicURL == "" && strings.TrimSpace(m.Getenv("HUBSPOT_CLIENT_SECRET")) != "" {
		log.Info("HUBSPOT_PUBLIC_URL is not set: HubSpot's signed URL is taken from X-Forwarded-Proto and X-Forwarded-Host, else the request")
	}
	log.Info(fmt.Sprintf("connector endpoints mounted: %s", strings.Join(paths, " ")))
	// Events parked for accounts that appeared while nothing replayed them
	// (a crash between a batch of accounts and its replay).
	if ids := m.replayArrived(ctx); len(ids) > 0 {
		m.rescoreIngested(ctx, ids)
	}
	return nil
}

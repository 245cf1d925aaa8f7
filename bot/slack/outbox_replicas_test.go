package slack_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/bot/outbox"
	slackbot "github.com/healthbot/healthbot/bot/slack"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/commandstest"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// replica is one healthbot replica's delivery side: its own Slack adapter
// and outbox worker, on the database and Web API every replica shares.
func replica(t *testing.T, s *models.Store, api *fakeSlack, clock *bottest.Clock) *outbox.Worker {
	t.Helper()
	cfg := slackbot.Config{SigningSecret: secret, BotToken: "xoxb-test", APIURL: api.APIURL(), TeamIDs: []string{team}}
	a, err := slackbot.New(cfg, newFakeExec(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	a.Now = clock.Now
	t.Cleanup(func() { _ = a.Close() })
	w := outbox.New(s, slog.New(slog.DiscardHandler), a)
	w.Now = clock.Now
	w.Jitter = func() float64 { return 0.5 }
	w.Lease = time.Minute
	return w
}

// postsPerKey counts the messages visible in the channel per outbox key.
func postsPerKey(t *testing.T, api *fakeSlack) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, m := range api.posted() {
		out[keyOf(t, m)]++
	}
	return out
}

// TestOutboxTwoReplicasSlowPlatformPostOnce: two replicas deliver from one
// database while chat.postMessage is slow. Replica 1 claims three alerts
// and its first post hangs in Slack (which has already shown it) for
// longer than the lease; replica 2 then takes every expired claim over,
// finds the first alert in the channel and updates it, and posts the other
// two. When replica 1's slow call finally returns, it must not post the
// alerts replica 2 now owns: each alert is visible exactly once.
func TestOutboxTwoReplicasSlowPlatformPostOnce(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		clock := bottest.NewClock(clock)
		api := newFakeSlack(t)
		w1, w2 := replica(t, s, api, clock), replica(t, s, api, clock)
		keys := []string{"alert/1", "alert/2", "alert/3"}
		for _, k := range keys {
			commandstest.EnqueueSummary(t, s, "slack", "C0001", k, commands.Reply{Title: k}, nil, clock.Now())
		}

		inFlight, release := make(chan struct{}), make(chan struct{})
		var once sync.Once
		api.mu.Lock()
		api.stall = func(ctx context.Context) {
			first := false
			once.Do(func() { first = true })
			if first { // only replica 1's first call is slow
				close(inFlight)
				<-release
			}
		}
		api.mu.Unlock()

		done := make(chan error, 1)
		go func() { _, err := w1.RunOnce(context.Background()); done <- err }()
		<-inFlight
		// The platform holds the call past the one-minute lease.
		clock.Advance(2 * time.Minute)
		if n, err := w2.RunOnce(context.Background()); err != nil || n != 3 {
			t.Fatalf("replica 2 claimed %d (%v), want the 3 expired claims", n, err)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}

		got := postsPerKey(t, api)
		for _, k := range keys {
			if got[k] != 1 {
				t.Errorf("%s posted %d times, want exactly once (posts per key: %v)", k, got[k], got)
			}
			if m := commandstest.OutboxRow(t, s, k); m.Status != models.OutboxSent || m.Ref == "" {
				t.Errorf("%s: status %s ref %q, want sent with its ts", k, m.Status, m.Ref)
			}
		}
	})
}

// TestOutboxHungPlatformCallTimesOut: a chat.postMessage that never
// answers is cut off by the worker's per-message deadline and put back
// for a retry, and the message behind it is still delivered in the same
// round.
func TestOutboxHungPlatformCallTimesOut(t *testing.T) {
	s := modelstest.MustOpenSQLite(t)
	clock := bottest.NewClock(clock)
	api := newFakeSlack(t)
	w := replica(t, s, api, clock)
	w.SendTimeout = 200 * time.Millisecond
	var once sync.Once
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) }) // runs before the stand-in closes
	api.mu.Lock()
	api.stall = func(ctx context.Context) {
		once.Do(func() { // the first call hangs until the client gives up
			select {
			case <-ctx.Done():
			case <-stop:
			}
		})
	}
	api.mu.Unlock()
	commandstest.EnqueueSummary(t, s, "slack", "C0001", "alert/hung", commands.Reply{Title: "hung"}, nil, clock.Now())
	commandstest.EnqueueSummary(t, s, "slack", "C0001", "alert/next", commands.Reply{Title: "next"}, nil, clock.Now())

	done := make(chan error, 1)
	go func() { _, err := w.RunOnce(context.Background()); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second): // a guard against a hang, not a timing check
		t.Fatal("a hung chat.postMessage held the delivery round for over 10s")
	}
	if m := commandstest.OutboxRow(t, s, "alert/hung"); m.Status != models.OutboxPending || m.LastError == "" {
		t.Errorf("hung message: status %s error %q, want pending for a retry", m.Status, m.LastError)
	}
	if m := commandstest.OutboxRow(t, s, "alert/next"); m.Status != models.OutboxSent {
		t.Errorf("the message behind the hung one: status %s, want sent", m.Status)
	}
}

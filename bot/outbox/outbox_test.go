package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/bot/outbox"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

var t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

// fakePlatform is a chat platform that keeps what it shows. Its script,
// when set, decides the outcome of each Post before it happens.
type fakePlatform struct {
	mu      sync.Mutex
	name    string
	shown   map[string]string // ref → title, what users see
	posts   int
	updates int
	calls   []time.Time
	clock   func() time.Time
	// script returns (posted, err): posted=true shows the message even
	// when err is set, like a Slack 429 that went through.
	script func(n int, title string) (bool, error)
}

func newFake(name string, clock func() time.Time) *fakePlatform {
	return &fakePlatform{name: name, shown: map[string]string{}, clock: clock}
}

func (f *fakePlatform) Platform() string { return f.name }

func (f *fakePlatform) Post(ctx context.Context, channel string, r commands.Reply) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.posts++
	f.calls = append(f.calls, f.clock())
	posted, err := true, error(nil)
	if f.script != nil {
		posted, err = f.script(f.posts, r.Title)
	}
	if !posted {
		return "", err
	}
	ref := fmt.Sprintf("%s-%d", channel, len(f.shown)+1)
	f.shown[ref] = r.Title
	return ref, err
}

func (f *fakePlatform) Update(ctx context.Context, channel, ref string, r commands.Reply) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates++
	if _, ok := f.shown[ref]; !ok {
		return &bot.PermanentError{Err: errors.New("message_not_found")}
	}
	f.shown[ref] = r.Title
	return nil
}

// seen counts how many visible messages carry each title.
func (f *fakePlatform) seen() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for _, t := range f.shown {
		out[t]++
	}
	return out
}

func enqueue(t *testing.T, s *models.Store, platform string, keys ...string) {
	t.Helper()
	for _, k := range keys {
		payload, _ := json.Marshal(commands.Reply{Title: k})
		if _, err := s.Enqueue(context.Background(), &models.OutboxMessage{
			Platform: platform, Channel: "C1", Kind: models.KindAlert, Payload: string(payload), DedupeKey: k,
		}, t0); err != nil {
			t.Fatal(err)
		}
	}
}

func newWorker(s *models.Store, clock *bottest.Clock, posters ...bot.Poster) *outbox.Worker {
	w := outbox.New(s, slog.New(slog.NewTextHandler(io.Discard, nil)), posters...)
	w.Now = clock.Now
	w.Jitter = func() float64 { return 0.5 }
	w.Sleep = func(ctx context.Context, d time.Duration) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		clock.Advance(d)
		return nil
	}
	return w
}

// drain runs RunOnce, advancing the fake clock when idle, until nothing is
// pending or sending.
func drain(t *testing.T, s *models.Store, w *outbox.Worker, clock *bottest.Clock) {
	t.Helper()
	for i := 0; i < 200; i++ {
		counts, err := s.OutboxCounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if counts[models.OutboxPending]+counts[models.OutboxSending] == 0 {
			return
		}
		n, err := w.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			clock.Advance(time.Second)
		}
	}
	t.Fatal("outbox never drained")
}

func keys(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("k%02d", i)
	}
	return out
}

func assertOnce(t *testing.T, f *fakePlatform, ks []string) {
	t.Helper()
	seen := f.seen()
	for _, k := range ks {
		if seen[k] != 1 {
			t.Errorf("%s visible %d times, want 1", k, seen[k])
		}
	}
	if len(seen) != len(ks) {
		t.Errorf("%d distinct messages visible, want %d", len(seen), len(ks))
	}
}

func TestKilledMidBatchThenRestartedDeliversEachOnce(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		if err := s.MigrateAlerts(context.Background()); err != nil {
			t.Fatal(err)
		}
		clock := bottest.NewClock(t0)
		ks := keys(12)
		enqueue(t, s, "slack", ks...)

		// First worker: killed (context cancelled) right as the platform
		// accepts the 4th message of its batch.
		ctx, kill := context.WithCancel(context.Background())
		f := newFake("slack", clock.Now)
		f.script = func(n int, _ string) (bool, error) {
			if n == 4 {
				kill()
			}
			return true, nil
		}
		w1 := newWorker(s, clock, f)
		w1.Batch = 8
		if _, err := w1.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if f.posts != 4 {
			t.Fatalf("first worker posted %d, want 4 before it was killed", f.posts)
		}

		// A crash that loses a claimed batch outright: rows stay "sending"
		// until their lease expires.
		if _, err := s.ClaimOutbox(context.Background(), clock.Now(), 3, time.Minute); err != nil {
			t.Fatal(err)
		}

		// The restarted worker delivers the rest, each once.
		f.script = nil
		w2 := newWorker(s, clock, f)
		drain(t, s, w2, clock)
		assertOnce(t, f, ks)
		if f.posts != len(ks) {
			t.Errorf("%d posts, want %d", f.posts, len(ks))
		}
		msgs, _ := s.OutboxMessages(context.Background(), "")
		for _, m := range msgs {
			if m.Status != models.OutboxSent || m.Ref == "" || m.SentAt == nil {
				t.Errorf("%s: status %s ref %q", m.DedupeKey, m.Status, m.Ref)
			}
		}
	})
}

func TestRetryAfterIsWaitedOut(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		if err := s.MigrateAlerts(context.Background()); err != nil {
			t.Fatal(err)
		}
		clock := bottest.NewClock(t0)
		ks := keys(3)
		enqueue(t, s, "discord", ks...)
		f := newFake("discord", clock.Now)
		f.script = func(n int, _ string) (bool, error) {
			if n == 1 {
				return false, &bot.RetryAfterError{After: 42 * time.Second, Err: errors.New("429")}
			}
			return true, nil
		}
		w := newWorker(s, clock, f)
		w.Poll = time.Second
		ctx, stop := context.WithCancel(context.Background())
		sleep := w.Sleep
		w.Sleep = func(c context.Context, d time.Duration) error {
			if counts, _ := s.OutboxCounts(ctx); counts[models.OutboxSent] == len(ks) {
				stop()
			}
			return sleep(c, d)
		}
		if err := w.Run(ctx); err != nil {
			t.Fatal(err)
		}
		assertOnce(t, f, ks)
		// The platform was not called again until its Retry-After had passed.
		for _, at := range f.calls[1:] {
			if at.Before(t0.Add(42 * time.Second)) {
				t.Errorf("called at +%s, inside the 42s Retry-After", at.Sub(t0))
			}
		}
	})
}

func TestRateLimitedButPostedIsUpdatedNotReposted(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		if err := s.MigrateAlerts(context.Background()); err != nil {
			t.Fatal(err)
		}
		clock := bottest.NewClock(t0)
		enqueue(t, s, "slack", "only")
		f := newFake("slack", clock.Now)
		f.script = func(n int, _ string) (bool, error) {
			if n == 1 {
				return true, &bot.RetryAfterError{After: 5 * time.Second, Err: errors.New("429 after posting")}
			}
			return true, nil
		}
		drain(t, s, newWorker(s, clock, f), clock)
		assertOnce(t, f, []string{"only"})
		if f.posts != 1 || f.updates != 1 {
			t.Fatalf("posts %d updates %d, want 1 and 1", f.posts, f.updates)
		}
	})
}

func TestPermanentErrorIsRecordedNotRetried(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		if err := s.MigrateAlerts(context.Background()); err != nil {
			t.Fatal(err)
		}
		clock := bottest.NewClock(t0)
		enqueue(t, s, "slack", "gone")
		f := newFake("slack", clock.Now)
		f.script = func(int, string) (bool, error) {
			return false, &bot.PermanentError{Err: errors.New("channel_not_found")}
		}
		before := outbox.FailedCount("slack", models.KindAlert)
		drain(t, s, newWorker(s, clock, f), clock)
		if f.posts != 1 {
			t.Fatalf("%d posts, want 1", f.posts)
		}
		msgs, _ := s.OutboxMessages(context.Background(), "")
		if msgs[0].Status != models.OutboxFailed || msgs[0].LastError == "" {
			t.Fatalf("status %s error %q", msgs[0].Status, msgs[0].LastError)
		}
		if got := outbox.FailedCount("slack", models.KindAlert) - before; got != 1 {
			t.Fatalf("failed counter +%v, want +1", got)
		}
	})
}

func TestTransientErrorsBackOffThenGiveUp(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		if err := s.MigrateAlerts(context.Background()); err != nil {
			t.Fatal(err)
		}
		clock := bottest.NewClock(t0)
		enqueue(t, s, "slack", "flaky")
		f := newFake("slack", clock.Now)
		f.script = func(int, string) (bool, error) { return false, errors.New("connection reset") }
		w := newWorker(s, clock, f)
		w.MaxAttempts = 4
		drain(t, s, w, clock)
		if f.posts != 4 {
			t.Fatalf("%d attempts, want 4", f.posts)
		}
		// Base 5s doubling with jitter fixed at the middle: 3.75s, 7.5s, 15s.
		want := []time.Duration{0, 3750 * time.Millisecond, 7500 * time.Millisecond, 15 * time.Second}
		for i := 1; i < len(f.calls); i++ {
			if gap := f.calls[i].Sub(f.calls[i-1]); gap < want[i] || gap > want[i]+time.Second {
				t.Errorf("gap before attempt %d = %s, want about %s", i+1, gap, want[i])
			}
		}
	})
}

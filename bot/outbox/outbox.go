// Package outbox delivers the messages queued in the outbox table (alerts,
// weekly summaries, digests) through each platform's bot.Poster, with
// retries, exponential backoff with jitter, and the platform's own
// Retry-After. A message that reached its platform is never posted again:
// its reference is stored as soon as the platform returns it, and a later
// attempt updates that message instead.
package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"time"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
)

// Store is what the worker needs of the database; *models.Store has it.
type Store interface {
	ClaimOutbox(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]models.OutboxMessage, error)
	RenewLease(ctx context.Context, id uint, attempt int, now time.Time, lease time.Duration) (bool, error)
	MarkSent(ctx context.Context, id uint, ref string, now time.Time) error
	MarkRetry(ctx context.Context, id uint, attempt int, ref string, next time.Time, lastErr string) error
	MarkFailed(ctx context.Context, id uint, attempt int, lastErr string) error
}

// FilePoster is an optional Poster capability: posting a message with a
// file attached (the weekly summary's chart). Posters without it get the
// message alone.
type FilePoster interface {
	PostFile(ctx context.Context, channel string, r commands.Reply, name string, data []byte) (ref string, err error)
}

// Finder is an optional Poster capability: finding a message posted
// earlier under a dedupe key (see KeyFrom), for the case where a post
// failed ambiguously (a timeout, a 429 after the platform took it) and no
// reference came back. The worker asks before posting again.
type Finder interface {
	FindPosted(ctx context.Context, channel, key string) (ref string, err error)
}

type keyCtx struct{}

// KeyFrom returns the dedupe key of the outbox message being delivered, so
// an adapter can tag the message (Slack metadata, Discord nonce) and find
// it again.
func KeyFrom(ctx context.Context) string {
	k, _ := ctx.Value(keyCtx{}).(string)
	return k
}

// DefaultSendTimeout bounds the platform calls of one message (a post,
// or a search for an earlier post and an update). The adapters' own HTTP
// clients time out sooner; this deadline also covers a poster without one.
const DefaultSendTimeout = 45 * time.Second

// Worker claims due outbox messages and delivers them. Several workers
// (one per replica) may share a database: a claim is a lease, renewed
// right before each send and fenced by the claim's attempt number, so a
// worker whose lease ran out while it was busy cannot post a message that
// another worker has taken over.
type Worker struct {
	Store   Store
	Posters map[string]bot.Poster // by platform
	Log     *slog.Logger

	Now    func() time.Time                                 // injected clock
	Sleep  func(ctx context.Context, d time.Duration) error // injected wait; tests advance a fake clock
	Jitter func() float64                                   // in [0,1); tests make it fixed

	Batch       int           // messages claimed at once
	Lease       time.Duration // how long a claim holds before another worker may take over; renewed before each send, and at least 2×SendTimeout
	SendTimeout time.Duration // bounds one message's platform calls (DefaultSendTimeout)
	Poll        time.Duration // idle wait between claims in Run
	BaseDelay   time.Duration // first retry delay; doubles per attempt
	MaxDelay    time.Duration
	MaxAttempts int  // then the message is recorded failed
	DryRun      bool // log what would be sent, send nothing, leave the queue as it is

	blocked map[string]time.Time // platform → rate-limited until
}

// New returns a worker with production defaults over the given posters.
func New(store Store, log *slog.Logger, posters ...bot.Poster) *Worker {
	w := &Worker{Store: store, Log: log, Posters: map[string]bot.Poster{}}
	for _, p := range posters {
		w.Posters[p.Platform()] = p
	}
	return w
}

func (w *Worker) defaults() {
	if w.Now == nil {
		w.Now = time.Now
	}
	if w.Sleep == nil {
		w.Sleep = sleepCtx
	}
	if w.Jitter == nil {
		w.Jitter = rand.Float64
	}
	if w.Log == nil {
		w.Log = slog.Default()
	}
	if w.Batch <= 0 {
		w.Batch = 20
	}
	if w.SendTimeout <= 0 {
		w.SendTimeout = DefaultSendTimeout
	}
	if w.Lease <= 0 {
		w.Lease = 2 * time.Minute
	}
	// A send must end while its lease still holds, or another worker could
	// take the message over and post it while this one is still posting.
	w.Lease = max(w.Lease, 2*w.SendTimeout)
	if w.Poll <= 0 {
		w.Poll = 5 * time.Second
	}
	if w.BaseDelay <= 0 {
		w.BaseDelay = 5 * time.Second
	}
	if w.MaxDelay <= 0 {
		w.MaxDelay = 30 * time.Minute
	}
	if w.MaxAttempts <= 0 {
		w.MaxAttempts = 15
	}
	if w.blocked == nil {
		w.blocked = map[string]time.Time{}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Run delivers until ctx ends, waiting Poll between empty claims.
func (w *Worker) Run(ctx context.Context) error {
	w.defaults()
	for {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.Log.Error("outbox delivery", "err", err)
		}
		if ctx.Err() != nil {
			return nil
		}
		if n == 0 || err != nil {
			if err := w.Sleep(ctx, w.Poll); err != nil {
				return nil
			}
		}
	}
}

// RunOnce claims one batch of due messages and attempts each; it returns
// how many were claimed. A cancelled ctx stops the batch: the messages not
// yet attempted are released at once for the next worker.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.defaults()
	if w.DryRun {
		w.Log.Info("outbox: dry run, nothing delivered")
		return 0, nil
	}
	msgs, err := w.Store.ClaimOutbox(ctx, w.Now(), w.Batch, w.Lease)
	if err != nil {
		return 0, err
	}
	for i, m := range msgs {
		if ctx.Err() != nil {
			w.release(msgs[i:])
			break
		}
		w.deliver(ctx, m)
	}
	return len(msgs), nil
}

// release puts claimed, unattempted messages back so a restarted worker
// takes them at once rather than after the lease.
func (w *Worker) release(msgs []models.OutboxMessage) {
	ctx := context.Background()
	for _, m := range msgs {
		if err := w.Store.MarkRetry(ctx, m.ID, m.Attempts, "", w.Now(), "released: worker stopping"); err != nil && !errors.Is(err, models.ErrLeaseLost) {
			w.Log.Error("outbox: release", "id", m.ID, "err", err)
		}
	}
}

// deliver attempts one message and records the outcome. The outcome is
// recorded even when ctx was cancelled meanwhile: once the platform has
// the message, forgetting its reference is how duplicates happen.
func (w *Worker) deliver(ctx context.Context, m models.OutboxMessage) {
	keep := context.WithoutCancel(ctx)
	log := w.Log.With("id", m.ID, "key", m.DedupeKey, "platform", m.Platform, "channel", m.Channel, "attempt", m.Attempts)
	poster, ok := w.Posters[m.Platform]
	if !ok {
		// The platform may be configured again later; keep the message.
		w.retry(keep, log, m, "", w.Now().Add(w.MaxDelay), fmt.Errorf("no %s adapter configured", m.Platform))
		return
	}
	if until, ok := w.blocked[m.Platform]; ok && w.Now().Before(until) {
		w.retry(keep, log, m, "", until, errors.New("platform rate limit in force"))
		return
	}
	var r commands.Reply
	if err := json.Unmarshal([]byte(m.Payload), &r); err != nil {
		w.fail(keep, log, m, fmt.Errorf("decode payload: %w", err))
		return
	}
	// Re-check the claim and extend it to cover this send: with a batch
	// sent one by one behind a slow platform, the claim may have run out
	// and been taken over by another worker by now.
	owned, err := w.Store.RenewLease(keep, m.ID, m.Attempts, w.Now(), w.Lease)
	if err != nil {
		// Unknown whether the claim is still ours: do not post. The lease
		// runs out and the message is claimed again.
		log.Error("outbox: renew lease", "err", err)
		return
	}
	if !owned {
		log.Warn("outbox: claim taken over by another worker; not sending")
		return
	}
	ctx = context.WithValue(ctx, keyCtx{}, m.DedupeKey)
	sctx, cancel := context.WithTimeout(ctx, w.SendTimeout)
	ref, err := w.send(sctx, poster, m, r)
	cancel()
	switch {
	case err == nil:
		if err := w.Store.MarkSent(keep, m.ID, ref, w.Now()); err != nil {
			log.Error("outbox: record delivery", "ref", ref, "err", err)
			return
		}
		delivered.WithLabelValues(m.Platform, m.Kind).Inc()
		log.Info("outbox: delivered", "ref", ref)
	case errors.As(err, new(*bot.PermanentError)):
		w.fail(keep, log, m, err)
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		// Stopping: nothing reached the platform that we know of.
		w.retry(keep, log, m, ref, w.Now(), err)
	default:
		var ra *bot.RetryAfterError
		next := w.Now().Add(w.backoff(m.Attempts))
		if errors.As(err, &ra) {
			next = w.Now().Add(ra.After)
			w.blocked[m.Platform] = next
			rateLimited.WithLabelValues(m.Platform).Inc()
		}
		if m.Attempts >= w.MaxAttempts {
			w.fail(keep, log, m, fmt.Errorf("gave up after %d attempts: %w", m.Attempts, err))
			return
		}
		w.retry(keep, log, m, ref, next, err)
	}
}

// send posts the message, or updates it when an earlier attempt already
// reached the platform.
func (w *Worker) send(ctx context.Context, p bot.Poster, m models.OutboxMessage, r commands.Reply) (string, error) {
	ref := m.Ref
	if ref == "" && m.Attempts > 1 {
		if f, ok := p.(Finder); ok {
			found, err := f.FindPosted(ctx, m.Channel, m.DedupeKey)
			if err != nil {
				return "", fmt.Errorf("look for an earlier post: %w", err)
			}
			ref = found
		}
	}
	if ref != "" {
		if err := p.Update(ctx, m.Channel, ref, r); err != nil {
			return ref, err
		}
		return ref, nil
	}
	if len(m.Attachment) > 0 {
		if fp, ok := p.(FilePoster); ok {
			return fp.PostFile(ctx, m.Channel, r, m.AttachName, m.Attachment)
		}
	}
	return p.Post(ctx, m.Channel, r)
}

func (w *Worker) retry(ctx context.Context, log *slog.Logger, m models.OutboxMessage, ref string, next time.Time, cause error) {
	retries.WithLabelValues(m.Platform, m.Kind).Inc()
	log.Warn("outbox: will retry", "next", next, "err", cause)
	if err := w.Store.MarkRetry(ctx, m.ID, m.Attempts, ref, next, cause.Error()); err != nil {
		logSettle(log, "outbox: record retry", err)
	}
}

func (w *Worker) fail(ctx context.Context, log *slog.Logger, m models.OutboxMessage, cause error) {
	failed.WithLabelValues(m.Platform, m.Kind).Inc()
	log.Error("outbox: delivery failed for good", "err", cause)
	if err := w.Store.MarkFailed(ctx, m.ID, m.Attempts, cause.Error()); err != nil {
		logSettle(log, "outbox: record failure", err)
	}
}

// logSettle logs a failure to record an outcome; a claim taken over by
// another worker is expected now and then (its new owner records it), so
// it is only a warning.
func logSettle(log *slog.Logger, msg string, err error) {
	if errors.Is(err, models.ErrLeaseLost) {
		log.Warn(msg, "err", err)
		return
	}
	log.Error(msg, "err", err)
}

// backoff is BaseDelay·2^(attempt-1), capped at MaxDelay, with "equal
// jitter" (half fixed, half random) so replicas retrying together spread out.
func (w *Worker) backoff(attempt int) time.Duration {
	d := float64(w.BaseDelay) * math.Pow(2, float64(max(attempt-1, 0)))
	d = math.Min(d, float64(w.MaxDelay))
	return time.Duration(d/2 + d/2*w.Jitter())
}

// Package writer is the connect.Sink of healthbot serve: it writes each
// verified webhook delivery to the database before the vendor is answered,
// and has the accounts the delivery touched rescored, with their alerts
// evaluated, in the background.
//
// Why write before answering: a vendor delivers again only what was not
// answered 2xx, so an event acknowledged but held in memory would be lost
// by a crash or a restart. Persisting the raw delivery first and applying
// it later would be safe too, but writes every event twice. Instead a
// delivery waits for its own commit — typically a few milliseconds — and
// deliveries arriving together share one transaction (a group commit): one
// writer takes whatever is queued, lingering a moment (Config.Linger) for
// more, up to Config.MaxBatch events. The queue is bounded; when it is
// full the vendor is answered 503 with Retry-After, and every vendor
// delivers again later. A delivery whose write does not finish within
// Config.Wait is answered 503 too: if the write lands after all, the
// vendor's retry finds its events taken in and changes nothing.
package writer

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/healthbot/healthbot/bot/connect"
	"github.com/healthbot/healthbot/bot/ingest"
	"github.com/healthbot/healthbot/commands/connector"
	"github.com/healthbot/healthbot/models"
	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of Config.
const (
	DefaultQueueEvents = 10_000
	DefaultMaxBatch    = 500
	DefaultLinger      = 5 * time.Millisecond
	DefaultWait        = 10 * time.Second
	DefaultRescoreGap  = time.Second
	// writeTimeout bounds one group commit, so a database that hangs
	// fails the deliveries (which the vendors send again) instead of
	// holding the writer for good.
	writeTimeout = 30 * time.Second
)

// Config configures a Writer. Store and Rescore are required.
type Config struct {
	Store *models.Store
	// Rescore scores the given accounts as of today and evaluates their
	// alerts, in the transaction that writes their snapshots. It runs on
	// one background worker; accounts touched while it runs are merged
	// into its next run.
	Rescore func(ctx context.Context, ids []uint)
	// Now is the clock dates are checked against (default time.Now).
	Now func() time.Time
	Log *slog.Logger
	// Registry receives the metrics (default prometheus.DefaultRegisterer).
	Registry prometheus.Registerer
	// Types lists each source's event types; metrics label any other type
	// "other", so a vendor's new types cannot grow them without bound.
	Types map[string][]string
	// QueueEvents bounds the events waiting to be written (default
	// DefaultQueueEvents); past it deliveries are answered 503.
	QueueEvents int
	// MaxBatch is the most events one transaction writes (default
	// DefaultMaxBatch).
	MaxBatch int
	// Linger is how long the writer waits for more deliveries before
	// writing what it has (default DefaultLinger; negative: not at all).
	Linger time.Duration
	// Writers is how many transactions may be in flight at once (default
	// 2 on PostgreSQL, where one takes in the next deliveries while the
	// other waits for its commit to reach the disk; 1 on SQLite, which
	// writes one transaction at a time anyway).
	Writers int
	// Wait is how long a delivery waits for its write before it is
	// answered 503 (default DefaultWait).
	Wait time.Duration
	// RescoreGap is the least time between the end of one rescore and the
	// start of the next (default DefaultRescoreGap; negative: none). A
	// rescore of more than a few accounts scores the whole portfolio at a
	// fixed cost, so under a steady stream of events a gap lets each run
	// take more accounts and leaves the database time for the writes; the
	// first rescore after a quiet spell starts at once.
	RescoreGap time.Duration
	// OnLag, when set, is told for each event how long it took from its
	// delivery to its account's rescore (benchmarks).
	OnLag func(time.Duration)
}

// Writer is the connect.Sink that writes deliveries, see the package doc.
type Writer struct {
	cfg     Config
	applier *connector.Applier
	rescore *ingest.Queue
	metrics *metrics
	lag     *lagTracker

	mu     sync.RWMutex // held by Accept while it queues; Close takes it to stop queueing
	closed bool
	queue  chan *item
	queued atomic.Int64 // events queued and not yet written
	stop   chan struct{}
	done   chan struct{}
}

// item is one delivery waiting for its write.
type item struct {
	source string
	events []connector.Event
	done   chan error
}

// New starts a writer; Close stops it.
func New(cfg Config) *Writer {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.DefaultRegisterer
	}
	if cfg.QueueEvents <= 0 {
		cfg.QueueEvents = DefaultQueueEvents
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = DefaultMaxBatch
	}
	if cfg.Linger == 0 {
		cfg.Linger = DefaultLinger
	}
	if cfg.Wait <= 0 {
		cfg.Wait = DefaultWait
	}
	if cfg.Writers <= 0 {
		cfg.Writers = 1
		if cfg.Store.Dialect() == models.DialectPostgres {
			cfg.Writers = 2
		}
	}
	if cfg.RescoreGap == 0 {
		cfg.RescoreGap = DefaultRescoreGap
	}
	w := &Writer{cfg: cfg, applier: &connector.Applier{Store: cfg.Store, Now: cfg.Now},
		metrics: newMetrics(cfg.Registry, cfg.Types), lag: newLagTracker(),
		queue: make(chan *item, cfg.QueueEvents+1), stop: make(chan struct{}), done: make(chan struct{})}
	w.rescore = ingest.NewQueue(func(ctx context.Context, ids []uint) {
		start := time.Now()
		cfg.Rescore(ctx, ids)
		end := time.Now()
		w.lag.rescored(ids, start, end, func(d time.Duration) {
			w.metrics.lag.Observe(d.Seconds())
			if cfg.OnLag != nil {
				cfg.OnLag(d)
			}
		})
		if cfg.RescoreGap > 0 {
			// Accounts touched meanwhile wait in the queue for the next run.
			t := time.NewTimer(cfg.RescoreGap)
			defer t.Stop()
			select {
			case <-t.C:
			case <-w.stop:
			}
		}
	}, cfg.Log)
	var writers sync.WaitGroup
	for range cfg.Writers {
		writers.Go(w.loop)
	}
	go func() { writers.Wait(); close(w.done) }()
	return w
}

// Accept implements connect.Sink: it counts the events not used, queues
// the rest and waits for their write. It answers connect.ErrBusy when the
// queue is full, the writer is stopping, or the write takes longer than
// Config.Wait.
func (w *Writer) Accept(ctx context.Context, b connect.Batch) error {
	for _, ig := range b.Ignored {
		result := connector.ResultIgnored
		if ig.Malformed {
			result = connector.ResultRejected
		}
		w.metrics.count(b.Source, ig.Type, result)
	}
	evs := events(b, w.cfg.Store.DayOf)
	if len(evs) == 0 {
		return nil
	}
	it := &item{source: b.Source, events: evs, done: make(chan error, 1)}
	if err := w.enqueue(it); err != nil {
		w.metrics.busy.WithLabelValues(w.metrics.source(b.Source)).Inc()
		return err
	}
	timer := time.NewTimer(w.cfg.Wait)
	defer timer.Stop()
	select {
	case err := <-it.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("connector delivery: %w", ctx.Err())
	case <-timer.C:
		w.metrics.busy.WithLabelValues(w.metrics.source(b.Source)).Inc()
		return fmt.Errorf("%w: not written within %s", connect.ErrBusy, w.cfg.Wait)
	}
}

// enqueue reserves room for it and queues it. A delivery larger than the
// whole queue is taken when the queue is empty, so it is never refused
// for good.
func (w *Writer) enqueue(it *item) error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return fmt.Errorf("%w: shutting down", connect.ErrBusy)
	}
	n := int64(len(it.events))
	if total := w.queued.Add(n); total > int64(w.cfg.QueueEvents) && total != n {
		w.queued.Add(-n)
		return connect.ErrBusy
	}
	w.metrics.queue.Add(float64(n))
	w.queue <- it // room is reserved: never blocks
	return nil
}

// Idle reports whether no event waits to be written and every written
// event's account has been rescored since (tests and benchmarks wait for
// it).
func (w *Writer) Idle() bool { return w.queued.Load() == 0 && w.lag.empty() }

// Close stops taking deliveries, writes those already queued (their
// vendors are waiting for the answer), and stops the rescore worker.
func (w *Writer) Close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		<-w.done
		return
	}
	w.closed = true
	w.mu.Unlock()
	close(w.stop)
	<-w.done
	w.rescore.Close()
}

// loop is one writer: it takes what is queued, writes it and answers it,
// until Close.
func (w *Writer) loop() {
	for {
		select {
		case it := <-w.queue:
			w.write(w.gather(it))
		case <-w.stop:
			for {
				select {
				case it := <-w.queue:
					w.write(w.gather(it))
				default:
					return
				}
			}
		}
	}
}

// gather adds to first what else is queued, lingering up to Config.Linger
// for more, until Config.MaxBatch events.
func (w *Writer) gather(first *item) []*item {
	batch := []*item{first}
	n := len(first.events)
	var linger <-chan time.Time
	if w.cfg.Linger > 0 {
		t := time.NewTimer(w.cfg.Linger)
		defer t.Stop()
		linger = t.C
	}
gather:
	for n < w.cfg.MaxBatch {
		select {
		case it := <-w.queue:
			batch = append(batch, it)
			n += len(it.events)
			continue
		default:
		}
		if linger == nil {
			break gather
		}
		select {
		case it := <-w.queue:
			batch = append(batch, it)
			n += len(it.events)
		case <-linger:
			break gather
		case <-w.stop:
			break gather
		}
	}
	return batch
}

// write applies a batch in one transaction and answers its deliveries.
// When the transaction fails, each delivery is tried alone, so one that
// the database cannot take fails only its own vendor's request.
func (w *Writer) write(batch []*item) {
	var evs []connector.Event
	for _, it := range batch {
		evs = append(evs, it.events...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	start := time.Now()
	rep, err := w.applier.Apply(ctx, evs)
	cancel()
	w.metrics.write.Observe(time.Since(start).Seconds())
	if err != nil && len(batch) > 1 {
		w.cfg.Log.Warn("connector batch not written; writing its deliveries one by one", "deliveries", len(batch), "events", len(evs), "err", err)
		for _, it := range batch {
			w.write([]*item{it})
		}
		return
	}
	w.queued.Add(-int64(len(evs)))
	w.metrics.queue.Sub(float64(len(evs)))
	if err != nil {
		w.cfg.Log.Error("connector delivery not written; the vendor will deliver it again", "source", batch[0].source, "events", len(evs), "err", err)
		batch[0].done <- err
		return
	}
	committed := time.Now()
	w.record(rep, committed)
	for _, it := range batch {
		it.done <- nil
	}
	if len(rep.Accounts) > 0 {
		w.rescore.Add(context.Background(), "connector", rep.Accounts)
	}
}

// record counts and logs what became of each event, and remembers when
// each event touching an account arrived, for the rescore delay.
func (w *Writer) record(rep connector.Report, committed time.Time) {
	touched := map[uint]bool{}
	for _, id := range rep.Accounts {
		touched[id] = true
	}
	for _, o := range slices.Concat(rep.Outcomes, rep.Replayed) {
		w.metrics.count(o.Source, o.Type, o.Result)
		switch o.Result {
		case connector.ResultRejected:
			w.cfg.Log.Warn("connector event rejected: nothing of it was written", "source", o.Source, "event", o.ID, "type", o.Type, "reason", o.Reason)
		case connector.ResultParked:
			w.cfg.Log.Debug("connector event parked until its account is mapped", "source", o.Source, "event", o.ID, "type", o.Type, "reason", o.Reason)
		case connector.ResultWritten:
			if touched[o.Account] {
				w.lag.written(o.Account, o.Received, committed)
			}
		}
	}
}

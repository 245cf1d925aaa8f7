package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/internal/turns"
	"github.com/healthbot/healthbot/models"
	"github.com/prometheus/client_golang/prometheus"
)

// Pool is an Executor that runs a bounded number of commands at once and
// queues the rest. Without it every request ran at once: at 32 concurrent
// commands they all shared the database's few connections and the CPU,
// each finished late, and nearly every one missed the platform's inline
// deadline and answered "Working on it…". Sized to the database's
// connection pool, commands run about as fast as one alone and the queue
// drains in order; a queued command still answers within the deadline,
// because the adapters acknowledge it after their inline wait and post
// its answer as a follow-up.
//
// Commands about one account (a card, a pulse, a touch, their buttons)
// are let in before those about the portfolio (lists, the summary, help,
// admin), which cost far more as the portfolio grows: a card need not
// wait behind a queue of lists. A command waiting for the write lock (a
// pulse behind an ingestion batch on SQLite) gives its turn to the next
// one meanwhile. Past DefaultMaxQueue waiting per turn, a command is
// refused at once with BusyText.
//
// Reports (the weekly summary on demand) cost seconds each, not
// milliseconds: at most a quarter of the turns (one at least) run them, so
// a burst of summaries cannot hold every turn while cards and lists miss
// their inline deadline behind them.
type Pool struct {
	exec     Executor
	reports  chan struct{} // a token per report running or about to
	turns    *turns.Turns
	maxQueue int
	rejected prometheus.Counter
	waited   prometheus.Histogram
}

// DefaultMaxQueue is how many commands may wait for a turn, per turn.
const DefaultMaxQueue = 64

// BusyText answers a command refused because too many are waiting.
const BusyText = "healthbot is busy with many requests right now; please try again in a minute."

var _ Executor = (*Pool)(nil)

// Lanes of the pool's queue.
const (
	laneAccount   = iota // commands about one account
	lanePortfolio        // the rest
)

// PoolSize is the pool's size for a database with conns connections: one
// fewer, so that what runs beside the commands (the replay checks of
// incoming requests, /readyz, the scheduler) finds a connection free.
func PoolSize(conns int) int { return max(conns-1, 1) }

// NewPool wraps exec so that at most size commands run at once, with up to
// size*DefaultMaxQueue waiting; its gauges and counters are registered on
// reg (nil: not registered): healthbot_commands_in_flight,
// healthbot_commands_queued, healthbot_commands_rejected_total and
// healthbot_command_queue_wait_seconds.
func NewPool(exec Executor, size int, reg prometheus.Registerer) *Pool {
	p := &Pool{exec: exec, turns: turns.New(size, 2), maxQueue: max(size, 1) * DefaultMaxQueue,
		reports: make(chan struct{}, max(size/4, 1)),
		rejected: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "healthbot_commands_rejected_total",
			Help: "Chat commands refused because too many were waiting for a turn.",
		}),
		waited: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "healthbot_command_queue_wait_seconds",
			Help:    "Time chat commands waited for a turn to run.",
			Buckets: []float64{.001, .01, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
	}
	if reg != nil {
		reg.MustRegister(p.rejected, p.waited,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "healthbot_commands_in_flight",
				Help: "Chat commands running now (at most the pool's size, but for those back from waiting for the write lock).",
			}, func() float64 { return float64(p.turns.Held()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "healthbot_commands_queued",
				Help: "Chat commands waiting for a turn to run.",
			}, func() float64 { return float64(p.turns.Waiting()) }))
	}
	return p
}

// Run runs a command line in its turn.
func (p *Pool) Run(ctx context.Context, caller commands.Caller, line string) (commands.Reply, error) {
	cmd, err := commands.Parse(line) // a line that does not parse is answered at once, in the first lane
	return p.do(ctx, err == nil && cmd.Account == "" && !commands.IsAlertAction(line), err == nil && isReport(cmd),
		func(ctx context.Context) (commands.Reply, error) { return p.exec.Run(ctx, caller, line) })
}

// isReport tells the commands that cost seconds whatever the caller: the
// weekly summary.
func isReport(cmd commands.Command) bool {
	return cmd.Verb == commands.VerbHealth && cmd.Sub == commands.HealthSummary
}

// Execute runs a parsed command in its turn.
func (p *Pool) Execute(ctx context.Context, caller commands.Caller, cmd commands.Command) (commands.Reply, error) {
	return p.do(ctx, cmd.Account == "", isReport(cmd),
		func(ctx context.Context) (commands.Reply, error) { return p.exec.Execute(ctx, caller, cmd) })
}

// do waits for a turn, in the portfolio lane or the account lane, runs fn,
// and gives the turn back.
func (p *Pool) do(ctx context.Context, portfolio, report bool, fn func(context.Context) (commands.Reply, error)) (commands.Reply, error) {
	start := time.Now()
	if report {
		select {
		case p.reports <- struct{}{}:
			defer func() { <-p.reports }()
		case <-ctx.Done():
			return commands.Reply{}, fmt.Errorf("wait for a turn to run: %w", ctx.Err())
		}
	}
	if !p.turns.TryTake() {
		if p.turns.Waiting() >= p.maxQueue {
			p.rejected.Inc()
			return commands.Reply{Ephemeral: true, Colour: "grey", Text: BusyText}, nil
		}
		lane := laneAccount
		if portfolio {
			lane = lanePortfolio
		}
		if err := p.turns.Take(ctx, lane, 0); err != nil {
			return commands.Reply{}, fmt.Errorf("wait for a turn to run: %w", err)
		}
	}
	p.waited.Observe(time.Since(start).Seconds())
	defer p.turns.Give()
	return fn(models.WithYielder(ctx, poolYielder{p.turns}))
}

// poolYielder gives a command's turn back while it waits for the write
// lock, and takes one again, without queueing, when the wait is over: it
// holds the write lock by then, which other commands may be waiting for.
type poolYielder struct{ t *turns.Turns }

func (y poolYielder) Yield() (resume func()) {
	y.t.Give()
	return y.t.Force
}

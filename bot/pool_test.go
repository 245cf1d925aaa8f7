package bot_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/prometheus/client_golang/prometheus"
)

// gatedExec is an Executor whose commands run until release is closed,
// counting how many run at once and in what order they started.
type gatedExec struct {
	release chan struct{}
	running atomic.Int32
	most    atomic.Int32
	mu      sync.Mutex
	started []string
}

func (e *gatedExec) Run(ctx context.Context, _ commands.Caller, line string) (commands.Reply, error) {
	n := e.running.Add(1)
	defer e.running.Add(-1)
	for {
		m := e.most.Load()
		if n <= m || e.most.CompareAndSwap(m, n) {
			break
		}
	}
	e.mu.Lock()
	e.started = append(e.started, line)
	e.mu.Unlock()
	select {
	case <-e.release:
	case <-ctx.Done():
		return commands.Reply{}, ctx.Err()
	}
	return commands.Reply{Text: "done " + line}, nil
}

func (e *gatedExec) Execute(ctx context.Context, c commands.Caller, cmd commands.Command) (commands.Reply, error) {
	return e.Run(ctx, c, "/health "+cmd.Account)
}

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// At most size commands run at once; the others wait, commands about one
// account before those about the portfolio; the gauges say so.
func TestPoolBoundsAndOrders(t *testing.T) {
	exec := &gatedExec{release: make(chan struct{})}
	reg := prometheus.NewRegistry()
	p := bot.NewPool(exec, 2, reg)
	var wg sync.WaitGroup
	run := func(line string) {
		wg.Go(func() {
			if r, err := p.Run(context.Background(), commands.Caller{}, line); err != nil || r.Text != "done "+line {
				t.Errorf("%s: %q, %v", line, r.Text, err)
			}
		})
	}
	run("/health list")
	run("/health summary")
	waitFor(t, "two commands running", func() bool { return exec.running.Load() == 2 })
	run("/health list at-risk")
	waitFor(t, "one queued", func() bool { return read(t, reg, "healthbot_commands_queued") == 1 })
	run("/health acme")
	waitFor(t, "two queued", func() bool { return read(t, reg, "healthbot_commands_queued") == 2 })
	if got := read(t, reg, "healthbot_commands_in_flight"); got != 2 {
		t.Errorf("in flight %v, want 2", got)
	}
	close(exec.release)
	wg.Wait()
	if exec.most.Load() != 2 {
		t.Errorf("%d ran at once, want at most 2", exec.most.Load())
	}
	if got := exec.started[2:]; got[0] != "/health acme" || got[1] != "/health list at-risk" {
		t.Errorf("queued commands started in order %v; want the card before the list", got)
	}
}

// read is the value of a registered gauge or counter.
func read(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			m := mf.GetMetric()[0]
			if g := m.GetGauge(); g != nil {
				return g.GetValue()
			}
			return m.GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// Past the queue bound a command is refused at once with BusyText and
// counted; a queued command whose context ends leaves the queue.
func TestPoolRefusesPastItsQueue(t *testing.T) {
	exec := &gatedExec{release: make(chan struct{})}
	reg := prometheus.NewRegistry()
	p := bot.NewPool(exec, 1, reg)
	var wg sync.WaitGroup
	for range 1 + bot.DefaultMaxQueue {
		wg.Go(func() { _, _ = p.Run(context.Background(), commands.Caller{}, "/health acme") })
	}
	waitFor(t, "a full queue", func() bool {
		return read(t, reg, "healthbot_commands_queued") == bot.DefaultMaxQueue
	})
	r, err := p.Run(context.Background(), commands.Caller{}, "/health globex")
	if err != nil || r.Text != bot.BusyText || !r.Ephemeral {
		t.Errorf("past the queue: %+v, %v; want the busy text, ephemeral", r, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	close(exec.release)
	wg.Wait()
	if _, err := p.Run(ctx, commands.Caller{}, "/health acme"); err != nil {
		t.Errorf("with the queue drained: %v", err)
	}
	if got := read(t, reg, "healthbot_commands_rejected_total"); got != 1 {
		t.Errorf("rejected %v, want 1", got)
	}
}

// writingExec runs "/pulse" as a write on a real SQLite store and the
// rest as gatedExec does.
type writingExec struct {
	gatedExec
	store *models.Store
}

func (e *writingExec) Run(ctx context.Context, c commands.Caller, line string) (commands.Reply, error) {
	if line != "/pulse acme green" {
		return e.gatedExec.Run(ctx, c, line)
	}
	err := e.store.WithTx(ctx, func(*models.Store) error { return nil })
	return commands.Reply{Text: "done " + line}, err
}

// A command waiting for the write lock (held here by another writer)
// gives its turn to the next command meanwhile.
func TestPoolLetsAnotherRunWhileOneWaitsForTheWriteLock(t *testing.T) {
	s := modelstest.MustOpenSQLite(t)
	exec := &writingExec{gatedExec{release: make(chan struct{})}, s}
	p := bot.NewPool(exec, 1, nil)
	held, unhold := make(chan struct{}), make(chan struct{})
	go func() {
		_ = s.WithTx(context.Background(), func(*models.Store) error { close(held); <-unhold; return nil })
	}()
	<-held
	var wg sync.WaitGroup
	wg.Go(func() {
		if r, err := p.Run(context.Background(), commands.Caller{}, "/pulse acme green"); err != nil {
			t.Errorf("pulse: %q, %v", r.Text, err)
		}
	})
	wg.Go(func() { _, _ = p.Run(context.Background(), commands.Caller{}, "/health acme") })
	waitFor(t, "the card to run while the pulse waits for the write lock", func() bool { return exec.running.Load() == 1 })
	close(unhold)
	close(exec.release)
	wg.Wait()
}

// TestPoolBoundsReports: of a pool of 4, one turn at most runs a summary;
// the others are left to cards and lists, which start at once beside it.
func TestPoolBoundsReports(t *testing.T) {
	e := &gatedExec{release: make(chan struct{})}
	p := bot.NewPool(e, 4, nil)
	var wg sync.WaitGroup
	run := func(line string) {
		wg.Go(func() {
			if _, err := p.Run(context.Background(), commands.Caller{}, line); err != nil {
				t.Error(err)
			}
		})
	}
	for range 3 {
		run("/health summary")
	}
	waitFor(t, "a summary to start", func() bool { return e.running.Load() == 1 })
	run("/health list")
	run("/health acme")
	waitFor(t, "the list and the card to start beside it", func() bool { return e.running.Load() == 3 })
	time.Sleep(20 * time.Millisecond)
	if n := e.running.Load(); n != 3 {
		t.Errorf("%d commands running, want 3: one summary, the list and the card", n)
	}
	close(e.release)
	wg.Wait()
	if len(e.started) != 5 {
		t.Errorf("started %v, want all 5", e.started)
	}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/healthbot/healthbot/bot"
)

// task is a long-running part of serve (Socket Mode, the Discord gateway,
// the scheduler, the delivery worker). When one fails, serve stops them all.
type task struct {
	name string
	run  func(ctx context.Context) error
}

// wiring collects what the configured parts contribute to serve.
type wiring struct {
	srv     *bot.Server
	exec    bot.Executor // the chat platforms' executor: the service, in turns (bot.Pool)
	posters []bot.Poster
	tasks   []task
}

// serve is `healthbot serve`: the HTTP server with health and metrics,
// and each part that is configured. Parts not configured say so in the log.
func (m *Main) serve(ctx context.Context, args []string) error {
	if len(args) > 0 {
		return usagef("serve takes no arguments; got %q (configure it with environment variables)", args)
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	srv := bot.NewServer(m.env.HTTPAddr, m.store, m.log)
	// About as many commands run at once as the database has connections;
	// the rest wait their turn, acknowledged and answered by follow-up.
	w := &wiring{srv: srv, exec: bot.NewPool(m.service, bot.PoolSize(m.store.MaxConns()), srv.Registry)}
	// Each part mounts its handlers and adds its tasks; the order matters
	// only in that the delivery worker needs the platforms' posters.
	for _, part := range []struct {
		name  string
		setup func(context.Context, *wiring) error
	}{
		{"slack", m.setupSlack},
		{"discord", m.setupDiscord},
		{"ingest", m.setupIngest},
		{"hooks", m.setupHooks},
		{"outbox", m.setupOutbox},
		{"scheduler", m.setupScheduler},
	} {
		if err := part.setup(ctx, w); err != nil {
			return fmt.Errorf("set up %s: %w", part.name, err)
		}
	}
	if err := w.srv.Open(); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "healthbot: serving on http://%s (GET /healthz, /readyz, /metrics)\n", w.srv.Addr())
	tasks := append([]task{{"http", w.srv.Serve}}, w.tasks...)
	return runTasks(ctx, m, tasks)
}

// runTasks runs every task until ctx is done or one fails, then cancels
// the others and waits for them, so shutdown is orderly.
func runTasks(ctx context.Context, m *Main, tasks []task) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, t := range tasks {
		wg.Go(func() {
			err := t.run(ctx)
			if err != nil && !errors.Is(err, context.Canceled) {
				m.log.Error("stopped", "part", t.name, "err", err)
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", t.name, err))
				mu.Unlock()
			}
			// One part ending (with or without error) ends serve: a bot
			// half up is worse than a restart.
			cancel()
		})
	}
	wg.Wait()
	m.log.Info("healthbot stopped")
	return errors.Join(errs...)
}

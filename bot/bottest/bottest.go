// Package bottest holds helpers for tests of the HTTP handlers in bot and
// its adapters.
package bottest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Trickle serves h on a real server whose ReadTimeout is readTimeout (as
// bot.Server has one, at 30 s), POSTs body to path with header, sending
// the body a byte at a time, each every `every`, so that it cannot arrive
// in time, and returns the status answered. The connection is real
// because the deadline is the server's, on the connection; a recorder
// has none.
func Trickle(t *testing.T, h http.Handler, path string, header http.Header, body []byte, readTimeout, every time.Duration) int {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ReadTimeout = readTimeout
	srv.Start()
	defer srv.Close()
	pr, pw := io.Pipe()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer pw.Close()
		for _, b := range body {
			if _, err := pw.Write([]byte{b}); err != nil {
				return
			}
			select {
			case <-time.After(every):
			case <-stop:
				return
			}
		}
	}()
	req, err := http.NewRequest(http.MethodPost, srv.URL+path, pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("trickled POST %s: no answer: %v", path, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// SyncBuffer is a bytes.Buffer safe to read while a server or adapter
// writes to it (its log, its output).
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is what was written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Clock is a fake clock that several goroutines (workers, adapters) may
// read at once while the test moves it.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// SlowEvents is an EventStore (bot.EventStore) that takes Delay to record
// an event, as a busy database does, and reports every one as new.
type SlowEvents struct{ Delay time.Duration }

// FirstSeen waits Delay (or ctx) and reports the event new.
func (e SlowEvents) FirstSeen(ctx context.Context, _, _ string, _ time.Time) (bool, error) {
	select {
	case <-time.After(e.Delay):
		return true, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

package slackload

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Receiver takes the deferred answers healthbot posts to the response_url
// of each command, on a loopback port, and remembers when each arrived.
// It stands where Slack's own response_url endpoint would be, so it
// answers every post 200 with "ok", as Slack does.
type Receiver struct {
	srv  *http.Server
	ln   net.Listener
	mu   sync.Mutex
	got  map[string]time.Time // response_url id → first post
	more chan struct{}        // a post arrived (capacity 1)
}

// Listen starts a Receiver on addr ("127.0.0.1:0" picks a free port); it
// must be a loopback address.
func Listen(addr string) (*Receiver, error) {
	if err := Loopback("http://" + addr); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	r := &Receiver{ln: ln, got: map[string]time.Time{}, more: make(chan struct{}, 1)}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := r.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(err)
		}
	}()
	return r, nil
}

// URL is the Receiver's base URL; healthbot posts to its response_urls
// only when SLACK_API_URL has the same host and port, e.g. this URL.
func (r *Receiver) URL() string { return "http://" + r.ln.Addr().String() + "/hooks" }

// Close stops the Receiver.
func (r *Receiver) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return r.srv.Shutdown(ctx)
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	_, _ = io.Copy(io.Discard, io.LimitReader(req.Body, 1<<20))
	if id, ok := strings.CutPrefix(req.URL.Path, "/hooks/"); ok && req.Method == http.MethodPost {
		r.mu.Lock()
		if _, seen := r.got[id]; !seen {
			r.got[id] = time.Now()
		}
		r.mu.Unlock()
		select {
		case r.more <- struct{}{}:
		default:
		}
	}
	_, _ = io.WriteString(w, "ok")
}

// await waits until want answers with ids starting with prefix arrived or
// wait passed, and returns those answers' arrivals by id.
func (r *Receiver) await(prefix string, want int, wait time.Duration) map[string]time.Time {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	count := func() int {
		r.mu.Lock()
		defer r.mu.Unlock()
		n := 0
		for id := range r.got {
			if strings.HasPrefix(id, prefix) {
				n++
			}
		}
		return n
	}
	for {
		if count() >= want {
			break
		}
		select {
		case <-r.more:
			continue
		case <-deadline.C:
		}
		break
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]time.Time{}
	for id, at := range r.got {
		if strings.HasPrefix(id, prefix) {
			out[id] = at
		}
	}
	return out
}

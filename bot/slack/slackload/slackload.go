// Package slackload is a load generator for healthbot's Slack endpoint:
// it sends slash commands signed exactly as Slack signs them to POST
// /slack/commands of a healthbot on this machine, a bounded number of
// them at a bounded concurrency for a bounded time, and reports the
// throughput, the latencies and how many answers were deferred ("Working
// on it…") rather than given inline. It receives the deferred answers
// itself, on a loopback response_url, so it can also time them; healthbot
// posts there only when SLACK_API_URL names the same host and port (its
// rule for response_url hosts), which Receiver's URL gives.
//
// It refuses any target but loopback: it is for measuring one's own
// installation, not for pointing at somebody else's.
package slackload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/healthbot/healthbot/bot/slack"
)

// Bounds on a run, whatever the configuration asks.
const (
	MaxRequests    = 100_000
	MaxDuration    = 10 * time.Minute
	MaxConcurrency = 256
)

// WorkingText is the inline answer of a deferred command (bot/slack's).
const WorkingText = "Working on it…"

// AccountSlot in a command line is replaced by one of Config.Accounts.
const AccountSlot = "{account}"

// Config is one run. Commands are sent in turn, each request the next one.
type Config struct {
	URL      string   // healthbot's base URL, e.g. http://127.0.0.1:8080 (loopback only)
	Secret   string   // SLACK_SIGNING_SECRET
	TeamID   string   // a workspace in SLACK_TEAM_IDS
	Users    []string // user ids to send as, in turn (default U0LOAD)
	Commands []string // command lines, e.g. "/health acme" (default "/health list")
	// Accounts fill a command's AccountSlot: each request that has one
	// names the next account in turn, so cards spread over a portfolio.
	Accounts    []string
	Concurrency int           // requests in flight at once (default 16)
	Requests    int           // stop after this many (default 1,000)
	Duration    time.Duration // or after this long (default 1 minute)
	// Receiver, when set, is where deferred answers are posted (its URL
	// is sent as response_url); Run waits up to FollowUpWait after the
	// last request for those still due.
	Receiver     *Receiver
	FollowUpWait time.Duration // default 30 s
	Client       *http.Client  // default: one with a 10 s timeout
}

// Report is what a run measured.
type Report struct {
	Requests  int           // sent
	Failed    int           // no answer, or not 200
	Inline    int           // answered in the response itself
	Deferred  int           // answered "Working on it…", the answer to follow
	FollowUps int           // deferred answers received on the Receiver
	Elapsed   time.Duration // from the first request to the last answer (follow-ups not included)
	// Ack is the time to the HTTP answer; Answer the time to the real
	// answer: the inline one, or the follow-up (deferred answers that
	// never came are left out).
	Ack, Answer Latencies
	// ByCommand counts requests and deferred answers per command line.
	ByCommand map[string]*Counts
}

// Counts are one command's requests and deferred answers, and the
// latencies of its answers (as Report.Answer).
type Counts struct {
	Requests, Deferred int
	Answer             Latencies
	answers            []time.Duration
}

// Latencies are percentiles of a set of durations.
type Latencies struct{ P50, P90, P99, Max time.Duration }

// PerSecond is the rate of answered requests.
func (r Report) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests-r.Failed) / r.Elapsed.Seconds()
}

// DeferredShare is the fraction of answered requests that were deferred.
func (r Report) DeferredShare() float64 {
	if n := r.Inline + r.Deferred; n > 0 {
		return float64(r.Deferred) / float64(n)
	}
	return 0
}

// String is the report as a few lines of text.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d requests in %v: %.1f req/s, %d failed; %d inline, %d deferred (%.0f%%), %d follow-ups received\n",
		r.Requests, r.Elapsed.Round(time.Millisecond), r.PerSecond(), r.Failed, r.Inline, r.Deferred, 100*r.DeferredShare(), r.FollowUps)
	fmt.Fprintf(&b, "ack:    p50 %v  p90 %v  p99 %v  max %v\n", r.Ack.P50, r.Ack.P90, r.Ack.P99, r.Ack.Max)
	fmt.Fprintf(&b, "answer: p50 %v  p90 %v  p99 %v  max %v\n", r.Answer.P50, r.Answer.P90, r.Answer.P99, r.Answer.Max)
	lines := make([]string, 0, len(r.ByCommand))
	for line := range r.ByCommand {
		lines = append(lines, line)
	}
	slices.Sort(lines)
	for _, line := range lines {
		c := r.ByCommand[line]
		fmt.Fprintf(&b, "  %-40s %5d requests, %5d deferred, answer p50 %v p99 %v\n", line, c.Requests, c.Deferred, c.Answer.P50, c.Answer.P99)
	}
	return b.String()
}

// check validates c and fills its defaults.
func (c *Config) check() error {
	if err := Loopback(c.URL); err != nil {
		return err
	}
	if c.Secret == "" || c.TeamID == "" {
		return errors.New("slackload: the signing secret and a team id are required")
	}
	if len(c.Users) == 0 {
		c.Users = []string{"U0LOAD"}
	}
	if len(c.Commands) == 0 {
		c.Commands = []string{"/health list"}
	}
	for _, line := range c.Commands {
		if !strings.HasPrefix(line, "/") {
			return fmt.Errorf("slackload: %q is not a slash command", line)
		}
		if strings.Contains(line, AccountSlot) && len(c.Accounts) == 0 {
			return fmt.Errorf("slackload: %q names %s but no accounts were given", line, AccountSlot)
		}
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 16
	}
	if c.Requests <= 0 {
		c.Requests = 1000
	}
	if c.Duration <= 0 {
		c.Duration = time.Minute
	}
	if c.FollowUpWait <= 0 {
		c.FollowUpWait = 30 * time.Second
	}
	c.Concurrency = min(c.Concurrency, MaxConcurrency)
	c.Requests = min(c.Requests, MaxRequests)
	c.Duration = min(c.Duration, MaxDuration)
	if c.Client == nil {
		c.Client = &http.Client{Timeout: 10 * time.Second}
	}
	return nil
}

// Loopback returns an error unless raw is an http(s) URL whose host is
// localhost or a loopback address.
func Loopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("slackload: %q is not an http(s) URL", raw)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || strings.EqualFold(host, "localhost") {
		return nil
	}
	return fmt.Errorf("slackload: %s is not this machine (loopback only: 127.0.0.1, ::1 or localhost)", host)
}

// Run sends the configured load and reports it.
func Run(ctx context.Context, c Config) (Report, error) {
	if err := c.check(); err != nil {
		return Report{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.Duration)
	defer cancel()
	endpoint := strings.TrimSuffix(c.URL, "/") + "/slack/commands"

	type sample struct {
		line     string
		ok       bool
		deferred bool
		ack      time.Duration
		id       string // the response_url's id, for the follow-up
		sent     time.Time
	}
	samples := make([]sample, 0, c.Requests)
	var (
		mu   sync.Mutex
		next atomic.Int64
		wg   sync.WaitGroup
	)
	start := time.Now()
	run := strconv.FormatInt(start.UnixNano(), 36) // tells this run's follow-ups from an earlier run's
	for range c.Concurrency {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= c.Requests {
					return
				}
				line := c.Commands[i%len(c.Commands)]
				text := line
				if strings.Contains(line, AccountSlot) {
					text = strings.ReplaceAll(line, AccountSlot, c.Accounts[(i/len(c.Commands))%len(c.Accounts)])
				}
				id := run + "-" + strconv.Itoa(i)
				sent := time.Now()
				ok, deferred := send(ctx, c, endpoint, text, c.Users[i%len(c.Users)], id)
				if ctx.Err() != nil && !ok {
					return // cut off by the duration: not a failure
				}
				mu.Lock()
				samples = append(samples, sample{line: line, ok: ok, deferred: deferred, ack: time.Since(sent), id: id, sent: sent})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	r := Report{Elapsed: time.Since(start), ByCommand: map[string]*Counts{}}

	var followUps map[string]time.Time
	if c.Receiver != nil {
		want := 0
		for _, s := range samples {
			if s.deferred {
				want++
			}
		}
		followUps = c.Receiver.await(run+"-", want, c.FollowUpWait)
	}
	var acks, answers []time.Duration
	for _, s := range samples {
		r.Requests++
		cnt := r.ByCommand[s.line]
		if cnt == nil {
			cnt = &Counts{}
			r.ByCommand[s.line] = cnt
		}
		cnt.Requests++
		if !s.ok {
			r.Failed++
			continue
		}
		acks = append(acks, s.ack)
		if !s.deferred {
			r.Inline++
			answers = append(answers, s.ack)
			cnt.answers = append(cnt.answers, s.ack)
			continue
		}
		r.Deferred++
		cnt.Deferred++
		if at, ok := followUps[s.id]; ok {
			r.FollowUps++
			answers = append(answers, at.Sub(s.sent))
			cnt.answers = append(cnt.answers, at.Sub(s.sent))
		}
	}
	r.Ack, r.Answer = latencies(acks), latencies(answers)
	for _, cnt := range r.ByCommand {
		cnt.Answer = latencies(cnt.answers)
	}
	return r, nil
}

// send posts one signed slash command and reports whether it was answered
// 200, and whether the answer was deferred.
func send(ctx context.Context, c Config, endpoint, line, user, id string) (ok, deferred bool) {
	cmd, text, _ := strings.Cut(line, " ")
	form := url.Values{
		"team_id": {c.TeamID}, "channel_id": {"C0LOAD"}, "user_id": {user}, "user_name": {"load-" + user},
		"command": {cmd}, "text": {text}, "trigger_id": {"load." + id},
	}
	if c.Receiver != nil {
		form.Set("response_url", c.Receiver.URL()+"/"+id)
	}
	body := []byte(form.Encode())
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(string(body)))
	if err != nil {
		return false, false
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", slack.Sign(c.Secret, ts, body))
	resp, err := c.Client.Do(req)
	if err != nil {
		return false, false
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return false, false
	}
	var m struct{ Text string }
	_ = json.Unmarshal(raw, &m)
	return true, m.Text == WorkingText
}

// latencies computes the percentiles of ds.
func latencies(ds []time.Duration) Latencies {
	if len(ds) == 0 {
		return Latencies{}
	}
	slices.Sort(ds)
	at := func(p float64) time.Duration {
		return ds[min(len(ds)-1, int(p*float64(len(ds))))].Round(100 * time.Microsecond)
	}
	return Latencies{P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: ds[len(ds)-1].Round(100 * time.Microsecond)}
}

// PeakRSS is the peak resident memory of process pid in bytes (VmHWM in
// /proc/PID/status: Linux only).
func PeakRSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("peak rss of %d: %w", pid, err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("peak rss of %d: %q: %w", pid, l, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("peak rss of %d: no VmHWM in /proc/%d/status", pid, pid)
}

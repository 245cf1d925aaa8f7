package main

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/slack/slackload"
)

// scrape reads the unlabelled samples of /metrics whose names start with
// prefix.
func scrape(t *testing.T, base, prefix string) map[string]float64 {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Error(err)
		return nil
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || !strings.HasPrefix(name, prefix) {
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			out[name] = v
		}
	}
	return out
}

// 32 signed Slack commands at once through serve's real HTTP handler, on
// the demo portfolio: at most one fewer run at once than the database has
// connections (3 of 4 on SQLite, 9 of 10 on PostgreSQL), every one goes
// through that pool, the rest wait their turn, and /metrics shows how
// many run and wait. Every answer arrives: inline, or as a follow-up on the
// response_url after "Working on it…".
func TestServeBoundsConcurrentCommands(t *testing.T) {
	forEachDB(t, func(t *testing.T, p *program) {
		p.mustRun("", "demo")
		recv, err := slackload.Listen("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer recv.Close()
		p.env["SLACK_SIGNING_SECRET"] = "load-secret"
		p.env["SLACK_TEAM_IDS"] = "T0LOAD"
		p.env["SLACK_API_URL"] = recv.URL()
		base, stop := startServe(t, p)
		size := 3.0
		if strings.HasPrefix(p.env["DATABASE_URL"], "postgres") {
			size = 9
		}

		var (
			mu          sync.Mutex
			maxInFlight float64
			seen        bool
		)
		done := make(chan struct{})
		scraped := make(chan struct{})
		go func() {
			defer close(scraped)
			for {
				m := scrape(t, base, "healthbot_commands_")
				mu.Lock()
				if v, ok := m["healthbot_commands_in_flight"]; ok {
					seen = true
					maxInFlight = max(maxInFlight, v)
				}
				mu.Unlock()
				select {
				case <-done:
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
		}()
		rep, err := slackload.Run(context.Background(), slackload.Config{
			URL: base, Secret: "load-secret", TeamID: "T0LOAD", Users: []string{"U1", "U2", "U3"},
			Commands:    []string{"/health sterling", "/health list", "/health oscorp", "/health list at-risk", "/health"},
			Concurrency: 32, Requests: 96, Duration: time.Minute, Receiver: recv, FollowUpWait: time.Minute,
		})
		close(done)
		<-scraped
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s", rep)
		if rep.Failed > 0 || rep.FollowUps != rep.Deferred {
			t.Errorf("%d failed, %d deferred, %d follow-ups: want every command answered", rep.Failed, rep.Deferred, rep.FollowUps)
		}
		after := scrape(t, base, "healthbot_command")
		mu.Lock()
		defer mu.Unlock()
		switch {
		case !seen:
			t.Errorf("no healthbot_commands_in_flight in /metrics: concurrent commands are not bounded or not reported")
		case maxInFlight > size:
			t.Errorf("%v commands ran at once, want at most %v", maxInFlight, size)
		case after["healthbot_command_queue_wait_seconds_count"] != float64(rep.Requests):
			t.Errorf("%v commands went through the pool, want %d", after["healthbot_command_queue_wait_seconds_count"], rep.Requests)
		case after["healthbot_commands_in_flight"] != 0 || after["healthbot_commands_queued"] != 0:
			t.Errorf("after the load: %v in flight, %v queued; want none", after["healthbot_commands_in_flight"], after["healthbot_commands_queued"])
		}
		t.Logf("at most %v commands ran at once (pool of %v); rejected %v", maxInFlight, size, after["healthbot_commands_rejected_total"])
		stop()
	})
}

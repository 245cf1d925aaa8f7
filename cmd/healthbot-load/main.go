// Command healthbot-load sends signed Slack slash commands to a healthbot
// serving on this machine and reports throughput, latencies and how many
// answers were deferred ("Working on it…"). It is bounded (at most
// 100,000 requests, 10 minutes, 256 at once) and refuses any target but
// loopback. The signing secret is read from SLACK_SIGNING_SECRET, as
// serve reads it.
//
//	healthbot demo && SLACK_SIGNING_SECRET=s SLACK_TEAM_IDS=T0LOAD \
//	  SLACK_API_URL=http://127.0.0.1:8099/hooks healthbot serve &
//	SLACK_SIGNING_SECRET=s go run ./cmd/healthbot-load -c 16 -n 2000 -d 60s \
//	  -answers 127.0.0.1:8099 -cmd '/health sterling' -cmd '/health list'
//
// With -answers it receives the deferred answers on that loopback address
// and times them too; serve posts them there only when its SLACK_API_URL
// is http://ADDR/hooks.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/healthbot/healthbot/bot/slack/slackload"
)

// lines collects repeated -cmd flags.
type lines []string

func (l *lines) String() string     { return strings.Join(*l, ", ") }
func (l *lines) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "healthbot-load:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("healthbot-load", flag.ContinueOnError)
	target := fs.String("url", "http://127.0.0.1:8080", "healthbot's base URL (loopback only)")
	team := fs.String("team", "T0LOAD", "team id to send as (must be in serve's SLACK_TEAM_IDS)")
	users := fs.String("users", "U0LOAD1,U0LOAD2,U0LOAD3,U0LOAD4", "user ids to send as, in turn")
	conc := fs.Int("c", 16, "requests in flight at once (at most 256)")
	n := fs.Int("n", 1000, "requests to send (at most 100,000)")
	dur := fs.Duration("d", time.Minute, "stop sending after this long (at most 10m)")
	answers := fs.String("answers", "", "loopback address to receive deferred answers on, e.g. 127.0.0.1:8099")
	accounts := fs.String("accounts", "", "a file of account slugs, one a line, that fill {account} in commands in turn")
	servePID := fs.Int("serve-pid", 0, "serve's process id: report its peak resident memory (Linux /proc VmHWM) after the run")
	var cmds lines
	fs.Var(&cmds, "cmd", "a command line to send, e.g. '/health acme' or '/health {account}' (repeat for a mix; default '/health list')")
	if err := fs.Parse(args); err != nil {
		return err
	}
	secret := getenv("SLACK_SIGNING_SECRET")
	if secret == "" {
		return fmt.Errorf("set SLACK_SIGNING_SECRET to the secret serve verifies with")
	}
	cfg := slackload.Config{URL: *target, Secret: secret, TeamID: *team, Users: strings.Split(*users, ","),
		Commands: cmds, Concurrency: *conc, Requests: *n, Duration: *dur}
	if *accounts != "" {
		b, err := os.ReadFile(*accounts)
		if err != nil {
			return fmt.Errorf("read the accounts: %w", err)
		}
		cfg.Accounts = strings.Fields(string(b))
	}
	if *answers != "" {
		r, err := slackload.Listen(*answers)
		if err != nil {
			return err
		}
		defer r.Close()
		cfg.Receiver = r
		fmt.Fprintf(out, "receiving deferred answers at %s (serve needs SLACK_API_URL=%s)\n", r.URL(), r.URL())
	}
	rep, err := slackload.Run(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprint(out, rep.String())
	if *servePID > 0 {
		hwm, err := slackload.PeakRSS(*servePID)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "serve (pid %d) peak RSS: %.1f MiB\n", *servePID, float64(hwm)/(1<<20))
	}
	return nil
}

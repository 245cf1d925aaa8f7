package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/models/modelstest"
)

// now is the end-to-end tests' clock: the demo's "today" is 2026-11-20.
var now = time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)

// program is one healthbot installation: an environment and a database
// that successive runs share, as a user's shell would.
type program struct {
	t   *testing.T
	env map[string]string
}

func newProgram(t *testing.T, dsn string) *program {
	return &program{t: t, env: map[string]string{"DATABASE_URL": dsn, "USER": "dana"}}
}

// sqliteProgram uses a fresh SQLite file.
func sqliteProgram(t *testing.T) *program {
	return newProgram(t, filepath.Join(t.TempDir(), "healthbot.db"))
}

// result is what one run printed and its exit code.
type result struct {
	stdout, stderr string
	code           int
	err            error
}

// run runs healthbot with args and stdin, the way main does.
func (p *program) run(stdin string, args ...string) result {
	p.t.Helper()
	var stdout, stderr bytes.Buffer
	m := &Main{
		Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(k string) string { return p.env[k] }, Now: func() time.Time { return now },
	}
	err := m.Run(context.Background(), args)
	if cerr := m.Close(); cerr != nil {
		p.t.Errorf("Close: %v", cerr)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: ExitCode(err), err: err}
}

// mustRun runs and fails the test unless the exit code is 0.
func (p *program) mustRun(stdin string, args ...string) result {
	p.t.Helper()
	r := p.run(stdin, args...)
	if r.code != 0 {
		p.t.Fatalf("healthbot %s: exit %d: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.err, r.stdout, r.stderr)
	}
	return r
}

// forEachDB runs fn on SQLite, and on PostgreSQL when its test DSN is set.
func forEachDB(t *testing.T, fn func(t *testing.T, p *program)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, sqliteProgram(t)) })
	if os.Getenv(modelstest.PostgresEnv) != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, newProgram(t, modelstest.PostgresDSN(t))) })
	}
}

func TestEndToEnd(t *testing.T) {
	forEachDB(t, func(t *testing.T, p *program) {
		r := p.mustRun("", "demo")
		if !strings.Contains(r.stdout, "loaded the demo portfolio") || !strings.Contains(r.stdout, "52 accounts (14 churned)") {
			t.Errorf("demo printed %q", r.stdout)
		}
		if r := p.run("", "demo"); r.code != 1 || !strings.Contains(r.err.Error(), "empty database") {
			t.Errorf("second demo: exit %d, %v; want 1 saying the database is not empty", r.code, r.err)
		}
		// A churned account's card is frozen at its final score, with the
		// days that led there (the demo scores its last 90 days).
		if r := p.mustRun("/health yoyodyne\n", "console"); !strings.Contains(r.stdout, "Yoyodyne — churned ") ||
			!strings.Contains(r.stdout, " · final score ") || !strings.Contains(r.stdout, "Last 90 days") {
			t.Errorf("the churned Yoyodyne's card:\n%s", r.stdout)
		}

		r = p.mustRun("", "rescore", "--as-of", "2026-11-20")
		if !regexp.MustCompile(`^rescored 38 accounts as of 2026-11-20: \d+ Healthy, \d+ Stable, \d+ At-risk, \d+ Critical`).MatchString(r.stdout) {
			t.Errorf("rescore printed %q", r.stdout)
		}

		r = p.mustRun("", "import", "accounts", "testdata/accounts.csv")
		if !strings.Contains(r.stdout, "2 records, 2 inserted") {
			t.Errorf("import printed %q", r.stdout)
		}
		r = p.mustRun("", "import", "accounts", "testdata/accounts.csv")
		if !strings.Contains(r.stdout, "2 records, 0 inserted, 0 updated, 2 unchanged") {
			t.Errorf("second import printed %q, want every record unchanged", r.stdout)
		}
		r = p.run("", "import", "accounts", "testdata/accounts_bad.csv")
		if r.code != 2 || !strings.Contains(r.err.Error(), "line 3") || !strings.Contains(r.err.Error(), "mrr") {
			t.Errorf("bad import: exit %d, %v; want 2 naming line 3 and mrr", r.code, r.err)
		}
		if r := p.mustRun("/health fabrikam\n", "console"); !strings.Contains(r.stdout, "fabrikam") {
			t.Errorf("the rejected batch wrote something? /health fabrikam printed %q", r.stdout)
		}

		// The card, then button 1 (pulse red), reason 1 (budget), a note,
		// and the new score capped by the red pulse.
		r = p.mustRun("/health acme\n1\n1\nbudget cut announced\n", "console")
		m := regexp.MustCompile(`\[HEALTHY\] Acme Corp — (\d+) Healthy`).FindStringSubmatch(r.stdout)
		if m == nil {
			t.Fatalf("no Healthy card for Acme Corp:\n%s", r.stdout)
		}
		score := m[1]
		for _, want := range []string{
			"[1] Pulse red  [2] Pulse yellow  [3] Pulse green  [4] Log touch",
			"Reason:\n  1) budget",
			`Recorded a red pulse for Acme Corp (reason: budget; note: "budget cut announced") by dana. Score now 59 At-risk (capped; computed ` + score + `).`,
		} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("console output lacks %q:\n%s", want, r.stdout)
			}
		}
		// Button 3 (pulse green) lifts the cap again.
		r = p.mustRun("/health acme\n3\n", "console")
		if want := "Recorded a green pulse for Acme Corp by dana. Score now " + score + " Healthy."; !strings.Contains(r.stdout, want) {
			t.Errorf("pressing pulse green: output lacks %q:\n%s", want, r.stdout)
		}
	})
}

func TestNoArgumentsIsConsoleOnTheDemo(t *testing.T) {
	p := sqliteProgram(t)
	r := p.mustRun("/health help\n")
	first, _, _ := strings.Cut(r.stdout, "\n")
	want := "healthbot: no Slack or Discord credentials set — console mode on " + p.env["DATABASE_URL"] +
		" (demo portfolio loaded: 52 accounts). Type /health help."
	if first != want {
		t.Errorf("first line\n%q, want\n%q", first, want)
	}
	model := "healthbot: HEALTHBOT_CONFIG is unset, so the demo is scored with the example health model examples/healthbot.yaml: " +
		"profiles smb and enterprise, custom component seat_use (from the metric seats_active).\n"
	if !strings.HasPrefix(r.stdout[len(first)+1:], model) {
		t.Errorf("second line\n%q, want\n%q", r.stdout[len(first)+1:], model)
	}
	if !strings.Contains(r.stdout, "/pulse") {
		t.Errorf("/health help printed %q", r.stdout)
	}
	if r.stderr != "" {
		t.Errorf("console mode logged %q; it should stay quiet", r.stderr)
	}
	// The second start finds the accounts and loads nothing, and scores
	// them with the same model: the list names the profiles, a card the
	// custom component.
	r = p.mustRun("/health list\n/health bluth\n")
	if !strings.Contains(r.stdout, "(52 accounts). Type /health help.\n"+model) {
		t.Errorf("second start printed %q", r.stdout)
	}
	for _, want := range []string{"· profile smb", "· profile enterprise", "· profile default", "Profile: default"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the demo does not show %q:\n%s", want, r.stdout)
		}
	}
	if !regexp.MustCompile(`seat_use +\w+ · \d+/100 · [\d.]+ of [\d.]+ pts · seats_active \d+ / \d+ seats = `).MatchString(r.stdout) {
		t.Errorf("the card shows no seat_use:\n%s", r.stdout)
	}
}

func TestUsageAndConfigErrors(t *testing.T) {
	dir := t.TempDir()
	badConfig := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badConfig, []byte("weights:\n  usage: -5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badProfile := filepath.Join(dir, "bad-profile.yaml")
	if err := os.WriteFile(badProfile, []byte("profiles:\n  - name: smb\n    match: {segment: [smb]}\n    weights: {usag: 60}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"help", nil, []string{"help"}, 0, ""},
		{"dash h", nil, []string{"-h"}, 0, ""},
		{"unknown command", nil, []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"import without file", nil, []string{"import", "accounts"}, 2, "usage: healthbot import KIND FILE.csv"},
		{"import unknown kind", nil, []string{"import", "widgets", "x.csv"}, 2, `unknown kind "widgets"`},
		{"import missing file", nil, []string{"import", "accounts", filepath.Join(dir, "nope.csv")}, 2, "no such file"},
		{"rescore bad day", nil, []string{"rescore", "--as-of", "20/11/2026"}, 2, "YYYY-MM-DD"},
		{"bad config", map[string]string{"HEALTHBOT_CONFIG": badConfig}, []string{"migrate"}, 2, "weights.usage"},
		{"missing config", map[string]string{"HEALTHBOT_CONFIG": filepath.Join(dir, "none.yaml")}, []string{"migrate"}, 2, "HEALTHBOT_CONFIG"},
		{"bad profile", map[string]string{"HEALTHBOT_CONFIG": badProfile}, []string{}, 2, "profiles[smb].weights.usag: unknown component"},
		{"bad timezone", map[string]string{"HEALTHBOT_TIMEZONE": "Mars/Olympus"}, []string{"migrate"}, 2, "HEALTHBOT_TIMEZONE"},
		{"bad log level", map[string]string{"HEALTHBOT_LOG_LEVEL": "chatty"}, []string{"migrate"}, 2, "HEALTHBOT_LOG_LEVEL"},
		{"migrate", nil, []string{"migrate"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := sqliteProgram(t)
			for k, v := range tt.env {
				p.env[k] = v
			}
			r := p.run("", tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d (%v), want %d", r.code, r.err, tt.code)
			}
			if tt.want != "" && !strings.Contains(r.err.Error(), tt.want) {
				t.Errorf("error %q lacks %q", r.err, tt.want)
			}
		})
	}
}

// startServe runs `healthbot serve` until the test ends and returns its
// base URL and a function that stops it and returns its log.
func startServe(t *testing.T, p *program, args ...string) (base string, stop func() string) {
	t.Helper()
	p.env["HEALTHBOT_HTTP_ADDR"] = "127.0.0.1:0"
	var stdout, stderr bottest.SyncBuffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(k string) string { return p.env[k] }, Now: func() time.Time { return now }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	if args == nil {
		args = []string{"serve"}
	}
	go func() { done <- m.Run(ctx, args) }()
	addr := regexp.MustCompile(`serving on (http://\S+)`)
	for base == "" {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve ended early: %v\n%s", err, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if m := addr.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
	}
	stopped := false
	stop = func() string {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
			m.Close()
		}
		return stderr.String()
	}
	t.Cleanup(func() { stop() })
	return base, stop
}

// request sends a request and returns the status code.
func request(t *testing.T, method, url, token, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestServeWithNothingConfigured(t *testing.T) {
	base, stop := startServe(t, sqliteProgram(t))
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 200, "/slack/commands": 404} {
		if got := request(t, "GET", base+path, "", ""); got != want {
			t.Errorf("GET %s = %d, want %d", path, got, want)
		}
	}
	logs := stop()
	for _, want := range []string{"slack not configured", "discord not configured", "ingestion API not configured",
		"delivery worker not configured", "scheduler started", "prune_events", "healthbot stopped"} {
		if !strings.Contains(logs, want) {
			t.Errorf("serve log lacks %q:\n%s", want, logs)
		}
	}
}

// TestServeMountsThePlatforms configures Slack and Discord HTTP endpoints
// and the ingestion API, without bot tokens so nothing calls out.
func TestServeMountsThePlatforms(t *testing.T) {
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := sqliteProgram(t)
	p.env["SLACK_SIGNING_SECRET"] = "s3cret"
	p.env["SLACK_TEAM_IDS"] = "T0001"
	p.env["DISCORD_PUBLIC_KEY"] = hex.EncodeToString(pub)
	p.env["DISCORD_APP_ID"] = "1234"
	p.env["HEALTHBOT_INGEST_TOKEN"] = "tok"
	base, stop := startServe(t, p)

	if got := request(t, "POST", base+"/slack/commands", "", "text=acme"); got != 401 {
		t.Errorf("unsigned Slack command = %d, want 401", got)
	}
	if got := request(t, "POST", base+"/discord/interactions", "", `{"type":1}`); got != 401 {
		t.Errorf("unsigned Discord interaction = %d, want 401", got)
	}
	body := `[{"external_id":"crm-9","name":"Northwind Traders","mrr":"100"}]`
	if got := request(t, "POST", base+"/api/v1/accounts", "wrong", body); got != 401 {
		t.Errorf("ingestion with a wrong token = %d, want 401", got)
	}
	if got := request(t, "POST", base+"/api/v1/accounts", "tok", body); got != 200 {
		t.Errorf("ingestion = %d, want 200", got)
	}
	stop()
	if r := p.mustRun("/health northwind\n", "console"); !strings.Contains(r.stdout, "Northwind Traders") {
		t.Errorf("the ingested account is not there:\n%s", r.stdout)
	}
}

// TestNoArgumentsWithCredentialsServes: chat credentials turn the
// no-argument mode into serve.
func TestNoArgumentsWithCredentialsServes(t *testing.T) {
	p := sqliteProgram(t)
	p.env["SLACK_SIGNING_SECRET"] = "s3cret"
	p.env["SLACK_TEAM_IDS"] = "T0001"
	base, _ := startServe(t, p, []string{}...)
	if got := request(t, "GET", base+"/healthz", "", ""); got != 200 {
		t.Errorf("GET /healthz = %d, want 200", got)
	}
}

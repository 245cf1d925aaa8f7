package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/healthbot/healthbot/bot/console"
	"github.com/healthbot/healthbot/commands"
)

// autoConsole is the no-argument mode without chat credentials: console
// on the configured database, with the demo portfolio when it is empty,
// and a first line that says all of this.
func (m *Main) autoConsole(ctx context.Context) error {
	if err := m.open(ctx); err != nil {
		return err
	}
	n, err := m.store.CountAccounts(ctx)
	if err != nil {
		return err
	}
	state := fmt.Sprintf("%d accounts", n)
	if n == 0 {
		stats, err := m.loadDemo(ctx)
		if err != nil {
			return err
		}
		state = fmt.Sprintf("demo portfolio loaded: %d accounts", stats.Accounts)
	}
	fmt.Fprintf(m.Stdout, "healthbot: no Slack or Discord credentials set — console mode on %s (%s). Type /health help.\n",
		redact(m.env.DatabaseURL), state)
	return m.chat(ctx, m.consoleUser())
}

// console is `healthbot console [--as HANDLE]`.
func (m *Main) console(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("console", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	as := fs.String("as", "", "act as this CSM handle (default: $USER)")
	if err := fs.Parse(args); err != nil {
		return usagef("console: %v\nusage: healthbot console [--as HANDLE]", err)
	}
	if fs.NArg() > 0 {
		return usagef("console takes no arguments besides --as; got %q", fs.Args())
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	user := m.consoleUser()
	if *as != "" {
		user = *as
	}
	if n, err := m.store.CountAccounts(ctx); err != nil {
		return err
	} else if n == 0 {
		fmt.Fprintln(m.Stdout, "healthbot: the database has no accounts yet: run `healthbot demo`, or `healthbot import accounts FILE.csv`.")
	}
	return m.chat(ctx, user)
}

// chat runs the console session as user.
func (m *Main) chat(ctx context.Context, user string) error {
	s := &console.Session{
		Exec:   m.service,
		Caller: commands.Caller{Platform: console.Platform, UserID: user, UserName: user},
		In:     m.Stdin,
		Out:    m.Stdout,
		Prompt: isTerminal(m.Stdin),
		Log:    m.log,
		Inbox:  m.store,
		Now:    m.Now,
	}
	if _, err := m.store.CSMByChatUser(ctx, console.Platform, user); err != nil {
		m.log.Debug("console user is not a CSM: /health shows every account", "user", user)
	}
	return s.Run(ctx)
}

// consoleUser is who the console speaks as: $USER, matched to a CSM by handle.
func (m *Main) consoleUser() string {
	if u := strings.TrimSpace(m.Getenv("USER")); u != "" {
		return u
	}
	return "console"
}

// isTerminal says whether r is an interactive terminal, where the console
// shows a prompt; a pipe or a file gets none so scripted output is clean.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

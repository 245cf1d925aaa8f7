// Command healthbot is a chat-ops bot for Customer Success teams: it scores
// every customer account's health and answers for it in Slack, Discord or
// the terminal. Run it with no arguments to try it on a demo portfolio.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	_ "time/tzdata" // HEALTHBOT_TIMEZONE works in a scratch container with no zoneinfo
)

// main only turns signals into a cancelled context and errors into exit
// codes; Main does the wiring so tests can run the whole program.
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	m := NewMain()
	err := m.Run(ctx, os.Args[1:])
	stop()
	if cerr := m.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "healthbot: "+err.Error())
	}
	os.Exit(ExitCode(err))
}

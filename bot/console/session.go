package console

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
)

// Platform is the Caller.Platform of console commands.
const Platform = commands.Console

// Session is one chat in the terminal. Each line is a command in the chat
// grammar, a number pressing a button of the latest reply, or quit/exit.
type Session struct {
	Exec   bot.Executor
	Caller commands.Caller
	In     io.Reader
	Out    io.Writer
	// Prompt prints "> " before each line; set it only on a terminal so a
	// scripted session's output is just the replies.
	Prompt bool
	Log    *slog.Logger
	// ChartDir is where a reply's pictures are written as PNG files, whose
	// paths the session prints; "" is healthbot-charts in the system's
	// temporary directory.
	ChartDir string
	// Inbox, when set, holds the direct messages healthbot queued for the
	// console's user (their tasks, their day): they are shown when the
	// session starts and after each command.
	Inbox Inbox
	// Now is the clock that stamps a message shown (time.Now when nil).
	Now func() time.Time

	lines  chan string
	last   commands.Reply // the reply whose buttons a number presses
	readEr error
}

// Run reads lines until quit, exit, end of input or ctx is done. It returns
// an error only when the terminal cannot be read or written; a failed
// command is reported in the chat and the session goes on.
func (s *Session) Run(ctx context.Context) error {
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	s.lines = make(chan string)
	// Reading happens in its own goroutine so that a cancelled context ends
	// the session even while it waits for a line.
	go s.read()
	if err := s.showInbox(ctx); err != nil {
		return err
	}
	for {
		line, ok := s.next(ctx, "> ")
		if !ok {
			return s.end(ctx)
		}
		switch strings.ToLower(line) {
		case "":
			continue
		case "quit", "exit":
			return nil
		case "help", "?":
			line = "/health help"
		}
		if err := s.handle(ctx, line); err != nil {
			return err
		}
		if err := s.showInbox(ctx); err != nil {
			return err
		}
	}
}

// Inbox hands over the messages queued for a user; *models.Store has it.
type Inbox interface {
	TakeInbox(ctx context.Context, platform, channel string, now time.Time) ([]models.OutboxMessage, error)
}

// showInbox shows the direct messages waiting for the user, each under a
// line that says so; their buttons are pressed by number as a reply's. A
// store that cannot be read is logged and tried again after the next
// command.
func (s *Session) showInbox(ctx context.Context) error {
	if s.Inbox == nil {
		return nil
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	msgs, err := s.Inbox.TakeInbox(ctx, Platform, models.UserChannel(s.Caller.UserID), now())
	if err != nil {
		s.Log.Error("console inbox", "err", err)
		return nil
	}
	for _, m := range msgs {
		var r commands.Reply
		if err := json.Unmarshal([]byte(m.Payload), &r); err != nil {
			s.Log.Error("console inbox: unreadable message", "id", m.ID, "err", err)
			continue
		}
		head := "── healthbot → you ──"
		if m.Ref != "" {
			// Shown before, and changed since (a task closed, snoozed…).
			head = "── healthbot → you (updated) ──"
		}
		if err := s.say(head); err != nil {
			return err
		}
		if err := s.show(r); err != nil {
			return err
		}
	}
	return nil
}

// end is the result of a session whose input ran out.
func (s *Session) end(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return nil
	}
	if s.readEr != nil {
		return fmt.Errorf("read console input: %w", s.readEr)
	}
	return nil
}

func (s *Session) read() {
	defer close(s.lines)
	sc := bufio.NewScanner(s.In)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		s.lines <- sc.Text()
	}
	s.readEr = sc.Err()
}

// next prompts (on a terminal) and waits for the next trimmed line.
func (s *Session) next(ctx context.Context, prompt string) (string, bool) {
	if s.Prompt {
		fmt.Fprint(s.Out, prompt)
	}
	select {
	case <-ctx.Done():
		return "", false
	case line, ok := <-s.lines:
		return strings.TrimSpace(line), ok
	}
}

// handle runs one line: a button number or a command.
func (s *Session) handle(ctx context.Context, line string) error {
	if n, err := strconv.Atoi(line); err == nil {
		buttons := s.last.AllButtons()
		if n < 1 || n > len(buttons) {
			return s.say(noButton(n, len(buttons)))
		}
		btn := buttons[n-1]
		s.Log.Debug("console button", "label", btn.Label, "action", btn.Action)
		return s.run(ctx, func() (commands.Reply, error) { return s.press(ctx, commands.Press{Action: btn.Action}) })
	}
	return s.run(ctx, func() (commands.Reply, error) { return s.Exec.Run(ctx, s.Caller, line) })
}

func noButton(n, have int) string {
	switch have {
	case 0:
		return fmt.Sprintf("There is no button %d: the last reply has no buttons.", n)
	case 1:
		return fmt.Sprintf("There is no button %d: type 1 to press the only button.", n)
	default:
		return fmt.Sprintf("There is no button %d: type a number from 1 to %d.", n, have)
	}
}

// run executes a command, shows its reply, and when the reply is a Form,
// asks for it and runs the submitted command in turn.
func (s *Session) run(ctx context.Context, exec func() (commands.Reply, error)) error {
	for {
		reply, err := exec()
		if err != nil {
			// The service pairs an internal error with a reply for the
			// user; the detail goes to the log.
			s.Log.Error("console command failed", "err", err)
			if reply.Text == "" && reply.Title == "" {
				return s.say("Something went wrong running that command. Try again, or type help.")
			}
			return s.show(reply)
		}
		if err := s.show(reply); err != nil {
			return err
		}
		if reply.Form == nil {
			return nil
		}
		form := *reply.Form
		values, ok, err := s.ask(ctx, form)
		if err != nil || !ok {
			return err
		}
		cmd, err := commands.FormCommand(form, values)
		if err != nil {
			return s.say(err.Error())
		}
		exec = func() (commands.Reply, error) { return s.press(ctx, commands.Press{Form: &cmd}) }
	}
}

// press runs a button or a submitted form as every platform does
// (commands.RunPress). What the terminal printed stays printed, so a
// press never redraws a card here (Press.OnCard is false): its answer is
// printed after it.
func (s *Session) press(ctx context.Context, p commands.Press) (commands.Reply, error) {
	pressed, err := commands.RunPress(ctx, s.Exec, s.Caller, p)
	return pressed.Reply, err
}

// show renders a reply and remembers it when it has buttons, so a number
// typed later presses a button of the last reply that offered any.
func (s *Session) show(r commands.Reply) error {
	if err := Render(s.Out, r); err != nil {
		return fmt.Errorf("write console output: %w", err)
	}
	if err := s.writeCharts(r.Charts); err != nil {
		return err
	}
	if _, err := io.WriteString(s.Out, "\n"); err != nil {
		return fmt.Errorf("write console output: %w", err)
	}
	if len(r.AllButtons()) > 0 || r.Form == nil {
		s.last = r
	}
	return nil
}

func (s *Session) say(text string) error {
	if _, err := fmt.Fprintln(s.Out, text); err != nil {
		return fmt.Errorf("write console output: %w", err)
	}
	return nil
}

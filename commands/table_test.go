package commands

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// withRows adds rows to the command table for the length of one test.
func withRows(t *testing.T, rows ...Spec) {
	t.Helper()
	saved := table
	table = append(slices.Clone(table), rows...)
	t.Cleanup(func() { table = saved })
}

// echo is a handler that says which command it ran.
func echo(_ *Service, _ context.Context, _ Caller, cmd Command) (Reply, error) {
	return Reply{Text: fmt.Sprintf("%s/%s/%s account=%q days=%d handle=%q user=%q", cmd.Verb, cmd.Sub, cmd.Action, cmd.Account, cmd.Days, cmd.Handle, cmd.User)}, nil
}

// futureRows are the shapes the next commands take: another admin
// action. An account sub-command with an argument (/health ACCOUNT why)
// and one without (/health ACCOUNT chart), a sub-command with an argument
// (/health renewals) and a group of its own (/health tasks) are real rows
// now, checked here beside it.
func futureRows() []Spec {
	return []Spec{
		{Verb: VerbHealth, Sub: HealthAdmin, Action: "alias", Words: "admin alias", Usage: "/health admin alias HANDLE @user",
			Help: "admins: alias someone", Slash: "Admins: alias someone",
			Params: []Param{handleParam("The CSM handle", setHandle)}, Private: true, Role: RoleAdmin,
			parse: func(cmd *Command, in typed) error { return parseAdminCSM(cmd, in) }, run: echo},
	}
}

// TestTableCarriesTheNextCommands adds the coming commands' shapes as
// rows and follows them to every place the table reaches: the typed
// grammar, the dispatch (with the admin check), the help, the registered
// commands and the Command built from their options.
func TestTableCarriesTheNextCommands(t *testing.T) {
	withRows(t, futureRows()...)
	typedCases := []struct {
		line string
		want Command
	}{
		{"/health acme why 30", Command{Verb: VerbHealth, Sub: "why", Account: "acme", Days: 30}},
		{"/health Acme Corp WHY", Command{Verb: VerbHealth, Sub: "why", Account: "Acme Corp"}},
		{"/health why inc why 7", Command{Verb: VerbHealth, Sub: "why", Account: "why inc", Days: 7}},
		{"/health acme chart", Command{Verb: VerbHealth, Sub: "chart", Account: "acme"}},
		{"/health chart house", Command{Verb: VerbHealth, Sub: HealthShow, Account: "chart house"}},
		{"/health acme chart 2", Command{Verb: VerbHealth, Sub: HealthShow, Account: "acme chart 2"}},
		{"/health renewals 60", Command{Verb: VerbHealth, Sub: "renewals", Days: 60}},
		{"/health renewals", Command{Verb: VerbHealth, Sub: "renewals"}},
		{"/health renewals 30 public", Command{Verb: VerbHealth, Sub: "renewals", Days: 30, Public: true}},
		{"/health tasks mine", Command{Verb: VerbHealth, Sub: "tasks"}},
		{"/health tasks", Command{Verb: VerbHealth, Sub: "tasks"}},
		{"/health tasks all", Command{Verb: VerbHealth, Sub: "tasks", Action: "all"}},
		{"/health tasks done #12", Command{Verb: VerbHealth, Sub: "tasks", Action: "done", Task: 12}},
		{"/health tasks reassign 12 <@U2|lee>", Command{Verb: VerbHealth, Sub: "tasks", Action: "reassign", Task: 12, User: "U2"}},
		{"/health tasks reassign 12 @lee", Command{Verb: VerbHealth, Sub: "tasks", Action: "reassign", Task: 12, Handle: "lee"}},
		{`/health "tasks force"`, Command{Verb: VerbHealth, Sub: HealthShow, Account: "tasks force"}},
		{"/health home depot", Command{Verb: VerbHealth, Sub: HealthShow, Account: "home depot"}},
		{"/health home", Command{Verb: VerbHealth, Sub: "home"}},
		{"/health home public", Command{Verb: VerbHealth, Sub: "home", Public: true}},
		{"/health admin alias maria <@U123ABC>", Command{Verb: VerbHealth, Sub: HealthAdmin, Action: "alias", Handle: "maria", User: "U123ABC"}},
		// The rows that were there keep their grammar.
		{"/health acme", Command{Verb: VerbHealth, Sub: HealthShow, Account: "acme"}},
		{"/health", Command{Verb: VerbHealth, Sub: HealthMine}},
		{"/health admin", Command{Verb: VerbHealth, Sub: HealthAdmin}},
		{"/pulse acme green", Command{Verb: VerbPulse, Account: "acme", Colour: "green"}},
	}
	ctx := context.Background()
	admin := Caller{Platform: Slack, UserID: "UADMIN"}
	svc := &Service{Store: modelstest.MustOpenSQLite(t), Admins: []ChatUser{{Platform: Slack, UserID: "UADMIN"}}}
	for _, tc := range typedCases {
		got, err := Parse(tc.line)
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tc.line, got, err, tc.want)
			continue
		}
		if tc.want.Sub == HealthShow || tc.want.Sub == HealthChart || tc.want.Sub == HealthWhy || tc.want.Verb != VerbHealth || tc.want.Sub == HealthTasks || tc.want.Sub == HealthRenew || tc.want.Sub == HealthHome ||
			tc.want == (Command{Verb: VerbHealth, Sub: HealthMine}) || tc.want.Sub == HealthAdmin && tc.want.Action == "" {
			continue // handlers of their own, which need a store
		}
		r, err := svc.Execute(ctx, admin, got)
		if want, _ := echo(nil, ctx, admin, got); err != nil || r.Text != want.Text {
			t.Errorf("Execute(%q) = %q, %v; want the row's handler", tc.line, r.Text, err)
		}
	}
	if _, err := Parse("/health acme why soon"); err == nil || !strings.Contains(err.Error(), `"soon" is not a number of days`) {
		t.Errorf("a bad argument: %v", err)
	}
	for line, want := range map[string]string{
		"/health tasks force":         `quote it: /health "tasks force"`,
		"/health tasks done":          "Give the task's number",
		"/health tasks snooze twelve": `"twelve" is not a task number`,
		"/health renewals soon":       `"soon" is not one`,
		"/health renewals 0":          `"0" is not one`,
	} {
		if _, err := Parse(line); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error containing %q", line, err, want)
		}
	}
	if r, _ := svc.Execute(ctx, Caller{Platform: Slack, UserID: "UOTHER"}, Command{Verb: VerbHealth, Sub: HealthAdmin, Action: "alias"}); !strings.HasPrefix(r.Text, "Only healthbot admins") {
		t.Errorf("a new admin action ran for a non-admin: %q", r.Text)
	}
	if r, _ := svc.Execute(ctx, admin, Command{Verb: VerbHealth, Sub: HealthAdmin, Action: "purge"}); !strings.Contains(r.Text, "use csm, channel, owner, role, manager, history, map, unmapped or alias") {
		t.Errorf("unknown admin action: %q", r.Text)
	}

	// The new rows' roles hold as the table's do: once someone has a role,
	// a user without one is a viewer, who reads but is refused what needs a
	// CSM, with who can and how to become one; an answer that may show MRR
	// is private unless asked for in public.
	if err := svc.Store.WithTx(ctx, func(tx *models.Store) error {
		_, err := tx.SetRole(ctx, Slack, "UCSM", string(RoleCSM))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	viewer := Caller{Platform: Slack, UserID: "UVIEW"}
	r, _ := svc.Execute(ctx, viewer, Command{Verb: VerbHealth, Sub: "tasks", Action: "done", Task: 99})
	if want := "Only CSMs, managers and admins can close a task; ask an admin to give you the csm role with /health admin role <@UVIEW> csm. Admins: <@UADMIN>."; r.Text != want || !r.Ephemeral {
		t.Errorf("a viewer closing a task: %q, want %q", r.Text, want)
	}
	if r, _ := svc.Execute(ctx, Caller{Platform: Slack, UserID: "UCSM"}, Command{Verb: VerbHealth, Sub: "tasks", Action: "done", Task: 99}); r.Text != "There is no task 99. /health tasks lists the open ones." {
		t.Errorf("a CSM closing a task: %q", r.Text)
	}
	for _, public := range []bool{false, true} {
		r, _ := svc.Execute(ctx, viewer, Command{Verb: VerbHealth, Sub: "renewals", Public: public})
		if !strings.HasPrefix(r.Text, "No active account renews") || r.Ephemeral == public {
			t.Errorf("a viewer's renewals (public %v): %q, ephemeral %v", public, r.Text, r.Ephemeral)
		}
	}

	help, _ := svc.help(ctx, admin, Command{})
	for _, line := range []string{"/health ACCOUNT why [DAYS] — what moved the score", "/health tasks [mine] — your open tasks", "/health renewals [DAYS] [public] — accounts renewing"} {
		if !strings.Contains(help.Text, line) {
			t.Errorf("help lacks %q:\n%s", line, help.Text)
		}
	}
	if !strings.HasSuffix(help.Text, "\n/health admin alias HANDLE @user — admins: alias someone") {
		t.Errorf("help does not end with the new admin line:\n%s", help.Text)
	}

	shape := slashShape(SlashCommands())
	for _, want := range []string{
		"/health why account:1! days:2", "/health chart account:1!", "/health renewals days:2 public:3",
		"/health tasks [group]", "/health tasks mine", "/health tasks all", "/health tasks done task:2!", "/health tasks reassign task:2! handle:1",
		"/health home public:3", "/health admin alias handle:1!",
	} {
		if !slices.Contains(shape, want) {
			t.Errorf("registered commands lack %q:\n%s", want, strings.Join(shape, "\n"))
		}
	}

	// The registered form builds the very Command the typed one does.
	for _, tc := range []struct {
		path   []string
		values map[string]any
		typed  string
	}{
		{[]string{"health", "why"}, map[string]any{"account": " acme ", "days": float64(30)}, "/health acme why 30"},
		{[]string{"health", "chart"}, map[string]any{"account": "acme"}, "/health acme chart"},
		{[]string{"health", "renewals"}, map[string]any{"days": float64(60)}, "/health renewals 60"},
		{[]string{"health", "renewals"}, map[string]any{"days": float64(60), "public": true}, "/health renewals 60 --public"},
		{[]string{"health", "tasks", "mine"}, nil, "/health tasks mine"},
		{[]string{"health", "tasks", "all"}, nil, "/health tasks all"},
		{[]string{"health", "tasks", "done"}, map[string]any{"task": float64(12)}, "/health tasks done 12"},
		{[]string{"health", "tasks", "reassign"}, map[string]any{"task": float64(12), "handle": "<@U2>"}, "/health tasks reassign 12 <@U2>"},
		{[]string{"health", "home"}, nil, "/health home"},
	} {
		row, ok := SlashSpec(tc.path...)
		want, _ := Parse(tc.typed)
		if got := row.FromParams(tc.values); !ok || got != want {
			t.Errorf("SlashSpec%q → %+v (%v), want %+v as %q gives", tc.path, got, ok, want, tc.typed)
		}
		if spec, _ := SpecOf(want); spec.Private != row.Private || spec.Usage != row.Usage {
			t.Errorf("%q: SpecOf and SlashSpec disagree", tc.typed)
		}
	}
}

// slashShape lists the registered commands one path a line, with their
// parameters as name:type, "!" when required.
func slashShape(cmds []SlashCommand) []string {
	var out []string
	var walk func(prefix string, cs []SlashCommand)
	walk = func(prefix string, cs []SlashCommand) {
		for _, c := range cs {
			line := prefix + c.Name
			switch {
			case c.Group:
				out = append(out, line+" [group]")
				walk(line+" ", c.Subs)
			case len(c.Subs) > 0:
				walk(line+" ", c.Subs)
			default:
				for _, p := range c.Params {
					line += fmt.Sprintf(" %s:%d", p.Name, p.Type)
					if p.Required {
						line += "!"
					}
				}
				out = append(out, line)
			}
		}
	}
	walk("/", cmds)
	return out
}

// TestTableRows checks every row of the real table: a handler, a line of
// help or a reason to have none, a description that fits where commands
// are registered, parameters that can be set, and a registered path that
// leads back to the row.
func TestTableRows(t *testing.T) {
	for _, r := range table {
		name := strings.TrimSpace(r.Verb + " " + r.Sub + " " + r.Action)
		if n := utf8.RuneCountInString(r.Slash); n < 1 || n > 100 {
			t.Errorf("%s: description of %d characters", name, n)
		}
		if r.Heading {
			continue
		}
		if r.run == nil || r.Usage == "" {
			t.Errorf("%s: no handler or no usage", name)
		}
		if r.Help == "" && r.Usage != "/health admin" {
			t.Errorf("%s: not in the help", name)
		}
		// Every row says who may run it; one that records says what, for
		// the refusal.
		if _, ok := ParseRole(string(r.Role)); !ok {
			t.Errorf("%s: no Role (it would be admins only)", name)
		}
		if r.Role == RoleCSM && r.Doing == "" {
			t.Errorf("%s: a CSM row without Doing", name)
		}
		for _, p := range r.Params {
			if p.set == nil || p.Type == 0 {
				t.Errorf("%s %s: parameter without a type or a setter", name, p.Name)
			}
		}
		if spec, ok := SpecOf(r.command()); !ok || !reflect.DeepEqual(spec.Params, r.Params) || spec.Usage != r.Usage {
			t.Errorf("%s: SpecOf finds another row", name)
		}
	}
	var paths [][]string
	var walk func(path []string, cs []SlashCommand)
	walk = func(path []string, cs []SlashCommand) {
		for _, c := range cs {
			p := append(slices.Clone(path), c.Name)
			if len(c.Subs) > 0 {
				walk(p, c.Subs)
				continue
			}
			paths = append(paths, p)
		}
	}
	walk(nil, SlashCommands())
	headings := 0
	for _, r := range table {
		if r.Heading {
			headings++
		}
	}
	if len(paths) != len(table)-headings { // every row but the headings
		t.Errorf("%d registered commands for %d rows", len(paths), len(table))
	}
	for _, p := range paths {
		row, ok := SlashSpec(p...)
		if !ok || row.Verb != p[0] || len(p) > 1 && row.slashName() != p[len(p)-1] {
			t.Errorf("registered %q leads to %+v", p, row.command())
		}
	}
}

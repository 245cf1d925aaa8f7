package discord_test

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/healthbot/healthbot/bot/discord"
	"github.com/healthbot/healthbot/commands"
)

func group(name string, subs ...map[string]any) map[string]any {
	return map[string]any{"name": name, "type": 2, "options": subs}
}

// Option types as Discord sends them.
const (
	typeString  = 3
	typeUser    = 6
	typeChannel = 7
)

// TestAdminAndIAmAsTyped: /health iam and the /health admin group reach
// the executor as the very Command the grammar makes of the typed line
// (user and channel pickers standing for <@id> and <#id> mentions).
func TestAdminAndIAmAsTyped(t *testing.T) {
	for _, tc := range []struct {
		name  string
		data  map[string]any
		typed string
	}{
		{"iam", slash("health", subcmd("iam", opt("handle", typeString, "maria"))), "/health iam maria"},
		{"iam with @", slash("health", subcmd("iam", opt("handle", typeString, " @maria "))), "/health iam @maria"},
		{"admin help", slash("health", group("admin", subcmd("help"))), "/health admin"},
		{"admin csm", slash("health", group("admin", subcmd("csm", opt("handle", typeString, "maria"), opt("user", typeUser, "112233445566778899")))),
			"/health admin csm maria <@112233445566778899>"},
		{"admin channel", slash("health", group("admin", subcmd("channel", opt("account", typeString, "acme"), opt("channel", typeChannel, "998877665544332211")))),
			"/health admin channel acme <#998877665544332211>"},
		{"admin channel default", slash("health", group("admin", subcmd("channel", opt("account", typeString, "acme")))),
			"/health admin channel acme default"},
		{"admin owner", slash("health", group("admin", subcmd("owner", opt("account", typeString, "Red Hat"), opt("handle", typeString, "maria")))),
			`/health admin owner "Red Hat" maria`},
		{"admin owner none", slash("health", group("admin", subcmd("owner", opt("account", typeString, "acme"), opt("handle", typeString, "none")))),
			"/health admin owner acme none"},
		{"admin owner by mention", slash("health", group("admin", subcmd("owner", opt("account", typeString, "acme"), opt("handle", typeString, "<@112233445566778899>")))),
			"/health admin owner acme <@112233445566778899>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := commands.Parse(tc.typed)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.typed, err)
			}
			e := newEnv(t, &fakeExec{reply: scripted}, guildID)
			got := response(t, e.post(interaction(discordgo.InteractionApplicationCommand, tc.data, nil)))
			if num(got["type"]) != 4 {
				t.Fatalf("type = %v, want 4: %v", got["type"], got)
			}
			calls := e.exec.Calls()
			if len(calls) != 1 || calls[0].Method != "Execute" || !reflect.DeepEqual(calls[0].Cmd, want) {
				t.Fatalf("calls = %+v, want one Execute of %+v (the typed %q)", calls, want, tc.typed)
			}
		})
	}
}

// TestUnknownAdminAction: an admin action this version does not register
// (left over from another) says so instead of running something else.
func TestUnknownAdminAction(t *testing.T) {
	e := newEnv(t, &fakeExec{reply: scripted}, guildID)
	data := slash("health", group("admin", subcmd("purge", opt("account", typeString, "acme"))))
	got := response(t, e.post(interaction(discordgo.InteractionApplicationCommand, data, nil)))
	if c, _ := get(got, "data", "content").(string); !strings.Contains(c, "registered again") {
		t.Errorf("got %v", got)
	}
	if n := len(e.exec.Calls()); n != 0 {
		t.Errorf("%d commands ran", n)
	}
}

// TestAdminAccountAutocomplete: the account of /health admin channel is
// suggested like everywhere else, from inside the group.
func TestAdminAccountAutocomplete(t *testing.T) {
	e := newEnv(t, nil, guildID)
	data := slash("health", group("admin", subcmd("channel", map[string]any{"name": "account", "type": typeString, "value": "glo", "focused": true})))
	got := response(t, e.post(interaction(discordgo.InteractionApplicationCommandAutocomplete, data, nil)))
	if c := get(got, "data", "choices"); !reflect.DeepEqual(c, []any{map[string]any{"name": "Globex (globex)", "value": "globex"}}) {
		t.Errorf("admin channel autocomplete = %v", c)
	}
}

// TestRegisteredAdminShape pins the shape users see: /health iam handle,
// a public option on every answer that may show MRR, and an admin group
// whose pickers are Discord's user and text-channel ones and whose
// account autocompletes.
func TestRegisteredAdminShape(t *testing.T) {
	var health *discordgo.ApplicationCommand
	for _, c := range discord.ApplicationCommands() {
		if c.Name == "health" {
			health = c
		}
	}
	if health == nil {
		t.Fatal("no /health")
	}
	var shape []string
	var walk func(prefix string, opts []*discordgo.ApplicationCommandOption)
	walk = func(prefix string, opts []*discordgo.ApplicationCommandOption) {
		for _, o := range opts {
			switch o.Type {
			case discordgo.ApplicationCommandOptionSubCommand, discordgo.ApplicationCommandOptionSubCommandGroup:
				walk(prefix+" "+o.Name, o.Options)
				continue
			}
			s := prefix + " " + o.Name + ":" + o.Type.String()
			if o.Required {
				s += "!"
			}
			if o.Autocomplete {
				s += "~"
			}
			for _, ct := range o.ChannelTypes {
				s += "#" + map[discordgo.ChannelType]string{discordgo.ChannelTypeGuildText: "text", discordgo.ChannelTypeGuildNews: "news"}[ct]
			}
			shape = append(shape, s)
		}
	}
	walk("/health", health.Options)
	got := strings.Join(shape, "\n")
	want := strings.Join([]string{
		"/health show account:String!~",
		"/health show public:Boolean",
		"/health why account:String!~",
		"/health why days:Integer",
		"/health chart account:String!~",
		"/health mine public:Boolean",
		"/health list status:String",
		"/health list public:Boolean",
		"/health summary public:Boolean",
		"/health history account:String!~",
		"/health history count:Integer",
		"/health iam handle:String!",
		"/health home public:Boolean",
		"/health renewals days:Integer",
		"/health renewals public:Boolean",
		"/health tasks done task:Integer!",
		"/health tasks snooze task:Integer!",
		"/health tasks reassign task:Integer!",
		"/health tasks reassign handle:String",
		"/health admin csm handle:String!",
		"/health admin csm user:User!",
		"/health admin channel account:String!~",
		"/health admin channel channel:Channel#text#news",
		"/health admin owner account:String!~",
		"/health admin owner handle:String!",
		"/health admin role user:User!",
		"/health admin role role:String!",
		"/health admin manager handle:String!",
		"/health admin manager manager:String!",
		"/health admin history count:Integer",
		"/health admin map account:String!~",
		"/health admin map source:String!",
		"/health admin map id:String!",
	}, "\n")
	if got != want {
		t.Errorf("/health options:\n%s\nwant:\n%s", got, want)
	}
}

var commandName = regexp.MustCompile(`^[-_a-z0-9]{1,32}$`)

// TestApplicationCommandsWithinDiscordLimits checks what Discord checks
// when the commands are registered (a bad one fails the whole PUT):
// lower-case names of up to 32 characters, descriptions of 1–100, at most
// 25 options a level, required options first, groups holding only
// sub-commands, and 4000 characters of names, descriptions and choices
// per command.
func TestApplicationCommandsWithinDiscordLimits(t *testing.T) {
	for _, c := range discord.ApplicationCommands() {
		total := len(c.Name) + utf8.RuneCountInString(c.Description)
		var check func(path string, opts []*discordgo.ApplicationCommandOption, depth int)
		check = func(path string, opts []*discordgo.ApplicationCommandOption, depth int) {
			if len(opts) > 25 {
				t.Errorf("%s: %d options, over 25", path, len(opts))
			}
			optional := false
			for _, o := range opts {
				p := path + " " + o.Name
				total += len(o.Name) + utf8.RuneCountInString(o.Description)
				for _, ch := range o.Choices {
					total += utf8.RuneCountInString(ch.Name) + len(ch.Value.(string))
				}
				if !commandName.MatchString(o.Name) {
					t.Errorf("%s: bad name", p)
				}
				if n := utf8.RuneCountInString(o.Description); n < 1 || n > 100 {
					t.Errorf("%s: description has %d characters", p, n)
				}
				switch o.Type {
				case discordgo.ApplicationCommandOptionSubCommandGroup:
					if depth != 0 {
						t.Errorf("%s: group nested in a sub-command", p)
					}
					for _, s := range o.Options {
						if s.Type != discordgo.ApplicationCommandOptionSubCommand {
							t.Errorf("%s %s: a group holds sub-commands only", p, s.Name)
						}
					}
					check(p, o.Options, depth+1)
				case discordgo.ApplicationCommandOptionSubCommand:
					check(p, o.Options, depth+1)
				default:
					if o.Required && optional {
						t.Errorf("%s: required after an optional option", p)
					}
					optional = optional || !o.Required
				}
			}
		}
		if !commandName.MatchString(c.Name) {
			t.Errorf("/%s: bad name", c.Name)
		}
		if n := utf8.RuneCountInString(c.Description); n < 1 || n > 100 {
			t.Errorf("/%s: description has %d characters", c.Name, n)
		}
		check("/"+c.Name, c.Options, 0)
		if total > 4000 {
			t.Errorf("/%s: %d characters in all, over 4000", c.Name, total)
		}
	}
}

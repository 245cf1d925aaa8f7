package commands

// SlashCommand is a command as a platform that registers its commands
// declares it (Discord's application commands): a verb, a group of
// sub-commands inside one, or a sub-command with its parameters. Discord
// lets a verb have either sub-commands or parameters, so the typed
// "/health ACCOUNT" is "/health show account" there and the bare
// "/health" is "/health mine".
type SlashCommand struct {
	Name        string
	Description string
	Params      []Param        // a verb without sub-commands, or a sub-command: its parameters
	Subs        []SlashCommand // a verb's sub-commands and groups, or a group's sub-commands
	Group       bool           // a group of sub-commands (/health admin)
}

// SlashCommands are the commands of the table as platforms register them,
// one per verb, in table order.
func SlashCommands() []SlashCommand {
	var out []SlashCommand
	for _, v := range slashVerbs() {
		verb := v[1:]
		if !hasSubs(verb) {
			r := rowsOf(verb)[0]
			out = append(out, SlashCommand{Name: verb, Description: r.Slash, Params: r.params()})
			continue
		}
		top := SlashCommand{Name: verb, Description: heading(verb, "").Slash}
		for _, r := range table {
			switch {
			case r.Verb != verb || r.Sub == "":
			case r.Heading:
				g := SlashCommand{Name: r.Sub, Description: r.Slash, Group: true}
				for _, sub := range rowsOf(verb) {
					if sub.Sub == r.Sub {
						g.Subs = append(g.Subs, sub.slash())
					}
				}
				top.Subs = append(top.Subs, g)
			case !isGroup(verb, r.Sub): // a group's rows are listed with it
				top.Subs = append(top.Subs, r.slash())
			}
		}
		out = append(out, top)
	}
	return out
}

func (r Spec) slash() SlashCommand {
	return SlashCommand{Name: r.slashName(), Description: r.Slash, Params: r.params()}
}

// slashName is the row's name where commands are registered.
func (r Spec) slashName() string {
	switch {
	case r.SlashName != "":
		return r.SlashName
	case r.Action != "":
		return r.Action
	}
	return r.Sub
}

// heading is the heading row of verb, or of its group sub.
func heading(verb, sub string) Spec {
	for _, r := range table {
		if r.Heading && r.Verb == verb && r.Sub == sub {
			return r
		}
	}
	return Spec{}
}

// SlashSpec finds the row a registered command names by its path: the
// verb, its sub-command, and for a sub-command in a group the group before
// it ("health", "admin", "csm"). A verb with sub-commands run without one
// is its bare form, /health mine. ok is false for a command this version
// does not have (registered by another).
func SlashSpec(path ...string) (Spec, bool) {
	if len(path) == 0 {
		return Spec{}, false
	}
	verb := path[0]
	rows := rowsOf(verb)
	if !hasSubs(verb) {
		if len(path) == 1 && len(rows) == 1 {
			return rows[0], true
		}
		return Spec{}, false
	}
	for _, r := range rows {
		switch len(path) {
		case 1:
			if r.bare() {
				return r, true
			}
		case 2:
			if r.Sub == path[1] && !isGroup(verb, r.Sub) {
				return r, true
			}
		case 3:
			if r.Sub == path[1] && isGroup(verb, r.Sub) && r.slashName() == path[2] {
				return r, true
			}
		}
	}
	return Spec{}, false
}

// FromParams is the Command that row r runs with these parameter values,
// by name, as the platform sends them: text, user and channel ids as
// strings, yes or no as a bool. It is the Command the typed line gives.
func (r Spec) FromParams(values map[string]any) Command {
	cmd := r.command()
	for _, p := range r.params() {
		if v, ok := values[p.Name]; ok {
			p.set(&cmd, v)
		}
	}
	return cmd
}

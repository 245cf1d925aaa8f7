package commands

import (
	"fmt"
	"strings"
	"unicode"
)

// Colours a pulse can take, in the order they are offered.
var pulseColours = []string{"red", "yellow", "green"}

// touchKindWords lists the kinds of touch a CSM can log, in the order they are offered.
var touchKindWords = []string{"call", "email", "meeting", "chat", "qbr", "other"}

// listStatuses maps what a user may type after "/health list" to the
// filter kept in Command.Status. Aliases cover the spellings people
// actually type ("at risk", "atrisk").
var listStatuses = map[string]string{
	"healthy":  "healthy",
	"stable":   "stable",
	"at-risk":  "at-risk",
	"atrisk":   "at-risk",
	"at_risk":  "at-risk",
	"at risk":  "at-risk",
	"risk":     "at-risk",
	"critical": "critical",
}

// Examples quoted by error messages and the help text.
const (
	exampleHealth = "/health acme"
	examplePulse  = "/pulse acme red budget"
	exampleTouch  = "/touch acme call --exec renewal talk"
)

// cmdWord is one word of a command line, with where it sits in the line so
// free text (notes) can be taken verbatim from the line, not re-joined.
type cmdWord struct {
	text   string
	quoted bool
	start  int // byte offset of the word's first character (its quote, when quoted)
}

// Parse turns a command line ("/health acme", "/pulse acme red budget …")
// into a Command. Its error message is a sentence for the user.
//
// The leading slash is optional and verbs are case-insensitive. An account
// name may be quoted ("/health \"Acme Corp\""); unquoted, it is every word
// of /health's argument, and for /pulse and /touch the words before the
// colour or kind keyword.
func Parse(line string) (Command, error) {
	line = strings.TrimSpace(line)
	toks := splitWords(line)
	if len(toks) == 0 {
		return Command{}, inputError("Type a command, for example " + exampleHealth + ". /health help lists them all.")
	}
	verb := strings.ToLower(strings.TrimPrefix(toks[0].text, "/"))
	args := toks[1:]
	switch verb {
	case VerbHealth:
		return parseHealth(args)
	case VerbPulse:
		return parsePulse(line, args)
	case VerbTouch:
		return parseTouch(line, args)
	}
	return Command{}, inputErrorf("I don't know the command %q. The commands are /health, /pulse and /touch; /health help explains them.", toks[0].text)
}

func parseHealth(args []cmdWord) (Command, error) {
	cmd := Command{Verb: VerbHealth}
	if len(args) == 0 {
		cmd.Sub = HealthMine
		return cmd, nil
	}
	if c, ok, err := parseHealthConfig(args); ok {
		return c, err
	}
	first := strings.ToLower(args[0].text)
	if !args[0].quoted {
		switch {
		case first == HealthHelp && len(args) == 1:
			cmd.Sub = HealthHelp
			return cmd, nil
		case first == HealthSummary && len(args) == 1:
			cmd.Sub = HealthSummary
			return cmd, nil
		case first == HealthList:
			cmd.Sub = HealthList
			if len(args) == 1 {
				return cmd, nil
			}
			want := strings.ToLower(joinTokens(args[1:]))
			status, ok := listStatuses[want]
			if !ok {
				return Command{}, inputErrorf("/health list takes a status: healthy, stable, at-risk or critical (or none for all). For an account whose name starts with \"list\", quote it: /health \"%s\".", joinTokens(args))
			}
			cmd.Status = status
			return cmd, nil
		}
	}
	cmd.Sub = HealthShow
	cmd.Account = joinTokens(args)
	if cmd.Account == "" {
		return Command{}, inputError("/health needs an account name. Example: " + exampleHealth)
	}
	return cmd, nil
}

func parsePulse(line string, args []cmdWord) (Command, error) {
	i := keywordIndex(args, pulseColours)
	switch {
	case len(args) == 0:
		return Command{}, inputError("/pulse needs an account and a colour: red, yellow or green. Example: " + examplePulse)
	case i < 0 && len(args) == 1 && isKeyword(args[0], pulseColours):
		return Command{}, inputError("/pulse needs an account before the colour. Example: " + examplePulse)
	case i < 0:
		return Command{}, inputError("/pulse needs a colour: red, yellow or green. Example: " + examplePulse)
	}
	cmd := Command{
		Verb:    VerbPulse,
		Account: joinTokens(args[:i]),
		Colour:  strings.ToLower(args[i].text),
	}
	if rest := args[i+1:]; len(rest) > 0 {
		cmd.Reason = strings.ToLower(rest[0].text)
		if len(rest) > 1 {
			cmd.Note = strings.TrimSpace(line[rest[1].start:])
		}
	}
	return cmd, nil
}

func parseTouch(line string, args []cmdWord) (Command, error) {
	if len(args) == 0 {
		return Command{}, inputError("/touch needs an account and a kind: " + orList(touchKindWords) + ". Example: " + exampleTouch)
	}
	cmd := Command{Verb: VerbTouch}
	i := keywordIndex(args, touchKindWords)
	if i < 0 {
		// No kind: the handler asks for it with a form. A trailing --exec
		// still counts, so "/touch acme --exec" keeps what was said.
		if n := len(args); n > 1 && isExecFlag(args[n-1]) {
			cmd.Exec = true
			args = args[:n-1]
		}
		if len(args) == 1 && isExecFlag(args[0]) {
			return Command{}, inputError("/touch needs an account. Example: " + exampleTouch)
		}
		cmd.Account = joinTokens(args)
		return cmd, nil
	}
	cmd.Account = joinTokens(args[:i])
	cmd.Kind = strings.ToLower(args[i].text)
	rest := args[i+1:]
	if len(rest) > 0 && isExecFlag(rest[0]) {
		cmd.Exec = true
		rest = rest[1:]
	}
	if len(rest) > 0 {
		cmd.Note = strings.TrimSpace(line[rest[0].start:])
	}
	return cmd, nil
}

// keywordIndex is the index of the first unquoted keyword that has at least
// one word before it (the account), or -1. Skipping index 0 lets an account
// start with a keyword: "/pulse red hat green".
func keywordIndex(args []cmdWord, keywords []string) int {
	for i := 1; i < len(args); i++ {
		if isKeyword(args[i], keywords) {
			return i
		}
	}
	return -1
}

func isKeyword(t cmdWord, keywords []string) bool {
	if t.quoted {
		return false
	}
	for _, k := range keywords {
		if strings.EqualFold(t.text, k) {
			return true
		}
	}
	return false
}

// isExecFlag accepts "--exec" and the dash-mangled forms that chat clients
// and phones produce when they "smarten" a double hyphen.
func isExecFlag(t cmdWord) bool {
	if t.quoted {
		return false
	}
	s := strings.TrimLeft(t.text, "-—–")
	return strings.EqualFold(s, "exec") && len(s) < len(t.text)
}

func joinTokens(toks []cmdWord) string {
	words := make([]string, len(toks))
	for i, t := range toks {
		words[i] = t.text
	}
	return strings.TrimSpace(strings.Join(words, " "))
}

// splitWords splits a line on white space, keeping double-quoted runs (plain
// or typographic quotes) as one word. An unterminated quote runs to the end
// of the line rather than failing: the user's intent is clear enough.
func splitWords(line string) []cmdWord {
	var toks []cmdWord
	rs := []rune(line)
	// offsets maps rune index to byte offset, so tokens can point into line.
	offsets := make([]int, len(rs)+1)
	b := 0
	for i, r := range rs {
		offsets[i] = b
		b += len(string(r))
	}
	offsets[len(rs)] = b

	for i := 0; i < len(rs); {
		if unicode.IsSpace(rs[i]) {
			i++
			continue
		}
		start := i
		if isOpenQuote(rs[i]) {
			j := i + 1
			for j < len(rs) && !isCloseQuote(rs[j]) {
				j++
			}
			toks = append(toks, cmdWord{text: strings.TrimSpace(string(rs[i+1 : j])), quoted: true, start: offsets[start]})
			i = j + 1
			continue
		}
		j := i
		for j < len(rs) && !unicode.IsSpace(rs[j]) {
			j++
		}
		toks = append(toks, cmdWord{text: string(rs[i:j]), start: offsets[start]})
		i = j
	}
	return toks
}

func isOpenQuote(r rune) bool  { return r == '"' || r == '“' || r == '”' }
func isCloseQuote(r rune) bool { return r == '"' || r == '”' || r == '“' }

// orList renders ["a","b","c"] as "a, b or c".
func orList(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// InputError is a command the user can correct (bad grammar, a form value
// missing). Its message is a whole sentence meant to be shown as it is,
// which is why it is not a lower-case Go error string.
type InputError struct{ Msg string }

// Error returns the sentence for the user.
func (e *InputError) Error() string { return e.Msg }

func inputError(msg string) error { return &InputError{Msg: msg} }

func inputErrorf(format string, a ...any) error { return &InputError{Msg: fmt.Sprintf(format, a...)} }

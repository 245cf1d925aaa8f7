package commands

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/healthbot/healthbot/models"
)

// Colours a pulse can take, in the order they are offered.
var pulseColours = []string{"red", "yellow", "green"}

// touchKindWords lists the kinds of touch a CSM can log, in the order they are offered.
var touchKindWords = models.TouchKinds

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
// colour or kind keyword. Which words make which command is the command
// table's: see parseWords.
func Parse(line string) (Command, error) {
	line = strings.TrimSpace(line)
	toks := splitWords(line)
	if len(toks) == 0 {
		return Command{}, inputError("Type a command, for example " + exampleHealth + ". /health help lists them all.")
	}
	verb := strings.ToLower(strings.TrimPrefix(toks[0].text, "/"))
	if cmd, ok, err := parseWords(verb, line, toks[1:]); ok {
		return cmd, err
	}
	return Command{}, inputErrorf("I don't know the command %q. The commands are %s; /health help explains them.", toks[0].text, andList(slashVerbs()))
}

// typed is a command line being parsed for one row of the table.
type typed struct {
	line string    // the whole line, for free text taken verbatim
	args []cmdWord // every word after the verb
	rest []cmdWord // the words after the row's Words (all of args for a row without any)
}

// parseWords finds the row of verb that args make, in this order: a row
// whose Words come first ("/health list …"; the longest Words first); a
// row whose Words follow the account ("/health ACCOUNT why …"); the
// verb's bare row when nothing follows the verb ("/health"); else the row
// that reads every word ("/health ACCOUNT", "/pulse …"). A row that takes
// no arguments matches only with nothing after its Words, so
// "/health help desk" is the account "help desk". ok is false for a verb
// the table does not have.
//
// A trailing "public" asks for an answer that shows MRR to be posted for
// everyone ("/health acme public", "/health public"); on a row whose
// answer cannot show MRR it is an ordinary word ("/pulse acme green
// going public").
func parseWords(verb, line string, args []cmdWord) (cmd Command, ok bool, err error) {
	rows := rowsOf(verb)
	if len(rows) == 0 {
		return Command{}, false, nil
	}
	if n := len(args); n > 0 && isPublicWord(args[n-1]) {
		if cmd, err := parseRows(rows, verb, line, args[:n-1]); err == nil {
			if row, ok := SpecOf(cmd); ok && row.MRR {
				cmd.Public = true
				return cmd, true, nil
			}
		}
	}
	cmd, err = parseRows(rows, verb, line, args)
	return cmd, true, err
}

// parseRows is parseWords for the rows of verb, "public" left aside.
func parseRows(rows []Spec, verb, line string, args []cmdWord) (Command, error) {
	var keyed []Spec
	for _, r := range rows {
		if r.Words != "" && !r.AfterAccount {
			keyed = append(keyed, r)
		}
	}
	slices.SortStableFunc(keyed, func(a, b Spec) int { return len(strings.Fields(b.Words)) - len(strings.Fields(a.Words)) })
	for _, r := range keyed {
		if n := wordsAt(args, 0, r.Words); n > 0 {
			if cmd, ok, err := r.parseTyped(typed{line: line, args: args, rest: args[n:]}); ok {
				return cmd, err
			}
		}
	}
	// After an account: the last keyword whose row accepts what follows
	// it, so an account may hold the word itself ("/health why inc why 30").
	for i := len(args) - 1; i >= 1; i-- {
		for _, r := range rows {
			if !r.AfterAccount {
				continue
			}
			if n := wordsAt(args, i, r.Words); n > 0 {
				if cmd, ok, err := r.parseTyped(typed{line: line, args: args, rest: args[i+n:]}); ok {
					if err == nil {
						cmd.Account = joinTokens(args[:i])
					}
					return cmd, err
				}
			}
		}
	}
	var whole *Spec // the row that reads every word
	for i, r := range rows {
		switch {
		case r.bare() && len(args) == 0:
			return r.command(), nil
		case r.Words == "" && r.parse != nil:
			whole = &rows[i]
		}
	}
	if whole == nil {
		return Command{}, inputErrorf("I don't know what /%s should do with that. %s", verb, helpHint)
	}
	cmd, _, err := whole.parseTyped(typed{line: line, args: args, rest: args})
	return cmd, err
}

// parseTyped reads the words after the row's Words; ok is false when the
// row takes none and some follow.
func (r Spec) parseTyped(in typed) (cmd Command, ok bool, err error) {
	if r.parse == nil {
		return r.command(), len(in.rest) == 0, nil
	}
	cmd = r.command()
	if err := r.parse(&cmd, in); err != nil {
		return Command{}, true, err
	}
	return cmd, true, nil
}

// wordsAt is how many words of args, from i, spell the keywords words
// (unquoted, in any case); 0 when they do not.
func wordsAt(args []cmdWord, i int, words string) int {
	want := strings.Fields(words)
	if i+len(want) > len(args) {
		return 0
	}
	for j, w := range want {
		if a := args[i+j]; a.quoted || !strings.EqualFold(a.text, w) {
			return 0
		}
	}
	return len(want)
}

// parseShow reads "/health ACCOUNT": every word is the account.
func parseShow(cmd *Command, in typed) error {
	cmd.Account = joinTokens(in.rest)
	if cmd.Account == "" {
		return inputError("/health needs an account name. Example: " + exampleHealth)
	}
	return nil
}

// parseList reads "/health list [STATUS]".
func parseList(cmd *Command, in typed) error {
	if len(in.rest) == 0 {
		return nil
	}
	want := strings.ToLower(joinTokens(in.rest))
	status, ok := listStatuses[want]
	if !ok {
		return inputErrorf("/health list takes a status: %s (or none for all). For an account whose name starts with \"list\", quote it: /health \"%s\".", orList(statusWords), joinTokens(in.args))
	}
	cmd.Status = status
	return nil
}

// parsePulse reads "/pulse ACCOUNT COLOUR [REASON] [NOTE…]": the words
// after the colour go to Command.Reason, verbatim.
func parsePulse(cmd *Command, in typed) error {
	args := in.rest
	i := keywordIndex(args, pulseColours)
	switch {
	case len(args) == 0:
		return inputError("/pulse needs an account and a colour: red, yellow or green. Example: " + examplePulse)
	case i < 0 && len(args) == 1 && isKeyword(args[0], pulseColours):
		return inputError("/pulse needs an account before the colour. Example: " + examplePulse)
	case i < 0:
		return inputError("/pulse needs a colour: red, yellow or green. Example: " + examplePulse)
	}
	cmd.Account = joinTokens(args[:i])
	cmd.Colour = strings.ToLower(args[i].text)
	// Which words after the colour make the reason code ("champion left")
	// and which the note depends on the configured codes: the handler
	// reads them (matchReason). The parser keeps them as typed.
	if rest := args[i+1:]; len(rest) > 0 {
		cmd.Reason = strings.TrimSpace(in.line[rest[0].start:])
	}
	return nil
}

// parseTouch reads "/touch ACCOUNT [KIND] [--exec] [NOTE…]".
func parseTouch(cmd *Command, in typed) error {
	args := in.rest
	if len(args) == 0 {
		return inputError("/touch needs an account and a kind: " + orList(touchKindWords) + ". Example: " + exampleTouch)
	}
	i := keywordIndex(args, touchKindWords)
	if i < 0 {
		// No kind: the handler asks for it with a form. A trailing --exec
		// still counts, so "/touch acme --exec" keeps what was said.
		if n := len(args); n > 1 && isExecFlag(args[n-1]) {
			cmd.Exec = true
			args = args[:n-1]
		}
		if len(args) == 1 && isExecFlag(args[0]) {
			return inputError("/touch needs an account. Example: " + exampleTouch)
		}
		cmd.Account = joinTokens(args)
		return nil
	}
	cmd.Account = joinTokens(args[:i])
	cmd.Kind = strings.ToLower(args[i].text)
	rest := args[i+1:]
	if len(rest) > 0 && isExecFlag(rest[0]) {
		cmd.Exec = true
		rest = rest[1:]
	}
	if len(rest) > 0 {
		cmd.Note = strings.TrimSpace(in.line[rest[0].start:])
	}
	return nil
}

// optionalNumber reads the one whole number, above 0, a row takes after
// its words ("/health acme history 50", "/health renewals 60"); 0 when
// none is given. what names it in errors ("entries", "days"), with an
// example of the command.
func optionalNumber(in typed, what, example string) (int, error) {
	switch len(in.rest) {
	case 0:
		return 0, nil
	case 1:
		n, err := strconv.Atoi(in.rest[0].text)
		if err != nil || n <= 0 {
			return 0, inputErrorf("%q is not a number of %s: give a whole number above 0, e.g. %s.", in.rest[0].text, what, example)
		}
		return n, nil
	}
	return 0, inputErrorf("Give one number of %s, e.g. %s.", what, example)
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

// isPublicWord accepts "public" and "--public" (dashes as phones mangle
// them), unquoted.
func isPublicWord(t cmdWord) bool {
	return !t.quoted && strings.EqualFold(strings.TrimLeft(t.text, "-—–"), publicWord)
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
func orList(words []string) string { return joinWords(words, " or ") }

// andList renders ["a","b","c"] as "a, b and c".
func andList(words []string) string { return joinWords(words, " and ") }

func joinWords(words []string, last string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + last + words[len(words)-1]
}

// InputError is a command the user can correct (bad grammar, a form value
// missing). Its message is a whole sentence meant to be shown as it is,
// which is why it is not a lower-case Go error string.
type InputError struct{ Msg string }

// Error returns the sentence for the user.
func (e *InputError) Error() string { return e.Msg }

func inputError(msg string) error { return &InputError{Msg: msg} }

func inputErrorf(format string, a ...any) error { return &InputError{Msg: fmt.Sprintf(format, a...)} }

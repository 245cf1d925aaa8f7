package ingestion

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// fieldParser turns one record's text fields into typed values, collecting
// every problem instead of stopping at the first, so one pass over a file
// reports all that is wrong with it.
type fieldParser struct {
	kind, unit string
	rec        Record
	errs       []*ValidationError
	// dayOf is the organisation's calendar day of an instant; latest is
	// the last day an event may fall on (YYYY-MM-DD, tomorrow there; ""
	// checks nothing). See happened.
	dayOf  func(time.Time) string
	latest string
	// lastDate is the last value date accepted: a batch repeats its days,
	// and a 100,000-row batch spent 0.04 s of CPU parsing the same one.
	lastDate string
}

func (p *fieldParser) fail(field, format string, args ...any) {
	p.errs = append(p.errs, &ValidationError{
		Kind: p.kind, Unit: p.unit, Position: p.rec.Position, Field: field, Reason: fmt.Sprintf(format, args...),
	})
}

// badText rejects, field by field, a record whose values no database can
// store faithfully: a NUL character (PostgreSQL text cannot hold one; it
// failed the whole batch with a 500) or bytes that are not UTF-8. It
// reports whether any field was bad; such a record is not parsed further,
// so its values never reach a query.
func (p *fieldParser) badText() bool {
	var bad []string
	for name, v := range p.rec.Fields {
		if strings.IndexByte(v, 0) >= 0 || !utf8.ValidString(v) {
			bad = append(bad, name)
		}
	}
	slices.Sort(bad)
	for _, name := range bad {
		if v := p.rec.Fields[name]; strings.IndexByte(v, 0) >= 0 {
			p.fail(name, "contains a NUL character (\\u0000), which cannot be stored; remove it")
		} else {
			p.fail(name, "is not valid UTF-8 text; send UTF-8")
		}
	}
	return len(bad) > 0
}

// raw is the field's trimmed text ("" when absent).
func (p *fieldParser) raw(field string) string { return strings.TrimSpace(p.rec.Fields[field]) }

// str is an optional text field of at most max characters.
func (p *fieldParser) str(field string, max int) string {
	v := p.raw(field)
	if !utf8.ValidString(v) {
		p.fail(field, "is not valid UTF-8 text")
		return ""
	}
	if n := utf8.RuneCountInString(v); n > max {
		p.fail(field, "is %d characters long; the limit is %d", n, max)
		return ""
	}
	return v
}

// need is a required text field.
func (p *fieldParser) need(field string, max int) string {
	if p.raw(field) == "" {
		p.fail(field, "is required")
		return ""
	}
	return p.str(field, max)
}

// date is an optional YYYY-MM-DD day (nil when empty).
func (p *fieldParser) date(field string) *string {
	if v, ok := p.day(field); ok {
		return &v
	}
	return nil
}

// day is date without the pointer, which costs an allocation a record:
// the day and whether there is a good one.
func (p *fieldParser) day(field string) (string, bool) {
	v := p.raw(field)
	if v == "" {
		return "", false
	}
	if v == p.lastDate {
		return v, true
	}
	if _, err := time.Parse("2006-01-02", v); err != nil || len(v) != 10 {
		p.fail(field, "%s is not a date (YYYY-MM-DD)", quote(v))
		return "", false
	}
	p.lastDate = v
	return v, true
}

// needDate is a required YYYY-MM-DD day.
func (p *fieldParser) needDate(field string) string {
	if p.raw(field) == "" {
		p.fail(field, "is required (a date, YYYY-MM-DD)")
		return ""
	}
	if d, ok := p.day(field); ok {
		return d
	}
	return ""
}

// time is an optional RFC 3339 instant (nil when empty).
func (p *fieldParser) time(field string) *time.Time {
	v := p.raw(field)
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		p.fail(field, "%s is not a time (RFC 3339, e.g. 2026-03-01T14:30:00Z)", quote(v))
		return nil
	}
	return &t
}

// needTime is a required RFC 3339 instant.
func (p *fieldParser) needTime(field string) time.Time {
	if p.raw(field) == "" {
		p.fail(field, "is required (a time, RFC 3339, e.g. 2026-03-01T14:30:00Z)")
		return time.Time{}
	}
	if t := p.time(field); t != nil {
		return *t
	}
	return time.Time{}
}

// dayOrAt is the calendar day a record is about, given as a day field
// (YYYY-MM-DD) or as an at field (an RFC 3339 instant, whose day in the
// organisation's time zone dayOf gives); when both are given they must
// agree. One of them is required.
func (p *fieldParser) dayOrAt(dayOf func(time.Time) string) string {
	switch {
	case p.raw("day") != "":
		day := p.needDate("day")
		if t := p.time("at"); t != nil && dayOf(*t) != day {
			p.fail("at", "falls on %s in the organisation's time zone, not on day %s", dayOf(*t), day)
		} else if day != "" {
			p.happened("day", day, "")
		}
		return day
	case p.raw("at") != "":
		if t := p.time("at"); t != nil {
			day := dayOf(*t)
			p.happened("at", day, day)
			return day
		}
		return ""
	default:
		p.fail("day", "is required (or give at, an RFC 3339 time)")
		return ""
	}
}

// Events (activity, a ticket opened or closed, a touch, a survey answer,
// a payment, an account's first value) cannot lie ahead: a row dated in
// 9999 is a bad feed, and it would sit after every as-of day, making each
// rescore read its account's raw activity instead of the rollups. Days
// that are plans (an invoice's due_on, an account's started_on,
// renewal_on and churned_on, an MRR change's effective_on) may lie ahead.
// Tomorrow is still accepted, in the organisation's time zone: a source
// in a time zone ahead of it, or a clock a little fast, sends the first
// events of a day that has not begun here yet.

// happened refuses field when day, the calendar day its value falls on
// in the organisation's time zone, is after p.latest; onDay is that day
// when the value is a time (it names it in the message), "" for a date.
func (p *fieldParser) happened(field, day, onDay string) {
	if p.latest == "" || day <= p.latest {
		return
	}
	if onDay != "" {
		p.fail(field, "%s is in the future: it falls on %s in the organisation's time zone, and events are accepted up to %s (tomorrow there); check the source's clock or time zone",
			quote(p.raw(field)), onDay, p.latest)
		return
	}
	p.fail(field, "%s is in the future: events are accepted up to %s (tomorrow in the organisation's time zone); check the date",
		quote(p.raw(field)), p.latest)
}

// pastDate is date for an event's day: it cannot be after p.latest.
func (p *fieldParser) pastDate(field string) *string {
	d := p.date(field)
	if d != nil {
		p.happened(field, *d, "")
	}
	return d
}

// pastTime is time for an event's instant: its day cannot be after
// p.latest.
func (p *fieldParser) pastTime(field string) *time.Time {
	t := p.time(field)
	if t != nil && p.dayOf != nil {
		day := p.dayOf(*t)
		p.happened(field, day, day)
	}
	return t
}

// needPastTime is needTime for an event's instant (see pastTime).
func (p *fieldParser) needPastTime(field string) time.Time {
	if p.raw(field) == "" {
		return p.needTime(field)
	}
	if t := p.pastTime(field); t != nil {
		return *t
	}
	return time.Time{}
}

// money is an amount in currency units, returned in cents. An empty
// optional field is 0.
func (p *fieldParser) money(field string, required bool) int64 {
	v := p.raw(field)
	if v == "" {
		if required {
			p.fail(field, "is required (an amount, e.g. 1234.50)")
		}
		return 0
	}
	c, ok := ParseCents(v)
	if whole, _, _ := strings.Cut(v, "."); !ok && len(whole) > 13 && allDigits(whole) {
		p.fail(field, "%s is too large (at most 13 digits before the decimal point)", quote(v))
		return 0
	}
	if !ok {
		p.fail(field, "%s is not an amount (digits with an optional . and at most 2 decimals, e.g. 1234.50)", quote(v))
	}
	return c
}

// ParseCents reads a non-negative decimal amount such as "1234.5" or
// "1234.50" as cents, exactly: the string is parsed digit by digit, never
// through a float. Thousands separators, decimal commas, signs and
// exponents are rejected rather than guessed at.
func ParseCents(s string) (int64, bool) {
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 13 || !allDigits(whole) || (dot && (frac == "" || len(frac) > 2 || !allDigits(frac))) {
		return 0, false
	}
	var c int64
	for _, d := range whole {
		c = c*10 + int64(d-'0')
	}
	c *= 100
	switch len(frac) {
	case 1:
		c += int64(frac[0]-'0') * 10
	case 2:
		c += int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	}
	return c, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// integer is a whole number in [lo, hi]; an empty optional field is 0.
func (p *fieldParser) integer(field string, lo, hi int, required bool) int {
	v := p.raw(field)
	if v == "" {
		if required {
			p.fail(field, "is required (a whole number from %d to %d)", lo, hi)
		}
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		p.fail(field, "%s is not a whole number from %d to %d", quote(v), lo, hi)
		return 0
	}
	return n
}

// number is a required decimal number: an optional sign, digits with an
// optional fraction, and an optional exponent ("42", "-0.5", "1e3"), as
// JSON writes numbers. Thousands separators, decimal commas, infinities
// and NaN are rejected rather than guessed at.
func (p *fieldParser) number(field string) float64 {
	v := p.raw(field)
	if v == "" {
		p.fail(field, "is required (a number, e.g. 42 or 0.75)")
		return 0
	}
	ok := strings.IndexFunc(v, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r == '.' || r == '-' || r == '+' || r == 'e' || r == 'E')
	}) < 0
	f, err := strconv.ParseFloat(v, 64)
	if !ok || err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		p.fail(field, "%s is not a number (digits with an optional sign, . and exponent, e.g. 42, -0.5 or 1e3)", quote(v))
		return 0
	}
	return f
}

// boolean is true/false in any case; empty is false.
func (p *fieldParser) boolean(field string) bool {
	switch v := strings.ToLower(p.raw(field)); v {
	case "", "false":
		return false
	case "true":
		return true
	default:
		p.fail(field, "%s is not true or false", quote(p.raw(field)))
		return false
	}
}

// enum is one of allowed (compared in lower case); empty is "" unless
// required.
func (p *fieldParser) enum(field string, required bool, allowed ...string) string {
	v := strings.ToLower(p.raw(field))
	if v == "" {
		if required {
			p.fail(field, "is required (one of %s)", strings.Join(allowed, ", "))
		}
		return ""
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.fail(field, "%s is not one of %s", quote(p.raw(field)), strings.Join(allowed, ", "))
	return ""
}

// quote shows a user's value in an error, shortened so a pasted novel does
// not become the message.
func quote(v string) string {
	const max = 60
	if utf8.RuneCountInString(v) > max {
		r := []rune(v)
		v = string(r[:max]) + "…"
	}
	return strconv.Quote(v)
}

// Slugify turns a name into a slug: lower-case ASCII letters and digits,
// accents dropped ("Café" → "cafe"), other runs of characters becoming one
// hyphen ("Acme Corp." → "acme-corp").
func Slugify(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range norm.NFKD.String(strings.ToLower(name)) {
		if unicode.Is(unicode.Mn, r) {
			continue // a combining accent split off by NFKD
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
			continue
		}
		hyphen = true
	}
	s := b.String()
	if len(s) > 128 {
		s = strings.TrimRight(s[:128], "-")
	}
	return s
}

// validSlug reports whether s is already in Slugify's form.
func validSlug(s string) bool { return s != "" && Slugify(s) == s }

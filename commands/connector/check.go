package connector

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Bounds of what an event may carry, from the columns that store it.
const (
	maxID       = 255 // event, object and vendor customer ids
	maxExternal = 128 // accounts.external_id
	maxType     = 64
	maxRecords  = 1000 // records of one event; a Stripe event gives at most two
	maxCents    = 9_999_999_999_999_99
)

// kinds are the record kinds an event may carry.
var kinds = []string{KindAccount, KindActivity, KindTicket, KindInvoice, KindSubscription, KindChurn, KindLink}

// check says what makes ev unusable, "" when nothing: every id fits its
// column and is text PostgreSQL can store, every record names an account,
// and nothing is dated more than a day ahead (latest, in the organisation's
// zone by dayOf). Fields are left to ingestion, which validates them as it
// does every record. It runs before any write, so such an event costs no
// transaction and never fails one.
func check(ev *Event, latest string, dayOf func(time.Time) string) string {
	if !slices.Contains(Sources, ev.Source) {
		return fmt.Sprintf("source %q is not one of %s", ev.Source, strings.Join(Sources, ", "))
	}
	if p := badID("event id", ev.ID, maxID, true); p != "" {
		return p
	}
	if len(ev.Records) == 0 || len(ev.Records) > maxRecords {
		return fmt.Sprintf("has %d records; an event has 1 to %d", len(ev.Records), maxRecords)
	}
	for i := range ev.Records {
		if p := checkRecord(&ev.Records[i], latest, dayOf); p != "" {
			return fmt.Sprintf("%s record: %s", ev.Records[i].Kind, p)
		}
	}
	return ""
}

func checkRecord(r *Record, latest string, dayOf func(time.Time) string) string {
	if !slices.Contains(kinds, r.Kind) {
		return "unknown kind"
	}
	for _, f := range []struct {
		what, v string
		max     int
	}{{"object id", r.Object, maxID}, {"customer id", r.Account.ID, maxID}, {"external id", r.Account.External, maxExternal}} {
		if p := badID(f.what, f.v, f.max, false); p != "" {
			return p
		}
	}
	if r.Account.ID == "" && r.Account.External == "" {
		return "names no account"
	}
	if r.Kind != KindActivity && r.Object == "" {
		return "names no object"
	}
	if r.Kind == KindLink && (r.Account.ID == "" || r.Account.External == "") {
		return "links no vendor id to no external id"
	}
	for _, t := range []time.Time{r.At, r.EndedAt} {
		if !t.IsZero() && dayOf(t) > latest {
			return fmt.Sprintf("%s is more than a day ahead of today (the latest day accepted is %s)", t.UTC().Format(time.RFC3339), latest)
		}
	}
	switch r.Kind {
	case KindSubscription:
		s := r.Subscription
		if s == nil || r.At.IsZero() {
			return "has no subscription state or no time"
		}
		if s.MonthlyCents < 0 || s.MonthlyCents > maxCents {
			return fmt.Sprintf("monthly amount %d cents is out of range", s.MonthlyCents)
		}
		if p := badID("currency", s.Currency, 8, false); p != "" {
			return p
		}
		if p := badID("status", s.Status, 32, false); p != "" {
			return p
		}
	case KindChurn:
		if r.EndedAt.IsZero() {
			return "has no end time"
		}
	}
	return ""
}

// badID says what is wrong with an id, "" when nothing.
func badID(what, v string, max int, required bool) string {
	switch {
	case v == "" && required:
		return what + " is missing"
	case len(v) > max:
		return fmt.Sprintf("%s is %d bytes long; the limit is %d", what, len(v), max)
	case !cleanText(v):
		return what + " is not UTF-8 text without NUL characters"
	}
	return ""
}

// cleanText reports whether s is valid UTF-8 without NUL, which
// PostgreSQL's text cannot hold.
func cleanText(s string) bool { return utf8.ValidString(s) && !strings.Contains(s, "\x00") }

// shortType bounds an event type to its column, on a rune boundary.
func shortType(t string) string {
	if !cleanText(t) {
		return "other"
	}
	for len(t) > maxType {
		_, size := utf8.DecodeLastRuneInString(t)
		t = t[:len(t)-size]
	}
	return t
}

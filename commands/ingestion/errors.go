package ingestion

import (
	"fmt"
	"strings"
)

// MaxIngestErrors is how many bad records a rejected batch reports by
// default: enough to fix a file in one pass, bounded so a wholly wrong file
// does not produce a megabyte of complaints.
const MaxIngestErrors = 100

// Position units: CSV records are numbered by the line they start on (the
// header is line 1), JSON records by their 0-based index in the array or in
// the NDJSON stream (blank lines are not records).
const (
	UnitLine  = "line"
	UnitIndex = "index"
)

// ValidationError is one problem with one ingested record.
type ValidationError struct {
	Kind     string // the record kind: accounts, activity, …
	Unit     string // UnitLine (CSV) or UnitIndex (JSON)
	Position int    // line number or 0-based index, per Unit
	Field    string // the field at fault; "" when the record as a whole is
	Reason   string // a sentence fragment saying what is wrong, quoting the value
}

// Error reads like `line 7, field due_on: "2026-13-01" is not a date (YYYY-MM-DD)`.
func (e *ValidationError) Error() string {
	unit := e.Unit
	if unit == "" {
		unit = UnitIndex
	}
	if e.Field == "" {
		return fmt.Sprintf("%s %d: %s", unit, e.Position, e.Reason)
	}
	return fmt.Sprintf("%s %d, field %s: %s", unit, e.Position, e.Field, e.Reason)
}

// BatchError is a rejected batch: nothing was written, and Errors says why,
// record by record, in input order.
type BatchError struct {
	Kind   string
	Errors []*ValidationError
	// Truncated is set when more errors existed than were kept; reading
	// stopped at the cap.
	Truncated bool
}

// Error lists every kept problem, one per line, after a sentence saying the
// batch was rejected.
func (e *BatchError) Error() string {
	var b strings.Builder
	n := len(e.Errors)
	more := ""
	if e.Truncated {
		more = " (showing the first ones; fix these and retry to see the rest)"
	}
	fmt.Fprintf(&b, "%s: %d bad record%s%s, nothing was written:", e.Kind, n, plural(n), more)
	for _, v := range e.Errors {
		b.WriteString("\n")
		b.WriteString(v.Error())
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

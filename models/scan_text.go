package models

import "fmt"

// internedText scans a text column of few distinct values (a plan, a
// segment, an owner, an alert rule) into a string shared by every row
// that holds the same text: pgx hands it the row's bytes on a read of its
// own connection (ScanBytes, pgtype.BytesScanner), database/sql its value
// elsewhere (Scan). Read into a string, each row's value was an
// allocation of its own: at 100,000 accounts, five of an account's 33 in
// the daily rescore's list of accounts, and two of each alert state's.
//
// It keeps at most maxInterned texts; past that, each new text is copied
// on its own, so a column that turns out to hold many distinct values
// costs what a string would. NULL reads as "".
type internedText struct {
	s    string
	seen map[string]string
}

// maxInterned bounds what one internedText keeps.
const maxInterned = 4096

// ScanBytes implements pgtype.BytesScanner. b is the driver's buffer,
// valid until the next row.
func (t *internedText) ScanBytes(b []byte) error {
	if s, ok := t.seen[string(b)]; ok { // no allocation: the lookup does not keep the key
		t.s = s
		return nil
	}
	t.s = t.keep(string(b))
	return nil
}

// Scan implements sql.Scanner.
func (t *internedText) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		t.s = ""
	case string:
		if s, ok := t.seen[v]; ok {
			t.s = s
		} else {
			t.s = t.keep(v)
		}
	case []byte:
		return t.ScanBytes(v)
	default:
		return fmt.Errorf("text column: cannot scan %T", src)
	}
	return nil
}

// keep remembers s while there is room, and returns it.
func (t *internedText) keep(s string) string {
	if t.seen == nil {
		t.seen = map[string]string{}
	}
	if len(t.seen) < maxInterned {
		t.seen[s] = s
	}
	return s
}

// internedDay scans a nullable day column (a renewal, a start, a churn)
// as internedText does, NULL kept apart from "": a portfolio's accounts
// share a few thousand days, and scanned through sql.NullString each
// account's days were strings of their own, 0.52 M of the weekly
// summary's 1.59 M allocations an op at 100,000 accounts. pgx hands
// ScanBytes nil for NULL and an empty slice for "".
type internedDay struct {
	text  internedText
	valid bool
}

// ScanBytes implements pgtype.BytesScanner.
func (d *internedDay) ScanBytes(b []byte) error {
	d.valid = b != nil
	return d.text.ScanBytes(b)
}

// Scan implements sql.Scanner.
func (d *internedDay) Scan(src any) error {
	d.valid = src != nil
	return d.text.Scan(src)
}

// ptr is the day as an Account field holds it: nil for NULL, else a
// pointer of its own to the shared string.
func (d *internedDay) ptr() *string {
	if !d.valid {
		return nil
	}
	v := d.text.s
	return &v
}

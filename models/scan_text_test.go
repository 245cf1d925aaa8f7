package models

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/jackc/pgx/v5/pgtype"
)

func TestInternedTextSharesOneString(t *testing.T) {
	var it internedText
	buf := []byte("enterprise")
	if err := it.ScanBytes(buf); err != nil {
		t.Fatal(err)
	}
	first := it.s
	// The driver reuses its buffer for the next row: what was kept must
	// not change with it.
	copy(buf, "ENTERPRISE")
	if first != "enterprise" {
		t.Fatalf("kept %q after the buffer changed, want %q", first, "enterprise")
	}
	if err := it.ScanBytes([]byte("enterprise")); err != nil {
		t.Fatal(err)
	}
	if unsafe.StringData(it.s) != unsafe.StringData(first) {
		t.Error("the same text scanned twice is two strings, want one shared")
	}
	if err := it.Scan("enterprise"); err != nil {
		t.Fatal(err)
	}
	if unsafe.StringData(it.s) != unsafe.StringData(first) {
		t.Error("database/sql's string is not the interned one")
	}
	row := []byte("enterprise")
	if n := testing.AllocsPerRun(100, func() { _ = it.ScanBytes(row) }); n > 0 {
		t.Errorf("scanning a kept text allocates %v times, want 0", n)
	}
}

func TestInternedTextScan(t *testing.T) {
	for _, c := range []struct {
		src  any
		want string
	}{
		{nil, ""},
		{"smb", "smb"},
		{[]byte("mid-market"), "mid-market"},
	} {
		var it internedText
		it.s = "stale"
		if err := it.Scan(c.src); err != nil {
			t.Fatalf("Scan(%#v): %v", c.src, err)
		}
		if it.s != c.want {
			t.Errorf("Scan(%#v) = %q, want %q", c.src, it.s, c.want)
		}
	}
	var it internedText
	if err := it.Scan(42); err == nil || !strings.Contains(err.Error(), "int") {
		t.Errorf("Scan(42) = %v, want an error naming the type", err)
	}
	if err := it.ScanBytes(nil); err != nil || it.s != "" {
		t.Errorf("ScanBytes(nil) = %q, %v; want \"\" (NULL)", it.s, err)
	}
}

func TestInternedTextIsBounded(t *testing.T) {
	var it internedText
	for i := range maxInterned + 100 {
		want := fmt.Sprintf("owner-%d", i)
		if err := it.ScanBytes([]byte(want)); err != nil {
			t.Fatal(err)
		}
		if it.s != want {
			t.Fatalf("row %d: scanned %q, want %q", i, it.s, want)
		}
	}
	if len(it.seen) != maxInterned {
		t.Errorf("keeps %d texts, want at most %d", len(it.seen), maxInterned)
	}
}

// storedTime reads a timestamp both ways: pgx's own plan on a native
// read, database/sql's Scan elsewhere (SQLite's text form too).
func TestStoredTime(t *testing.T) {
	at := time.Date(2026, 3, 31, 9, 30, 0, 0, time.UTC)
	var st storedTime
	if err := st.ScanTimestamptz(pgtype.Timestamptz{Time: at, Valid: true}); err != nil || !st.t.Equal(at) {
		t.Errorf("ScanTimestamptz = %v, %v; want %v", st.t, err, at)
	}
	if err := st.ScanTimestamptz(pgtype.Timestamptz{}); err != nil || !st.t.IsZero() {
		t.Errorf("ScanTimestamptz(NULL) = %v, %v; want the zero time", st.t, err)
	}
	if err := st.Scan(at); err != nil || !st.t.Equal(at) {
		t.Errorf("Scan(time) = %v, %v; want %v", st.t, err, at)
	}
	if err := st.Scan("2026-03-31 09:30:00+00:00"); err != nil || !st.t.Equal(at) {
		t.Errorf("Scan(text) = %v, %v; want %v", st.t, err, at)
	}
	if err := st.Scan(nil); err != nil || !st.t.IsZero() {
		t.Errorf("Scan(nil) = %v, %v; want the zero time", st.t, err)
	}
}

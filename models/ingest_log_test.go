package models

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

// TestSlowLogBulk: a slow statement warns, unless it runs under BulkContext
// and is merely as slow as a big ingestion chunk is, which logs at debug.
func TestSlowLogBulk(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer slog.SetDefault(old)
	bulk := BulkContext(context.Background())
	for _, tc := range []struct {
		name    string
		ctx     context.Context
		elapsed time.Duration
		want    string // level logged, "" for nothing
	}{
		{"fast", context.Background(), 10 * time.Millisecond, ""},
		{"slow", context.Background(), 300 * time.Millisecond, "WARN"},
		{"bulk fast", bulk, 10 * time.Millisecond, ""},
		{"bulk slow", bulk, 300 * time.Millisecond, "DEBUG"},
		{"bulk very slow", bulk, 3 * time.Second, "WARN"},
	} {
		buf.Reset()
		tx := &gorm.DB{Statement: &gorm.Statement{Context: tc.ctx}, RowsAffected: 5000}
		tx.Statement.SQL.WriteString("INSERT INTO activities …")
		logSlow(tx, tc.elapsed, 100*time.Millisecond)
		got := ""
		if s := buf.String(); s != "" {
			got = strings.TrimPrefix(strings.Fields(s)[1], "level=")
		}
		if got != tc.want {
			t.Errorf("%s: logged %q, want level %q", tc.name, buf.String(), tc.want)
		}
	}
}

package ingest_test

import (
	"testing"

	"github.com/healthbot/healthbot/bot/ingest"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"1": 1, "33554432": 32 << 20, "512B": 512, "256MiB": 256 << 20, "1GiB": 1 << 30, "64KiB": 64 << 10,
		"100MB": 100e6, "2GB": 2e9, "3KB": 3000, "8589934591GiB": 8589934591 << 30,
	} {
		if got, err := ingest.ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "0MiB", "-1", "+5", "1.5GiB", "256M", "256 MiB", " 1", "1mib", "MiB", "1e6",
		"8589934593GiB", "99999999999999999999", "0x10"} {
		if got, err := ingest.ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", in, got)
		}
	}
}

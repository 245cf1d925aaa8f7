package commands_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// checkGoldenJSON compares v, as indented JSON, with testdata/name; the
// package's -update flag rewrites the file.
func checkGoldenJSON(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test -run %s -update to create it): %v", t.Name(), err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update if the change is intended):\n%s", path, got)
	}
}

// The daily critical digest of the summary portfolio on day S: Echo (5,
// no owner) and Delta Co (35, @bob), worst first; the same golden file on
// both databases. Queued once per period and platform; nothing on a day
// without a Critical account.
func TestCriticalDigest(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		svc := newSummaryService(s)
		loadSummaryPortfolio(t, s, svc)
		rep, ok, err := svc.CriticalDigest(ctx, e2eDay(summaryDay))
		if err != nil || !ok {
			t.Fatalf("digest: ok=%v err=%v", ok, err)
		}
		checkGoldenJSON(t, "digest_critical.golden.json", rep)

		// Before any rescore there is nothing to send.
		if _, ok, err := svc.CriticalDigest(ctx, e2eDay(-1)); err != nil || ok {
			t.Errorf("digest before any snapshot: ok=%v err=%v, want nothing", ok, err)
		}

		al := &commands.Alerter{Config: svc.Config, Platforms: []string{"slack", "discord"}, Now: svc.Now, Log: svc.Log, Service: svc}
		for range 2 { // a second replica or a restart for the same period
			if err := al.QueueCriticalDigest(ctx, "2025-03-17", e2eDay(summaryDay)); err != nil {
				t.Fatal(err)
			}
		}
		if err := al.QueueCriticalDigest(ctx, "2025-03-02", e2eDay(-1)); err != nil {
			t.Fatal(err)
		}
		msgs, err := s.OutboxMessages(ctx, models.KindDigest)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, m := range msgs {
			keys = append(keys, m.DedupeKey+" "+m.Channel)
			var got commands.Reply
			if err := json.Unmarshal([]byte(m.Payload), &got); err != nil {
				t.Fatal(err)
			}
			if summaryText(got) != summaryText(rep) {
				t.Errorf("queued digest differs from the built one:\n%s", summaryText(got))
			}
		}
		want := []string{"digest/2025-03-17/slack/C-health C-health", "digest/2025-03-17/discord/D-health D-health"}
		if !sameList(keys, want) {
			t.Errorf("queued digests = %q, want %q", keys, want)
		}
	})
}

package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

var t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

func openAlertsDB(t *testing.T, s *models.Store) context.Context {
	t.Helper()
	ctx := context.Background()
	if err := s.MigrateAlerts(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func TestOutboxEnqueueClaimDeliver(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := openAlertsDB(t, s)
		for i, key := range []string{"a", "b", "a"} {
			created, err := s.Enqueue(ctx, &models.OutboxMessage{Platform: "slack", Channel: "C1", Kind: models.KindAlert, Payload: "{}", DedupeKey: key}, t0)
			if err != nil {
				t.Fatal(err)
			}
			if want := i < 2; created != want {
				t.Errorf("enqueue %s #%d: created %v, want %v", key, i, created, want)
			}
		}
		got, err := s.ClaimOutbox(ctx, t0, 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Attempts != 1 || got[0].Status != models.OutboxSending {
			t.Fatalf("claimed %+v, want 2 sending with 1 attempt", got)
		}
		// Claimed rows are not claimed again while their lease holds.
		if again, _ := s.ClaimOutbox(ctx, t0.Add(30*time.Second), 10, time.Minute); len(again) != 0 {
			t.Fatalf("claimed %d leased rows again", len(again))
		}
		if err := s.MarkSent(ctx, got[0].ID, "ts1", t0); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkRetry(ctx, got[1].ID, got[1].Attempts, "", t0.Add(10*time.Second), "boom"); err != nil {
			t.Fatal(err)
		}
		if early, _ := s.ClaimOutbox(ctx, t0.Add(5*time.Second), 10, time.Minute); len(early) != 0 {
			t.Fatalf("claimed a row before its next attempt")
		}
		// An expired lease is claimable too: a worker that died mid-delivery.
		late, err := s.ClaimOutbox(ctx, t0.Add(11*time.Second), 10, time.Minute)
		if err != nil || len(late) != 1 || late[0].DedupeKey != "b" || late[0].Attempts != 2 {
			t.Fatalf("claim after retry time: %+v, %v", late, err)
		}
		dead, _ := s.ClaimOutbox(ctx, t0.Add(2*time.Minute), 10, time.Minute)
		if len(dead) != 1 || dead[0].Attempts != 3 {
			t.Fatalf("claim after an expired lease: %+v", dead)
		}
		if err := s.MarkFailed(ctx, dead[0].ID, dead[0].Attempts, "channel_not_found"); err != nil {
			t.Fatal(err)
		}
		counts, err := s.OutboxCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts[models.OutboxSent] != 1 || counts[models.OutboxFailed] != 1 {
			t.Fatalf("counts %v", counts)
		}
	})
}

// TestOutboxLeaseFencing: a claim taken over after its lease ran out can
// neither be renewed nor settled by its first holder, so that worker
// cannot post the message; the new holder's renewal keeps others off it
// for the whole send; and a message recorded sent by anyone stops the
// holder from posting it.
func TestOutboxLeaseFencing(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := openAlertsDB(t, s)
		if _, err := s.Enqueue(ctx, &models.OutboxMessage{Platform: "slack", Channel: "C1", Kind: models.KindAlert, Payload: "{}", DedupeKey: "a"}, t0); err != nil {
			t.Fatal(err)
		}
		first, err := s.ClaimOutbox(ctx, t0, 10, time.Minute)
		if err != nil || len(first) != 1 {
			t.Fatalf("claim: %v %v", first, err)
		}
		old := first[0]
		if ok, err := s.RenewLease(ctx, old.ID, old.Attempts, t0.Add(50*time.Second), time.Minute); err != nil || !ok {
			t.Fatalf("renewing a held claim: %v %v", ok, err)
		}
		// Renewed at +50s for a minute: not claimable at +90s, as it would
		// have been under the first lease alone.
		if again, _ := s.ClaimOutbox(ctx, t0.Add(90*time.Second), 10, time.Minute); len(again) != 0 {
			t.Fatalf("a renewed claim was taken over")
		}
		taken, err := s.ClaimOutbox(ctx, t0.Add(3*time.Minute), 10, time.Minute)
		if err != nil || len(taken) != 1 {
			t.Fatalf("take over an expired claim: %v %v", taken, err)
		}
		if ok, _ := s.RenewLease(ctx, old.ID, old.Attempts, t0.Add(3*time.Minute), time.Minute); ok {
			t.Error("the first holder renewed a claim taken over by another worker")
		}
		if err := s.MarkRetry(ctx, old.ID, old.Attempts, "", t0, "late"); !errors.Is(err, models.ErrLeaseLost) {
			t.Errorf("stale MarkRetry: %v, want ErrLeaseLost", err)
		}
		if err := s.MarkFailed(ctx, old.ID, old.Attempts, "late"); !errors.Is(err, models.ErrLeaseLost) {
			t.Errorf("stale MarkFailed: %v, want ErrLeaseLost", err)
		}
		cur := taken[0]
		if ok, err := s.RenewLease(ctx, cur.ID, cur.Attempts, t0.Add(3*time.Minute), time.Minute); err != nil || !ok {
			t.Fatalf("the new holder's renewal: %v %v", ok, err)
		}
		// The first holder's post went through after all: recording it
		// stops the new holder from posting again.
		if err := s.MarkSent(ctx, old.ID, "ts-old", t0.Add(3*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.RenewLease(ctx, cur.ID, cur.Attempts, t0.Add(3*time.Minute), time.Minute); ok {
			t.Error("the holder may still post a message recorded sent")
		}
		if err := s.MarkSent(ctx, cur.ID, "ts-new", t0.Add(4*time.Minute)); err != nil {
			t.Fatal(err)
		}
		msgs, _ := s.OutboxMessages(ctx, "")
		if msgs[0].Status != models.OutboxSent || msgs[0].Ref != "ts-old" {
			t.Errorf("status %s ref %q, want sent with the first ref", msgs[0].Status, msgs[0].Ref)
		}
	})
}

func TestAlertsDedupeAndSnooze(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := openAlertsDB(t, s)
		a := models.AlertRecord{DedupeKey: "1/below_60/1", AccountID: 1, Rule: "below_60", Arming: 1, Day: "2025-03-03", FromScore: 62, ToScore: 58}
		created, err := s.InsertAlert(ctx, &a)
		if err != nil || !created {
			t.Fatalf("first insert: %v %v", created, err)
		}
		dup := a
		dup.ID = 0
		if created, err := s.InsertAlert(ctx, &dup); err != nil || created {
			t.Fatalf("second insert: created %v, err %v", created, err)
		}
		acked, err := s.AckAlert(ctx, a.ID, "maria", t0)
		if err != nil || acked.AckedBy != "maria" || acked.AckedAt == nil {
			t.Fatalf("ack: %+v %v", acked, err)
		}
		if again, _ := s.AckAlert(ctx, a.ID, "bob", t0); again.AckedBy != "maria" {
			t.Fatalf("second ack replaced the first: %q", again.AckedBy)
		}
		if _, err := s.SnoozeAlert(ctx, a.ID, "maria", t0.AddDate(0, 0, 7)); err != nil {
			t.Fatal(err)
		}
		snoozed, err := s.SnoozedAccounts(ctx, t0.AddDate(0, 0, 7))
		if err != nil || !snoozed[1] {
			t.Fatalf("snoozed on day 7: %v %v", snoozed, err)
		}
		if after, _ := s.SnoozedAccounts(ctx, t0.AddDate(0, 0, 8)); after[1] {
			t.Fatal("still snoozed on day 8")
		}
		if _, err := s.Alert(ctx, 999); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("missing alert: %v", err)
		}
		states := scoring.ArmStates{"below_60": {Seen: true, Arming: 1}, "pulse_red": {Seen: true, Armed: true, Mark: "12"}}
		if err := s.SaveAlertStates(ctx, map[uint]scoring.ArmStates{1: states}); err != nil {
			t.Fatal(err)
		}
		states["below_60"] = scoring.ArmState{Seen: true, Armed: true, Arming: 1}
		if err := s.SaveAlertStates(ctx, map[uint]scoring.ArmStates{1: states}); err != nil {
			t.Fatal(err)
		}
		got, err := s.AlertStates(ctx, []uint{1, 2})
		if err != nil || len(got) != 1 || got[1]["below_60"] != states["below_60"] || got[1]["pulse_red"].Mark != "12" {
			t.Fatalf("states %+v %v", got, err)
		}
	})
}

func TestClaimTaskOncePerPeriod(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := openAlertsDB(t, s)
		ok, err := s.ClaimTask(ctx, "summary", "2025-W10", "a", t0, time.Minute)
		if err != nil || !ok {
			t.Fatalf("first claim: %v %v", ok, err)
		}
		if ok, _ := s.ClaimTask(ctx, "summary", "2025-W10", "b", t0, time.Minute); ok {
			t.Fatal("second owner claimed a running period")
		}
		if err := s.FinishTask(ctx, "summary", "2025-W10", "a", nil, t0, time.Minute); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.ClaimTask(ctx, "summary", "2025-W10", "b", t0.Add(time.Hour), time.Minute); ok {
			t.Fatal("a done period was claimed again")
		}
		// A failed run is retried after its delay; a dead runner after its lease.
		ok, _ = s.ClaimTask(ctx, "rescore", "2025-03-03", "a", t0, time.Minute)
		if !ok {
			t.Fatal("claim rescore")
		}
		_ = s.FinishTask(ctx, "rescore", "2025-03-03", "a", errors.New("db down"), t0, 5*time.Minute)
		if ok, _ := s.ClaimTask(ctx, "rescore", "2025-03-03", "b", t0.Add(time.Minute), time.Minute); ok {
			t.Fatal("failed run retried before its delay")
		}
		if ok, _ := s.ClaimTask(ctx, "rescore", "2025-03-03", "b", t0.Add(6*time.Minute), time.Minute); !ok {
			t.Fatal("failed run not retried after its delay")
		}
		if ok, _ := s.ClaimTask(ctx, "rescore", "2025-03-03", "c", t0.Add(8*time.Minute), time.Minute); !ok {
			t.Fatal("run with an expired lease not reclaimed")
		}
		runs, err := s.TaskRuns(ctx, "rescore")
		if err != nil || len(runs) != 1 || runs[0].Attempts != 3 || runs[0].Owner != "c" {
			t.Fatalf("runs %+v %v", runs, err)
		}
	})
}

package models_test

import (
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// InsertAlerts reports only the alerts this call stored, EnqueueAll skips
// queued keys, and LatestPulseBy picks each account's latest pulse of the
// window.
func TestAlertBatches(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := openAlertsDB(t, s)
		if err := s.DB().Create(&[]models.Account{
			{ID: 1, ExternalID: "a", Name: "A", Slug: "a"}, {ID: 2, ExternalID: "b", Name: "B", Slug: "b"},
		}).Error; err != nil {
			t.Fatal(err)
		}
		rec := func(key string) models.AlertRecord {
			return models.AlertRecord{DedupeKey: key, AccountID: 1, Rule: "below_60", Arming: 1, Day: "2025-03-03", FromScore: 70, ToScore: 50, CreatedAt: t0}
		}
		first, err := s.InsertAlerts(ctx, []models.AlertRecord{rec("1/below_60/1")})
		if err != nil || len(first) != 1 || first["1/below_60/1"] == 0 {
			t.Fatalf("first insert: %v, %v", first, err)
		}
		second, err := s.InsertAlerts(ctx, []models.AlertRecord{rec("1/below_60/1"), rec("1/below_60/2")})
		if err != nil || len(second) != 1 || second["1/below_60/2"] == 0 {
			t.Fatalf("second insert: %v, %v; want only the new key", second, err)
		}
		got, err := s.Alert(ctx, second["1/below_60/2"])
		if err != nil || got.ToScore != 50 || got.Muted || !got.CreatedAt.Equal(t0) {
			t.Fatalf("stored alert %+v, %v", got, err)
		}

		id := first["1/below_60/1"]
		msg := func(key string) models.OutboxMessage {
			return models.OutboxMessage{Platform: "slack", Channel: "C1", Kind: models.KindAlert, Payload: "{}", DedupeKey: key, AlertID: &id}
		}
		for range 2 {
			if err := s.EnqueueAll(ctx, []models.OutboxMessage{msg("m1"), msg("m2")}, t0); err != nil {
				t.Fatal(err)
			}
		}
		queued, err := s.AlertMessages(ctx, id)
		if err != nil || len(queued) != 2 || queued[0].Status != models.OutboxPending || !queued[0].NextAttemptAt.Equal(t0) {
			t.Fatalf("queued %+v, %v; want 2 pending, due at t0", queued, err)
		}

		day := func(n int) string { return t0.AddDate(0, 0, n).Format(models.DayLayout) }
		if err := s.DB().Create(&[]models.Pulse{
			{AccountID: 1, At: t0.AddDate(0, 0, -40), Day: day(-40), Colour: "red"},
			{AccountID: 1, At: t0.AddDate(0, 0, -3), Day: day(-3), Colour: "green"},
			{AccountID: 1, At: t0.AddDate(0, 0, -2), Day: day(-2), Colour: "red", Reason: "budget"},
			{AccountID: 1, At: t0.AddDate(0, 0, 1), Day: day(1), Colour: "green"},
			{AccountID: 2, At: t0.AddDate(0, 0, -40), Day: day(-40), Colour: "red"},
		}).Error; err != nil {
			t.Fatal(err)
		}
		pulses, err := s.LatestPulseBy(ctx, t0.AddDate(0, 0, -29), t0)
		if err != nil {
			t.Fatal(err)
		}
		if p, ok := pulses[1]; len(pulses) != 1 || !ok || p.Colour != "red" || p.Reason != "budget" || !p.At.Equal(t0.AddDate(0, 0, -2)) {
			t.Fatalf("latest pulses %+v; want account 1's red pulse of two days ago only", pulses)
		}
	})
}

package commandstest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
)

// EnqueueSummary queues rep as a summary for channel on platform at now,
// with png attached as the chart when it is not nil, as the scheduler
// would.
func EnqueueSummary(t testing.TB, s *models.Store, platform, channel, key string, rep commands.Reply, png []byte, now time.Time) {
	t.Helper()
	payload, _ := json.Marshal(rep)
	m := &models.OutboxMessage{Platform: platform, Channel: channel, Kind: models.KindSummary, Payload: string(payload), DedupeKey: key}
	if png != nil {
		m.Attachment, m.AttachName = png, commands.ChartName
	}
	if _, err := s.Enqueue(context.Background(), m, now); err != nil {
		t.Fatal(err)
	}
}

// OutboxRow reads back the outbox message queued under key.
func OutboxRow(t testing.TB, s *models.Store, key string) models.OutboxMessage {
	t.Helper()
	var m models.OutboxMessage
	if err := s.DB().Where("dedupe_key = ?", key).First(&m).Error; err != nil {
		t.Fatal(err)
	}
	return m
}

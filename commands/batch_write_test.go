package commands_test

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// heldDecoder yields n activity records of account A-1, then holds the
// batch open (its transaction, and on SQLite the database's write lock)
// until release is closed.
type heldDecoder struct {
	n, i    int
	held    chan struct{} // closed once the n records are out
	release chan struct{}
	once    sync.Once
}

func newHeldDecoder(n int) *heldDecoder {
	return &heldDecoder{n: n, held: make(chan struct{}), release: make(chan struct{})}
}

func (d *heldDecoder) Unit() string { return ingestion.UnitIndex }

func (d *heldDecoder) Next() (ingestion.Record, error) {
	if d.i == d.n {
		d.once.Do(func() { close(d.held) })
		<-d.release
		return ingestion.Record{}, io.EOF
	}
	d.i++
	return ingestion.Record{Position: d.i - 1, Fields: map[string]string{
		"account": "A-1", "user": fmt.Sprintf("batch-%d", d.i), "day": fixtureDay(0), "feature": "reports"}}, nil
}

// chatWriteOutcome is one /pulse or /touch run while a batch is open.
type chatWriteOutcome struct {
	line  string
	reply commands.Reply
	err   error
	took  time.Duration
}

// A /pulse and a /touch sent while an ingestion batch holds its
// transaction open (past SQLite's 5-second busy timeout) are not lost:
// they wait for the batch and are written once it commits, and so is the
// batch.
func TestChatWritesWaitForABatch(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		svc, _ := newTestService(s)
		ctx := context.Background()
		dec := newHeldDecoder(models.ActivityChunk + 1000) // a chunk is written before the batch holds
		batch := make(chan error, 1)
		go func() {
			_, err := ingestion.Ingest(ctx, s, "activity", dec, ingestion.IngestOptions{By: models.Actor{Origin: models.OriginAPI}})
			batch <- err
		}()
		select {
		case <-dec.held:
		case err := <-batch:
			t.Fatalf("batch ended early: %v", err)
		}
		lines := []string{"/pulse acme green other all good", "/touch acme call renewal talk"}
		outcomes := make(chan chatWriteOutcome, len(lines))
		for _, line := range lines {
			go func() {
				start := time.Now()
				r, err := svc.Run(ctx, callerMaria, line)
				outcomes <- chatWriteOutcome{line, r, err, time.Since(start)}
			}()
		}
		// Hold the batch past the busy timeout, or until both writes are
		// done if they need not wait (PostgreSQL: other tables, no lock).
		var got []chatWriteOutcome
		deadline := time.After(6 * time.Second)
	hold:
		for len(got) < len(lines) {
			select {
			case o := <-outcomes:
				got = append(got, o)
			case <-deadline:
				break hold
			}
		}
		close(dec.release)
		for len(got) < len(lines) {
			got = append(got, <-outcomes)
		}
		if err := <-batch; err != nil {
			t.Fatalf("the batch failed: %v", err)
		}
		for _, o := range got {
			if o.err != nil {
				t.Errorf("%s during a batch: %q after %v: %v", o.line, o.reply.Text, o.took.Round(time.Millisecond), o.err)
			} else {
				t.Logf("%s during a batch: %q after %v", o.line, o.reply.Text, o.took.Round(time.Millisecond))
			}
		}
		if n := countRows(t, s, &models.Pulse{}, "account_id = ? AND note = ?", acmeID, "all good"); n != 1 {
			t.Errorf("%d pulses stored, want 1", n)
		}
		if n := countRows(t, s, &models.Touch{}, "account_id = ? AND note = ?", acmeID, "renewal talk"); n != 1 {
			t.Errorf("%d touches stored, want 1", n)
		}
		if n := countRows(t, s, &models.Activity{}, "user_id LIKE ?", "batch-%"); n != int64(dec.n) {
			t.Errorf("%d batch rows stored, want %d", n, dec.n)
		}
	})
}

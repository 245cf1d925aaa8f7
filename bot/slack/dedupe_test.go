package slack_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

const mentionEvent = `{"token":"x","team_id":"` + team + `","api_app_id":"A0001","type":"event_callback","event_id":"Ev0777","event_time":1741944000,
  "event":{"type":"app_mention","user":"U0001","text":"<@UBOT> acme","ts":"1741944000.000500","channel":"C0001","event_ts":"1741944000.000500"}}`

// TestEventRetryAcrossReplicas: two replicas share the database; Slack's
// retry of an event reaches the replica that did not see it first, and
// is dropped there: the mention is answered once.
func TestEventRetryAcrossReplicas(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		exec := newFakeExec()
		exec.replies["/health acme"] = healthyCard(t)
		one, two := newHarness(t, exec), newHarness(t, exec)
		one.a.EventStore, two.a.EventStore = s, s

		if w := one.event(mentionEvent, nil); w.Code != http.StatusOK {
			t.Fatalf("event answered %d", w.Code)
		}
		one.api.next(t, "chat.postEphemeral")
		if w := two.event(mentionEvent, http.Header{"X-Slack-Retry-Num": {"1"}, "X-Slack-Retry-Reason": {"http_timeout"}}); w.Code != http.StatusOK {
			t.Fatalf("retry answered %d", w.Code)
		}
		_ = two.a.Close() // waits for any answer it started
		if n := len(exec.calls()); n != 1 {
			t.Errorf("%d executor calls across replicas, want 1", n)
		}
		if n := two.api.count("chat.postMessage") + two.api.count("chat.postEphemeral"); n != 0 {
			t.Errorf("the second replica answered the retry (%d posts)", n)
		}
	})
}

// failingEvents is an EventStore whose database is down.
type failingEvents struct{ calls int }

func (f *failingEvents) FirstSeen(context.Context, string, string, time.Time) (bool, error) {
	f.calls++
	return false, errors.New("connection refused")
}

// TestEventStoreDownStillAnswers: with the database unreachable the event
// is answered (and the in-memory check still drops a retry to the same
// replica without asking the database again).
func TestEventStoreDownStillAnswers(t *testing.T) {
	exec := newFakeExec()
	exec.replies["/health acme"] = healthyCard(t)
	h := newHarness(t, exec)
	store := &failingEvents{}
	h.a.EventStore = store
	h.event(mentionEvent, nil)
	h.api.next(t, "chat.postEphemeral")
	h.event(mentionEvent, http.Header{"X-Slack-Retry-Num": {"1"}})
	_ = h.a.Close()
	if n := len(exec.calls()); n != 1 || store.calls != 1 {
		t.Errorf("%d executor calls, %d store calls; want 1 and 1", n, store.calls)
	}
}

package models_test

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

func keyPtr(s string) *string { return &s }

// The database holds one open task per (account, play): a second open of
// the same pair is skipped, also by a raw insert that bypasses
// InsertTasks, while a closed task leaves room for a new one.
func TestOneOpenTaskPerAccountAndPlay(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		task := models.Task{AccountID: 7, Play: "save", Title: "Save plan for Acme", OpenedOn: "2025-03-03", DueOn: "2025-03-06", EscalateAfter: 2, LastTrigger: "below_40"}
		ids, err := s.InsertTasks(ctx, []models.Task{task, {AccountID: 7, Play: "check-in", Title: "x", OpenedOn: "2025-03-03", DueOn: "2025-03-10", LastTrigger: "below_60"}}, t0)
		if err != nil || len(ids) != 2 {
			t.Fatalf("first open: %v %v", ids, err)
		}
		again, err := s.InsertTasks(ctx, []models.Task{task}, t0)
		if err != nil || len(again) != 0 {
			t.Fatalf("second open of the same pair stored %v, %v", again, err)
		}
		dup := task
		if err := s.DB().Create(&dup).Error; err == nil {
			t.Fatal("the database let a second open task in")
		}
		id := ids[models.TaskPair{AccountID: 7, Play: "save"}]
		closed, err := s.CloseTask(ctx, id, "maria", t0)
		if err != nil || closed.Open() || closed.ClosedBy != "maria" {
			t.Fatalf("close: %+v %v", closed, err)
		}
		if _, err := s.CloseTask(ctx, id, "lee", t0); !errors.Is(err, models.ErrTaskClosed) {
			t.Errorf("second close: %v", err)
		}
		reopened, err := s.InsertTasks(ctx, []models.Task{task}, t0)
		if err != nil || len(reopened) != 1 || reopened[models.TaskPair{AccountID: 7, Play: "save"}] == id {
			t.Fatalf("a new task after the close: %v %v", reopened, err)
		}
		open, err := s.OpenTasksOf(ctx, []uint{7, 8})
		if err != nil || len(open) != 2 {
			t.Errorf("open tasks of 7: %+v %v", open, err)
		}
	})
}

// Two transactions opening the same task at once store one: the second
// waits for the first and skips (PostgreSQL; SQLite runs them in turn).
func TestConcurrentOpensStoreOne(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		task := models.Task{AccountID: 3, Play: "save", Title: "t", OpenedOn: "2025-03-03", DueOn: "2025-03-06", LastTrigger: "pulse_red"}
		var wg sync.WaitGroup
		created := make(chan int, 4)
		for range 4 {
			wg.Go(func() {
				err := s.WithTx(ctx, func(tx *models.Store) error {
					ids, err := tx.InsertTasks(ctx, []models.Task{task}, t0)
					created <- len(ids)
					return err
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		close(created)
		n := 0
		for c := range created {
			n += c
		}
		if n != 1 {
			t.Errorf("%d tasks stored by four concurrent opens, want 1", n)
		}
	})
}

func TestTaskHistoryAndRetrigger(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		ids, err := s.InsertTasks(ctx, []models.Task{{AccountID: 1, Play: "save", Title: "t", OpenedOn: "2025-03-03", DueOn: "2025-03-06", EscalateAfter: 2, LastTrigger: "below_40"}}, t0)
		if err != nil {
			t.Fatal(err)
		}
		id := ids[models.TaskPair{AccountID: 1, Play: "save"}]
		ev := func(kind, key string) models.TaskEvent {
			e := models.TaskEvent{TaskID: id, Kind: kind, Day: "2025-03-04", At: t0}
			if key != "" {
				e.Key = keyPtr(key)
			}
			return e
		}
		stored, err := s.InsertTaskEvents(ctx, []models.TaskEvent{ev(models.EventOpened, "1/below_40/1/save"), ev(models.EventSnoozed, "")})
		if err != nil || !reflect.DeepEqual(stored, map[string]bool{"1/below_40/1/save": true}) {
			t.Fatalf("first events: %v %v", stored, err)
		}
		stored, err = s.InsertTaskEvents(ctx, []models.TaskEvent{ev(models.EventTriggered, "1/below_40/1/save"), ev(models.EventTriggered, "1/pulse_red/1/save")})
		if err != nil || !reflect.DeepEqual(stored, map[string]bool{"1/pulse_red/1/save": true}) {
			t.Fatalf("a repeated key was stored again: %v %v", stored, err)
		}
		known, err := s.TaskEventKeys(ctx, []string{"1/below_40/1/save", "1/pulse_red/1/save", "9/x/1/save"})
		if err != nil || len(known) != 2 || known["9/x/1/save"] {
			t.Errorf("known keys %v %v", known, err)
		}
		if hist, _ := s.TaskEvents(ctx, id); len(hist) != 3 {
			t.Errorf("history of %d lines, want 3", len(hist))
		}

		// A retrigger counts, names the trigger and never pushes the due day back.
		if err := s.RetriggerTasks(ctx, []models.TaskRetrigger{{TaskID: id, Trigger: "pulse_red", DueOn: "2025-03-07", Count: 1}}, t0); err != nil {
			t.Fatal(err)
		}
		task, _ := s.Task(ctx, id)
		if task.Triggers != 2 || task.LastTrigger != "pulse_red" || task.DueOn != "2025-03-06" {
			t.Errorf("after a retrigger: %+v", task)
		}
		if err := s.RetriggerTasks(ctx, []models.TaskRetrigger{{TaskID: id, Trigger: "below_40", DueOn: "2025-03-05", Count: 2}}, t0); err != nil {
			t.Fatal(err)
		}
		if task, _ = s.Task(ctx, id); task.Triggers != 4 || task.DueOn != "2025-03-05" {
			t.Errorf("an earlier due day is kept: %+v", task)
		}

		// Escalation: due 2025-03-05, 2 days overdue on 2025-03-07, once.
		day := func(s string) time.Time { d, _ := time.Parse(models.DayLayout, s); return d }
		if due, _ := s.TasksToEscalate(ctx, day("2025-03-06"), []uint{1}); len(due) != 0 {
			t.Errorf("escalated a day early: %+v", due)
		}
		due, err := s.TasksToEscalate(ctx, day("2025-03-07"), []uint{1})
		if err != nil || len(due) != 1 {
			t.Fatalf("to escalate: %+v %v", due, err)
		}
		for i, want := range []bool{true, false} {
			marked, err := s.MarkEscalated(ctx, []uint{id}, day("2025-03-07"))
			if err != nil || marked[id] != want {
				t.Errorf("mark #%d: %v %v", i, marked, err)
			}
		}
		if due, _ := s.TasksToEscalate(ctx, day("2025-03-09"), []uint{1}); len(due) != 0 {
			t.Errorf("escalated twice: %+v", due)
		}

		snoozed, err := s.SnoozeTask(ctx, id, day("2025-03-11"), day("2025-03-11"), t0)
		if err != nil || *snoozed.SnoozedUntil != "2025-03-11" || snoozed.DueOn != "2025-03-11" {
			t.Errorf("snooze: %+v %v", snoozed, err)
		}
		moved, err := s.ReassignTask(ctx, id, "lee", t0)
		if err != nil || moved.Owner != "lee" {
			t.Errorf("reassign: %+v %v", moved, err)
		}
		lee := "lee"
		if mine, _ := s.OpenTasks(ctx, &lee); len(mine) != 1 {
			t.Errorf("lee's open tasks: %+v", mine)
		}
	})
}

func TestTriggerStatesAndManagers(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		states := map[uint]map[string]scoring.TriggerState{
			1: {scoring.TriggerNoTouch: {Fired: true, Arming: 1}},
			2: {scoring.TriggerRenewalAtRisk: {Arming: 3}},
		}
		if err := s.SaveTriggerStates(ctx, states, t0); err != nil {
			t.Fatal(err)
		}
		states[1][scoring.TriggerNoTouch] = scoring.TriggerState{Arming: 1}
		if err := s.SaveTriggerStates(ctx, map[uint]map[string]scoring.TriggerState{1: states[1]}, t0); err != nil {
			t.Fatal(err)
		}
		got, err := s.TriggerStates(ctx, []uint{1, 2, 3})
		if err != nil || !reflect.DeepEqual(got, states) {
			t.Errorf("states %+v, %v; want %+v", got, err, states)
		}

		for _, c := range []models.CSM{{Handle: "ana", Name: "Ana", SlackUserID: "U9"}, {Handle: "maria"}, {Handle: "lee"}, {Handle: "dana"}} {
			if err := s.DB().Create(&c).Error; err != nil {
				t.Fatal(err)
			}
		}
		for _, m := range [][2]string{{"maria", "ana"}, {"lee", "bob"}, {"lee", "ana"}, {"dana", "ana"}, {"dana", ""}} {
			if _, err := s.SetManager(ctx, m[0], m[1]); err != nil {
				t.Fatal(err)
			}
		}
		mgr, err := s.ManagersOf(ctx, []string{"maria", "lee", "dana", "zed"})
		if err != nil || len(mgr) != 2 || mgr["maria"].Handle != "ana" || mgr["maria"].SlackUserID != "U9" || mgr["lee"].Name != "Ana" {
			t.Errorf("managers %+v, %v; want ana for maria and lee", mgr, err)
		}
	})
}

// The console's direct messages are taken once, by their user only.
func TestTakeInbox(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		for _, k := range []string{"a", "b"} {
			if _, err := s.Enqueue(ctx, &models.OutboxMessage{Platform: "console", Channel: models.UserChannel("maria"), Kind: models.KindTask, Payload: "{}", DedupeKey: k}, t0); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Enqueue(ctx, &models.OutboxMessage{Platform: "console", Channel: models.UserChannel("lee"), Kind: models.KindTask, Payload: "{}", DedupeKey: "c"}, t0); err != nil {
			t.Fatal(err)
		}
		for i, want := range []int{2, 0} {
			got, err := s.TakeInbox(ctx, "console", models.UserChannel("maria"), t0)
			if err != nil || len(got) != want {
				t.Errorf("take #%d: %d messages, %v; want %d", i, len(got), err, want)
			}
		}
		if u, ok := models.DirectUser(models.UserChannel("U1")); !ok || u != "U1" {
			t.Errorf("DirectUser = %q %v", u, ok)
		}
		if _, ok := models.DirectUser("C-health"); ok {
			t.Error("a channel read as a user")
		}
	})
}

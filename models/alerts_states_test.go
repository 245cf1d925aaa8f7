package models_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// A long id list reads the whole alert_states table and keeps the accounts
// asked for; it must give what probing by id gives.
func TestAlertStatesLongList(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		ctx := openAlertsDB(t, s)
		states := map[uint]scoring.ArmStates{}
		for id := uint(1); id <= 6; id++ {
			states[id] = scoring.ArmStates{
				"below_60":  {Seen: true, Armed: id%2 == 0, Arming: int(id) * 300},
				"pulse_red": {Seen: true, Armed: true, Mark: fmt.Sprint(id * 11)},
			}
		}
		states[3]["above_80"] = scoring.ArmState{Seen: true}
		if err := s.SaveAlertStates(ctx, states); err != nil {
			t.Fatal(err)
		}
		short, err := s.AlertStates(ctx, []uint{2, 3, 5, 9})
		if err != nil {
			t.Fatal(err)
		}
		long := []uint{2, 3, 5, 9}
		for id := uint(100); len(long) <= 1500; id++ {
			long = append(long, id)
		}
		got, err := s.AlertStates(ctx, long)
		if err != nil {
			t.Fatal(err)
		}
		want := map[uint]scoring.ArmStates{2: states[2], 3: states[3], 5: states[5]}
		if !reflect.DeepEqual(short, want) || !reflect.DeepEqual(got, want) {
			t.Fatalf("AlertStates\n short list %v\n  long list %v\n       want %v", short, got, want)
		}
		if none, err := s.AlertStates(ctx, nil); err != nil || none == nil || len(none) != 0 {
			t.Fatalf("AlertStates(nil) = %v, %v; want an empty map", none, err)
		}
	})
}

package commands_test

import (
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// TestDoubleClickKeyedOnUserID: a double click is the same platform user
// id, not the same display name: two people both called Maria each record
// their pulse and touch, and one person who renamed between clicks still
// records once. The id is stored beside the display name.
func TestDoubleClickKeyedOnUserID(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		svc, clk := newTestService(s)
		otherMaria := commands.Caller{Platform: "discord", TeamID: "G1", UserID: "U1", UserName: "Maria"} // same user id, another platform
		renamed := callerMaria
		renamed.UserName = "Maria L."
		for _, line := range []string{"/pulse globex yellow", "/touch globex call"} {
			runLine(t, svc, callerMaria, line)
			clk.t = clk.t.Add(time.Second)
			runLine(t, svc, renamed, line) // Maria again, renamed: a double click
			clk.t = clk.t.Add(time.Second)
			runLine(t, svc, otherMaria, line) // a different person of the same name: recorded
			clk.t = clk.t.Add(time.Second)
		}
		var ps []models.Pulse
		if err := s.DB().Where("account_id = ?", globexID).Order("id").Find(&ps).Error; err != nil {
			t.Fatal(err)
		}
		if len(ps) != 2 || ps[0].ByID != "slack:U1" || ps[1].ByID != "discord:U1" || ps[0].By != "Maria" {
			t.Errorf("pulses = %+v, want one by slack:U1 and one by discord:U1, both shown as Maria", ps)
		}
		var ts []models.Touch
		if err := s.DB().Where("account_id = ? AND kind = ?", globexID, "call").Order("id").Find(&ts).Error; err != nil {
			t.Fatal(err)
		}
		if len(ts) != 2 || ts[0].ByID != "slack:U1" || ts[1].ByID != "discord:U1" {
			t.Errorf("touches = %+v, want one by slack:U1 and one by discord:U1", ts)
		}
	})
}

package commands_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

func TestHealthCards(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		svc, _ := newTestService(s)
		checkGolden(t, "card_healthy", runLine(t, svc, callerMaria, "/health acme"))
		checkGolden(t, "card_atrisk_capped", runLine(t, svc, callerMaria, "/health Globex"))
		checkGolden(t, "card_critical", runLine(t, svc, callerMaria, `/health "initech"`))
	})
}

func TestHealthCardNoData(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		// No source holds any row: nothing is scorable, so "no data", never 0.
		insert(t, s, &models.Account{ID: 1, ExternalID: "N-1", Name: "Newco", Slug: "newco", MRRCents: 50000, Owner: "maria"})
		svc, _ := newTestService(s)
		r := runLine(t, svc, callerMaria, "/health newco")
		checkGolden(t, "card_nodata", r)
		if strings.Contains(r.Title, " 0 ") {
			t.Errorf("no-data card shows a zero score: %q", r.Title)
		}
	})
}

func TestHealthUnknownAndAmbiguous(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		svc, _ := newTestService(s)
		for _, tt := range []struct{ line, want string }{
			{"/health acem", "No account matches 'acem'. Did you mean: Acme Corp?"},
			{"/health initek", "No account matches 'initek'. Did you mean: Initech?"},
			{"/health acme old", "Acme Old churned on 2025-02-12"}, // churned: found once no active account matches, and frozen
			{"/health acme", "Suggested action"},                   // an active match wins over a churned one
			{"/pulse acem green", "Did you mean: Acme Corp?"},
		} {
			r := runLine(t, svc, callerMaria, tt.line)
			if !strings.Contains(r.Text, tt.want) || !r.Ephemeral {
				t.Errorf("%s: reply %q (ephemeral %v), want it to contain %q", tt.line, r.Text, r.Ephemeral, tt.want)
			}
		}
	})
}

func TestHealthMineAndList(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		svc, _ := newTestService(s)
		// The lists read the day's snapshots, which the daily rescore writes.
		if _, err := svc.Rescore(context.Background(), fixedNow); err != nil {
			t.Fatal(err)
		}
		checkGolden(t, "mine_maria", runLine(t, svc, callerMaria, "/health"))
		checkGolden(t, "mine_unmapped", runLine(t, svc, commands.Caller{Platform: "slack", UserID: "U9", UserName: "Eve"}, "/health"))
		checkGolden(t, "list_all", runLine(t, svc, callerMaria, "/health list"))
		checkGolden(t, "list_critical", runLine(t, svc, callerMaria, "/health list critical"))
		r := runLine(t, svc, callerMaria, "/health list healthy")
		if r.Title != "Healthy accounts: 1" || !strings.Contains(r.Sections[0].Text, "Acme Corp") {
			t.Errorf("list healthy = %q / %+v", r.Title, r.Sections)
		}
		r = runLine(t, svc, callerMaria, "/health list stable")
		if r.Text != "No account is Stable today." {
			t.Errorf("list stable text = %q", r.Text)
		}
	})
}

func TestHealthHelp(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		svc, _ := newTestService(s)
		checkGolden(t, "help", runLine(t, svc, callerMaria, "/health help"))
	})
}

func TestHealthListCapped(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		for i := 0; i < 27; i++ {
			insert(t, s, &models.Account{ID: uint(100 + i), ExternalID: fmt.Sprintf("X-%d", i), Name: fmt.Sprintf("Extra %02d", i), Slug: fmt.Sprintf("extra-%d", i)})
		}
		svc, _ := newTestService(s)
		r := runLine(t, svc, callerMaria, "/health list critical")
		lines := strings.Split(r.Sections[0].Text, "\n")
		if r.Title != "Critical accounts: 28" || len(lines) != 26 || lines[25] != "…and 3 more" {
			t.Errorf("title %q, %d lines, last %q; want 28 accounts, 25 lines and \"…and 3 more\"", r.Title, len(lines), lines[len(lines)-1])
		}
		if !strings.HasPrefix(lines[0], "Initech — 3 Critical") {
			t.Errorf("first line %q, want the worst: Initech at 3 (the extras score 25)", lines[0])
		}
	})
}

package commands_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// Accounts added by loadCapped to the portfolio: every component at 100,
// capped by an override.
const (
	paperID    = 10 // executive sponsor departed
	vandelayID = 11 // red pulse (budget) two days ago
)

// loadCapped adds two accounts whose components all score 100 and whose
// score is capped all the same, with a snapshot a week ago for the trend.
func loadCapped(t *testing.T, s *models.Store) {
	t.Helper()
	insert(t, s, &[]models.Account{
		{ID: paperID, ExternalID: "A-10", Name: "Paper Street Soap", Slug: "paper-street", MRRCents: 300000, Owner: "maria", SponsorName: "Tyler", SponsorStatus: "departed"},
		{ID: vandelayID, ExternalID: "A-11", Name: "Vandelay", Slug: "vandelay", MRRCents: 200000, Owner: "maria", SponsorStatus: "active"},
	})
	var acts []models.Activity
	for _, id := range []uint{paperID, vandelayID} {
		for d := 0; d < 30; d++ {
			for _, feature := range []string{"reports", "dashboards"} {
				acts = append(acts, models.Activity{AccountID: id, Day: fixtureDay(d), UserID: "p-" + feature, Feature: feature})
			}
		}
		insert(t, s, &models.Ticket{ExternalID: fmt.Sprintf("T-%d", id), AccountID: id, OpenedAt: fixtureAt(30), OpenedDay: fixtureDay(30), ClosedAt: ptrTo(fixtureAt(29)), Sentiment: "positive"})
		for _, n := range []int{1, 5, 9} {
			insert(t, s, &models.Touch{AccountID: id, At: fixtureAt(n), Day: fixtureDay(n), Kind: "call", By: "Maria"})
		}
		insert(t, s, &models.Snapshot{AccountID: id, Day: fixtureDay(7), Known: true, Score: 56, Computed: 100, Status: "At-risk", Subscores: "{}"})
	}
	insert(t, s, &acts)
	insert(t, s, &models.Pulse{AccountID: vandelayID, At: fixtureAt(2), Day: fixtureDay(2), Colour: "red", Reason: "budget", By: "Maria"})
}

// TestCappedCardShowsBothNumbersAndTheCap: a capped card's header says the
// capped and the computed score and the 7-day trend; when every component
// is at 100 the override alone is what would raise it.
func TestCappedCardShowsBothNumbersAndTheCap(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		loadCapped(t, s)
		svc, _ := newTestService(s)
		paper := runLine(t, svc, callerMaria, "/health paper-street")
		checkGolden(t, "card_capped_sponsor", paper)
		if want := "Paper Street Soap — 59 At-risk (capped; computed 100) ▲3 7d"; paper.Title != want {
			t.Errorf("title %q, want %q", paper.Title, want)
		}
		vandelay := runLine(t, svc, callerMaria, "/health vandelay")
		if want := "Vandelay — 59 At-risk (capped; computed 100) ▲3 7d"; vandelay.Title != want {
			t.Errorf("title %q, want %q", vandelay.Title, want)
		}
		for _, tc := range []struct {
			name     string
			card     []string
			label    string
			startsAs string
		}{
			{"sponsor", raiseFields(paper.Sections), "executive sponsor left", "re-establish an executive sponsor"},
			{"pulse", raiseFields(vandelay.Sections), "red pulse", "resolve budget and record a new pulse"},
		} {
			if len(tc.card) != 1 || !strings.HasPrefix(tc.card[0], tc.label+": "+tc.startsAs) {
				t.Errorf("%s: what would raise it = %q, want one entry %q: %q…", tc.name, tc.card, tc.label, tc.startsAs)
			}
		}
	})
}

// raiseFields flattens the "What would raise it" section as "label: value".
func raiseFields(secs []commands.Section) []string {
	var out []string
	for _, sec := range secs {
		if sec.Title != "What would raise it" {
			continue
		}
		for _, f := range sec.Fields {
			out = append(out, f.Label+": "+f.Value)
		}
	}
	return out
}

// TestUnconnectedSourcesShowNoData: a card never shows a zero for a source
// that is not connected, nor an MRR of 0.
func TestUnconnectedSourcesShowNoData(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		// Activity is connected; tickets, touches and invoices are not.
		insert(t, s, &models.Account{ID: 1, ExternalID: "N-1", Name: "Newco", Slug: "newco", Owner: "maria"})
		insert(t, s, &models.Activity{AccountID: 1, Day: fixtureDay(1), UserID: "u1", Feature: "reports"})
		svc, _ := newTestService(s)
		r := runLine(t, svc, callerMaria, "/health newco")
		got := strings.Join(r.Context, "\n")
		for _, want := range []string{
			"Last touch: no data (touches not connected)",
			"Open tickets: no data (tickets not connected)",
			"Overdue invoices: no data (invoices not connected)",
			"Owner: maria",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("context lacks %q:\n%s", want, got)
			}
		}
		for _, bad := range []string{"Open tickets: 0", "Overdue invoices: none", "MRR", "Last touch: never"} {
			if strings.Contains(got, bad) {
				t.Errorf("context shows %q:\n%s", bad, got)
			}
		}
	})
}

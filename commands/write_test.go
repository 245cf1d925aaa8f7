package commands_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
)

// hookLog records what OnRescore saw.
type hookLog struct {
	calls  int
	scored []commands.Scored
}

func (h *hookLog) hook(_ context.Context, tx *models.Store, day time.Time, scored []commands.Scored) error {
	h.calls++
	h.scored = append(h.scored, scored...)
	return nil
}

func todaySnapshot(t *testing.T, s *models.Store, accountID uint) models.Snapshot {
	t.Helper()
	var snap models.Snapshot
	if err := s.DB().Where("account_id = ? AND day = ?", accountID, fixtureDay(0)).Take(&snap).Error; err != nil {
		t.Fatalf("today's snapshot of %d: %v", accountID, err)
	}
	return snap
}

func TestPulseRecordsAndRescores(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		svc, _ := newTestService(s)
		var h hookLog
		svc.OnRescore = h.hook

		r := runLine(t, svc, callerMaria, "/pulse acme red budget cut by 30%")
		want := `Recorded a red pulse for Acme Corp (reason: budget; note: "cut by 30%") by Maria. Score now 59 At-risk (capped; computed 95).`
		if r.Text != want || r.Ephemeral || r.Colour != "orange" {
			t.Errorf("reply = %q (ephemeral %v, colour %s)\nwant %q", r.Text, r.Ephemeral, r.Colour, want)
		}
		var p models.Pulse
		if err := s.DB().Where("account_id = ?", acmeID).Take(&p).Error; err != nil {
			t.Fatal(err)
		}
		if p.Colour != "red" || p.Reason != "budget" || p.Note != "cut by 30%" || p.By != "Maria" || p.Day != fixtureDay(0) {
			t.Errorf("stored pulse = %+v", p)
		}
		snap := todaySnapshot(t, s, acmeID)
		if snap.Score != 59 || snap.Computed != 95 || snap.Status != "At-risk" || !snap.Known {
			t.Errorf("today's snapshot = %+v", snap)
		}
		if h.calls != 1 || len(h.scored) != 1 || h.scored[0].Account.ID != acmeID || h.scored[0].Result.Score != 59 {
			t.Fatalf("OnRescore calls = %d, scored = %+v", h.calls, h.scored)
		}
		if prev := h.scored[0].Previous; prev == nil || prev.Day != fixtureDay(7) || prev.Score != 93 {
			t.Errorf("Previous = %+v, want the T-7 snapshot", prev)
		}

		// A green pulse later the same day replaces today's snapshot.
		r = runLine(t, svc, callerMaria, "/pulse Acme Corp green")
		if want := "Recorded a green pulse for Acme Corp by Maria. Score now 95 Healthy."; r.Text != want {
			t.Errorf("reply = %q, want %q", r.Text, want)
		}
		if n := countRows(t, s, &models.Snapshot{}, "account_id = ? AND day = ?", acmeID, fixtureDay(0)); n != 1 {
			t.Errorf("%d snapshots today, want 1", n)
		}
		if snap := todaySnapshot(t, s, acmeID); snap.Score != 95 {
			t.Errorf("today's snapshot after green = %+v", snap)
		}
	})
}

func TestPulseDoubleClick(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		svc, clk := newTestService(s)
		runLine(t, svc, callerMaria, "/pulse globex yellow")
		clk.t = clk.t.Add(20 * time.Second)
		r := runLine(t, svc, callerMaria, "/pulse globex yellow")
		if want := "Already recorded just now: a yellow pulse for Globex by Maria. Score now 59 At-risk"; !strings.HasPrefix(r.Text, want) || !r.Ephemeral {
			t.Errorf("second click reply = %q, want %q…", r.Text, want)
		}
		if n := countRows(t, s, &models.Pulse{}, "account_id = ?", globexID); n != 1 {
			t.Errorf("%d pulses after a double click, want 1", n)
		}
		// Someone else, another colour, or a minute later: new records.
		runLine(t, svc, commands.Caller{Platform: "slack", UserID: "U2", UserName: "Bob"}, "/pulse globex yellow")
		runLine(t, svc, callerMaria, "/pulse globex green")
		clk.t = clk.t.Add(61 * time.Second)
		runLine(t, svc, callerMaria, "/pulse globex green")
		if n := countRows(t, s, &models.Pulse{}, "account_id = ?", globexID); n != 4 {
			t.Errorf("%d pulses, want 4", n)
		}
	})
}

func TestTouchRecordsAndDoubleClick(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		svc, clk := newTestService(s)
		before := countRows(t, s, &models.Touch{}, "account_id = ?", globexID)
		r := runLine(t, svc, callerMaria, "/touch globex qbr --exec renewal plan agreed")
		want := `Recorded a QBR with Globex (executive sponsor present; note: "renewal plan agreed") by Maria. Score now 59 At-risk (capped; computed 65).`
		if r.Text != want {
			t.Errorf("reply = %q\nwant %q", r.Text, want)
		}
		clk.t = clk.t.Add(5 * time.Second)
		r = runLine(t, svc, callerMaria, "/touch globex qbr --exec renewal plan agreed")
		if !strings.HasPrefix(r.Text, "Already recorded just now: a QBR with Globex") {
			t.Errorf("double click reply = %q", r.Text)
		}
		if n := countRows(t, s, &models.Touch{}, "account_id = ?", globexID); n != before+1 {
			t.Errorf("%d touches, want %d", n, before+1)
		}
		var tc models.Touch
		if err := s.DB().Where("account_id = ? AND kind = ?", globexID, "qbr").Take(&tc).Error; err != nil {
			t.Fatal(err)
		}
		if !tc.Exec || tc.Note != "renewal plan agreed" || tc.By != "Maria" {
			t.Errorf("stored touch = %+v", tc)
		}
		if snap := todaySnapshot(t, s, globexID); snap.Computed != 65 {
			t.Errorf("today's snapshot = %+v", snap)
		}
	})
}

func TestFormsForMissingInput(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		svc, _ := newTestService(s)
		ctx := context.Background()

		r := runLine(t, svc, callerMaria, "/pulse acme red")
		if r.Form == nil || r.Form.ID != "pulse" || r.Form.Account != "acme-corp" || r.Form.Hidden["colour"] != "red" {
			t.Fatalf("red without reason: form = %+v", r.Form)
		}
		checkGolden(t, "form_pulse", r)
		if n := countRows(t, s, &models.Pulse{}, "1 = 1"); n != 0 {
			t.Errorf("%d pulses recorded before the form was submitted", n)
		}
		cmd, err := commands.FormCommand(*r.Form, map[string]string{"reason": "competitor", "note": "trialling a rival"})
		if err != nil {
			t.Fatal(err)
		}
		r, err = svc.Execute(ctx, callerMaria, cmd)
		if err != nil || !strings.HasPrefix(r.Text, `Recorded a red pulse for Acme Corp (reason: competitor; note: "trialling a rival") by Maria.`) {
			t.Errorf("submitted pulse form: %q, %v", r.Text, err)
		}

		r = runLine(t, svc, callerMaria, "/touch initech")
		if r.Form == nil || r.Form.ID != "touch" || r.Form.Account != "initech" {
			t.Fatalf("touch without kind: form = %+v", r.Form)
		}
		checkGolden(t, "form_touch", r)
		cmd, err = commands.FormCommand(*r.Form, map[string]string{"kind": "call", "exec": "true"})
		if err != nil {
			t.Fatal(err)
		}
		r, err = svc.Execute(ctx, callerMaria, cmd)
		if err != nil || !strings.HasPrefix(r.Text, "Recorded a call with Initech (executive sponsor present) by Maria. Score now ") {
			t.Errorf("submitted touch form: %q, %v", r.Text, err)
		}
	})
}

func TestPulseRejections(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		svc, _ := newTestService(s)
		for _, tt := range []struct{ line, want string }{
			{"/pulse acme red budgt", "'budgt' is not a reason code, and a red pulse starts with one: budget, champion-left, product-gaps, competitor, poor-support, low-adoption, merger, other (the start of one will do). The words after the code are kept as the note, e.g. /pulse acme-corp red budget budgt"},
			{"/pulse acme red lost the deal", "'lost' is not a reason code"},
			{"/pulse acme red p gaps", "'p' could be product-gaps or poor-support: type more of it. Example: /pulse acme-corp red product-gaps gaps"},
			{"/pulse acme yellow c", ""}, // recorded below: a prefix names a code on red pulses only
			{"/pulse acme-old red budget", "Acme Old churned on 2025-02-12: healthbot no longer scores it, so no pulse was recorded. /health acme-old shows its final score."},
			{"/touch acme old call", "Acme Old churned on 2025-02-12: healthbot no longer scores it, so no touch was recorded."},
			{"/pulse acme", "/pulse needs a colour: red, yellow or green. Example: /pulse acme red budget"},
			{"/touch acme fax", "No account matches 'acme fax'."},
		} {
			if tt.want == "" {
				continue
			}
			r := runLine(t, svc, callerMaria, tt.line)
			if !strings.Contains(r.Text, tt.want) || !r.Ephemeral {
				t.Errorf("%s: %q, want %q", tt.line, r.Text, tt.want)
			}
		}
		if n := countRows(t, s, &models.Pulse{}, "1 = 1"); n != 0 {
			t.Errorf("%d pulses recorded by rejected commands", n)
		}
		if n := countRows(t, s, &models.Touch{}, "account_id = ?", churnedID); n != 0 {
			t.Errorf("%d touches recorded for a churned account", n)
		}
	})
}

// Two clicks that arrive together still make one record: the second
// transaction waits on the account lock and then sees the first's row.
func TestPulseConcurrentClicks(t *testing.T) {
	modelstest.ForEachDB(t, func(t *testing.T, s *models.Store) {
		loadPortfolio(t, s)
		svc, _ := newTestService(s)
		// Holding the first writer's transaction open a moment gives the
		// others every chance to look for a duplicate before it commits.
		var once sync.Once
		svc.OnRescore = func(context.Context, *models.Store, time.Time, []commands.Scored) error {
			once.Do(func() { time.Sleep(100 * time.Millisecond) })
			return nil
		}
		const clicks = 8
		errs := make(chan error, clicks)
		start := make(chan struct{})
		for i := 0; i < clicks; i++ {
			go func() {
				<-start
				_, err := svc.Run(context.Background(), callerMaria, "/pulse globex yellow")
				errs <- err
			}()
		}
		close(start)
		for i := 0; i < clicks; i++ {
			if err := <-errs; err != nil {
				t.Errorf("click %d: %v", i, err)
			}
		}
		if n := countRows(t, s, &models.Pulse{}, "account_id = ?", globexID); n != 1 {
			t.Errorf("%d pulses from %d simultaneous clicks, want 1", n, clicks)
		}
		if n := countRows(t, s, &models.Snapshot{}, "account_id = ? AND day = ?", globexID, fixtureDay(0)); n != 1 {
			t.Errorf("%d snapshots today, want 1", n)
		}
	})
}

// Days are the organisation's: at 02:00 UTC it is still the previous day in
// New York, so the pulse and the snapshot it writes belong to that day.
func TestWritesUseOrganisationDay(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	s, err := models.Open(context.Background(), filepath.Join(t.TempDir(), "tz.db"), ny)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	loadPortfolio(t, s)
	svc, clk := newTestService(s)
	clk.t = time.Date(2025, 3, 15, 2, 0, 0, 0, time.UTC) // 22:00 on the 14th in New York
	runLine(t, svc, callerMaria, "/pulse acme green")
	var p models.Pulse
	if err := s.DB().Where("account_id = ?", acmeID).Take(&p).Error; err != nil {
		t.Fatal(err)
	}
	if p.Day != "2025-03-14" {
		t.Errorf("pulse day = %s, want 2025-03-14", p.Day)
	}
	if n := countRows(t, s, &models.Snapshot{}, "account_id = ? AND day = ?", acmeID, "2025-03-14"); n != 1 {
		t.Errorf("%d snapshots on 2025-03-14, want 1", n)
	}
}

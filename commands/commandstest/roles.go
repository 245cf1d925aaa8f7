package commandstest

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// RolesNow is the clock of the role and history fixtures: 2025-03-14 15:00 UTC.
var RolesNow = time.Date(2025, 3, 14, 15, 0, 0, 0, time.UTC)

// Viewer is a Slack user with no role once roles are in use: a viewer.
var Viewer = commands.Caller{Platform: commands.Slack, TeamID: "T1", UserID: "U0VIEWER", UserName: "vic", ChannelID: "C1"}

// ViewerAnswers are the real answers to Viewer, by name: over the
// accounts of SeedCardAccounts, scored today and a week ago, "card"
// (Paper Street Soap, with an overdue invoice), "list", "mine" (a bare
// /health) and "summary"; and "churned", Soylent Corp's frozen card
// (SeedChurnedAccount), from a store of its own so that its churn does
// not change the others' figures. None of them may show MRR or another
// money figure.
func ViewerAnswers(t testing.TB) map[string]commands.Reply {
	t.Helper()
	out := map[string]commands.Reply{}
	live := viewerService(t, SeedCardAccounts)
	for name, line := range map[string]string{"card": "/health paper-street", "list": "/health list", "mine": "/health", "summary": "/health summary"} {
		out[name] = runAsViewer(t, live, line)
	}
	out["churned"] = runAsViewer(t, viewerService(t, SeedChurnedAccount), "/health soylent")
	return out
}

// viewerService is a Service over a store seeded by seed and scored today
// and a week ago, where someone has a role: roles are in use, so Viewer,
// who has none, is a viewer.
func viewerService(t testing.TB, seed func(testing.TB, *models.Store, time.Time)) *commands.Service {
	t.Helper()
	ctx := context.Background()
	s := modelstest.MustOpenSQLite(t)
	seed(t, s, RolesNow)
	svc := rolesService(s)
	for _, d := range []time.Time{RolesNow.AddDate(0, 0, -7), RolesNow} {
		if _, err := svc.Rescore(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	RolesInUse(t, s)
	return svc
}

// RolesInUse gives a Slack user (U0CSM) the csm role, so that roles are
// in use in s: from then on a user without a role is a viewer.
func RolesInUse(t testing.TB, s *models.Store) {
	t.Helper()
	ctx := context.Background()
	if err := s.WithTx(ctx, func(tx *models.Store) error {
		_, err := tx.SetRole(ctx, commands.Slack, "U0CSM", string(commands.RoleCSM))
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// runAsViewer is svc's answer to line from Viewer.
func runAsViewer(t testing.TB, svc *commands.Service, line string) commands.Reply {
	t.Helper()
	r, err := svc.Run(context.Background(), Viewer, line)
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	return r
}

// HistoryCallers are the CSM who writes in HistoryAfterWrites, per platform.
var HistoryCallers = map[string]commands.Caller{
	commands.Slack:   {Platform: commands.Slack, TeamID: "T1", UserID: "U0001", UserName: "Maria", ChannelID: "C1"},
	commands.Discord: {Platform: commands.Discord, TeamID: "G1", UserID: "80351110224678912", UserName: "maria", ChannelID: "1"},
	commands.Console: {Platform: commands.Console, UserID: "maria", UserName: "maria"},
}

// HistoryAfterWrites is the real answer to "/health acme history" on
// platform after a pulse and a touch recorded there, a task closed (an
// entry written through the audit API, as the tasks' code writes it) and
// a batch of touches ingested through the HTTP API, a minute apart.
func HistoryAfterWrites(t testing.TB, platform string) commands.Reply {
	t.Helper()
	ctx := context.Background()
	s := modelstest.MustOpenSQLite(t)
	SeedCardAccounts(t, s, RolesNow)
	svc := rolesService(s)
	now := RolesNow
	svc.Now = func() time.Time { return now }
	caller := HistoryCallers[platform]
	run := func(line string) {
		t.Helper()
		if r, err := svc.Run(ctx, caller, line); err != nil || !strings.HasPrefix(r.Text, "Recorded") {
			t.Fatalf("%s: %q, %v", line, r.Text, err)
		}
		now = now.Add(time.Minute)
	}
	run("/pulse acme red budget CFO wants 20% off at renewal")
	run("/touch acme call --exec renewal plan agreed")
	acme, err := s.AccountBySlug(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WithTx(ctx, func(tx *models.Store) error {
		by := models.Actor{Origin: caller.Platform, ID: caller.UserID, Name: caller.UserName}
		return tx.Audit(ctx, models.TaskAudit(now, by, 7, "renewal_at_risk", acme.ID, models.Change{Field: "status", Old: "open", New: "done"}))
	}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	csv := "account,at,kind,note,by\nA-1,2025-03-13T10:00:00Z,meeting,onboarding review,dana\n"
	if _, err := ingestion.Ingest(ctx, s, ingestion.KindTouches, ingestion.NewCSVDecoder(strings.NewReader(csv), ingestion.KindTouches),
		ingestion.IngestOptions{By: models.Actor{Origin: models.OriginAPI, Name: "10.1.2.3"}, Source: "batch 5f2c", At: now}); err != nil {
		t.Fatal(err)
	}
	r, err := svc.Run(ctx, caller, "/health acme history")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func rolesService(s *models.Store) *commands.Service {
	return &commands.Service{Store: s, Config: scoring.Default(), Now: func() time.Time { return RolesNow }, Log: slog.New(slog.DiscardHandler)}
}

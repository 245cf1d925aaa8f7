package commandstest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/modelstest"
	"github.com/healthbot/healthbot/scoring"
)

// Maria's chat users, as SeedDay maps them.
const (
	MariaSlack   = "U0001"
	MariaDiscord = "80351110224678912"
)

// SeedDay loads a day's worth of work for maria, dated back from now:
// the card accounts (SeedCardAccounts) both owned by her, and Initech,
// never pulsed; then today's rescore runs with the real alert hook and
// plays, which open a save task (Paper Street's red pulse) and a renewal
// task (Paper Street renews in 47 days while At-risk). It returns the
// service, with its Planner sending to Slack, Discord and the console.
func SeedDay(t testing.TB, s *models.Store, now time.Time) *commands.Service {
	t.Helper()
	ctx := context.Background()
	SeedCardAccounts(t, s, now)
	db := s.DB()
	if err := db.Model(&models.Account{}).Where("slug = ?", "paper-street").Update("owner", "maria").Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Create(&models.Account{ExternalID: "A-3", Name: "Initech", Slug: "initech", MRRCents: 90000, Owner: "maria"}).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Create(&models.CSM{Handle: "maria", Name: "Maria", SlackUserID: MariaSlack, DiscordUserID: MariaDiscord}).Error; err != nil {
		t.Fatal(err)
	}
	cfg := scoring.Default()
	log := slog.New(slog.DiscardHandler)
	svc := &commands.Service{Store: s, Config: cfg, Now: func() time.Time { return now }, Log: log}
	planner := &commands.Planner{Config: cfg, Platforms: commands.Platforms, Now: svc.Now, Log: log}
	al := &commands.Alerter{Config: cfg, Now: svc.Now, Log: log, Service: svc, Planner: planner}
	svc.OnRescore, svc.PrefetchRescore, svc.PlanRescore, svc.Planner = al.OnRescore, al.Prefetch, al.Plan, planner
	if _, err := svc.Rescore(ctx, s.DayAt(now)); err != nil {
		t.Fatal(err)
	}
	return svc
}

// Home is /health home as the real service answers maria on platform,
// over SeedDay's data in a fresh SQLite store.
func Home(t testing.TB, platform string, now time.Time) commands.Reply {
	t.Helper()
	s := modelstest.MustOpenSQLite(t)
	svc := SeedDay(t, s, now)
	user := map[string]string{commands.Slack: MariaSlack, commands.Discord: MariaDiscord, commands.Console: "maria"}[platform]
	r, err := svc.Run(context.Background(), commands.Caller{Platform: platform, UserID: user, UserName: "Maria"}, "/health home")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TaskInput is a consistent task for platform: Acme Corp's save plan,
// opened by a fall below 40 on 3 March, updated by a red pulse the next
// day, due on the 6th and escalated if still open on the 8th; its owner
// maria is mapped on Slack and Discord.
func TaskInput(platform string) commands.TaskInput {
	renewal := "2025-06-30"
	at := time.Date(2025, 3, 3, 6, 0, 0, 0, time.UTC)
	key1, key2 := "7/below_40/1/save", "7/pulse_red/1/save"
	return commands.TaskInput{
		Task: models.Task{ID: 12, AccountID: 7, Play: "save", Title: "Save plan for Acme Corp",
			Steps: "call the executive sponsor\nagree a recovery plan\nlog a touch", Owner: "maria",
			OpenedOn: "2025-03-03", DueOn: "2025-03-06", EscalateAfter: 2, Triggers: 2, LastTrigger: scoring.AlertPulseRed},
		History: []models.TaskEvent{
			{TaskID: 12, Kind: models.EventOpened, Trigger: scoring.AlertBelow40, Key: &key1, Day: "2025-03-03", Detail: "the score fell below 40 (48 → 35)", At: at},
			{TaskID: 12, Kind: models.EventTriggered, Trigger: scoring.AlertPulseRed, Key: &key2, Day: "2025-03-04", Detail: "a red pulse was recorded (budget)", At: at.AddDate(0, 0, 1)},
		},
		Account:  models.Account{ID: 7, Name: "Acme Corp", Slug: "acme", Owner: "maria", MRRCents: 420000, RenewalOn: &renewal},
		Known:    true,
		Score:    35,
		Status:   scoring.Critical,
		Owner:    models.CSM{Handle: "maria", SlackUserID: "U024BE7LH", DiscordUserID: "80351110224678912"},
		Platform: platform,
		Day:      time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC),
	}
}

// TaskDM is TaskInput's task message as commands.TaskMessage builds it.
func TaskDM(platform string) commands.Reply { return commands.TaskMessage(TaskInput(platform)) }

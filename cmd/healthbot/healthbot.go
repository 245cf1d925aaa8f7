package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/healthbot/healthbot/bot/chart"
	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/examples"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/models/demo"
	"github.com/healthbot/healthbot/scoring"
)

// Main is the program: it reads the environment, opens the store, builds
// the command service and runs one subcommand. Tests construct it with their
// own environment, standard streams and clock.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads configuration; tests pass a map's lookup.
	Getenv func(string) string
	// Now is the clock; days are taken in HEALTHBOT_TIMEZONE.
	Now func() time.Time

	env     Env
	log     *slog.Logger
	level   *slog.LevelVar
	model   scoring.Model  // the health model: HEALTHBOT_CONFIG's, the example's for the demo, or the defaults
	config  scoring.Config // its top level (model.Default.Config)
	example bool           // model is the shipped example (examples.HealthModel), chosen for the demo portfolio
	loc     *time.Location
	// retention is HEALTHBOT_ACTIVITY_RETENTION_DAYS (0: keep all activity).
	retention int
	store     *models.Store
	service   *commands.Service
	alerter   *commands.Alerter
	closers   []func() error
}

// NewMain returns a Main wired to the process's streams, environment and clock.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Now: time.Now}
}

// usageError is bad usage or bad input: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// ExitCode maps Run's error to the process exit code: 0 success, 2 bad
// usage or bad input (including a rejected import batch), 1 anything else.
func ExitCode(err error) int {
	var ue *usageError
	var be *ingestion.BatchError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue), errors.As(err, &be):
		return 2
	}
	return 1
}

// Run runs the subcommand named by args[0] (none: console or serve,
// depending on whether chat credentials are set).
func (m *Main) Run(ctx context.Context, args []string) error {
	cmd, rest := "", args
	if len(args) > 0 {
		cmd, rest = args[0], args[1:]
	}
	switch cmd {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	case "", "serve", "console", "demo", "migrate", "import", "rescore", "map", "backtest", "tune":
	default:
		return usagef("unknown command %q\n\n%s", cmd, usage)
	}
	if cmd == "" && len(rest) > 0 {
		return usagef("%s", usage)
	}
	if err := m.setup(cmd); err != nil {
		return err
	}
	switch cmd {
	case "":
		if m.env.chatConfigured() {
			return m.serve(ctx, rest)
		}
		return m.autoConsole(ctx)
	case "serve":
		return m.serve(ctx, rest)
	case "console":
		return m.console(ctx, rest)
	case "demo":
		return m.demo(ctx, rest)
	case "migrate":
		return m.migrate(ctx, rest)
	case "import":
		return m.importCSV(ctx, rest)
	case "rescore":
		return m.rescore(ctx, rest)
	case "map":
		return m.mapSource(ctx, rest)
	case "backtest":
		return m.backtest(ctx, rest)
	case "tune":
		return m.tune(ctx, rest)
	}
	return nil
}

// Close releases what Run opened, last opened first.
func (m *Main) Close() error {
	var errs []error
	for i := len(m.closers) - 1; i >= 0; i-- {
		errs = append(errs, m.closers[i]())
	}
	m.closers = nil
	return errors.Join(errs...)
}

// setup reads the environment, the health model and the time zone, and
// starts logging. A bad setting stops here with exit code 2.
func (m *Main) setup(cmd string) error {
	if m.Getenv == nil {
		m.Getenv = os.Getenv
	}
	if m.Now == nil {
		m.Now = time.Now
	}
	if m.Stdin == nil {
		m.Stdin = strings.NewReader("")
	}
	if m.Stdout == nil {
		m.Stdout = io.Discard
	}
	if m.Stderr == nil {
		m.Stderr = io.Discard
	}
	m.env = readEnv(m.Getenv)
	// The chat stays readable in console mode: only errors unless the
	// operator asks for more (loading the demo trips slow-query warnings).
	quiet := cmd == "console" || (cmd == "" && !m.env.chatConfigured())
	level, err := parseLevel(m.env.LogLevel, quiet)
	if err != nil {
		return err
	}
	m.level = new(slog.LevelVar)
	m.level.Set(level)
	m.log = slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: m.level}))
	// Packages that log through the default logger (the store's slow-query
	// warnings) follow the same handler and level.
	slog.SetDefault(m.log)

	m.loc, err = time.LoadLocation(m.env.Timezone)
	if err != nil {
		return usagef("HEALTHBOT_TIMEZONE=%q is not an IANA time zone name (e.g. Europe/Paris): %v", m.env.Timezone, err)
	}
	m.setModel(scoring.ModelOf(scoring.Default()), false)
	if m.env.ConfigPath != "" {
		model, err := scoring.LoadModel(m.env.ConfigPath)
		if err != nil {
			return usagef("HEALTHBOT_CONFIG: %v", err)
		}
		m.setModel(model, false)
	}
	if m.retention, err = activityRetention(m.env.ActivityRetention, m.model); err != nil {
		return err
	}
	return nil
}

// setModel makes model the health model of everything Main runs, the
// service and alerter included once open built them.
func (m *Main) setModel(model scoring.Model, example bool) {
	m.model, m.config, m.example = model, model.Default.Config, example
	if m.service != nil {
		m.service.Model, m.service.Config = &m.model, m.config
	}
	if m.alerter != nil {
		m.alerter.Config = m.config
	}
	if m.service != nil && m.service.Planner != nil {
		m.service.Planner.Config = m.config
	}
}

// useExampleForDemo scores the demo portfolio with the shipped example
// model (two profiles and a custom component, examples/healthbot.yaml)
// when no health model is configured, so the demo shows them: when the
// database holds the demo's accounts, or is about to (demo). A database of
// real accounts keeps the built-in defaults until HEALTHBOT_CONFIG says
// otherwise.
func (m *Main) useExampleForDemo(ctx context.Context, loading bool) error {
	if m.env.ConfigPath != "" || m.example {
		return nil
	}
	if !loading {
		is, err := demo.Loaded(ctx, m.store)
		if err != nil || !is {
			return err
		}
	}
	model, err := scoring.ParseModel(examples.HealthModel)
	if err != nil {
		return fmt.Errorf("the example health model: %w", err)
	}
	m.setModel(model, true)
	m.log.Info("scoring the demo portfolio with the example health model (HEALTHBOT_CONFIG is unset)", "config", examples.HealthModelPath)
	if loading {
		// open recorded the defaults' version before the demo was loaded.
		return m.recordModelVersion(ctx)
	}
	return nil
}

// modelNote is the line that says which model the demo is scored with,
// when it is the example: console mode prints it after its first line.
func (m *Main) modelNote() string {
	if !m.example {
		return ""
	}
	return fmt.Sprintf("healthbot: HEALTHBOT_CONFIG is unset, so the demo is scored with the example health model %s: profiles %s, custom component %s.",
		examples.HealthModelPath, profileNames(m.model), componentNames(m.model))
}

func profileNames(model scoring.Model) string {
	var names []string
	for _, p := range model.Profiles {
		names = append(names, p.Profile)
	}
	return strings.Join(names, " and ")
}

func componentNames(model scoring.Model) string {
	var names []string
	for _, c := range model.CustomInputs() {
		names = append(names, fmt.Sprintf("%s (from the metric %s)", c.Name, c.Metric))
	}
	return strings.Join(names, ", ")
}

// open connects to the database (applying migrations) and builds the
// command service on it.
func (m *Main) open(ctx context.Context) error {
	if m.store != nil {
		return nil
	}
	admins, err := parseAdmins(m.env.Admins)
	if err != nil {
		return usagef("HEALTHBOT_ADMINS: %v", err)
	}
	store, err := models.Open(ctx, m.env.DatabaseURL, m.loc)
	if errors.Is(err, models.ErrBadDSN) {
		return usagef("%v", err) // the message says what to write instead
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", redact(m.env.DatabaseURL), err)
	}
	m.store = store
	m.closers = append(m.closers, store.Close)
	// The demo's model is chosen before it is recorded and used.
	if err := m.useExampleForDemo(ctx, false); err != nil {
		return err
	}
	if err := m.recordModelVersion(ctx); err != nil {
		return err
	}
	m.service = &commands.Service{Store: store, Model: &m.model, Config: m.config, Now: m.Now, Log: m.log, Admins: admins}
	// Alerts are decided in every rescore's transaction and queued for the
	// configured platforms, whichever command rescored (serve, a cron'd
	// `healthbot rescore`, an import); serve's worker delivers them.
	m.alerter = &commands.Alerter{Config: m.config, Platforms: m.env.platforms(), Now: m.Now,
		Log: m.log, Service: m.service, Chart: chart.StatusPNG}
	m.service.OnRescore, m.service.PrefetchRescore, m.service.PlanRescore = m.alerter.OnRescore, m.alerter.Prefetch, m.alerter.Plan
	// Plays run after the alerts, in the same transaction; their tasks go
	// to the owners by direct message on the chat platforms, or, with
	// none configured, to the console, which shows each CSM theirs.
	planner := &commands.Planner{Config: m.config, Platforms: m.env.platforms(), Now: m.Now, Log: m.log}
	if len(planner.Platforms) == 0 {
		planner.Platforms = []string{commands.Console}
	}
	m.alerter.Planner, m.service.Planner = planner, planner
	m.log.Debug("database open", "database", redact(m.env.DatabaseURL), "dialect", store.Dialect())
	return nil
}

// recordModelVersion writes the health model's version to the audit trail
// when it differs from the one last recorded: whoever changed the YAML
// file (or upgraded healthbot's defaults) is not in chat to be recorded,
// so the first process to start with the new model records it, once.
func (m *Main) recordModelVersion(ctx context.Context) error {
	by := models.Actor{Origin: models.OriginConfig, Name: "built-in defaults"}
	switch {
	case m.env.ConfigPath != "":
		by.Name = m.env.ConfigPath
	case m.example:
		by.Name = examples.HealthModelPath
	}
	version := m.model.Version()
	changed, old, err := m.store.RecordModelVersion(ctx, version, by, m.Now())
	if err != nil {
		return err
	}
	if changed {
		m.log.Info("health model version recorded", "old", old, "new", version, "source", by.Name)
	}
	return nil
}

// today is the organisation's current calendar day as midnight UTC.
func (m *Main) today() time.Time {
	y, mo, d := m.Now().In(m.loc).Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
}

func parseLevel(s string, quiet bool) (slog.Level, error) {
	if s == "" {
		if quiet {
			return slog.LevelError, nil
		}
		return slog.LevelInfo, nil
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, usagef("HEALTHBOT_LOG_LEVEL=%q: use debug, info, warn or error", s)
	}
	return l, nil
}

const usage = `Usage: healthbot [command]

Commands:
  (none)                   console on the demo portfolio when no Slack or Discord
                           credentials are set; otherwise the same as serve
  serve                    HTTP server, Slack, Discord, scheduler and delivery worker
  console [--as HANDLE]    chat in the terminal (scriptable: reads stdin line by line)
  demo                     load the demo portfolio into an empty database
  migrate                  apply schema migrations and exit
  import KIND FILE.csv     load accounts, activity, tickets, touches, surveys,
                           invoices, mrr or metrics from CSV (FILE "-" reads stdin)
  rescore [--as-of DAY]    score every account for DAY (YYYY-MM-DD, default today)
  map SOURCE ID ACCOUNT    map a connector's id for a customer (stripe, segment,
                           zendesk, hubspot, intercom) to an account and apply
                           the events waiting for it
  backtest [--horizon DAYS] [--from DAY] [--to DAY] [--config FILE] [--json]
                           how well the score predicted churn: AUC, churn rate
                           per status, precision and recall of the warning
  tune [--horizon DAYS] [--folds K] [--step N] [--out FILE]
                           search the weights for the best held-out AUC and
                           write the proposal to FILE (never applied)
  help                     this text

Configuration is by environment variable (DATABASE_URL, HEALTHBOT_CONFIG,
HEALTHBOT_HTTP_ADDR, HEALTHBOT_TIMEZONE, ...): see README.md.
Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad input.
`

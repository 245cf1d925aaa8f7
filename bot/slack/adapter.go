package slack

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/commands"
	slackgo "github.com/slack-go/slack"
)

// Timings of the 3-second rule: Slack gives up on a request after 3 s, so
// the executor gets InlineWait to answer inline and the rest is finished
// through response_url within followUpTimeout. A response_url takes posts
// for 30 minutes; a command may wait a while for its turn, a pulse on
// SQLite behind an ingestion batch holding the write lock (up to the
// ingestion timeout, 10 minutes by default), and must still be written
// and answered.
const (
	DefaultInlineWait = 2500 * time.Millisecond
	followUpTimeout   = 15 * time.Minute
	authTestTimeout   = 10 * time.Second
	// apiTimeout bounds every Web API call: slack-go's default client has
	// none, so one hung call would hold its caller (an outbox delivery
	// round, a follow-up) for as long as the connection stays open.
	apiTimeout   = 20 * time.Second
	maxBodyBytes = 1 << 20 // Slack's payloads are a few KB; this only bounds abuse
)

// notServed is the answer to a workspace outside SLACK_TEAM_IDS.
const notServed = "This workspace is not served by this healthbot deployment."

// Adapter is healthbot's Slack integration. It serves the HTTP endpoints
// (Mount), runs Socket Mode (RunSocketMode) and posts messages for the
// outbox worker (bot.Poster).
type Adapter struct {
	// Now is the clock used to check request timestamps and to expire
	// remembered events and clicks; set it before serving, if at all.
	Now func() time.Time
	// InlineWait is how long a request waits for the executor before it is
	// acknowledged and finished through response_url (DefaultInlineWait).
	InlineWait time.Duration
	// HTTPClient posts to response_url; defaultHTTPClient (with a timeout) when nil.
	HTTPClient *http.Client
	// EventStore, when set, dedupes Events API retries and replayed
	// signed requests across replicas (pass the *models.Store); nil
	// dedupes in this replica's memory only.
	EventStore EventStore
	// FindWindow is how far back FindPosted searches a channel's history
	// (DefaultFindWindow when zero).
	FindWindow time.Duration

	cfg   Config
	exec  bot.Executor
	log   *slog.Logger
	api   *slackgo.Client
	teams []string // workspaces served; empty → none

	events *ttlSet // event ids already handled (Events API retries)
	signed *ttlSet // digests of signed requests already taken (replays)
	clicks *ttlSet // (user, message, action) recently handled (double clicks)
	dms    bot.DMChannels

	bg     sync.WaitGroup
	ctx    context.Context // parent of follow-up work, cancelled by Close
	cancel context.CancelFunc
}

var _ bot.Poster = (*Adapter)(nil)

// New builds the adapter. With cfg.TeamIDs empty it asks Slack (auth.test)
// which workspace the bot token belongs to and serves only that one; when
// that fails it serves none and logs why, so a misconfigured deployment
// refuses requests rather than answering every workspace.
func New(cfg Config, exec bot.Executor, log *slog.Logger) (*Adapter, error) {
	if exec == nil {
		return nil, errors.New("slack: new adapter: no executor")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("platform", Platform)
	opts := []slackgo.Option{slackgo.OptionHTTPClient(&http.Client{Timeout: apiTimeout})}
	if u := cfg.apiURL(); u != "" {
		opts = append(opts, slackgo.OptionAPIURL(u))
	}
	if cfg.AppToken != "" {
		opts = append(opts, slackgo.OptionAppLevelToken(cfg.AppToken))
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &Adapter{
		Now:        time.Now,
		InlineWait: DefaultInlineWait,
		cfg:        cfg,
		exec:       exec,
		log:        log,
		api:        slackgo.New(cfg.BotToken, opts...),
		events:     newTTLSet(4096, 10*time.Minute),
		signed:     newTTLSet(16384, replayWindow),
		clicks:     newTTLSet(1024, 5*time.Second),
		ctx:        ctx,
		cancel:     cancel,
	}
	a.teams = slices.Clone(cfg.TeamIDs)
	if len(a.teams) == 0 {
		a.teams = a.ownTeam()
	}
	return a, nil
}

// ownTeam asks auth.test for the bot token's workspace.
func (a *Adapter) ownTeam() []string {
	if a.cfg.BotToken == "" {
		a.log.Error("SLACK_TEAM_IDS is empty and SLACK_BOT_TOKEN is unset: refusing requests from every workspace")
		return nil
	}
	ctx, cancel := context.WithTimeout(a.ctx, authTestTimeout)
	defer cancel()
	resp, err := a.api.AuthTestContext(ctx)
	if err != nil || resp.TeamID == "" {
		a.log.Error("auth.test failed, so the bot token's workspace is unknown: refusing requests from every workspace until restarted (or set SLACK_TEAM_IDS)", "err", err)
		return nil
	}
	a.log.Info("serving the bot token's workspace", "team_id", resp.TeamID, "team", resp.Team)
	return []string{resp.TeamID}
}

// Teams lists the workspaces this adapter serves.
func (a *Adapter) Teams() []string { return slices.Clone(a.teams) }

func (a *Adapter) served(teamID string) bool {
	return teamID != "" && slices.Contains(a.teams, teamID)
}

// Mount registers POST /slack/commands, /slack/interactions and
// /slack/events on mux. It does nothing without a signing secret, since
// unverifiable requests must not be served.
func (a *Adapter) Mount(mux *http.ServeMux) {
	if a.cfg.SigningSecret == "" {
		return
	}
	mux.Handle("POST /slack/commands", a.verified(a.serveCommand))
	mux.Handle("POST /slack/interactions", a.verified(a.serveInteraction))
	mux.Handle("POST /slack/events", a.verified(a.serveEvent))
}

// Close cancels follow-up work still running (response_url deliveries,
// mentions being answered) and waits for it to stop.
func (a *Adapter) Close() error {
	a.cancel()
	a.bg.Wait()
	return nil
}

// Platform is the Caller.Platform of Slack commands.
const Platform = commands.Slack

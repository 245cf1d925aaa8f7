// Package discord connects healthbot to Discord: slash commands with
// autocomplete, cards as embeds with buttons, modals for forms, over the
// gateway and over HTTP interactions through one dispatch core, and the
// bot.Poster the outbox uses to post alerts. It translates at the edge
// only: every command runs through bot.Executor.
package discord

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/commands"
)

// Platform is the Caller.Platform and Poster.Platform of Discord.
const Platform = commands.Discord

// Defaults for the Adapter's timing fields.
const (
	// DefaultAckDeadline leaves half a second of Discord's three for the
	// response to travel.
	DefaultAckDeadline = 2500 * time.Millisecond
	// DefaultWorkTimeout bounds deferred work; the interaction token that
	// edits the answer lives 15 minutes. A command may wait a while for
	// its turn (a pulse on SQLite behind an ingestion batch holding the
	// write lock, up to the ingestion timeout, 10 minutes by default) and
	// must still be written and answered.
	DefaultWorkTimeout = 14 * time.Minute
	// DefaultMaxSkew is how far a signed timestamp may be from now before
	// the request counts as a replay.
	DefaultMaxSkew = 5 * time.Minute
)

// Choice is one autocomplete suggestion: what the user sees and the value
// the option then carries.
type Choice struct {
	Name  string
	Value string
}

// AccountSuggester suggests accounts for the account option while the user
// types. StoreAccounts implements it over *models.Store.
type AccountSuggester interface {
	SuggestAccounts(ctx context.Context, prefix string, limit int) ([]Choice, error)
}

// Mux is where Mount registers its handler; *http.ServeMux and *bot.Server
// both satisfy it.
type Mux interface {
	Handle(pattern string, h http.Handler)
}

// Adapter serves one Discord application. Build it with New; set the
// exported fields, if at all, before serving.
type Adapter struct {
	// Now is the clock for the signature freshness check.
	Now func() time.Time
	// AckDeadline is how long a command may run before the adapter
	// answers "thinking…" and edits the answer in afterwards.
	AckDeadline time.Duration
	// WorkTimeout bounds a command that was deferred.
	WorkTimeout time.Duration
	// MaxSkew bounds the age of a signed timestamp.
	MaxSkew time.Duration
	// EventStore, when set, dedupes interactions across replicas (pass
	// the *models.Store): two replicas on one gateway shard both receive
	// every interaction. nil dedupes in this replica's memory only.
	EventStore EventStore

	cfg      Config
	exec     bot.Executor
	accounts AccountSuggester
	log      *slog.Logger
	key      ed25519.PublicKey
	guilds   map[string]bool
	rest     *discordgo.Session

	seen *recent // interaction ids already handled
	long *recent // hashed custom id → action or form payload
	dms  bot.DMChannels

	wg sync.WaitGroup // deferred work in flight
}

// New builds an adapter from cfg. accounts may be nil (autocomplete then
// offers nothing); log may be nil.
func New(cfg Config, exec bot.Executor, accounts AccountSuggester, log *slog.Logger) (*Adapter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("discord config: %w", err)
	}
	if exec == nil {
		return nil, errors.New("discord: an executor is required")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &Adapter{
		Now:         time.Now,
		AckDeadline: DefaultAckDeadline,
		WorkTimeout: DefaultWorkTimeout,
		MaxSkew:     DefaultMaxSkew,
		cfg:         cfg,
		exec:        exec,
		accounts:    accounts,
		log:         log.With("platform", Platform),
		seen:        newRecent(4096),
		long:        newRecent(4096),
	}
	if cfg.PublicKey != "" {
		a.key, _ = cfg.publicKey() // validated above
	}
	if len(cfg.GuildIDs) > 0 {
		a.guilds = map[string]bool{}
		for _, g := range cfg.GuildIDs {
			a.guilds[g] = true
		}
	} else if cfg.Enabled() {
		// Unlike Slack, which fails closed, an unset list serves every
		// server the bot was invited to: say so where the operator looks.
		a.log.Warn(EnvGuildIDs + " is unset: serving every guild this bot is installed in; set it to the server ids to serve")
	}
	if cfg.AllowDMs {
		a.log.Warn(EnvAllowDMs + " is set: answering direct messages from any Discord user who can reach the bot")
	}
	s, err := a.NewSession()
	if err != nil {
		return nil, err
	}
	a.rest = s
	return a, nil
}

// NewSession returns a discordgo session for this application whose REST
// calls go to Config.APIURL when set (discordgo computes its endpoint
// strings once, from Discord's address, so the client rewrites them). It
// asks for the Guilds intent only: slash commands need no privileged one.
func (a *Adapter) NewSession() (*discordgo.Session, error) {
	token := ""
	if a.cfg.BotToken != "" {
		token = "Bot " + strings.TrimPrefix(a.cfg.BotToken, "Bot ")
	}
	s, err := discordgo.New(token)
	if err != nil {
		return nil, fmt.Errorf("discord session: %w", err)
	}
	if token == "" {
		s.Token, s.Identify.Token = "", ""
	}
	s.Client = &http.Client{Timeout: 20 * time.Second, Transport: newRewriter(a.cfg.APIURL, http.DefaultTransport)}
	// The outbox retries on its own schedule; a sleeping REST call would
	// hold a worker and, on the interaction path, the user.
	s.ShouldRetryOnRateLimit = false
	s.Identify.Intents = discordgo.IntentsGuilds
	s.StateEnabled = false
	s.LogLevel = discordgo.LogError
	return s, nil
}

// Session is the adapter's REST session (interaction follow-ups, posts).
func (a *Adapter) Session() *discordgo.Session { return a.rest }

// Wait blocks until deferred work in flight has finished and its answer
// was sent; call it on shutdown (and in tests) after the transports stop.
func (a *Adapter) Wait() { a.wg.Wait() }

// Mount registers POST /discord/interactions on mux when a public key is
// configured; without one Discord could not be verified, so nothing is
// mounted.
func (a *Adapter) Mount(mux Mux) {
	if a.key == nil {
		return
	}
	mux.Handle("POST /discord/interactions", http.HandlerFunc(a.ServeHTTP))
}

// RegisterCommands replaces the application's slash commands with
// ApplicationCommands: in each configured guild (instant), or globally when
// no guild is configured (Discord may take up to an hour to show them).
func (a *Adapter) RegisterCommands(ctx context.Context) error {
	if a.cfg.BotToken == "" {
		return fmt.Errorf("register discord commands: %s is not set", EnvBotToken)
	}
	cmds := ApplicationCommands()
	guilds := a.cfg.GuildIDs
	if len(guilds) == 0 {
		guilds = []string{""}
	}
	for _, g := range guilds {
		if _, err := a.rest.ApplicationCommandBulkOverwrite(a.cfg.AppID, g, cmds, discordgo.WithContext(ctx)); err != nil {
			where := "globally"
			if g != "" {
				where = "in guild " + g
			}
			return fmt.Errorf("register discord commands %s: %w", where, err)
		}
		a.log.InfoContext(ctx, "registered slash commands", "guild", g, "count", len(cmds))
	}
	return nil
}

// RunGateway connects to Discord's gateway and answers interactions until
// ctx is done. It needs DISCORD_BOT_TOKEN.
func (a *Adapter) RunGateway(ctx context.Context) error {
	if a.cfg.BotToken == "" {
		return fmt.Errorf("discord gateway: %s is not set", EnvBotToken)
	}
	s, err := a.NewSession()
	if err != nil {
		return err
	}
	remove := s.AddHandler(a.OnInteractionCreate)
	defer remove()
	if err := s.Open(); err != nil {
		return fmt.Errorf("discord gateway: open: %w", err)
	}
	a.log.InfoContext(ctx, "gateway connected")
	<-ctx.Done()
	if err := s.Close(); err != nil {
		return fmt.Errorf("discord gateway: close: %w", err)
	}
	return nil
}

// OnInteractionCreate is the gateway's InteractionCreate handler: the same
// dispatch as HTTP interactions, answered through s's REST API.
func (a *Adapter) OnInteractionCreate(s *discordgo.Session, ic *discordgo.InteractionCreate) {
	if ic == nil || ic.Interaction == nil {
		return
	}
	i := ic.Interaction
	ctx := context.Background()
	resp, later := a.dispatch(ctx, i)
	if resp == nil {
		return // a repeat of an interaction already answered
	}
	if err := s.InteractionRespond(i, resp, discordgo.WithContext(ctx)); err != nil {
		a.log.ErrorContext(ctx, "answer interaction", "interaction", i.ID, "type", int(resp.Type), "err", err)
		return
	}
	if later != nil {
		a.background(func() { later(s) })
	}
}

// background runs deferred work, counted for Wait.
func (a *Adapter) background(fn func()) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		fn()
	}()
}

// recent is a bounded set of keys with optional values, oldest evicted
// first: enough to recognise a repeated interaction or a recent button.
type recent struct {
	mu    sync.Mutex
	max   int
	order []string
	items map[string]string
}

func newRecent(max int) *recent { return &recent{max: max, items: map[string]string{}} }

// add stores key and reports whether it was new.
func (r *recent) add(key, value string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.items[key]; ok {
		r.items[key] = value
		return false
	}
	r.items[key] = value
	r.order = append(r.order, key)
	if len(r.order) > r.max {
		delete(r.items, r.order[0])
		r.order = r.order[1:]
	}
	return true
}

func (r *recent) get(key string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.items[key]
	return v, ok
}

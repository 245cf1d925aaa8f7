package discord

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Environment variables read by ConfigFromEnv (names fixed by the interface
// spec, DISCORD_ALLOW_DMS aside: an addition of healthbot's).
const (
	EnvBotToken  = "DISCORD_BOT_TOKEN"
	EnvAppID     = "DISCORD_APP_ID"
	EnvPublicKey = "DISCORD_PUBLIC_KEY"
	EnvGuildIDs  = "DISCORD_GUILD_IDS"
	EnvAPIURL    = "DISCORD_API_URL"
	// EnvAllowDMs ("1" or "true") lets healthbot answer in direct
	// messages, which are refused by default: a DM comes from no server,
	// so DISCORD_GUILD_IDS cannot vouch for who sent it.
	EnvAllowDMs = "DISCORD_ALLOW_DMS"
)

// Config is what the Discord adapter needs from the environment.
type Config struct {
	BotToken  string   // gateway and REST; empty = no gateway
	AppID     string   // the application id (command registration, interaction webhooks)
	PublicKey string   // hex Ed25519 key verifying HTTP interactions; empty = no HTTP endpoint
	APIURL    string   // base URL of the REST API; empty = Discord's own
	GuildIDs  []string // the guilds served; empty = every guild the bot is in (logged as a warning)
	AllowDMs  bool     // answer in direct messages too; refused by default
}

// Enabled reports whether any Discord transport is configured.
func (c Config) Enabled() bool { return c.BotToken != "" || c.PublicKey != "" }

// ConfigFromEnv reads the DISCORD_* variables through getenv (os.Getenv in
// production, a map in tests). Its error names the variable at fault.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		BotToken:  strings.TrimSpace(getenv(EnvBotToken)),
		AppID:     strings.TrimSpace(getenv(EnvAppID)),
		PublicKey: strings.TrimSpace(getenv(EnvPublicKey)),
		APIURL:    strings.TrimSpace(getenv(EnvAPIURL)),
	}
	var errs []error
	switch v := strings.ToLower(strings.TrimSpace(getenv(EnvAllowDMs))); v {
	case "", "0", "false", "no":
	case "1", "true", "yes":
		c.AllowDMs = true
	default:
		errs = append(errs, fmt.Errorf("%s: %q is not 1/true or 0/false", EnvAllowDMs, v))
	}
	for _, id := range strings.Split(getenv(EnvGuildIDs), ",") {
		if id = strings.TrimSpace(id); id != "" {
			c.GuildIDs = append(c.GuildIDs, id)
		}
	}
	return c, errors.Join(append(errs, c.Validate())...)
}

// Validate checks the values that can be checked without calling Discord.
func (c Config) Validate() error {
	var errs []error
	if c.PublicKey != "" {
		if _, err := c.publicKey(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Enabled() && c.AppID == "" {
		errs = append(errs, fmt.Errorf("%s is required when %s or %s is set: copy the Application ID from the Developer Portal's General Information page", EnvAppID, EnvBotToken, EnvPublicKey))
	}
	for _, id := range c.GuildIDs {
		if strings.Trim(id, "0123456789") != "" {
			errs = append(errs, fmt.Errorf("%s: %q is not a guild id (a number; enable Developer Mode and use Copy Server ID)", EnvGuildIDs, id))
		}
	}
	if c.APIURL != "" {
		if u, err := url.Parse(c.APIURL); err != nil || u.Scheme == "" || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s: %q is not an absolute URL such as https://discord.com/api/v10", EnvAPIURL, c.APIURL))
		}
	}
	return errors.Join(errs...)
}

// publicKey decodes PublicKey.
func (c Config) publicKey() (ed25519.PublicKey, error) {
	b, err := hex.DecodeString(c.PublicKey)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%s must be the 64 hex characters of the application's Public Key (General Information page)", EnvPublicKey)
	}
	return ed25519.PublicKey(b), nil
}

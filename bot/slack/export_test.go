package slack

// Internals lent to the external tests (package slack_test).

// ResponseURLAllowed is Config.responseURLAllowed, for its table test.
func ResponseURLAllowed(c Config, raw string) bool { return c.responseURLAllowed(raw) }

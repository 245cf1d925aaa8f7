package models

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// ErrBadDSN is wrapped by Open's error when DATABASE_URL is not a form it
// takes (as opposed to a database that cannot be reached).
var ErrBadDSN = errors.New("bad DATABASE_URL")

// keywordDSN matches the start of a libpq keyword/value connection string
// ("host=db user=hb password=…"), which Open does not take: it would
// otherwise be read as the name of a SQLite file and silently create one.
var keywordDSN = regexp.MustCompile(`^(host|hostaddr|port|dbname|user|password|passfile|sslmode|service|connect_timeout|application_name|options|target_session_attrs)\s*=`)

// checkDSN refuses DSNs that are neither a postgres:// URL nor a SQLite
// path, with a message that says what to write instead.
func checkDSN(dsn string) error {
	if keywordDSN.MatchString(strings.ToLower(strings.TrimSpace(dsn))) {
		return fmt.Errorf("%w: it looks like a PostgreSQL key=value string (host=… dbname=…), which healthbot does not take; write it as a URL: postgres://USER:PASSWORD@HOST:5432/DBNAME?sslmode=require", ErrBadDSN)
	}
	return nil
}

// passwordKeys are the query parameters of a postgres:// URL that carry a
// secret.
var passwordKeys = []string{"password", "sslpassword"}

// keywordPassword matches a password in a keyword/value string, quoted or
// not.
var keywordPassword = regexp.MustCompile(`(?i)\b(password|sslpassword)\s*=\s*('(?:[^'\\]|\\.)*'|\S*)`)

// RedactDSN is dsn fit to print: the password of its user info, its
// password and sslpassword query parameters, and any password=… of a
// keyword/value string are replaced with xxxxx.
func RedactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" && u.Host != "" {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		q := u.Query()
		redacted := false
		for key := range q {
			for _, p := range passwordKeys {
				if strings.EqualFold(key, p) {
					q[key] = []string{"xxxxx"}
					redacted = true
				}
			}
		}
		if redacted {
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	return keywordPassword.ReplaceAllString(dsn, "${1}=xxxxx")
}

// dsnSecrets lists the passwords dsn carries, as written and as decoded,
// so that they can be cut out of any text (a driver's error quotes the
// DSN it could not use).
func dsnSecrets(dsn string) []string {
	var out []string
	add := func(s string) {
		if len(s) >= 3 { // shorter would blank out unrelated text; and is no secret
			out = append(out, s)
			if esc := url.QueryEscape(s); esc != s {
				out = append(out, esc)
			}
		}
	}
	if u, err := url.Parse(dsn); err == nil {
		if p, ok := u.User.Password(); ok {
			add(p)
		}
		for key, vals := range u.Query() {
			for _, p := range passwordKeys {
				if strings.EqualFold(key, p) {
					for _, v := range vals {
						add(v)
					}
				}
			}
		}
	}
	for _, m := range keywordPassword.FindAllStringSubmatch(dsn, -1) {
		add(strings.Trim(m[2], "'"))
	}
	return out
}

// redactedError shows its cause's message with the DSN's passwords cut
// out, and still unwraps to the cause.
type redactedError struct {
	err     error
	secrets []string
}

func (e *redactedError) Error() string {
	msg := e.err.Error()
	for _, s := range e.secrets {
		msg = strings.ReplaceAll(msg, s, "xxxxx")
	}
	return msg
}

func (e *redactedError) Unwrap() error { return e.err }

// redactErr returns err with dsn's passwords cut out of its message.
func redactErr(err error, dsn string) error {
	if err == nil {
		return nil
	}
	if secrets := dsnSecrets(dsn); len(secrets) > 0 {
		return &redactedError{err: err, secrets: secrets}
	}
	return err
}

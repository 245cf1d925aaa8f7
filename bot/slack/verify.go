package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/healthbot/healthbot/bot"
)

// maxSkew is how far a request's timestamp may be from now, either way,
// before it is refused as a possible replay (Slack's own rule).
const maxSkew = 5 * time.Minute

// Verification failures, for the log; the client only ever sees 401.
var (
	errMissingSignature = errors.New("missing X-Slack-Signature or X-Slack-Request-Timestamp")
	errBadTimestamp     = errors.New("timestamp is not a number")
	errStale            = errors.New("timestamp more than 5 minutes from now")
	errBadSignature     = errors.New("signature does not match")
)

// Sign computes Slack's v0 signature of body sent at timestamp: "v0=" and
// the hex HMAC-SHA256 of "v0:timestamp:body" keyed by the signing secret.
// Tests use it to sign requests exactly as Slack does.
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + timestamp + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// verify checks a request's signature and timestamp against the raw body.
// The comparison is constant-time (hmac.Equal) so the signature cannot be
// guessed byte by byte from response times.
func verify(secret string, h http.Header, body []byte, now time.Time) error {
	sig, ts := h.Get("X-Slack-Signature"), h.Get("X-Slack-Request-Timestamp")
	if sig == "" || ts == "" {
		return errMissingSignature
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errBadTimestamp
	}
	if d := now.Sub(time.Unix(sec, 0)); d > maxSkew || d < -maxSkew {
		return errStale
	}
	got, err := hex.DecodeString(strings.TrimPrefix(sig, "v0="))
	if err != nil || !strings.HasPrefix(sig, "v0=") {
		return errBadSignature
	}
	want, _ := hex.DecodeString(strings.TrimPrefix(Sign(secret, ts, body), "v0="))
	if !hmac.Equal(got, want) {
		return errBadSignature
	}
	return nil
}

// verified wraps a handler with body reading (size-limited) and signature
// verification; a request that fails gets 401 and its body is never
// parsed, let alone acted on.
func (a *Adapter) verified(next func(w http.ResponseWriter, r *http.Request, body []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(context.WithValue(r.Context(), receivedKey{}, time.Now()))
		body, err := bot.ReadBody(w, r, maxBodyBytes)
		if err != nil {
			a.log.Warn("slack request body not read", "path", r.URL.Path, "err", err)
			return
		}
		if err := verify(a.cfg.SigningSecret, r.Header, body, a.Now()); err != nil {
			a.log.Warn("slack request refused: verification failed", "path", r.URL.Path, "remote", r.RemoteAddr, "err", err)
			http.Error(w, "invalid Slack signature", http.StatusUnauthorized)
			return
		}
		next(w, r, body)
	})
}

type receivedKey struct{}

// receivedAt is when the request reached the adapter: Slack's 3 seconds
// for the answer count from then, not from when the command starts.
func receivedAt(r *http.Request) time.Time {
	if t, ok := r.Context().Value(receivedKey{}).(time.Time); ok {
		return t
	}
	return time.Now()
}

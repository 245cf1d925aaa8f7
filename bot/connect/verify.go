package connect

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"hash"
	"time"
)

// Verification failures. A connector wraps one of these with detail for the
// log; the vendor only ever sees 401.
var (
	ErrMissingSignature = errors.New("missing signature header")
	ErrBadTimestamp     = errors.New("timestamp unreadable")
	ErrStale            = errors.New("timestamp outside the accepted window")
	ErrBadSignature     = errors.New("signature does not match")
)

// MAC is the HMAC of parts, concatenated, under key.
func MAC(h func() hash.Hash, key []byte, parts ...[]byte) []byte {
	m := hmac.New(h, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// SameMAC compares a received MAC with the expected one in constant time, so
// response times tell an attacker nothing about how much of a guess was
// right. A received value that did not decode is passed as nil and never
// matches.
func SameMAC(got, want []byte) error {
	if got == nil || !hmac.Equal(got, want) {
		return ErrBadSignature
	}
	return nil
}

// Fresh checks that a signed timestamp is within window of now, either way:
// a replay of an old request is refused, and so is one stamped far in the
// future (which would otherwise stay replayable for longer).
func Fresh(at, now time.Time, window time.Duration) error {
	if d := now.Sub(at); d > window || d < -window {
		return fmt.Errorf("%w: %s is %s from now, more than %s", ErrStale, at.UTC().Format(time.RFC3339), d.Round(time.Second), window)
	}
	return nil
}

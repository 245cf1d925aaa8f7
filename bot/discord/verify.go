package discord

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// verify checks Discord's request signature: Ed25519 over the timestamp
// header followed by the raw body, with a timestamp within MaxSkew of now
// so a captured request cannot be replayed later.
func (a *Adapter) verify(h http.Header, body []byte) error {
	if a.key == nil {
		return errNoKey
	}
	sig, err := hex.DecodeString(h.Get("X-Signature-Ed25519"))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return errors.New("missing or malformed X-Signature-Ed25519")
	}
	ts := h.Get("X-Signature-Timestamp")
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("missing or malformed X-Signature-Timestamp")
	}
	if skew := a.Now().Sub(time.Unix(secs, 0)); skew > a.MaxSkew || skew < -a.MaxSkew {
		return fmt.Errorf("timestamp %s is %s away from now", ts, skew.Round(time.Second))
	}
	msg := make([]byte, 0, len(ts)+len(body))
	msg = append(append(msg, ts...), body...)
	if !ed25519.Verify(a.key, msg, sig) {
		return errors.New("signature does not verify")
	}
	return nil
}

package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/healthbot/healthbot/models"
)

// IsAlertAction reports whether line is an alert button's action
// ("/alert ack 12", "/alert snooze 12"), which Run hands to HandleAlertAction.
func IsAlertAction(line string) bool {
	return strings.HasPrefix(strings.TrimSpace(line), AlertActionPrefix)
}

// HandleAlertAction records an acknowledgement or a 7-day snooze pressed on
// an alert and returns the alert message updated to say so (Replace: the
// adapter edits the message the button was on). Copies of the alert on
// other platforms are re-queued in the outbox, which updates them in place.
func (s *Service) HandleAlertAction(ctx context.Context, caller Caller, line string) (Reply, error) {
	f := strings.Fields(strings.TrimSpace(line))
	if len(f) != 3 || f[0] != strings.TrimSpace(AlertActionPrefix) || (f[1] != alertAck && f[1] != alertSnooze) {
		return userError("An alert action is /alert ack ID or /alert snooze ID."), nil
	}
	id, err := strconv.ParseUint(f[2], 10, 32)
	if err != nil {
		return userError(fmt.Sprintf("%q is not an alert number.", f[2])), nil
	}
	who := recordedBy(caller)
	now := s.now()
	var rec models.AlertRecord
	var reply Reply
	err = s.Store.WithTx(ctx, func(tx *models.Store) error {
		before, err := tx.Alert(ctx, uint(id))
		if err != nil {
			return err
		}
		if f[1] == alertAck {
			rec, err = tx.AckAlert(ctx, uint(id), who, now)
		} else {
			days := s.Config.Alerts.SnoozeDays
			if days <= 0 {
				days = 7
			}
			rec, err = tx.SnoozeAlert(ctx, uint(id), who, s.today().AddDate(0, 0, days))
		}
		if err != nil {
			return err
		}
		if err := s.auditAlertAction(ctx, tx, caller, before, rec); err != nil {
			return err
		}
		msgs, err := tx.AlertMessages(ctx, rec.ID)
		if err != nil {
			return err
		}
		reply = alertBase(msgs, caller.Platform)
		markHandled(&reply, rec)
		// Each other platform's copy is updated from its own payload: it
		// carries that platform's mention of the owner and its channel.
		for _, m := range msgs {
			if m.Platform == caller.Platform {
				continue
			}
			var r Reply
			if err := json.Unmarshal([]byte(m.Payload), &r); err != nil {
				return fmt.Errorf("decode alert message %d: %w", m.ID, err)
			}
			markHandled(&r, rec)
			payload, err := json.Marshal(r)
			if err != nil {
				return fmt.Errorf("encode alert update: %w", err)
			}
			if err := tx.RequeueAlertMessage(ctx, m.ID, string(payload), now); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, models.ErrNotFound) {
		return userError(fmt.Sprintf("There is no alert %d.", id)), nil
	}
	if err != nil {
		return Reply{Ephemeral: true, Text: "Sorry, recording that failed. Please try again."}, fmt.Errorf("alert action %q: %w", line, err)
	}
	reply.Replace = true
	return reply, nil
}

// auditAlertAction records what an acknowledgement or a snooze changed on
// the alert (nothing, for a second acknowledgement).
func (s *Service) auditAlertAction(ctx context.Context, tx *models.Store, caller Caller, before, after models.AlertRecord) error {
	var changes []models.Change
	if before.AckedAt == nil && after.AckedAt != nil {
		changes = append(changes, models.Change{Field: "acknowledged by", New: after.AckedBy})
	}
	if old, now := deref(before.SnoozedUntil), deref(after.SnoozedUntil); old != now {
		changes = append(changes, models.Change{Field: "snoozed until", Old: old, New: now})
	}
	if len(changes) == 0 {
		return nil
	}
	return tx.Audit(ctx, models.AuditRecord{At: s.now(), By: actorOf(caller), Action: models.AuditAlert,
		Subject: fmt.Sprintf("#%d %s", after.ID, after.Rule), Accounts: []uint{after.AccountID}, Changes: changes})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// alertBase is the alert's message as sent on platform (or any platform's
// copy), so the update keeps what the message said.
func alertBase(msgs []models.OutboxMessage, platform string) Reply {
	var r Reply
	pick := -1
	for i, m := range msgs {
		if m.Platform == platform || pick < 0 {
			pick = i
		}
	}
	if pick >= 0 {
		_ = json.Unmarshal([]byte(msgs[pick].Payload), &r)
	}
	if r.Title == "" {
		r.Title = "Alert"
	}
	return r
}

// markHandled adds who acknowledged or snoozed the alert, and keeps only
// the buttons that still make sense.
func markHandled(r *Reply, rec models.AlertRecord) {
	var lines []string
	for _, c := range r.Context {
		if !strings.HasPrefix(c, "Acknowledged by ") && !strings.HasPrefix(c, "Snoozed until ") {
			lines = append(lines, c)
		}
	}
	if rec.AckedAt != nil {
		lines = append(lines, fmt.Sprintf("Acknowledged by %s on %s", rec.AckedBy, rec.AckedAt.UTC().Format(time.DateOnly)))
	}
	if rec.SnoozedUntil != nil {
		lines = append(lines, fmt.Sprintf("Snoozed until %s by %s: no alerts for this account until then", *rec.SnoozedUntil, rec.SnoozedBy))
	}
	r.Context = lines
	var keep []Button
	for _, b := range r.Buttons {
		if strings.HasPrefix(b.Action, AlertActionPrefix+alertAck) && rec.AckedAt != nil {
			continue
		}
		if strings.HasPrefix(b.Action, AlertActionPrefix+alertSnooze) && rec.SnoozedUntil != nil {
			continue
		}
		keep = append(keep, b)
	}
	r.Buttons = keep
}

package commands

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// recording is one /pulse or /touch write: the new record and how to
// read, compare, store and describe records of its kind.
type recording[T any] struct {
	op     string // names the write in errors: "pulse", "touch"
	rec    *T
	latest func(*models.Store, context.Context, uint) (T, error) // the account's last record, models.ErrNotFound if none
	write  func(*models.Store, context.Context, *T) error
	// stamp is when and by whom a record was made.
	stamp func(T) (at time.Time, by, byID string)
	// same reports whether last says what rec says (colour, kind).
	same     func(last, rec T) bool
	describe func(rec T, account string) string
	// by and audit are the audit trail's entry of the write: who made it,
	// its action and what it set.
	by    models.Actor
	audit func(rec T) (action string, changes []models.Change)
}

// record is the write flow /pulse and /touch share. Under the account's
// lock, a repeat of the last record by the same person within
// duplicateWindow is a double click: nothing is written and the reply says
// it was already recorded. Otherwise the record is stored, with its entry
// in the audit trail, and the account rescored in the same transaction,
// so the reply's score includes it.
func record[T any](ctx context.Context, s *Service, acc models.Account, day, now time.Time, r recording[T]) (Reply, error) {
	var (
		res scoring.Result
		dup *T
	)
	_, by, byID := r.stamp(*r.rec)
	err := s.Store.WithTx(ctx, func(tx *models.Store) error {
		if err := tx.LockAccount(ctx, acc.ID); err != nil {
			return err
		}
		last, err := r.latest(tx, ctx, acc.ID)
		if err == nil {
			lastAt, lastBy, lastByID := r.stamp(last)
			if sameAuthor(lastByID, lastBy, byID, by) && r.same(last, *r.rec) && within(now, lastAt, duplicateWindow) {
				dup = &last
				res, err = s.scoreNow(ctx, tx, acc, day)
				return err
			}
		} else if !errors.Is(err, models.ErrNotFound) {
			return err
		}
		if err := r.write(tx, ctx, r.rec); err != nil {
			return err
		}
		action, changes := r.audit(*r.rec)
		if err := tx.Audit(ctx, models.AuditRecord{At: now, By: r.by, Action: action, Subject: acc.Slug,
			Accounts: []uint{acc.ID}, Changes: changes}); err != nil {
			return err
		}
		res, err = s.rescoreAccount(ctx, tx, acc, day)
		return err
	})
	if err != nil {
		return Reply{}, fmt.Errorf("%s %s: %w", r.op, acc.Slug, err)
	}
	if dup != nil {
		at, _, _ := r.stamp(*dup)
		return Reply{
			Ephemeral: true,
			Colour:    resultColour(res),
			Text: fmt.Sprintf("Already recorded %s: %s. Score now %s.",
				fmtAgo(now, at), r.describe(*dup, acc.Name), scoreSentence(res)),
		}, nil
	}
	return Reply{
		Colour: resultColour(res),
		Text:   fmt.Sprintf("Recorded %s. Score now %s.", r.describe(*r.rec, acc.Name), scoreSentence(res)),
	}, nil
}

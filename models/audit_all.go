package models

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// AuditAll is Audit for many entries at once, in two statements per
// thousand whatever their number: what a rescore writes when the plays
// open or escalate tasks across a portfolio. Call it on the transaction's
// Store, as Audit.
func (s *Store) AuditAll(ctx context.Context, rs []AuditRecord) error {
	if len(rs) == 0 {
		return nil
	}
	if !s.inTx {
		return fmt.Errorf("audit %d entries: %w", len(rs), ErrAuditOutsideTx)
	}
	entries := make([]AuditEntry, len(rs))
	for i, r := range rs {
		if r.Action == "" || r.By.Origin == "" {
			return fmt.Errorf("audit: an entry needs an action and an origin (got %q, %q)", r.Action, r.By.Origin)
		}
		at := r.At
		if at.IsZero() {
			at = time.Now()
		}
		entries[i] = AuditEntry{At: at.UTC(), Origin: r.By.Origin, ActorID: clip(r.By.ID, 160), ActorName: clip(r.By.Name, 256),
			Action: r.Action, Subject: clip(r.Subject, 256)}
		if len(r.Changes) > 0 {
			b, err := json.Marshal(r.Changes)
			if err != nil {
				return fmt.Errorf("audit %s: %w", r.Action, err)
			}
			entries[i].Changes = string(b)
		}
	}
	// gorm sets each entry's id from the statement's RETURNING.
	if err := s.orm(ctx).CreateInBatches(&entries, alertBatch).Error; err != nil {
		return fmt.Errorf("audit %d entries: %w", len(entries), err)
	}
	var links []AuditAccount
	for i, r := range rs {
		seen := map[uint]bool{}
		for _, id := range r.Accounts {
			if !seen[id] {
				seen[id] = true
				links = append(links, AuditAccount{AccountID: id, EntryID: entries[i].ID})
			}
		}
	}
	if len(links) == 0 {
		return nil
	}
	if err := s.orm(ctx).CreateInBatches(&links, alertBatch).Error; err != nil {
		return fmt.Errorf("audit %d entries: accounts: %w", len(entries), err)
	}
	return nil
}

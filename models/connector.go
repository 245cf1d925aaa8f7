package models

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"
)

// What the webhook connectors (Stripe, Segment, Zendesk, HubSpot, Intercom)
// keep besides the records they write through ingestion: the events taken
// in (a vendor's retry is recognised), the mapping of vendor ids to
// accounts, the events parked until such a mapping exists, the newest
// version applied of every vendor object (an older event never overwrites
// a newer state), and each subscription's share of its account's MRR.

// ConnectorModels lists the connectors' tables for migrations.
var ConnectorModels = []any{&ConnectorEvent{}, &ConnectorMapping{}, &ParkedEvent{}, &ConnectorVersion{},
	&ConnectorSubscription{}, &ConnectorChurn{}}

// ConnectorEvent records that a vendor event was taken in. (Source,
// EventID) is the primary key, so a retried delivery, on any replica,
// finds its event there and changes nothing.
type ConnectorEvent struct {
	Source  string `gorm:"primaryKey;size:16"`
	EventID string `gorm:"primaryKey;size:255"`
	// ReceivedAt is when the delivery arrived; events older than any
	// vendor's retry window are pruned by it.
	ReceivedAt time.Time `gorm:"not null;index"`
}

// TableName names the table "connector_events".
func (ConnectorEvent) TableName() string { return "connector_events" }

// ConnectorMapping ties a vendor's id for a customer (a Stripe customer, a
// Segment group or user, a Zendesk organization, a HubSpot or Intercom
// company) to an account. A manual mapping (healthbot map, /health admin
// map) wins over an automatic one (a vendor's own link, such as Stripe's
// metadata.healthbot_account), which never replaces it.
type ConnectorMapping struct {
	Source    string `gorm:"primaryKey;size:16"`
	SourceID  string `gorm:"primaryKey;size:255"`
	AccountID uint   `gorm:"not null;index"`
	Manual    bool   `gorm:"not null;default:false"`
	UpdatedAt time.Time
}

// TableName names the table "connector_mappings".
func (ConnectorMapping) TableName() string { return "connector_mappings" }

// ParkedEvent is an event whose account could not be found, kept whole
// until a mapping of (Source, SourceID) appears and it is replayed.
type ParkedEvent struct {
	Source  string `gorm:"primaryKey;size:16;index:parked_waiting,priority:1"`
	EventID string `gorm:"primaryKey;size:255"`
	// SourceID is the vendor's id of the customer the event waits for.
	SourceID string `gorm:"size:255;not null;index:parked_waiting,priority:2"`
	// External is the account external id the vendor named, when it named
	// one no account has: a hint for whoever maps it.
	External   string    `gorm:"size:255"`
	Type       string    `gorm:"size:64"`
	Payload    string    `gorm:"type:text;not null"`
	ReceivedAt time.Time `gorm:"not null"`
	Day        string    `gorm:"size:10;not null"` // ReceivedAt's day, for the listing's first and last
}

// TableName names the table "parked_events".
func (ParkedEvent) TableName() string { return "parked_events" }

// ConnectorVersion is the newest version applied of one vendor object
// (Kind "invoice", "ticket", "subscription", "link") or of one field of
// it (Kind "account", Field the account field): an event carrying an older
// version is not applied.
type ConnectorVersion struct {
	Source   string `gorm:"primaryKey;size:16"`
	Kind     string `gorm:"primaryKey;size:16"`
	ObjectID string `gorm:"primaryKey;size:255"`
	Field    string `gorm:"primaryKey;size:64"`
	Version  int64  `gorm:"not null"`
}

// TableName names the table "connector_versions".
func (ConnectorVersion) TableName() string { return "connector_versions" }

// ConnectorSubscription is one subscription's latest state: an account's
// MRR is the sum of its live subscriptions, which no single vendor event
// states.
type ConnectorSubscription struct {
	Source       string `gorm:"primaryKey;size:16"`
	ObjectID     string `gorm:"primaryKey;size:255"`
	AccountID    uint   `gorm:"not null;index"`
	Status       string `gorm:"size:32"`
	Live         bool   `gorm:"not null"`
	MonthlyCents int64  `gorm:"not null"`
	Currency     string `gorm:"size:8"`
	UpdatedAt    time.Time
}

// TableName names the table "connector_subscriptions".
func (ConnectorSubscription) TableName() string { return "connector_subscriptions" }

// ConnectorChurn remembers that a connector set an account's churned date
// (its last subscription ended), so a live subscription later clears it,
// while a churned date set by hand stays.
type ConnectorChurn struct {
	AccountID uint   `gorm:"primaryKey;autoIncrement:false"`
	Source    string `gorm:"size:16;not null"`
	ChurnedOn string `gorm:"size:10;not null"`
}

// TableName names the table "connector_churns".
func (ConnectorChurn) TableName() string { return "connector_churns" }

// EventKey names a vendor event.
type EventKey struct{ Source, EventID string }

// ClaimConnectorEvents records the events and returns those this call was
// the first to record, on any replica: the others were taken in before
// (duplicates). Inside a transaction, a concurrent claim of the same event
// waits for it and then finds the event taken. Repeated keys count once.
func (s *Store) ClaimConnectorEvents(ctx context.Context, keys []EventKey, received []time.Time) (map[EventKey]bool, error) {
	claimed := make(map[EventKey]bool, len(keys))
	first := make(map[EventKey]time.Time, len(keys))
	for i, k := range keys {
		if _, seen := first[k]; !seen {
			first[k] = received[i].UTC()
		}
	}
	// In key order, so two transactions claiming some of the same events
	// lock them in the same order and cannot deadlock.
	sorted := slices.SortedFunc(maps.Keys(first), func(a, b EventKey) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.EventID, b.EventID))
	})
	srcs, ids, ats := make([]string, len(sorted)), make([]string, len(sorted)), make([]time.Time, len(sorted))
	for i, k := range sorted {
		srcs[i], ids[i], ats[i] = k.Source, k.EventID, first[k]
	}
	for start := 0; start < len(ids); start += IngestChunk {
		end := min(start+IngestChunk, len(ids))
		var got []EventKey
		var err error
		if s.dialect == DialectPostgres {
			err = s.orm(ctx).Raw(`INSERT INTO connector_events (source, event_id, received_at)
				SELECT * FROM unnest(?::text[], ?::text[], ?::timestamptz[])
				ON CONFLICT DO NOTHING RETURNING source, event_id`,
				pgArray(srcs[start:end]), pgArray(ids[start:end]), pgArray(ats[start:end])).Scan(&got).Error
		} else {
			args := make([]any, 0, 3*(end-start))
			for i := start; i < end; i++ {
				args = append(args, srcs[i], ids[i], ats[i])
			}
			err = s.orm(ctx).Raw("INSERT INTO connector_events (source, event_id, received_at) VALUES "+
				placeholders(end-start, 3)+" ON CONFLICT DO NOTHING RETURNING source, event_id", args...).Scan(&got).Error
		}
		if err != nil {
			return nil, fmt.Errorf("claim connector events: %w", err)
		}
		for _, r := range got {
			claimed[r] = true
		}
	}
	return claimed, nil
}

// PruneConnectorEvents forgets the events received before the given time,
// which no vendor retries any more, and returns how many.
func (s *Store) PruneConnectorEvents(ctx context.Context, before time.Time) (int64, error) {
	res := s.orm(ctx).Where("received_at < ?", before.UTC()).Delete(&ConnectorEvent{})
	if res.Error != nil {
		return 0, fmt.Errorf("prune connector events: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// VersionKey names what a ConnectorVersion orders.
type VersionKey struct{ Source, Kind, ObjectID, Field string }

// ClaimConnectorVersions stores each version that is newer than the one
// stored for its key (or the first for it) and returns the keys whose
// version it stored: only their records may be applied. It decides in the
// database, row by row, so two replicas applying events for the same
// object cannot both win with the older one. Give each key once.
func (s *Store) ClaimConnectorVersions(ctx context.Context, versions map[VersionKey]int64) (map[VersionKey]bool, error) {
	won := make(map[VersionKey]bool, len(versions))
	// In key order, as ClaimConnectorEvents, against deadlocks.
	keys := slices.SortedFunc(maps.Keys(versions), func(a, b VersionKey) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Kind, b.Kind),
			cmp.Compare(a.ObjectID, b.ObjectID), cmp.Compare(a.Field, b.Field))
	})
	const conflict = ` ON CONFLICT (source, kind, object_id, field) DO UPDATE SET version = excluded.version
		WHERE connector_versions.version < excluded.version RETURNING source, kind, object_id, field`
	for _, part := range chunks(keys, IngestChunk) {
		var got []VersionKey
		var err error
		if s.dialect == DialectPostgres {
			cols := [4][]string{}
			vs := make([]int64, len(part))
			for i, k := range part {
				cols[0], cols[1] = append(cols[0], k.Source), append(cols[1], k.Kind)
				cols[2], cols[3] = append(cols[2], k.ObjectID), append(cols[3], k.Field)
				vs[i] = versions[k]
			}
			err = s.orm(ctx).Raw(`INSERT INTO connector_versions (source, kind, object_id, field, version)
				SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[])`+conflict,
				pgArray(cols[0]), pgArray(cols[1]), pgArray(cols[2]), pgArray(cols[3]), pgArray(vs)).Scan(&got).Error
		} else {
			args := make([]any, 0, 5*len(part))
			for _, k := range part {
				args = append(args, k.Source, k.Kind, k.ObjectID, k.Field, versions[k])
			}
			err = s.orm(ctx).Raw("INSERT INTO connector_versions (source, kind, object_id, field, version) VALUES "+
				placeholders(len(part), 5)+conflict, args...).Scan(&got).Error
		}
		if err != nil {
			return nil, fmt.Errorf("claim connector versions: %w", err)
		}
		for _, k := range got {
			won[k] = true
		}
	}
	return won, nil
}

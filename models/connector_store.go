package models

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"gorm.io/gorm/clause"
)

// ConnectorMappings loads the mappings of the given vendor ids of source,
// keyed by vendor id.
func (s *Store) ConnectorMappings(ctx context.Context, source string, sourceIDs []string) (map[string]ConnectorMapping, error) {
	out := make(map[string]ConnectorMapping, len(sourceIDs))
	for _, part := range chunks(sourceIDs, IngestChunk) {
		var rows []ConnectorMapping
		if err := s.orm(ctx).Where("source = ? AND source_id IN ?", source, part).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("load %s mappings: %w", source, err)
		}
		for _, m := range rows {
			out[m.SourceID] = m
		}
	}
	return out, nil
}

// SetConnectorMapping maps m.Source's m.SourceID to m.AccountID and
// reports whether anything changed. An automatic mapping (Manual false)
// never replaces a manual one; a manual mapping replaces whatever is there.
// The database decides, in one statement, so a link applied by another
// replica at the same moment cannot undo a manual mapping.
func (s *Store) SetConnectorMapping(ctx context.Context, m ConnectorMapping, now time.Time) (changed bool, err error) {
	m.UpdatedAt = now.UTC()
	res := s.orm(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "source"}, {Name: "source_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"account_id", "manual", "updated_at"}),
		Where: clause.Where{Exprs: []clause.Expression{clause.Expr{
			SQL: "(excluded.manual OR NOT connector_mappings.manual) AND " +
				"(connector_mappings.account_id <> excluded.account_id OR connector_mappings.manual <> excluded.manual)"}}},
	}).Create(&m)
	if res.Error != nil {
		return false, fmt.Errorf("map %s %s: %w", m.Source, m.SourceID, res.Error)
	}
	return res.RowsAffected > 0, nil
}

// AccountExternalIDs maps account ids to their external ids; ids that do
// not exist are absent.
func (s *Store) AccountExternalIDs(ctx context.Context, ids []uint) (map[uint]string, error) {
	out := make(map[uint]string, len(ids))
	for _, part := range chunks(ids, IngestChunk) {
		var rows []struct {
			ID         uint
			ExternalID string
		}
		if err := s.orm(ctx).Model(&Account{}).Select("id", "external_id").Where("id IN ?", part).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("look up account external ids: %w", err)
		}
		for _, r := range rows {
			out[r.ID] = r.ExternalID
		}
	}
	return out, nil
}

// AccountByExternalID loads one account by its external id (ErrNotFound
// when absent).
func (s *Store) AccountByExternalID(ctx context.Context, externalID string) (Account, error) {
	found, err := s.AccountsByExternalID(ctx, []string{externalID})
	if err != nil {
		return Account{}, err
	}
	a, ok := found[externalID]
	if !ok {
		return Account{}, fmt.Errorf("account with external id %q: %w", externalID, ErrNotFound)
	}
	return a, nil
}

// ParkEvents stores events to replay once their account is mapped; an
// event already parked is left as it is.
func (s *Store) ParkEvents(ctx context.Context, events []ParkedEvent) error {
	for i := range events {
		events[i].ReceivedAt = events[i].ReceivedAt.UTC()
		events[i].Day = s.DayOf(events[i].ReceivedAt)
	}
	if _, err := insertChunks(ctx, s.db, events, clause.OnConflict{DoNothing: true}); err != nil {
		return fmt.Errorf("park connector events: %w", err)
	}
	return nil
}

// TakeParkedEvents removes and returns the events parked under the given
// vendor ids of source, oldest first, for replay: one DELETE … RETURNING,
// so two replicas replaying at once never both take an event. Events that
// cannot be applied yet are parked again by the caller, in the same
// transaction.
func (s *Store) TakeParkedEvents(ctx context.Context, source string, sourceIDs []string) ([]ParkedEvent, error) {
	var out []ParkedEvent
	for _, part := range chunks(sourceIDs, IngestChunk) {
		var rows []ParkedEvent
		if err := s.orm(ctx).Raw("DELETE FROM parked_events WHERE source = ? AND source_id IN ? RETURNING *", source, part).
			Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("take parked %s events: %w", source, err)
		}
		out = append(out, rows...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].ReceivedAt.Equal(out[j].ReceivedAt) {
			return out[i].ReceivedAt.Before(out[j].ReceivedAt)
		}
		return out[i].EventID < out[j].EventID
	})
	return out, nil
}

// ParkedForAccounts lists, by source, the vendor ids under which events
// wait that name an account external id an account now has (one created
// since they were parked, by ingestion or by a connector): what a replay
// can now apply. With externals, only events naming one of those; nil:
// any.
func (s *Store) ParkedForAccounts(ctx context.Context, externals []string) (map[string][]string, error) {
	if externals != nil && len(externals) == 0 {
		return nil, nil
	}
	// A batch of accounts can name more external ids than a statement can
	// bind (SQLite allows 32,766 variables, PostgreSQL 65,535): they are
	// asked for a thousand at a time.
	const chunk = 1000
	seen := map[[2]string]bool{}
	out := map[string][]string{}
	for start := 0; start == 0 || start < len(externals); start += chunk {
		q := `SELECT DISTINCT p.source, p.source_id FROM parked_events p JOIN accounts a ON a.external_id = p.external
		WHERE p.external <> ''`
		var args []any
		if externals != nil {
			q += " AND p.external IN ?"
			args = append(args, externals[start:min(start+chunk, len(externals))])
		}
		var rows []struct{ Source, SourceID string }
		if err := s.orm(ctx).Raw(q+" ORDER BY p.source, p.source_id", args...).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("parked events for accounts: %w", err)
		}
		for _, r := range rows {
			if k := [2]string{r.Source, r.SourceID}; !seen[k] {
				seen[k] = true
				out[r.Source] = append(out[r.Source], r.SourceID)
			}
		}
		if externals == nil {
			break
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	for _, ids := range out {
		slices.Sort(ids)
	}
	return out, nil
}

// ParkedGroup is the events parked under one vendor id: how many, of which
// types, received on which days.
type ParkedGroup struct {
	Source, SourceID string
	External         string // an external id the vendor named, "" when none
	Events           int
	Types            map[string]int
	FirstDay         string
	LastDay          string
}

// ParkedGroups summarises the parked events per source and vendor id, the
// most events first, at most limit groups (0: all), and says how many
// groups there are in all.
func (s *Store) ParkedGroups(ctx context.Context, limit int) (groups []ParkedGroup, total int, err error) {
	var rows []struct {
		Source, SourceID, Type string
		External               string
		N                      int
		First, Last            string
	}
	err = s.orm(ctx).Raw(`SELECT source, source_id, type, MAX(external) AS external, COUNT(*) AS n,
		MIN(day) AS first, MAX(day) AS last FROM parked_events GROUP BY source, source_id, type`).Scan(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("summarise parked events: %w", err)
	}
	byKey := map[[2]string]*ParkedGroup{}
	for _, r := range rows {
		k := [2]string{r.Source, r.SourceID}
		g := byKey[k]
		if g == nil {
			g = &ParkedGroup{Source: r.Source, SourceID: r.SourceID, Types: map[string]int{}, FirstDay: r.First, LastDay: r.Last}
			byKey[k] = g
		}
		g.Events += r.N
		g.Types[r.Type] += r.N
		g.External = max(g.External, r.External)
		g.FirstDay, g.LastDay = min(g.FirstDay, r.First), max(g.LastDay, r.Last)
	}
	for _, g := range byKey {
		groups = append(groups, *g)
	}
	sort.Slice(groups, func(i, j int) bool {
		a, b := groups[i], groups[j]
		if a.Events != b.Events {
			return a.Events > b.Events
		}
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.SourceID < b.SourceID
	})
	total = len(groups)
	if limit > 0 && len(groups) > limit {
		groups = groups[:limit]
	}
	return groups, total, nil
}

// ConnectorSubscriptionsOf loads every subscription of the given accounts,
// and the subscriptions named by keys wherever they are, keyed by source
// and object id.
func (s *Store) ConnectorSubscriptionsOf(ctx context.Context, accountIDs []uint, keys [][2]string) (map[[2]string]ConnectorSubscription, error) {
	out := map[[2]string]ConnectorSubscription{}
	add := func(rows []ConnectorSubscription) {
		for _, r := range rows {
			out[[2]string{r.Source, r.ObjectID}] = r
		}
	}
	for _, part := range chunks(accountIDs, IngestChunk) {
		var rows []ConnectorSubscription
		if err := s.orm(ctx).Where("account_id IN ?", part).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("load subscriptions: %w", err)
		}
		add(rows)
	}
	bySource := map[string][]string{}
	for _, k := range keys {
		bySource[k[0]] = append(bySource[k[0]], k[1])
	}
	for src, ids := range bySource {
		for _, part := range chunks(ids, IngestChunk) {
			var rows []ConnectorSubscription
			if err := s.orm(ctx).Where("source = ? AND object_id IN ?", src, part).Find(&rows).Error; err != nil {
				return nil, fmt.Errorf("load subscriptions: %w", err)
			}
			add(rows)
		}
	}
	return out, nil
}

// SaveConnectorSubscriptions upserts subscriptions by source and object id.
func (s *Store) SaveConnectorSubscriptions(ctx context.Context, rows []ConnectorSubscription, now time.Time) error {
	for i := range rows {
		rows[i].UpdatedAt = now.UTC()
	}
	_, err := insertChunks(ctx, s.db, rows, upsertOn([]string{"source", "object_id"},
		"account_id", "status", "live", "monthly_cents", "currency", "updated_at"))
	if err != nil {
		return fmt.Errorf("save subscriptions: %w", err)
	}
	return nil
}

// ConnectorChurns loads the churned dates connectors set for the given
// accounts, keyed by account id.
func (s *Store) ConnectorChurns(ctx context.Context, accountIDs []uint) (map[uint]ConnectorChurn, error) {
	out := map[uint]ConnectorChurn{}
	for _, part := range chunks(accountIDs, IngestChunk) {
		var rows []ConnectorChurn
		if err := s.orm(ctx).Where("account_id IN ?", part).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("load connector churns: %w", err)
		}
		for _, r := range rows {
			out[r.AccountID] = r
		}
	}
	return out, nil
}

// SetConnectorChurns records the churned dates connectors set, and
// forgets those of the accounts in cleared.
func (s *Store) SetConnectorChurns(ctx context.Context, set []ConnectorChurn, cleared []uint) error {
	if len(cleared) > 0 {
		if err := s.orm(ctx).Where("account_id IN ?", cleared).Delete(&ConnectorChurn{}).Error; err != nil {
			return fmt.Errorf("clear connector churns: %w", err)
		}
	}
	if _, err := insertChunks(ctx, s.db, set, upsertOn([]string{"account_id"}, "source", "churned_on")); err != nil {
		return fmt.Errorf("set connector churns: %w", err)
	}
	return nil
}

package models

import (
	"context"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm/clause"
)

// OrgAggregate is one organisation-wide figure a full rescore computed for
// its day, kept so that scoring one account (a card, a pulse's rescore)
// reads it instead of aggregating the whole organisation per call: the
// number of active accounts, the tickets they opened in a support window,
// the distinct features seen in a feature-seen window. Name says which,
// Since is the window's first day ("" for the account count). A day's rows
// are replaced by each full rescore of that day; a day without them is
// aggregated live, as before.
type OrgAggregate struct {
	Day       string `gorm:"primaryKey;size:10"`
	Name      string `gorm:"primaryKey;size:32"`
	Since     string `gorm:"primaryKey;size:10"`
	Value     int64  `gorm:"not null"`
	UpdatedAt time.Time
}

// The names of OrgAggregate.
const (
	OrgActiveAccounts = "active_accounts" // accounts active on the day
	OrgTickets        = "tickets"         // tickets those accounts opened since Since
	OrgFeaturesSeen   = "features_seen"   // distinct non-empty features used since Since
)

// orgFigures collects the organisation-wide figures a gather over every
// account computes anyway, for SaveOrgAggregates.
type orgFigures struct {
	day  string
	mu   sync.Mutex // reads running at once (WithParallelReads) add to rows
	rows []OrgAggregate
}

func (o *orgFigures) add(name, since string, v int64) {
	if o == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, r := range o.rows {
		if r.Name == name && r.Since == since {
			return
		}
	}
	o.rows = append(o.rows, OrgAggregate{Day: o.day, Name: name, Since: since, Value: v})
}

// list is the figures collected (nil for no collector).
func (o *orgFigures) list() []OrgAggregate {
	if o == nil {
		return nil
	}
	return o.rows
}

// storedMean is the organisation's mean tickets in w's support window from
// the day's saved figures, if saved.
func storedMean(stored map[string]int64, w sigWindow) (float64, bool) {
	accounts, ok1 := storedOrg(stored, OrgActiveAccounts, "")
	tickets, ok2 := storedOrg(stored, OrgTickets, w.support)
	if !ok1 || !ok2 {
		return 0, false
	}
	return mean(tickets, accounts), true
}

// SaveOrgAggregates replaces rows' figures (upsert by day, name, since).
func (s *Store) SaveOrgAggregates(ctx context.Context, rows []OrgAggregate, now time.Time) error {
	if len(rows) == 0 {
		return nil
	}
	for i := range rows {
		rows[i].UpdatedAt = now.UTC()
	}
	err := s.orm(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "day"}, {Name: "name"}, {Name: "since"}},
		DoUpdates: clause.AssignmentColumns([]string{"value", "updated_at"}),
	}).Create(&rows).Error
	if err != nil {
		return fmt.Errorf("save org aggregates: %w", err)
	}
	return nil
}

// OrgAggregates returns the figures stored for day, keyed by name and
// since ("name/since").
func (s *Store) OrgAggregates(ctx context.Context, day time.Time) (map[string]int64, error) {
	var rows []OrgAggregate
	if err := s.orm(ctx).Where("day = ?", dayKey(day)).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("org aggregates: %w", err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.Name+"/"+r.Since] = r.Value
	}
	return out, nil
}

// storedOrg looks a figure up in a day's stored aggregates (nil: none).
func storedOrg(m map[string]int64, name, since string) (int64, bool) {
	v, ok := m[name+"/"+since]
	return v, ok
}

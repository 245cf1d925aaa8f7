package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
)

// Applier applies connector events to a store.
type Applier struct {
	Store *models.Store
	// Now is the clock (default time.Now): a date more than a day ahead of
	// today, in the organisation's time zone, is refused.
	Now func() time.Time
}

func (a *Applier) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// Apply applies events in one transaction and reports what became of each.
// An event a record of which ingestion refuses is rejected alone: the
// transaction is rolled back and run again without it, so the others are
// still applied and nothing of it is. An error means nothing was written
// (the database failed); the caller answers the vendor so that it
// delivers again.
func (a *Applier) Apply(ctx context.Context, events []Event) (Report, error) {
	now := a.now()
	latest := ingestion.LatestEventDay(a.Store, func() time.Time { return now })
	outcomes := make([]Outcome, len(events))
	var todo []*Event
	for i := range events {
		ev := &events[i]
		outcomes[i] = Outcome{Source: ev.Source, ID: ev.ID, Type: shortType(ev.Type), Received: ev.Received}
		if reason := check(ev, latest, a.Store.DayOf); reason != "" {
			outcomes[i].Result, outcomes[i].Reason = ResultRejected, reason
			continue
		}
		todo = append(todo, ev)
	}
	p, err := a.inTx(ctx, now, func(ctx context.Context, p *pass) error {
		var fresh []*Event
		for _, ev := range todo {
			if _, bad := p.rejected[keyOf(ev)]; !bad {
				fresh = append(fresh, ev)
			}
		}
		return p.apply(ctx, fresh, false)
	})
	if err != nil {
		return Report{}, fmt.Errorf("apply connector events: %w", err)
	}
	rep := p.report()
	rep.Outcomes = outcomes
	for i := range events {
		ev := &events[i]
		if o, ok := p.results[ev]; ok {
			rep.Outcomes[i].Result, rep.Outcomes[i].Reason, rep.Outcomes[i].Account = o.Result, o.Reason, o.Account
		} else if reason, bad := p.rejected[keyOf(ev)]; bad && outcomes[i].Result == "" {
			rep.Outcomes[i].Result, rep.Outcomes[i].Reason = ResultRejected, reason
		}
	}
	return rep, nil
}

// inTx runs fn on a fresh pass in one transaction. When ingestion refuses
// some events' records, it rolls back and runs fn again with those events
// known as rejected, until an attempt holds.
func (a *Applier) inTx(ctx context.Context, now time.Time, fn func(ctx context.Context, p *pass) error) (*pass, error) {
	rejected := map[models.EventKey]string{}
	for {
		var p *pass
		err := a.Store.WithTx(ctx, func(tx *models.Store) error {
			p = &pass{a: a, tx: tx, now: now, rejected: rejected, results: map[*Event]Outcome{},
				touched: map[uint]bool{}, mapped: map[[2]string]bool{}}
			return fn(ctx, p)
		})
		var re *rejectError
		if errors.As(err, &re) {
			n := len(rejected)
			maps.Copy(rejected, re.events)
			if len(rejected) > n {
				continue // without the events just rejected
			}
		}
		return p, err
	}
}

// report is what the pass did beside the outcomes of the events given.
func (p *pass) report() Report {
	var rep Report
	for _, ev := range p.replayed {
		rep.Replayed = append(rep.Replayed, p.results[ev])
	}
	rep.Accounts = slices.Sorted(maps.Keys(p.touched))
	return rep
}

// Map maps source's vendor id to the account (manual: automatic links no
// longer change it) and replays the events parked under that id, in one
// transaction, with the mapping's entry in the audit trail (by who). changed
// is false when the mapping was there already.
func (a *Applier) Map(ctx context.Context, by models.Actor, source, sourceID string, accountID uint) (rep Report, changed bool, err error) {
	if !slices.Contains(Sources, source) {
		return Report{}, false, fmt.Errorf("map: source %q is not one of %v", source, Sources)
	}
	p, err := a.inTx(ctx, a.now(), func(ctx context.Context, p *pass) error {
		p.touched[accountID] = true
		var err error
		changed, err = p.setMapping(ctx, by, models.ConnectorMapping{Source: source, SourceID: sourceID, AccountID: accountID, Manual: true})
		if err != nil {
			return err
		}
		return p.replay(ctx, source, []string{sourceID})
	})
	if err != nil {
		return Report{}, false, fmt.Errorf("map %s %s: %w", source, sourceID, err)
	}
	return p.report(), changed, nil
}

// ReplayArrived applies, in one transaction, the parked events that name
// an account external id some account now has: accounts created since by
// ingestion (a CSV or API batch of accounts) or by another connector (a
// HubSpot company). With externals, only events naming one of those; nil:
// every such event (after an ingestion of accounts, and at start-up, for
// any a crash between the two left). Events still missing an account
// are parked again.
func (a *Applier) ReplayArrived(ctx context.Context, externals []string) (Report, error) {
	p, err := a.inTx(ctx, a.now(), func(ctx context.Context, p *pass) error {
		return p.replayArrived(ctx, externals)
	})
	if err != nil {
		return Report{}, fmt.Errorf("replay parked events: %w", err)
	}
	return p.report(), nil
}

// replayArrived replays the events parked under the vendor ids whose
// events name an external id an account has (ParkedForAccounts).
func (p *pass) replayArrived(ctx context.Context, externals []string) error {
	waiting, err := p.tx.ParkedForAccounts(ctx, externals)
	if err != nil {
		return err
	}
	for _, src := range slices.Sorted(maps.Keys(waiting)) {
		if err := p.replay(ctx, src, waiting[src]); err != nil {
			return err
		}
	}
	return nil
}

// setMapping stores a mapping and, when it changed, its entry in the audit
// trail, listed in the history of the account it names and of the one it
// named before.
func (p *pass) setMapping(ctx context.Context, by models.Actor, m models.ConnectorMapping) (bool, error) {
	old, err := p.tx.ConnectorMappings(ctx, m.Source, []string{m.SourceID})
	if err != nil {
		return false, err
	}
	changed, err := p.tx.SetConnectorMapping(ctx, m, p.now)
	if err != nil || !changed {
		return changed, err
	}
	slug := func(id uint) (string, error) {
		if id == 0 {
			return "", nil
		}
		a, err := p.tx.Account(ctx, id)
		if errors.Is(err, models.ErrNotFound) {
			return "", nil
		}
		return a.Slug, err
	}
	oldID := old[m.SourceID].AccountID
	oldSlug, err := slug(oldID)
	if err != nil {
		return false, err
	}
	newSlug, err := slug(m.AccountID)
	if err != nil {
		return false, err
	}
	return true, p.tx.Audit(ctx, models.MapAudit(p.now, by, m.Source, m.SourceID, oldID, oldSlug, m.AccountID, newSlug))
}

// pass is one attempt at applying events, inside one transaction.
type pass struct {
	a        *Applier
	tx       *models.Store
	now      time.Time
	rejected map[models.EventKey]string // refused by ingestion in an earlier attempt
	results  map[*Event]Outcome
	replayed []*Event
	touched  map[uint]bool
	mapped   map[[2]string]bool // (source, vendor id) replayed in this transaction
}

// rejectError names the events whose records ingestion refused; the
// attempt is rolled back and made again without them.
type rejectError struct{ events map[models.EventKey]string }

func (e *rejectError) Error() string {
	return fmt.Sprintf("%d connector events rejected", len(e.events))
}

func (e *rejectError) add(ev *Event, reason string) {
	if _, ok := e.events[keyOf(ev)]; !ok {
		e.events[keyOf(ev)] = reason
	}
}

func keyOf(ev *Event) models.EventKey { return models.EventKey{Source: ev.Source, EventID: ev.ID} }

func (p *pass) set(ev *Event, result, reason string) {
	p.results[ev] = Outcome{Source: ev.Source, ID: ev.ID, Type: shortType(ev.Type), Result: result, Reason: reason, Received: ev.Received}
}

// apply takes events in (claiming them, unless they are replayed parked
// events, claimed when they first arrived), parks those whose account is
// unknown, and writes the rest.
func (p *pass) apply(ctx context.Context, events []*Event, replayed bool) error {
	if !replayed {
		var err error
		if events, err = p.claim(ctx, events); err != nil {
			return err
		}
	}
	if len(events) == 0 {
		return nil
	}
	res, err := p.resolve(ctx, events)
	if err != nil {
		return err
	}
	var ready []*Event
	var park []models.ParkedEvent
	for _, ev := range events {
		id, external, ok := res.missing(ev)
		if ok {
			ready = append(ready, ev)
			continue
		}
		payload, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("park %s event %s: %w", ev.Source, ev.ID, err)
		}
		park = append(park, models.ParkedEvent{Source: ev.Source, EventID: ev.ID, SourceID: id, External: external,
			Type: shortType(ev.Type), Payload: string(payload), ReceivedAt: ev.Received})
		p.set(ev, ResultParked, fmt.Sprintf("no account is mapped to %s %s", ev.Source, id))
	}
	if err := p.tx.ParkEvents(ctx, park); err != nil {
		return err
	}
	return p.write(ctx, ready, res)
}

// claim records the events as taken in and keeps those this pass was the
// first to take: the others (and a second copy within events) are
// duplicates.
func (p *pass) claim(ctx context.Context, events []*Event) ([]*Event, error) {
	keys := make([]models.EventKey, len(events))
	received := make([]time.Time, len(events))
	for i, ev := range events {
		keys[i], received[i] = keyOf(ev), ev.Received
	}
	claimed, err := p.tx.ClaimConnectorEvents(ctx, keys, received)
	if err != nil {
		return nil, err
	}
	var kept []*Event
	for _, ev := range events {
		if !claimed[keyOf(ev)] {
			p.set(ev, ResultDuplicate, "")
			continue
		}
		delete(claimed, keyOf(ev))
		kept = append(kept, ev)
	}
	return kept, nil
}

// replay applies the events parked under the given vendor ids of source,
// once per transaction and id. An event ingestion refused in an earlier
// attempt stays parked, where the unmapped list keeps showing it.
func (p *pass) replay(ctx context.Context, source string, ids []string) error {
	var todo []string
	for _, id := range ids {
		if k := [2]string{source, id}; !p.mapped[k] {
			p.mapped[k] = true
			todo = append(todo, id)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	parked, err := p.tx.TakeParkedEvents(ctx, source, todo)
	if err != nil {
		return err
	}
	var events []*Event
	var keep []models.ParkedEvent
	for _, pe := range parked {
		ev := &Event{}
		if err := json.Unmarshal([]byte(pe.Payload), ev); err != nil {
			return fmt.Errorf("replay %s event %s: %w", pe.Source, pe.EventID, err)
		}
		p.replayed = append(p.replayed, ev)
		if reason, bad := p.rejected[keyOf(ev)]; bad {
			p.set(ev, ResultRejected, reason)
			keep = append(keep, pe)
			continue
		}
		events = append(events, ev)
	}
	if err := p.tx.ParkEvents(ctx, keep); err != nil {
		return err
	}
	return p.apply(ctx, events, true)
}

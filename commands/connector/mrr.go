package connector

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
)

// subChange is a subscription record being applied to its account.
type subChange struct {
	ev       *Event
	rec      *Record
	account  uint
	external string
	churn    *Record // the event's churn record for the subscription, if any
}

// mrrDay is an account's MRR history row being written.
type mrrDay struct {
	account uint
	day     string
}

// subscriptions applies subscription changes, oldest first. Each
// subscription's row takes its new state; its account's MRR becomes the
// sum of the account's live subscriptions, written to the account and to
// its MRR history on the day the change took effect. An account whose
// last live subscription ends is churned that day, unless a churned date
// is set already; one that has a live subscription again loses the
// churned date a connector set (not one set by hand).
func (p *pass) subscriptions(ctx context.Context, changes []subChange, w *writes) error {
	if len(changes) == 0 {
		return nil
	}
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].rec.Version < changes[j].rec.Version })
	ext := map[uint]string{}
	owners := map[uint][]*Event{}
	var keys [][2]string
	for _, c := range changes {
		ext[c.account] = c.external
		keys = append(keys, [2]string{c.ev.Source, c.rec.Object})
	}
	stored, err := p.tx.ConnectorSubscriptionsOf(ctx, slices.Collect(maps.Keys(ext)), keys)
	if err != nil {
		return err
	}
	byAccount := map[uint]map[[2]string]models.ConnectorSubscription{}
	put := func(k [2]string, s models.ConnectorSubscription) {
		if byAccount[s.AccountID] == nil {
			byAccount[s.AccountID] = map[[2]string]models.ConnectorSubscription{}
		}
		byAccount[s.AccountID][k] = s
	}
	for k, s := range stored {
		put(k, s)
	}
	history := map[mrrDay]int64{}
	final := map[uint]int64{}
	churnOn := map[uint]models.ConnectorChurn{}
	revived := map[uint]bool{}
	var rows []models.ConnectorSubscription
	for _, c := range changes {
		k := [2]string{c.ev.Source, c.rec.Object}
		day := p.tx.DayOf(c.rec.At)
		if old, ok := stored[k]; ok && old.AccountID != c.account {
			// The subscription moved to another account (its customer
			// was mapped anew): the old account loses its share.
			delete(byAccount[old.AccountID], k)
			final[old.AccountID] = liveSum(byAccount[old.AccountID])
			history[mrrDay{old.AccountID, day}] = final[old.AccountID]
			owners[old.AccountID] = append(owners[old.AccountID], c.ev)
		}
		before := liveCount(byAccount[c.account])
		s := c.rec.Subscription
		row := models.ConnectorSubscription{Source: c.ev.Source, ObjectID: c.rec.Object, AccountID: c.account,
			Status: s.Status, Live: s.Live, MonthlyCents: s.MonthlyCents, Currency: s.Currency}
		if !s.Live {
			row.MonthlyCents = 0
		}
		stored[k] = row
		put(k, row)
		rows = append(rows, row)
		after := liveCount(byAccount[c.account])
		final[c.account] = liveSum(byAccount[c.account])
		history[mrrDay{c.account, day}] = final[c.account]
		owners[c.account] = append(owners[c.account], c.ev)
		switch {
		case c.churn != nil && before > 0 && after == 0:
			churnOn[c.account] = models.ConnectorChurn{AccountID: c.account, Source: c.ev.Source, ChurnedOn: p.tx.DayOf(c.churn.EndedAt)}
			delete(revived, c.account)
		case before == 0 && after > 0:
			revived[c.account] = true
			delete(churnOn, c.account)
		}
	}
	if err := p.tx.SaveConnectorSubscriptions(ctx, rows, p.now); err != nil {
		return err
	}
	if err := p.externals(ctx, ext, final); err != nil {
		return err
	}
	for _, id := range slices.Sorted(maps.Keys(final)) {
		w.account(owners[id][0].Source, ext[id], map[string]string{"mrr": cents(final[id])}, owners[id]...)
	}
	for _, d := range slices.SortedFunc(maps.Keys(history), func(a, b mrrDay) int {
		return cmp.Or(cmp.Compare(a.account, b.account), cmp.Compare(a.day, b.day))
	}) {
		w.add(ingestion.KindMRR, map[string]string{"account": ext[d.account], "effective_on": d.day, "mrr": cents(history[d])}, owners[d.account]...)
	}
	return p.churn(ctx, churnOn, revived, ext, owners, w)
}

// externals fills in the external ids of accounts that only lost a
// subscription, which no change named.
func (p *pass) externals(ctx context.Context, ext map[uint]string, final map[uint]int64) error {
	var missing []uint
	for id := range final {
		if _, ok := ext[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	found, err := p.tx.AccountExternalIDs(ctx, missing)
	if err != nil {
		return err
	}
	for _, id := range missing {
		if found[id] == "" {
			delete(final, id) // the account is gone
			continue
		}
		ext[id] = found[id]
	}
	return nil
}

// churn sets the churned dates of accounts whose last subscription ended
// and clears the ones a connector set for accounts live again.
func (p *pass) churn(ctx context.Context, churnOn map[uint]models.ConnectorChurn, revived map[uint]bool,
	ext map[uint]string, owners map[uint][]*Event, w *writes) error {
	if len(churnOn) == 0 && len(revived) == 0 {
		return nil
	}
	ids := append(slices.Collect(maps.Keys(churnOn)), slices.Collect(maps.Keys(revived))...)
	exts := make([]string, 0, len(ids))
	for _, id := range ids {
		exts = append(exts, ext[id])
	}
	accounts, err := p.tx.AccountsByExternalID(ctx, exts)
	if err != nil {
		return err
	}
	set, err := p.tx.ConnectorChurns(ctx, ids)
	if err != nil {
		return err
	}
	var mark []models.ConnectorChurn
	var cleared []uint
	for _, id := range slices.Sorted(maps.Keys(churnOn)) {
		if a := accounts[ext[id]]; a.ChurnedOn == nil {
			w.account(churnOn[id].Source, ext[id], map[string]string{"churned_on": churnOn[id].ChurnedOn}, owners[id]...)
			mark = append(mark, churnOn[id])
		}
	}
	for _, id := range slices.Sorted(maps.Keys(revived)) {
		c, ok := set[id]
		if !ok {
			continue
		}
		if a := accounts[ext[id]]; a.ChurnedOn != nil && *a.ChurnedOn == c.ChurnedOn {
			w.account(owners[id][0].Source, ext[id], map[string]string{"churned_on": ""}, owners[id]...)
		}
		cleared = append(cleared, id)
	}
	return p.tx.SetConnectorChurns(ctx, mark, cleared)
}

func liveCount(subs map[[2]string]models.ConnectorSubscription) int {
	n := 0
	for _, s := range subs {
		if s.Live {
			n++
		}
	}
	return n
}

func liveSum(subs map[[2]string]models.ConnectorSubscription) int64 {
	var sum int64
	for _, s := range subs {
		if s.Live {
			sum += s.MonthlyCents
		}
	}
	return sum
}

// cents formats an amount in cents as ingestion reads money.
func cents(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

package connector

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
)

// write applies the records of events, whose accounts are all known: the
// records not older than what is stored, through ingestion, one statement
// group per kind; then the links, replaying what they let through.
func (p *pass) write(ctx context.Context, events []*Event, r *resolution) error {
	if len(events) == 0 {
		return nil
	}
	v, err := p.versions(ctx, events)
	if err != nil {
		return err
	}
	w := &writes{kinds: map[string]*kindRecords{}, accounts: map[[2]string]int{}}
	applied := map[*Event]bool{}
	var subs []subChange
	var links []*linkChange
	for _, ev := range events {
		for i := range ev.Records {
			rec := &ev.Records[i]
			id, ext, _ := r.account(ev.Source, rec.Account)
			switch rec.Kind {
			case KindActivity:
				w.add(KindActivity, withAccount(rec.Fields, ext), ev)
			case KindTicket, KindInvoice:
				if !v.applies(ev, i, "") {
					continue
				}
				w.add(rec.Kind, withAccount(rec.Fields, ext), ev)
			case KindAccount:
				fields := map[string]string{}
				for f, val := range rec.Fields {
					if v.applies(ev, i, f) {
						fields[f] = val
					}
				}
				if len(fields) == 0 {
					continue
				}
				w.account(ev.Source, ext, fields, ev)
			case KindSubscription:
				if !v.applies(ev, i, "") {
					continue
				}
				subs = append(subs, subChange{ev: ev, rec: rec, account: id, external: ext, churn: churnOf(ev, rec.Object)})
			case KindLink:
				if !v.applies(ev, i, "") {
					continue
				}
				links = append(links, &linkChange{ev: ev, rec: rec})
			case KindChurn:
				continue // applied with its subscription record
			}
			applied[ev] = true
		}
	}
	if err := p.subscriptions(ctx, subs, w); err != nil {
		return err
	}
	if err := p.slugNewAccounts(ctx, r, w); err != nil {
		return err
	}
	known := r.known()
	for _, kind := range []string{KindAccount, KindActivity, KindTicket, KindInvoice, ingestion.KindMRR} {
		if err := p.ingest(ctx, kind, w.kinds[kind], known); err != nil {
			return err
		}
	}
	for _, ev := range events {
		if applied[ev] {
			p.set(ev, ResultWritten, "")
			o := p.results[ev]
			o.Account, _, _ = r.account(ev.Source, ev.Records[0].Account)
			p.results[ev] = o
		} else {
			p.set(ev, ResultIgnored, "older than what is stored")
		}
	}
	if err := p.link(ctx, links, r); err != nil {
		return err
	}
	// Events parked earlier for the accounts these events created (a
	// Segment group, a HubSpot company) can now be applied.
	if len(r.created) > 0 {
		return p.replayArrived(ctx, slices.Sorted(maps.Keys(r.created)))
	}
	return nil
}

// withAccount is a copy of fields naming the account by its external id.
func withAccount(fields map[string]string, external string) map[string]string {
	out := make(map[string]string, len(fields)+1)
	maps.Copy(out, fields)
	out["account"] = external
	return out
}

// churnOf is ev's churn record for the subscription object, nil if none.
func churnOf(ev *Event, object string) *Record {
	for i := range ev.Records {
		if r := &ev.Records[i]; r.Kind == KindChurn && r.Object == object {
			return r
		}
	}
	return nil
}

// writes are the ingestion records a pass writes, by kind, each with the
// events it came from (an accounts record may merge several of a source).
type writes struct {
	kinds    map[string]*kindRecords
	accounts map[[2]string]int // source and external id → index of its accounts record
}

type kindRecords struct {
	recs   []map[string]string
	owners [][]*Event
}

func (w *writes) add(kind string, fields map[string]string, owners ...*Event) {
	k := w.kinds[kind]
	if k == nil {
		k = &kindRecords{}
		w.kinds[kind] = k
	}
	k.recs = append(k.recs, fields)
	k.owners = append(k.owners, owners)
}

// account merges fields into the one accounts record of the account for
// source.
func (w *writes) account(source, external string, fields map[string]string, owners ...*Event) {
	key := [2]string{source, external}
	if i, ok := w.accounts[key]; ok {
		k := w.kinds[KindAccount]
		maps.Copy(k.recs[i], fields)
		for _, o := range owners {
			if !slices.Contains(k.owners[i], o) {
				k.owners[i] = append(k.owners[i], o)
			}
		}
		return
	}
	rec := map[string]string{"external_id": external}
	maps.Copy(rec, fields)
	w.add(KindAccount, rec, owners...)
	w.accounts[key] = len(w.kinds[KindAccount].recs) - 1
}

// slugNewAccounts gives each account the events create a slug no other
// account has: two companies may well share a name.
func (p *pass) slugNewAccounts(ctx context.Context, r *resolution, w *writes) error {
	k := w.kinds[KindAccount]
	if k == nil || len(r.created) == 0 {
		return nil
	}
	var want []string
	for key, i := range w.accounts {
		if r.created[key[1]] && k.recs[i]["slug"] == "" {
			want = append(want, ingestion.Slugify(k.recs[i]["name"]))
		}
	}
	taken, err := p.tx.AccountsBySlug(ctx, want)
	if err != nil {
		return err
	}
	for key, i := range w.accounts {
		if r.created[key[1]] && k.recs[i]["slug"] == "" {
			k.recs[i]["slug"] = newSlug(k.recs[i]["name"], key[1], taken)
		}
	}
	return nil
}

// ingest writes one kind's records through ingestion, in the pass's
// transaction, one batch per source (the audit trail names the connector
// a batch came from). When ingestion refuses records, the events they
// came from are named in a *rejectError (and the attempt is made again
// without them).
func (p *pass) ingest(ctx context.Context, kind string, k *kindRecords, known map[string]uint) error {
	if k == nil {
		return nil
	}
	bySource := map[string]*kindRecords{}
	for i, rec := range k.recs {
		src := k.owners[i][0].Source
		if bySource[src] == nil {
			bySource[src] = &kindRecords{}
		}
		bySource[src].recs = append(bySource[src].recs, rec)
		bySource[src].owners = append(bySource[src].owners, k.owners[i])
	}
	for _, src := range slices.Sorted(maps.Keys(bySource)) {
		if err := p.ingestFrom(ctx, kind, src, bySource[src], known); err != nil {
			return err
		}
	}
	return nil
}

// ingestFrom writes one source's records of a kind.
func (p *pass) ingestFrom(ctx context.Context, kind, source string, k *kindRecords, known map[string]uint) error {
	res, err := ingestion.IngestTx(ctx, p.tx, kind, ingestion.NewRecordsDecoder(k.recs), ingestion.IngestOptions{
		By: models.Actor{Origin: models.OriginConnector, ID: source}, Source: eventsOf(k.owners), At: p.now,
		MaxErrors: len(k.recs) + 1, Now: func() time.Time { return p.now }, PartialAccounts: kind == KindAccount, Accounts: known})
	var be *ingestion.BatchError
	if errors.As(err, &be) {
		re := &rejectError{events: map[models.EventKey]string{}}
		for _, e := range be.Errors {
			if e.Position >= 0 && e.Position < len(k.owners) {
				for _, ev := range k.owners[e.Position] {
					re.add(ev, fmt.Sprintf("%s field %s: %s", kind, e.Field, e.Reason))
				}
			}
		}
		if len(re.events) > 0 {
			return re
		}
	}
	if err != nil {
		return err
	}
	for _, id := range res.Accounts {
		p.touched[id] = true
	}
	return nil
}

// eventsOf names the events records came from, for the audit trail: the
// first event's id, and how many more.
func eventsOf(owners [][]*Event) string {
	seen := map[*Event]bool{}
	first := ""
	for _, os := range owners {
		for _, ev := range os {
			if first == "" {
				first = ev.ID
			}
			seen[ev] = true
		}
	}
	if len(seen) > 1 {
		return fmt.Sprintf("event %s and %d more", first, len(seen)-1)
	}
	return "event " + first
}

// verRef is the record that carries the newest version of a key in a pass.
type verRef struct {
	ev  *Event
	rec int
}

// versions are the newest version of every ordered key among a pass's
// records, and which of them are newer than the stored ones.
type versions struct {
	best map[models.VersionKey]verRef
	won  map[models.VersionKey]bool
}

// versionKey is what orders record i of ev (field: an account field).
func versionKey(ev *Event, rec *Record, field string) (models.VersionKey, bool) {
	k := models.VersionKey{Source: ev.Source, ObjectID: rec.Object}
	switch rec.Kind {
	case KindAccount:
		k.Kind, k.Field = "account", field
	case KindTicket:
		k.Kind = "ticket"
	case KindInvoice:
		k.Kind = "invoice"
	case KindSubscription:
		k.Kind = "subscription"
	case KindLink:
		k.Kind, k.ObjectID = "link", rec.Account.ID
	default:
		return k, false
	}
	return k, true
}

// versions picks, for every ordered key, the pass's record with the
// newest version (the first of equals), and claims it in the database,
// which keeps it only when newer than the stored version.
func (p *pass) versions(ctx context.Context, events []*Event) (*versions, error) {
	v := &versions{best: map[models.VersionKey]verRef{}}
	newest := map[models.VersionKey]int64{}
	consider := func(ev *Event, i int, field string) {
		rec := &ev.Records[i]
		k, ok := versionKey(ev, rec, field)
		if !ok {
			return
		}
		if cur, seen := newest[k]; seen && rec.Version <= cur {
			return
		}
		newest[k], v.best[k] = rec.Version, verRef{ev, i}
	}
	for _, ev := range events {
		for i, rec := range ev.Records {
			if rec.Kind == KindAccount {
				for f := range rec.Fields {
					consider(ev, i, f)
				}
				continue
			}
			consider(ev, i, "")
		}
	}
	var err error
	v.won, err = p.tx.ClaimConnectorVersions(ctx, newest)
	return v, err
}

// applies reports whether record i of ev (its field, for an account
// record) is to be applied: the newest of its key, and newer than stored.
func (v *versions) applies(ev *Event, i int, field string) bool {
	k, ok := versionKey(ev, &ev.Records[i], field)
	if !ok {
		return true
	}
	b := v.best[k]
	return b.ev == ev && b.rec == i && v.won[k]
}

// linkChange is a link record being applied.
type linkChange struct {
	ev  *Event
	rec *Record
}

// link maps each linked vendor id to its account (unless mapped by hand)
// and replays what was parked under the ids newly mapped.
func (p *pass) link(ctx context.Context, links []*linkChange, r *resolution) error {
	newIDs := map[string][]string{}
	var created []string
	for _, l := range links {
		if _, ext, _ := r.target(l.ev.Source, l.rec.Account); r.created[ext] {
			created = append(created, ext)
		}
	}
	ids, err := p.tx.AccountIDsByExternalID(ctx, created)
	if err != nil {
		return err
	}
	for _, l := range links {
		src, vendorID := l.ev.Source, l.rec.Account.ID
		if r.manual(src, vendorID) {
			continue
		}
		id, ext, _ := r.target(src, l.rec.Account)
		if id == 0 {
			id = ids[ext]
		}
		if id == 0 {
			return fmt.Errorf("link %s %s: account %q was not created", src, vendorID, ext)
		}
		changed, err := p.setMapping(ctx, models.Actor{Origin: models.OriginConnector, ID: src},
			models.ConnectorMapping{Source: src, SourceID: vendorID, AccountID: id})
		if err != nil {
			return err
		}
		if changed {
			newIDs[src] = append(newIDs[src], vendorID)
		}
	}
	for _, src := range slices.Sorted(maps.Keys(newIDs)) {
		if err := p.replay(ctx, src, newIDs[src]); err != nil {
			return err
		}
	}
	return nil
}

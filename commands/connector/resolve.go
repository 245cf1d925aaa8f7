package connector

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/healthbot/healthbot/commands/ingestion"
	"github.com/healthbot/healthbot/models"
)

// resolution is where the records of a set of events belong: each
// vendor's customer id by its mapping, else the external id it names,
// looked up for all of them at once.
type resolution struct {
	mappings map[string]map[string]models.ConnectorMapping // source → vendor id → mapping
	external map[uint]string                               // account id → its external id
	byExt    map[string]uint                               // external id → account id, of existing accounts
	// created are the external ids of the accounts the events create (a
	// Segment group call with a name for a group no account has yet).
	created map[string]bool
}

// resolve looks up every account the events' records name.
func (p *pass) resolve(ctx context.Context, events []*Event) (*resolution, error) {
	r := &resolution{mappings: map[string]map[string]models.ConnectorMapping{}, created: map[string]bool{}}
	vendorIDs := map[string]map[string]bool{}
	exts := map[string]bool{}
	addID := func(source, id string) {
		if id == "" {
			return
		}
		if vendorIDs[source] == nil {
			vendorIDs[source] = map[string]bool{}
		}
		vendorIDs[source][id] = true
	}
	for _, ev := range events {
		for _, rec := range ev.Records {
			addID(ev.Source, rec.Account.ID)
			if rec.Account.External != "" {
				exts[rec.Account.External] = true
				if rec.Kind == KindLink {
					addID(ev.Source, rec.Account.External) // a link's target may itself be mapped
				}
			}
		}
	}
	var mapped []uint
	for source, ids := range vendorIDs {
		m, err := p.tx.ConnectorMappings(ctx, source, slices.Collect(maps.Keys(ids)))
		if err != nil {
			return nil, err
		}
		r.mappings[source] = m
		for _, mp := range m {
			mapped = append(mapped, mp.AccountID)
		}
	}
	var err error
	if r.external, err = p.tx.AccountExternalIDs(ctx, mapped); err != nil {
		return nil, err
	}
	if r.byExt, err = p.tx.AccountIDsByExternalID(ctx, slices.Collect(maps.Keys(exts))); err != nil {
		return nil, err
	}
	for _, ev := range events {
		for _, rec := range ev.Records {
			if rec.Kind == KindAccount && rec.Account.External != "" && strings.TrimSpace(rec.Fields["name"]) != "" {
				if _, _, ok := r.account(ev.Source, rec.Account); !ok {
					r.created[rec.Account.External] = true
				}
			}
		}
	}
	return r, nil
}

// account finds the account k names: by its mapping, else by the external
// id it states. id is 0 for an account the events create.
func (r *resolution) account(source string, k AccountKey) (id uint, external string, ok bool) {
	if m, found := r.mappings[source][k.ID]; found && k.ID != "" {
		if ext, exists := r.external[m.AccountID]; exists {
			return m.AccountID, ext, true
		}
	}
	if k.External == "" {
		return 0, "", false
	}
	if id, found := r.byExt[k.External]; found {
		return id, k.External, true
	}
	return 0, k.External, r.created[k.External]
}

// target is the account a link points at: the account whose external id
// it names, or one the vendor mapped that id to.
func (r *resolution) target(source string, k AccountKey) (uint, string, bool) {
	return r.account(source, AccountKey{ID: k.External, External: k.External})
}

// manual reports whether the vendor id has a manual mapping, which a link
// never changes.
func (r *resolution) manual(source, id string) bool {
	m, ok := r.mappings[source][id]
	return ok && m.Manual
}

// missing checks that every record of ev has its account; when one has
// not, ok is false and id is the vendor id the event waits for (external
// the external id it named, if any).
func (r *resolution) missing(ev *Event) (id, external string, ok bool) {
	for _, rec := range ev.Records {
		var found bool
		switch {
		case rec.Kind == KindLink && r.manual(ev.Source, rec.Account.ID):
			found = true
		case rec.Kind == KindLink:
			_, _, found = r.target(ev.Source, rec.Account)
		default:
			_, _, found = r.account(ev.Source, rec.Account)
		}
		if !found {
			id := rec.Account.ID
			if id == "" {
				id = rec.Account.External
			}
			return id, rec.Account.External, false
		}
	}
	return "", "", true
}

// known maps the external ids of the accounts found to their ids, so
// ingestion need not look them up again.
func (r *resolution) known() map[string]uint {
	out := make(map[string]uint, len(r.byExt)+len(r.external))
	for ext, id := range r.byExt {
		out[ext] = id
	}
	for id, ext := range r.external {
		out[ext] = id
	}
	return out
}

// newSlug is a slug for an account the events create: the name's, or
// when another account has it, the name's with the external id's.
func newSlug(name, external string, taken map[string]models.Account) string {
	s := ingestion.Slugify(name)
	if _, used := taken[s]; s != "" && !used {
		return s
	}
	return ingestion.Slugify(name + " " + external)
}

package ingestion

import (
	"context"
	"fmt"

	"github.com/healthbot/healthbot/models"
)

// Accounts are upserted by external_id. A record updates only the fields
// it carries (a CSV column, a JSON key); an empty slug keeps the stored one
// or, for a new account, is made from the name.

func newAccountSink(b *batch) sink {
	slugs := map[string]slugUse{} // slug → first record in this batch using it
	return &rowSink[models.Account]{b: b,
		parse:    func(p *fieldParser) (models.Account, string) { return parseAccount(p, b.partial) },
		key:      func(a models.Account, _ string) string { return a.ExternalID },
		dupField: "external_id",
		dupWhat:  "same external_id",
		merge: func(ctx context.Context, s *rowSink[models.Account], chunk []pending[models.Account]) error {
			return mergeAccounts(ctx, s.b, slugs, chunk)
		},
		write: upsertAccountsAndOwners, // also a CSM row per owner
	}
}

type slugUse struct {
	externalID string
	pos        int
}

// parseAccount validates one accounts record. With partial, name may be
// left out (mergeAccounts then requires it of new accounts only); given,
// it must not be empty either way.
func parseAccount(p *fieldParser, partial bool) (models.Account, string) {
	name := ""
	if _, given := p.rec.Fields["name"]; given || !partial {
		name = p.need("name", 256)
	}
	a := models.Account{
		ExternalID: p.need("external_id", 128), Name: name, Slug: p.str("slug", 128),
		Plan: p.str("plan", 64), Segment: p.str("segment", 64), MRRCents: p.money("mrr", false),
		Seats: p.integer("seats", 0, 1_000_000_000, false), Owner: p.str("owner", 128),
		StartedOn: p.date("started_on"), RenewalOn: p.date("renewal_on"),
		FirstValueOn: p.pastDate("first_value_on"), ChurnedOn: p.date("churned_on"),
		SponsorName: p.str("sponsor_name", 256), SponsorTitle: p.str("sponsor_title", 256),
		SponsorStatus: p.enum("sponsor_status", false, "active", "departed"), Channel: p.str("channel", 128),
	}
	if a.Slug != "" && !validSlug(a.Slug) {
		p.fail("slug", "%s is not a slug (lower-case letters, digits and single hyphens, e.g. %s)", quote(a.Slug), quote(Slugify(a.Slug)))
	}
	return a, ""
}

// mergeAccounts completes each record from its stored account, settles its
// slug, and rejects slugs already taken by another account.
func mergeAccounts(ctx context.Context, b *batch, slugs map[string]slugUse, chunk []pending[models.Account]) error {
	ids := make([]string, len(chunk))
	for i, p := range chunk {
		ids[i] = p.row.ExternalID
	}
	stored, err := b.tx.AccountsByExternalID(ctx, ids)
	if err != nil {
		return err
	}
	var bySlug []string
	for i := range chunk {
		p := &chunk[i]
		has := func(f string) bool { _, ok := p.fields[f]; return ok }
		slugField := "slug"
		if old, ok := stored[p.row.ExternalID]; ok {
			keepAccountFields(&p.row, old, has)
			if p.row.Slug == "" {
				p.row.Slug = old.Slug
			}
		} else if p.row.Name == "" {
			// Only a partial record gets here without a name.
			b.fail(p.pos, "name", "is required: no account has external_id %s yet, and a new account needs a name", quote(p.row.ExternalID))
			continue
		} else if p.row.Slug == "" {
			slugField = "name"
			p.row.Slug = Slugify(p.row.Name)
			if p.row.Slug == "" {
				p.row.Slug = Slugify(p.row.ExternalID)
			}
			if p.row.Slug == "" {
				b.fail(p.pos, "slug", "is required: the name has no letters or digits to make one from")
				continue
			}
		}
		if first, ok := slugs[p.row.Slug]; ok && first.externalID != p.row.ExternalID {
			b.fail(p.pos, slugField, "slug %s is already used by external_id %s at %s %d; set a distinct slug",
				quote(p.row.Slug), quote(first.externalID), b.unit, first.pos)
			continue
		}
		slugs[p.row.Slug] = slugUse{externalID: p.row.ExternalID, pos: p.pos}
		bySlug = append(bySlug, p.row.Slug)
	}
	taken, err := b.tx.AccountsBySlug(ctx, bySlug)
	if err != nil {
		return err
	}
	for _, p := range chunk {
		if other, ok := taken[p.row.Slug]; ok && other.ExternalID != p.row.ExternalID {
			field := "slug"
			if _, ok := p.fields["slug"]; !ok || p.fields["slug"] == "" {
				field = "name"
			}
			b.fail(p.pos, field, "slug %s already belongs to %s (external_id %s); set a distinct slug",
				quote(p.row.Slug), other.Name, quote(other.ExternalID))
		}
	}
	return nil
}

// keepAccountFields copies into row the stored values of the fields the
// record did not carry.
func keepAccountFields(row *models.Account, old models.Account, has func(string) bool) {
	if !has("name") { // a partial record's
		row.Name = old.Name
	}
	keep := func(field string, dst, src any) {
		if has(field) {
			return
		}
		switch d := dst.(type) {
		case *string:
			*d = *src.(*string)
		case **string:
			*d = *src.(**string)
		case *int64:
			*d = *src.(*int64)
		case *int:
			*d = *src.(*int)
		}
	}
	keep("plan", &row.Plan, &old.Plan)
	keep("segment", &row.Segment, &old.Segment)
	keep("mrr", &row.MRRCents, &old.MRRCents)
	keep("seats", &row.Seats, &old.Seats)
	keep("owner", &row.Owner, &old.Owner)
	keep("started_on", &row.StartedOn, &old.StartedOn)
	keep("renewal_on", &row.RenewalOn, &old.RenewalOn)
	keep("first_value_on", &row.FirstValueOn, &old.FirstValueOn)
	keep("churned_on", &row.ChurnedOn, &old.ChurnedOn)
	keep("sponsor_name", &row.SponsorName, &old.SponsorName)
	keep("sponsor_title", &row.SponsorTitle, &old.SponsorTitle)
	keep("sponsor_status", &row.SponsorStatus, &old.SponsorStatus)
	keep("channel", &row.Channel, &old.Channel)
}

// upsertAccountsAndOwners is the accounts' ingestion write: the accounts,
// then a CSM row for each owner handle that has none, in the same
// transaction, so every owner can be mapped to chat users (/health iam,
// /health admin csm) without a separate CSM import.
func upsertAccountsAndOwners(tx *models.Store, ctx context.Context, rows []models.Account) (models.Counts, error) {
	c, err := tx.UpsertAccounts(ctx, rows)
	if err != nil {
		return models.Counts{}, err
	}
	owners := make([]string, 0, len(rows))
	for _, a := range rows {
		owners = append(owners, a.Owner)
	}
	if err := tx.EnsureCSMs(ctx, owners); err != nil {
		return models.Counts{}, fmt.Errorf("upsert accounts: %w", err)
	}
	return c, nil
}

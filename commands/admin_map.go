package commands

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/healthbot/healthbot/commands/connector"
	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// Actions of /health admin for the connectors, kept in Command.Admin.
const (
	AdminMap      = "map"      // /health admin map ACCOUNT SOURCE ID
	AdminUnmapped = "unmapped" // /health admin unmapped
)

const (
	exampleAdminMap = "/health admin map acme stripe cus_NZbFQAsc0ptasX"
	// maxUnmapped bounds the vendor ids /health admin unmapped lists.
	maxUnmapped = 15
)

// parseAdminMap reads "/health admin map ACCOUNT SOURCE ID": the last two
// words are the connector and its id, the words before them the account.
func parseAdminMap(cmd *Command, in typed) error {
	args := in.rest
	if len(args) < 3 {
		return inputError("/health admin map needs an account, a source (" + strings.Join(connector.Sources, ", ") + ") and the source's id for the customer. Example: " + exampleAdminMap)
	}
	cmd.Account = joinTokens(args[:len(args)-2])
	cmd.Source = strings.ToLower(args[len(args)-2].text)
	cmd.SourceID = args[len(args)-1].text
	return nil
}

// MapResult is what mapping a connector's id to an account did.
type MapResult struct {
	Source, SourceID string
	Account          models.Account
	// Previous is the account the id was mapped to before (0: none), and
	// PreviousManual whether by hand.
	Previous       uint
	PreviousManual bool
	Changed        bool
	// Replayed is how many parked events the mapping let through;
	// StillParked how many of those are parked again under another id
	// (a link to an account not known yet) or were refused.
	Replayed, StillParked int
	// Result is the account's score after the replayed events, when it
	// was rescored.
	Result *scoring.Result
}

// MapConnector maps a connector's id for a customer (a Stripe customer, a
// Segment group, a Zendesk organization, a HubSpot or Intercom company) to
// the account named by account — a slug, a name or a unique prefix as in
// chat, or the account's external_id — replays the events parked under
// that id and rescores the accounts they changed (evaluating their alerts).
// The mapping is recorded in the audit trail as by's. A mistake the caller
// can fix is an *InputError.
func (s *Service) MapConnector(ctx context.Context, by models.Actor, source, sourceID, account string) (MapResult, error) {
	source, sourceID = strings.ToLower(strings.TrimSpace(source)), strings.TrimSpace(sourceID)
	if !slices.Contains(connector.Sources, source) {
		return MapResult{}, inputErrorf("%q is not a source; use one of %s.", source, strings.Join(connector.Sources, ", "))
	}
	if sourceID == "" || len(sourceID) > 255 || !utf8.ValidString(sourceID) || strings.ContainsAny(sourceID, " \t\n\x00") {
		return MapResult{}, inputErrorf("%q is not a %s id: give the id as %s shows it, one word of at most 255 bytes.", sourceID, source, source)
	}
	acc, err := s.mapTarget(ctx, account)
	if err != nil {
		return MapResult{}, err
	}
	res := MapResult{Source: source, SourceID: sourceID, Account: acc}
	old, err := s.Store.ConnectorMappings(ctx, source, []string{sourceID})
	if err != nil {
		return MapResult{}, fmt.Errorf("map %s %s: %w", source, sourceID, err)
	}
	if m, ok := old[sourceID]; ok {
		res.Previous, res.PreviousManual = m.AccountID, m.Manual
	}
	rep, changed, err := (&connector.Applier{Store: s.Store, Now: s.Now}).Map(ctx, by, source, sourceID, acc.ID)
	if err != nil {
		return MapResult{}, err
	}
	res.Changed = changed
	for _, o := range rep.Replayed {
		if o.Result == connector.ResultWritten || o.Result == connector.ResultIgnored {
			res.Replayed++
		} else {
			res.StillParked++
		}
	}
	err = s.Store.WithTx(ctx, func(tx *models.Store) error {
		scored, err := s.RescoreAccounts(ctx, tx, s.today(), rep.Accounts)
		for _, sc := range scored {
			if sc.Account.ID == acc.ID {
				r := sc.Result
				res.Result = &r
			}
		}
		return err
	})
	if err != nil {
		// The mapping and the replayed events are stored; the next
		// rescore scores them.
		s.logger().ErrorContext(ctx, "rescore after map failed", "source", source, "id", sourceID, "err", err)
	}
	s.logger().InfoContext(ctx, "connector id mapped", "source", source, "id", sourceID, "account", acc.Slug,
		"previous", res.Previous, "changed", changed, "replayed", res.Replayed, "still_parked", res.StillParked)
	return res, nil
}

// mapTarget finds the account a mapping names: by exact slug, by exact
// external_id (churned accounts included: their events still belong to
// them), else as chat finds an account.
func (s *Service) mapTarget(ctx context.Context, query string) (models.Account, error) {
	q := strings.TrimSpace(query)
	if a, err := s.Store.AccountBySlug(ctx, strings.ToLower(q)); err == nil {
		return a, nil
	} else if !errors.Is(err, models.ErrNotFound) {
		return models.Account{}, fmt.Errorf("map: %w", err)
	}
	if a, err := s.Store.AccountByExternalID(ctx, q); err == nil {
		return a, nil
	} else if !errors.Is(err, models.ErrNotFound) {
		return models.Account{}, fmt.Errorf("map: %w", err)
	}
	acc, reply, err := resolve(ctx, s.Store, s.today(), q)
	if err != nil {
		return models.Account{}, fmt.Errorf("map: %w", err)
	}
	if acc == nil {
		return models.Account{}, inputError(reply.Text)
	}
	return *acc, nil
}

// Sentence says what a mapping did, for chat and the command line.
func (r MapResult) Sentence() string {
	var b strings.Builder
	switch {
	case !r.Changed:
		fmt.Fprintf(&b, "%s %s was mapped to %s already.", r.Source, r.SourceID, r.Account.Name)
	case r.Previous != 0 && r.Previous != r.Account.ID:
		how := "linked automatically"
		if r.PreviousManual {
			how = "mapped"
		}
		fmt.Fprintf(&b, "Mapped %s %s to %s (%s); it was %s to another account (id %d).", r.Source, r.SourceID, r.Account.Name, r.Account.Slug, how, r.Previous)
	default:
		fmt.Fprintf(&b, "Mapped %s %s to %s (%s).", r.Source, r.SourceID, r.Account.Name, r.Account.Slug)
	}
	fmt.Fprintf(&b, " Replayed %d parked %s.", r.Replayed, plural(r.Replayed, "event", "events"))
	if r.StillParked > 0 {
		fmt.Fprintf(&b, " %d still wait (see /health admin unmapped).", r.StillParked)
	}
	if r.Result != nil {
		fmt.Fprintf(&b, " %s is now %s.", r.Account.Name, scoreSentence(*r.Result))
	}
	return b.String()
}

// adminMap runs "/health admin map ACCOUNT SOURCE ID".
func (s *Service) adminMap(ctx context.Context, caller Caller, cmd Command) (Reply, error) {
	res, err := s.MapConnector(ctx, actorOf(caller), cmd.Source, cmd.SourceID, cmd.Account)
	var ie *InputError
	if errors.As(err, &ie) {
		return userError(ie.Msg + " Nothing was changed. Example: " + exampleAdminMap), nil
	}
	if err != nil {
		return Reply{}, fmt.Errorf("admin map: %w", err)
	}
	s.logger().InfoContext(ctx, "admin: connector id mapped", "by_platform", caller.Platform, "by", caller.UserID,
		"by_name", caller.UserName, "source", res.Source, "id", res.SourceID, "account", res.Account.Slug)
	colour := "green"
	if res.Result != nil {
		colour = resultColour(*res.Result)
	}
	return Reply{Ephemeral: true, Colour: colour, Text: res.Sentence()}, nil
}

// adminUnmapped runs "/health admin unmapped": the connector ids with
// events waiting for a mapping, the most events first.
func (s *Service) adminUnmapped(ctx context.Context, _ Caller, _ Command) (Reply, error) {
	groups, total, err := s.Store.ParkedGroups(ctx, maxUnmapped)
	if err != nil {
		return Reply{}, fmt.Errorf("admin unmapped: %w", err)
	}
	if total == 0 {
		return Reply{Ephemeral: true, Colour: "green", Text: "No connector events are waiting for a mapping."}, nil
	}
	var lines []string
	for _, g := range groups {
		var types []string
		for _, t := range slices.Sorted(maps.Keys(g.Types)) {
			types = append(types, fmt.Sprintf("%d %s", g.Types[t], t))
		}
		line := fmt.Sprintf("%s %s — %d %s (%s), %s", g.Source, g.SourceID, g.Events, plural(g.Events, "event", "events"),
			strings.Join(types, ", "), dayRange(g.FirstDay, g.LastDay))
		if g.External != "" {
			line += fmt.Sprintf("; names external id %q, which no account has", g.External)
		}
		lines = append(lines, line)
	}
	if total > len(groups) {
		lines = append(lines, fmt.Sprintf("… and %d more ids", total-len(groups)))
	}
	return Reply{Ephemeral: true, Colour: "orange", Title: "Connector events waiting for a mapping", Text: strings.Join(lines, "\n"),
		Context: []string{"Map an id to its account and its events are applied: /health admin map ACCOUNT SOURCE ID (for example " + exampleAdminMap + ")."}}, nil
}

// dayRange is "on DAY" or "FIRST to LAST".
func dayRange(first, last string) string {
	if first == last {
		return "on " + first
	}
	return first + " to " + last
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

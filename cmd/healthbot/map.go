package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/healthbot/healthbot/commands"
	"github.com/healthbot/healthbot/commands/connector"
	"github.com/healthbot/healthbot/models"
)

// mapUsage is how `healthbot map` is called.
var mapUsage = "usage: healthbot map SOURCE EXTERNAL_ID ACCOUNT (SOURCE one of " + strings.Join(connector.Sources, ", ") +
	"; ACCOUNT a slug, a name, the start of one, or the account's external_id)"

// mapSource is `healthbot map SOURCE EXTERNAL_ID ACCOUNT`: the connector's
// id for a customer belongs to the account; the events parked under it
// are applied and the account rescored.
func (m *Main) mapSource(ctx context.Context, args []string) error {
	if len(args) < 3 {
		return usagef("map: %s", mapUsage)
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	// The audit trail records the mapping as the shell's user's.
	user := strings.TrimSpace(m.Getenv("USER"))
	res, err := m.service.MapConnector(ctx, models.Actor{Origin: models.OriginCLI, ID: user, Name: user},
		args[0], args[1], strings.Join(args[2:], " "))
	var ie *commands.InputError
	if errors.As(err, &ie) {
		return usagef("map: %s Nothing was changed.\n%s", ie.Msg, mapUsage)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, res.Sentence())
	return nil
}

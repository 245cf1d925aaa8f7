package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/healthbot/healthbot/models"
)

// History lengths: what a history shows unless asked, and the most it
// shows (a chat message holds a few dozen entries at best).
const (
	historyDefault = 20
	historyMax     = 50
)

// parseCount reads an optional count of entries: "/health acme history 50".
func parseCount(cmd *Command, in typed) error {
	n, err := optionalNumber(in, "entries", "/health acme history 50")
	cmd.Count = n
	return err
}

// historyCount is how many entries cmd asks for, within historyMax.
func historyCount(cmd Command) int {
	switch {
	case cmd.Count <= 0:
		return historyDefault
	case cmd.Count > historyMax:
		return historyMax
	}
	return cmd.Count
}

// healthHistory answers "/health ACCOUNT history [N]": the account's
// entries of the audit trail, newest first; a churned account's too, as
// its trail stays worth reading. The trail is read-only from chat: no
// command changes or removes an entry.
func (s *Service) healthHistory(ctx context.Context, _ Caller, cmd Command) (Reply, error) {
	acc, reply, err := resolveAny(ctx, s.Store, s.today(), cmd.Account)
	if acc == nil || err != nil {
		return reply, err
	}
	n := historyCount(cmd)
	entries, total, err := s.Store.AccountAudit(ctx, acc.ID, n)
	if err != nil {
		return Reply{}, fmt.Errorf("history %s: %w", acc.Slug, err)
	}
	r := s.renderHistory(acc.Name+" — history", acc.Slug, entries, total)
	if total == 0 {
		r.Text = fmt.Sprintf("Nothing is recorded for %s yet: pulses, touches, tasks, admin changes and ingested data will show here.", acc.Name)
	}
	if int64(len(entries)) < total && n < historyMax {
		r.Context = append(r.Context, fmt.Sprintf("Older entries: /health %s history %d shows up to %d.", acc.Slug, historyMax, historyMax))
	}
	return r, nil
}

// adminHistory answers "/health admin history [N]": the newest entries of
// the whole trail, those about no account (roles, managers, the model)
// included.
func (s *Service) adminHistory(ctx context.Context, _ Caller, cmd Command) (Reply, error) {
	n := historyCount(cmd)
	entries, total, err := s.Store.RecentAudit(ctx, n)
	if err != nil {
		return Reply{}, fmt.Errorf("admin history: %w", err)
	}
	r := s.renderHistory("healthbot — history", "", entries, total)
	if total == 0 {
		r.Text = "Nothing is recorded yet."
	}
	if int64(len(entries)) < total && n < historyMax {
		r.Context = append(r.Context, fmt.Sprintf("Older entries: /health admin history %d shows up to %d.", historyMax, historyMax))
	}
	return r, nil
}

// renderHistory lays out entries, one field each: when and who, then what
// changed. subject is what the history is about (an account's slug),
// left out of entries about it.
func (s *Service) renderHistory(title, subject string, entries []models.AuditEntry, total int64) Reply {
	r := Reply{Ephemeral: true, Colour: "grey", Title: title}
	if len(entries) == 0 {
		return r
	}
	r.Text = fmt.Sprintf("Newest first: %d of %s.", len(entries), entriesNoun(total))
	if int64(len(entries)) == total {
		r.Text = fmt.Sprintf("Newest first: %s.", entriesNoun(total))
	}
	sec := Section{}
	for _, e := range entries {
		label := e.At.In(s.location()).Format("2006-01-02 15:04") + " · " + auditWho(e)
		sec.Fields = append(sec.Fields, Field{Label: label, Value: auditWhat(e, subject)})
	}
	r.Sections = []Section{sec}
	return r
}

// entriesNoun is "1 entry", "3 entries".
func entriesNoun(n int64) string {
	if n == 1 {
		return "1 entry"
	}
	return fmt.Sprintf("%d entries", n)
}

// auditWho names who made an entry and from where.
func auditWho(e models.AuditEntry) string {
	name := e.ActorName
	if name == "" {
		name = e.ActorID
	}
	switch e.Origin {
	case models.OriginAPI:
		if name != "" {
			return "ingestion API (" + name + ")"
		}
		return "ingestion API"
	case models.OriginConnector:
		return orNone(e.ActorID) + " connector"
	case models.OriginConfig:
		return "config (" + orNone(name) + ")"
	case models.OriginScheduler:
		return "healthbot"
	case models.OriginCLI:
		if name != "" {
			return name + " (command line)"
		}
		return "command line"
	}
	if name == "" {
		name = "someone"
	}
	return name + " (" + e.Origin + ")"
}

// auditActions are the actions as a history names them; an action not
// here (a kind of write added later) shows as stored.
var auditActions = map[string]string{
	models.AuditPulse: "Pulse", models.AuditTouch: "Touch", models.AuditTask: "Task", models.AuditAlert: "Alert",
	models.AuditIAm: "CSM claimed", models.AuditMap: "Connector mapping", models.AuditIngest: "Ingestion batch",
	models.AuditModel: "Health model", models.AuditAdminRole: "Admin: role", models.AuditAdminManager: "Admin: manager",
	models.AuditAdminCSM: "Admin: CSM", models.AuditAdminChannel: "Admin: alert channel", models.AuditAdminOwner: "Admin: owner",
}

// auditWhat says what an entry changed: "Pulse — colour red · reason
// budget", "Admin: owner — owner maria → bob".
func auditWhat(e models.AuditEntry, subject string) string {
	what := e.Action
	if label, ok := auditActions[e.Action]; ok {
		what = label
	}
	if e.Subject != "" && e.Subject != subject {
		what += " " + e.Subject
	}
	changes, err := e.DecodeChanges()
	if err != nil {
		return what + " (changes unreadable)"
	}
	var parts []string
	for _, c := range changes {
		switch {
		case c.Old == "":
			parts = append(parts, c.Field+" "+clipValue(c.New))
		default:
			parts = append(parts, c.Field+" "+clipValue(c.Old)+" → "+clipValue(orNone(c.New)))
		}
	}
	if len(parts) == 0 {
		return what
	}
	return what + " — " + strings.Join(parts, " · ")
}

// clipValue keeps a changed value short enough for a line of history.
func clipValue(v string) string {
	v = strings.Join(strings.Fields(v), " ")
	if strings.Contains(v, " ") { // free text reads as one value quoted: note "CFO wants 20% off"
		return `"` + truncateRunes(v, 60) + `"`
	}
	return truncateRunes(v, 60)
}

package commands

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/healthbot/healthbot/models"
	"github.com/healthbot/healthbot/scoring"
)

// AlertInput is everything an alert message says.
type AlertInput struct {
	Alert    models.AlertRecord
	Account  models.Account
	Result   scoring.Result
	Previous *models.Snapshot
	Owner    models.CSM // zero when the owner handle maps to no CSM
	Platform string
	Config   scoring.Config
	// Tells lists the rules fired with this alert that its message tells
	// instead of posting their own (a below_60 caused by a red pulse's cap).
	Tells []string
}

// Alert action lines, handled by Service.HandleAlertAction.
const (
	AlertActionPrefix = "/alert "
	alertAck          = "ack"
	alertSnooze       = "snooze"
)

const fellBelow60 = "The score fell below 60: the account joins the weekly review list."

// AlertMessage builds the message of a fired alert: what moved and why,
// with numbers, e.g. "Acme Corp 72 → 52 (Stable → At-risk)" and "usage
// −10 (67 → 33: DAU 3.1 / MAU 10 = 0.31 → DAU 0.4 / MAU 10 = 0.04), …".
//
// The owner is mentioned in a Context line starting "Owner: ". On Slack
// and Discord, when the CSM's user id on that platform is known, the line
// carries a Mention of them, which the adapter renders so that the owner
// is pinged; elsewhere it is "@handle".
func AlertMessage(in AlertInput) Reply {
	acc, r, al := in.Account, in.Result, in.Alert
	rep := Reply{Colour: resultColour(r)}
	move := scoreLabel(r)
	if in.Previous != nil && in.Previous.Known && r.Known {
		move = fmt.Sprintf("%d → %d (%s → %s)", in.Previous.Score, r.Score, in.Previous.Status, r.Status)
	} else if r.Known {
		move = fmt.Sprintf("%d (%s)", r.Score, r.Status)
	}
	rep.Title = acc.Name + " " + move

	var lead []string
	switch al.Rule {
	case scoring.AlertBelow40:
		lead = append(lead, "Urgent: the score fell below 40. Reach out now; the account is in the daily critical digest until it leaves Critical.")
	case scoring.AlertBelow60:
		lead = append(lead, fellBelow60)
	case scoring.AlertAbove80:
		rep.Colour = "green"
		lead = append(lead, "Expansion opportunity: the score reached 80.")
	case scoring.AlertPulseRed:
		rep.Colour = "red"
		why := al.Reason
		if why == "" {
			why = "no reason given"
		}
		lead = append(lead, "A red pulse was recorded ("+why+").")
	case scoring.AlertSponsorLeft:
		who := "The executive sponsor"
		if acc.SponsorName != "" {
			who = "The executive sponsor, " + acc.SponsorName
			if acc.SponsorTitle != "" {
				who += " (" + acc.SponsorTitle + ")"
			}
			who += ","
		}
		lead = append(lead, who+" has left.")
	}
	if al.Rule != scoring.AlertBelow40 && slices.Contains(in.Tells, scoring.AlertBelow60) {
		lead = append(lead, fellBelow60)
	}
	if moves := componentMoves(in.Previous, r); moves != "" {
		lead = append(lead, moves)
	}
	for _, o := range r.Overrides {
		switch {
		case r.Computed > o.Cap:
			lead = append(lead, fmt.Sprintf("Capped at %d: %s (computed %d).", o.Cap, o.Reason, r.Computed))
		case al.Rule == scoring.AlertPulseRed && o.Rule == scoring.RulePulseRed,
			al.Rule == scoring.AlertSponsorLeft && o.Rule == scoring.RuleSponsorDeparted:
			// Already the lead line, and the score is below the cap anyway.
		default:
			// Below the cap the override changes nothing but is still a reason.
			lead = append(lead, fmt.Sprintf("Also: %s.", o.Reason))
		}
	}
	rep.Text = strings.Join(lead, "\n")

	if r.Known {
		rep.Sections = append(rep.Sections, Section{Title: "Suggested action", Text: scoring.SuggestedAction(r.Status)})
	}
	if acc.MRRCents > 0 || acc.RenewalOn != nil {
		var f []Field
		if acc.MRRCents > 0 {
			f = append(f, Field{Label: "MRR", Value: fmtMoney(acc.MRRCents)})
		}
		if acc.RenewalOn != nil {
			f = append(f, Field{Label: "Renewal", Value: *acc.RenewalOn})
		}
		rep.Sections = append(rep.Sections, Section{Fields: f})
	}
	rep.Context = append(rep.Context, OwnerLine(acc.Owner, in.Owner, in.Platform))
	rep.Context = append(rep.Context, fmt.Sprintf("Alert %s · %s", al.Rule, al.DedupeKey))
	rep.Buttons = alertButtons(al, acc)
	return rep
}

// OwnerLine is the Context line naming the account's owner CSM.
func OwnerLine(handle string, csm models.CSM, platform string) string {
	if handle == "" {
		return "Owner: none assigned"
	}
	if platform == Slack || platform == Discord {
		if id := csm.ChatID(platform); id != "" {
			return "Owner: " + Mention{ID: id}.String()
		}
	}
	return "Owner: @" + handle
}

func alertButtons(al models.AlertRecord, acc models.Account) []Button {
	id := fmt.Sprint(al.ID)
	pulse := Button{Label: "Pulse red…", Style: StyleDanger, Action: "/pulse " + acc.Slug + " red"}
	if al.Rule == scoring.AlertAbove80 {
		pulse = Button{Label: "Pulse green", Style: StylePrimary, Action: "/pulse " + acc.Slug + " green"}
	}
	return []Button{
		{Label: "Acknowledge", Style: StylePrimary, Action: AlertActionPrefix + alertAck + " " + id},
		{Label: "Snooze 7 days", Action: AlertActionPrefix + alertSnooze + " " + id},
		pulse,
		{Label: "Log touch", Action: "/touch " + acc.Slug},
	}
}

// componentMoves says which components moved since the previous snapshot,
// biggest point change first, with the raw figure then and now when the
// snapshot kept it: "usage −10 (67 → 33: DAU 3.1 / MAU 10 = 0.31 → DAU
// 0.4 / MAU 10 = 0.04)", else the figure now: "support −10 (75 → 25: …)".
// The points are the component's share of the score (sub-score change ×
// weight ÷ the weights with data), so they add up to the score's change
// before caps.
func componentMoves(prev *models.Snapshot, r scoring.Result) string {
	if prev == nil || !r.Known {
		return ""
	}
	old, err := prev.DecodeSubscores()
	if err != nil || len(old) == 0 {
		return ""
	}
	// Snapshots written before Details existed have none: the previous
	// figure is then left out, the sub-scores still say what moved.
	was, _ := prev.DecodeDetails()
	var total float64
	for _, p := range r.Parts {
		if p.HasData {
			total += p.Weight
		}
	}
	if total == 0 {
		return ""
	}
	type move struct {
		text string
		pts  float64
	}
	var moves []move
	for _, p := range r.Parts {
		sub, ok := old[p.Component]
		if !p.HasData || !ok || sub == p.Sub {
			continue
		}
		pts := float64(p.Sub-sub) * p.Weight / total
		if math.Round(pts) == 0 {
			continue
		}
		t := fmt.Sprintf("%s %s (%d → %d", p.Component, signed(int(math.Round(pts))), sub, p.Sub)
		switch raw := was.Raw[p.Component]; {
		case raw != "" && p.Raw != "" && raw != p.Raw:
			t += ": " + raw + " → " + p.Raw
		case p.Raw != "":
			t += ": " + p.Raw
		}
		moves = append(moves, move{text: t + ")", pts: pts})
	}
	sort.SliceStable(moves, func(i, j int) bool { return math.Abs(moves[i].pts) > math.Abs(moves[j].pts) })
	parts := make([]string, len(moves))
	for i, m := range moves {
		parts[i] = m.text
	}
	return strings.Join(parts, ", ")
}

// signed renders a points change with a true minus sign: "−9", "+5".
func signed(n int) string {
	if n < 0 {
		return fmt.Sprintf("−%d", -n)
	}
	return fmt.Sprintf("+%d", n)
}

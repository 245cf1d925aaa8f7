package slack_test

import "github.com/healthbot/healthbot/commands"

// Hand-built replies shaped like the commands layer's real ones.

func buttons(slug string) []commands.Button {
	return []commands.Button{
		{Label: "Pulse red", Style: commands.StyleDanger, Action: "/pulse " + slug + " red"},
		{Label: "Pulse yellow", Style: commands.StyleDefault, Action: "/pulse " + slug + " yellow"},
		{Label: "Pulse green", Style: commands.StylePrimary, Action: "/pulse " + slug + " green"},
		{Label: "Log touch", Style: commands.StyleDefault, Action: "/touch " + slug},
	}
}

func healthyCard() commands.Reply {
	return commands.Reply{
		Ephemeral: true,
		Colour:    "green",
		Title:     "Acme Corp — 84 Healthy ▲3 (7d)",
		Text:      "+3 over 7 days, +6 over 30 days.\nSuggested action: look for expansion.",
		Sections: []commands.Section{
			{Title: "Components", Fields: []commands.Field{
				{Label: "usage", Value: "daily active · 100/100 · 30 of 30 pts · DAU 31 / MAU 40 = 0.78"},
				{Label: "adoption", Value: "most · 80/100 · 20 of 25 pts · 8 of 10 key features"},
				{Label: "support", Value: "calm · 85/100 · 17 of 20 pts · 1 open, 0 escalated"},
				{Label: "engagement", Value: "high · 100/100 · 15 of 15 pts · touch 4 days ago"},
				{Label: "payment", Value: "clean · 100/100 · 10 of 10 pts"},
			}},
			{Title: "What would raise it", Fields: []commands.Field{
				{Label: "adoption", Value: "most costs 5 pts"},
				{Label: "support", Value: "calm costs 3 pts"},
			}},
		},
		Context: []string{
			"Pulse: green by maria, 3 days ago",
			"Last touch: call with the executive sponsor by maria, 4 days ago",
			"Open tickets: 1",
			"Overdue invoices: none",
			"MRR: $12,500.00 · Owner: maria · Healthy for 41 days",
		},
		Buttons: buttons("acme"),
	}
}

func atRiskCard() commands.Reply {
	return commands.Reply{
		Ephemeral: true,
		Colour:    "orange",
		Title:     "Globex — 45 At-risk (computed 71) ▼12 (7d)",
		Text:      "−12 over 7 days, −20 over 30 days.\nCapped at 45 from 71: executive sponsor departed <2025-02-01> & no replacement.\nSuggested action: plan a recovery call this week.",
		Sections: []commands.Section{
			{Title: "Components", Text: "No data: nps.", Fields: []commands.Field{
				{Label: "usage", Value: "weekly active · 67/100 · 20.1 of 30 pts"},
				{Label: "adoption", Value: "some · 60/100 · 15 of 25 pts"},
				{Label: "support", Value: "strained · 40/100 · 8 of 20 pts · 5 open, 2 escalated"},
				{Label: "engagement", Value: "medium · 67/100 · 10.1 of 15 pts"},
				{Label: "payment", Value: "minor issues · 70/100 · 7 of 10 pts"},
			}},
			{Title: "What would raise it", Fields: []commands.Field{
				{Label: "support", Value: "strained costs 12 pts"},
				{Label: "usage", Value: "weekly active costs 9.9 pts"},
				{Label: "adoption", Value: "some costs 10 pts"},
			}},
		},
		Context: []string{
			"Pulse: red (budget) by dana, 2 days ago: \"CFO wants 20% off\"",
			"Last touch: email by dana, 19 days ago",
			"Open tickets: 5 (2 escalated)",
			"Overdue invoices: 1, $4,200.00 in total, oldest 12 days past due",
			"Renewal: 2025-04-30 (in 47 days)",
			"MRR: $8,400.00 · Owner: dana · At-risk for 6 days",
		},
		Buttons: buttons("globex"),
	}
}

func noDataCard() commands.Reply {
	return commands.Reply{
		Ephemeral: true,
		Colour:    "grey",
		Title:     "Initech — no data",
		Text:      "No connected source has data for this account yet, so it has no score (no data, not 0). Connect usage, tickets, touches or invoices, or record a pulse.",
		Sections:  []commands.Section{{Title: "Components", Text: "No data: usage, adoption, support, engagement, payment."}},
		Context:   []string{"Pulse: none recorded", "Last touch: never", "Open tickets: 0", "Overdue invoices: none", "MRR: $0.00"},
		Buttons:   buttons("initech"),
	}
}

func pulseForm() commands.Reply {
	return commands.Reply{
		Ephemeral: true,
		Text:      "A red pulse for Acme Corp needs a reason. Pick one, or type it: /pulse acme red REASON [NOTE…]",
		Form: &commands.Form{
			ID: commands.FormPulse, Title: "Red pulse: Acme Corp", Submit: "Record", Account: "acme",
			Hidden: map[string]string{"colour": "red"},
			Fields: []commands.FormField{
				{Name: "reason", Label: "Reason", Kind: commands.FieldSelect, Required: true, Options: []commands.Option{
					{Value: "budget", Label: "budget"}, {Value: "champion-left", Label: "champion-left"}, {Value: "product-gap", Label: "product-gap"},
				}},
				{Name: "note", Label: "Note", Kind: commands.FieldText, Placeholder: "What is going on?", MaxLength: 2000},
			},
		},
	}
}

func touchForm() commands.Reply {
	return commands.Reply{
		Ephemeral: true,
		Text:      "Log a touch with Acme Corp.",
		Form: &commands.Form{
			ID: commands.FormTouch, Title: "Log touch: Acme Corp", Submit: "Log", Account: "acme",
			Fields: []commands.FormField{
				{Name: "kind", Label: "Kind", Kind: commands.FieldSelect, Required: true, Options: []commands.Option{
					{Value: "call", Label: "Call"}, {Value: "email", Label: "Email"}, {Value: "meeting", Label: "Meeting"},
					{Value: "chat", Label: "Chat"}, {Value: "qbr", Label: "QBR"}, {Value: "other", Label: "Other"},
				}},
				{Name: "exec", Label: "Executive sponsor present", Kind: commands.FieldCheckbox},
				{Name: "note", Label: "Note", Kind: commands.FieldText, Placeholder: "What was discussed?", MaxLength: 2000},
			},
		},
	}
}

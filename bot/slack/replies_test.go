package slack_test

import "github.com/healthbot/healthbot/commands"

// Hand-built forms shaped like the commands layer's real ones; the cards
// are real (cards_test.go).

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

package slack

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/healthbot/healthbot/commands"
	slackgo "github.com/slack-go/slack"
)

// formCallbackID marks the modals healthbot opens, so a view submission
// from another app's view is not mistaken for one of ours.
const formCallbackID = "hb:form"

// checkedValue is the value of a checkbox field's single option.
const checkedValue = "true"

// formMeta travels in a modal's private_metadata: what FormCommand needs
// to rebuild the Command (form id, account, hidden values) and where the
// result should go (the response_url of the command or click that opened
// the modal, its channel, and whether to update a card in place).
type formMeta struct {
	Form        string            `json:"f"`
	Account     string            `json:"a"`
	Hidden      map[string]string `json:"h,omitempty"`
	ResponseURL string            `json:"u,omitempty"`
	Channel     string            `json:"c,omitempty"`
	Replace     bool              `json:"r,omitempty"`
	Home        bool              `json:"o,omitempty"` // opened from the App Home tab: the answer republishes it
}

// form rebuilds the Form as FormCommand expects it.
func (m formMeta) form() commands.Form {
	return commands.Form{ID: m.Form, Account: m.Account, Hidden: m.Hidden}
}

func (m formMeta) encode() (string, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode form metadata: %w", err)
	}
	if len([]rune(string(b))) > MaxMetadata {
		return "", errors.New("encode form metadata: longer than Slack's private_metadata limit")
	}
	return string(b), nil
}

func decodeMeta(s string) (formMeta, error) {
	var m formMeta
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return m, fmt.Errorf("decode form metadata: %w", err)
	}
	return m, nil
}

// ModalView renders a Form as a Slack modal: lead (the reply's text, when
// any) as a section, then one input block per field, block_id and
// action_id both the field's name: select → static_select, text →
// plain_text_input (multiline for notes), checkbox → checkboxes.
// privateMetadata is carried back unchanged on submission.
func ModalView(f commands.Form, lead, privateMetadata string) slackgo.ModalViewRequest {
	title := f.Title
	if title == "" {
		title = "healthbot"
	}
	submit := f.Submit
	if submit == "" {
		submit = "Submit"
	}
	var blocks []slackgo.Block
	if t := strings.TrimSpace(lead); t != "" {
		blocks = append(blocks, slackgo.NewSectionBlock(mrkdwn(truncateEscaped(t, MaxSectionText, "")), nil, nil))
	}
	for _, field := range f.Fields {
		if len(blocks) == MaxModalBlocks {
			break
		}
		if b := inputBlock(field); b != nil {
			blocks = append(blocks, b)
		}
	}
	return slackgo.ModalViewRequest{
		Type:            slackgo.VTModal,
		Title:           plain(cutPlain(title, MaxModalTitle)),
		Submit:          plain(cutPlain(submit, MaxModalTitle)),
		Close:           plain("Cancel"),
		Blocks:          slackgo.Blocks{BlockSet: blocks},
		PrivateMetadata: privateMetadata,
		CallbackID:      formCallbackID,
	}
}

// cutPlain shortens a short label with a plain ellipsis: in a 24-character
// title there is no room for "…and N more".
func cutPlain(s string, limit int) string {
	r := []rune(s)
	if len(r) <= limit {
		return s
	}
	return string(r[:limit-1]) + "…"
}

func inputBlock(field commands.FormField) *slackgo.InputBlock {
	label := field.Label
	if label == "" {
		label = field.Name
	}
	var el slackgo.BlockElement
	switch field.Kind {
	case commands.FieldSelect:
		var opts []*slackgo.OptionBlockObject
		for _, o := range field.Options {
			text := o.Label
			if text == "" {
				text = o.Value
			}
			if len([]rune(o.Value)) > MaxOptionValue || len(opts) == 100 {
				continue
			}
			opts = append(opts, slackgo.NewOptionBlockObject(o.Value, plain(cutPlain(text, MaxOptionText)), nil))
		}
		el = slackgo.NewOptionsSelectBlockElement(slackgo.OptTypeStatic, placeholder(field, "Choose…"), field.Name, opts...)
	case commands.FieldCheckbox:
		el = slackgo.NewCheckboxGroupsBlockElement(field.Name,
			slackgo.NewOptionBlockObject(checkedValue, plain(cutPlain(label, MaxOptionText)), nil))
	default:
		in := slackgo.NewPlainTextInputBlockElement(placeholder(field, ""), field.Name)
		in.Multiline = field.Name == "note" || field.MaxLength > 200
		if field.MaxLength > 0 {
			in.MaxLength = min(field.MaxLength, MaxInputLength)
		}
		el = in
	}
	b := slackgo.NewInputBlock(field.Name, plain(cutPlain(label, MaxLabel)), nil, el)
	// A checkbox left unticked is an answer ("no"), so it is never required.
	b.Optional = !field.Required || field.Kind == commands.FieldCheckbox
	return b
}

func placeholder(field commands.FormField, def string) *slackgo.TextBlockObject {
	p := field.Placeholder
	if p == "" {
		p = def
	}
	if p == "" {
		return nil
	}
	return plain(cutPlain(p, MaxPlaceholder))
}

// formValues reads a submitted view's inputs back by field name: a
// select's chosen value, a text input's text, "true" for a ticked
// checkbox.
func formValues(state *slackgo.ViewState) map[string]string {
	values := map[string]string{}
	if state == nil {
		return values
	}
	for _, actions := range state.Values {
		for name, a := range actions {
			switch {
			case a.SelectedOption.Value != "":
				values[name] = a.SelectedOption.Value
			case len(a.SelectedOptions) > 0:
				values[name] = checkedValue
			default:
				values[name] = a.Value
			}
		}
	}
	return values
}

package examples_test

import (
	"testing"

	"github.com/healthbot/healthbot/examples"
	"github.com/healthbot/healthbot/scoring"
)

// The example is a valid model with what it says it has.
func TestHealthModel(t *testing.T) {
	m, err := scoring.ParseModel(examples.HealthModel)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Profiles) != 2 || m.Profiles[0].Profile != "smb" || m.Profiles[1].Profile != "enterprise" {
		t.Errorf("profiles: %+v", m.Profiles)
	}
	if in := m.CustomInputs(); len(in) != 1 || in[0].Name != "seat_use" || in[0].Metric != "seats_active" {
		t.Errorf("custom components: %+v", in)
	}
	if m.For("mid-market", "growth").Profile != scoring.DefaultProfile {
		t.Error("an account no profile matches must keep the top level")
	}
}

// Package examples holds the example configuration shipped with healthbot,
// embedded so the binary has it wherever it runs: the demo portfolio is
// scored with it when no health model is configured.
package examples

import _ "embed"

// HealthModel is examples/healthbot.yaml: two profiles (smb, enterprise)
// and one custom component (seat_use, from the metric seats_active).
//
//go:embed healthbot.yaml
var HealthModel []byte

// HealthModelPath is where HealthModel lives in the repository.
const HealthModelPath = "examples/healthbot.yaml"

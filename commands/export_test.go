package commands

// Internals lent to the external tests (package commands_test), which can
// import commandstest where this package's own tests cannot (a cycle).
var (
	// MarkHandled is markHandled, for the handled alert golden.
	MarkHandled = markHandled
	// GoldenJSON is goldenJSON, so the alert goldens keep -update-alerts.
	GoldenJSON = goldenJSON
	// BoundedDistance is boundedDistance, for its test against the full table.
	BoundedDistance = boundedDistance
)

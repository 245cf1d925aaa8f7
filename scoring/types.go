// Package scoring is the health model (README "The health model in brief") as pure
// functions: Signals in, Result out. It does no I/O and reads no clock, and
// beside the standard library it imports only a YAML parser (for the model
// file), so every rule is table-testable.
package scoring

import "time"

// Component names, as used in the config file, snapshots and replies.
const (
	Usage       = "usage"
	Adoption    = "adoption"
	Support     = "support"
	Engagement  = "engagement"
	Payment     = "payment"
	ExecSponsor = "exec_sponsor"
	NPS         = "nps"
	CSAT        = "csat"
	Pulse       = "pulse"
)

// Components lists every component in display order.
var Components = []string{Usage, Adoption, Support, Engagement, Payment, ExecSponsor, NPS, CSAT, Pulse}

// Status is the band of the overall score.
type Status string

// The statuses of scoring.md, plus NoData for an account with no scorable component.
const (
	Healthy  Status = "Healthy"
	Stable   Status = "Stable"
	AtRisk   Status = "At-risk"
	Critical Status = "Critical"
	NoData   Status = "No data"
)

// Pulse colours.
const (
	Red    = "red"
	Yellow = "yellow"
	Green  = "green"
)

// Sources says which integrations hold any row at all for the whole
// organisation. A source with no rows means "not connected": its components
// have no data and their weight is redistributed.
type Sources struct {
	Activity bool
	Tickets  bool
	Touches  bool
	Invoices bool
	NPS      bool // surveys of kind nps
	CSAT     bool // surveys of kind csat
	Pulses   bool
}

// PulseSignal is the latest CSM pulse of an account.
type PulseSignal struct {
	Colour string
	Reason string
	Day    time.Time
}

// Signals is everything the model needs about one account as of day AsOf.
// The store fills it with aggregate SQL; scoring never queries anything.
// Days are calendar days in the organisation's time zone, represented as
// midnight UTC of that date.
type Signals struct {
	AccountID uint
	AsOf      time.Time
	Sources   Sources

	// usage
	ActiveUserDays7 int // sum over the last 7 days of the distinct active users of each day
	MAU             int // distinct active users in the last 30 days

	// adoption
	ValueFeaturesUsed30 int // distinct value features used in the last 30 days
	ValueFeatures       int // size of the value feature set (configured, or every feature seen org-wide in the last 90 days)

	// support: the window is tickets opened in the last 90 days plus every ticket still open
	WindowTickets    int
	PositiveTickets  int // in the window
	NegativeTickets  int // in the window; neutral = WindowTickets - Positive - Negative (no sentiment counts as neutral)
	EscalatedOpen    int // window tickets escalated and still open
	OpenTickets      int
	Tickets90        int     // tickets opened in the last 90 days (ticket rating)
	OrgMeanTickets90 float64 // mean Tickets90 over all active accounts (ticket rating)
	EverFiledTicket  bool

	// engagement
	LastTouch     *time.Time // day of the latest touch, nil when never touched
	Touches90     int
	ExecTouches90 int // touches with the executive sponsor present, last 90 days

	// payment
	FailedInvoices   int
	OverdueInvoices  int        // open and past due
	OldestOverdueDue *time.Time // due day of the oldest overdue invoice
	LatePaid180      int        // due in the last 180 days and paid after the due day

	// surveys, last 180 days
	NPSPromoters, NPSPassives, NPSDetractors int
	CSATResponses, CSATSatisfied, CSATSum    int // satisfied = ratings 4 or 5

	// pulse and sponsor
	LatestPulse     *PulseSignal
	SponsorDeparted bool

	// custom components: each one's figure by component name, and the
	// account's seats and MRR for those that divide by them
	Metrics  map[string]MetricSignal
	Seats    int
	MRRCents int64
	// MetricSources is the Sources of custom components: by metric name,
	// whether the metric has any row in the store; one whose metric has
	// none has no data. The same for every account (the store may share
	// one map); kept out of Sources so Sources stays comparable.
	MetricSources map[string]bool
}

// Part is one component's contribution to a score, with its explanation.
type Part struct {
	Component string
	HasData   bool
	Band      string  // e.g. "weekly active"; "no data" when !HasData
	Sub       int     // sub-score 0..100
	Weight    float64 // configured weight
	Points    float64 // w*s/sum(w) over components with data: the points this part adds to the score
	Lost      float64 // w*(100-s)/sum(w): the points it costs ("what would raise it")
	Raw       string  // the figures behind it, e.g. "DAU 12.3 / MAU 40 = 0.31"
}

// Override is a cap applied after the weighted sum.
type Override struct {
	Rule   string // "sponsor_departed" or "pulse_red"
	Cap    int
	Reason string // e.g. "executive sponsor left", "CSM pulse red: budget"
}

// Result is a scored account with everything needed to explain it.
type Result struct {
	AccountID uint
	AsOf      time.Time
	Known     bool   // false when no component has data: show "no data", never 0
	Score     int    // after overrides
	Computed  int    // before overrides; differs from Score when capped
	Status    Status // of Score
	Parts     []Part // components with weight > 0, in display order: built-ins, then custom ones by name
	NoData    []string
	Overrides []Override
	Raise     []Part // the (up to) two parts that cost the most points, costliest first
	PulseNote string // set when the latest pulse disagrees with the data by two bands or more

	// Unrounded is the score before rounding, after the caps:
	// min(every cap, Σ w·s / Σ w). Score is its rounding (half away from
	// zero), because rounding commutes with a whole-number cap.
	Unrounded float64
	// Profile and Version name the model the account was scored with: the
	// profile ("default" when none matched) and the short hash of its
	// effective model. Set by Effective.Score; empty from Score alone.
	Profile, Version string
}

// Capped reports whether an override lowered the score.
func (r Result) Capped() bool { return r.Known && r.Score != r.Computed }

// OrgInputs are the organisation-wide figures behind the key metrics of a
// period [From, To]; the store fills them, OrgMetrics computes from them.
type OrgInputs struct {
	From, To time.Time

	NPSPromoters, NPSPassives, NPSDetractors int // responses in the period
	CSATResponses, CSATSatisfied, CSATSum    int // ratings in the period; satisfied = 4 or 5

	TimeToValueDays []int // start→first-value days of accounts started in the period (with a first-value date)

	MAU   int // active users in the last 30 days of the period, over active accounts
	Seats int // licensed seats over active accounts

	AccountsAtStart int   // accounts active at From
	Expanded        int   // of those, accounts whose MRR rose during the period
	MRRStartCents   int64 // their MRR at From
	MRREndCents     int64 // their MRR at To (0 for those churned since)
}

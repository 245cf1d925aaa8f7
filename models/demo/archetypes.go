package demo

// archetype is a kind of account the demo portfolio holds, described by
// what its history looks like six months before its last day ("then") and
// in its last month ("now"); the generator interpolates between the two so
// trends move. An account's last day is today, or for the churners (see
// churners.go) the day before it left; every "ago" counts back from it.
type archetype struct {
	name  string
	count int

	users          [2]int  // end users, min..max
	pThen, pNow    float64 // weekday chance an end user is active on a day
	featThen       int     // features in use six months ago
	featNow        int     // features in use in the last month
	featPerDay     int     // features an active user uses in a day during the decline (0: 1)
	declineFrom    int     // days ago the change from then to now starts (0: gradual over the six months)
	declineTo      int     // days ago the change is complete (0: 30, the last month)
	dip            [2]int  // days ago a passing dip starts and ends (usage falls, then recovers)
	troubleTickets int     // extra, mostly negative tickets during the decline or the dip
	ticketsPer90   int     // tickets opened per 90 days
	sentiment      [3]int  // weights of positive, neutral, negative
	escalatedOpen  bool    // one escalated ticket still open
	touchEvery     int     // days between touches (0: none)
	touchThen      int     // days between touches before the decline starts (0: touchEvery)
	lastTouchAgo   int     // days since the latest touch
	execEvery      int     // every n-th touch has the executive sponsor (0: never)
	payment        string  // current, late, overdue, failed
	payDays        int     // overdue or failed: every invoice due in this many days before the last day (0: the latest)
	pulses         []string
	pulseAgo       int // days since the latest pulse
	redReason      string
	sponsorLeft    bool
	startedAgo     [2]int // days since the start date, min..max
	churnedAgo     int    // > 0: churned that many days ago
	mrr            [2]int // dollars, min..max
	mrrChange      float64
	mrrChangeAgo   int
	nps            [2]int // promoter scale 0..10, min..max
	firstValueDays int    // days from start to first value (0: not reached)

	// tweaks vary the archetype per account (the k-th account of the kind
	// takes tweaks[k%len]), so accounts of one kind land on different
	// bands and scores spread out instead of repeating one number.
	tweaks []tweak
}

// tweak is one account's departure from its archetype; the zero value
// changes nothing.
type tweak struct {
	pNow       float64 // > 0: replaces the archetype's pNow
	featDelta  int     // added to featNow
	touchDelta int     // added to lastTouchAgo
	payment    string  // non-empty: replaces the payment band
	calm       bool    // no escalated ticket left open, even when the archetype has one
}

// archetypes is the portfolio: about forty accounts covering every status,
// both overrides, every payment band and both survey kinds.
var archetypes = []archetype{
	{name: "thriving", count: 10, users: [2]int{14, 32}, pThen: 0.60, pNow: 0.72, featThen: 8, featNow: 10,
		ticketsPer90: 3, sentiment: [3]int{6, 3, 1}, touchEvery: 9, lastTouchAgo: 3, execEvery: 3, payment: "current",
		pulses: []string{"green", "green", "yellow", "green"}, pulseAgo: 6, startedAgo: [2]int{300, 900},
		mrr: [2]int{2500, 12000}, mrrChange: 0.25, mrrChangeAgo: 75, nps: [2]int{8, 10}, firstValueDays: 5,
		tweaks: []tweak{{}, {touchDelta: 14}, {pNow: 0.3}, {featDelta: -4}, {payment: "late"}, {pNow: 0.3, touchDelta: 14},
			{featDelta: -3, payment: "late"}, {}, {touchDelta: 14, featDelta: -4}, {pNow: 0.3, payment: "late"}}},
	{name: "steady", count: 12, users: [2]int{8, 24}, pThen: 0.22, pNow: 0.22, featThen: 6, featNow: 7,
		ticketsPer90: 3, sentiment: [3]int{1, 6, 1}, touchEvery: 24, lastTouchAgo: 18, payment: "late",
		pulses: []string{"green", "yellow"}, pulseAgo: 12, startedAgo: [2]int{250, 800},
		mrr: [2]int{800, 4000}, nps: [2]int{6, 9}, firstValueDays: 9,
		tweaks: []tweak{{}, {payment: "current", touchDelta: 20}, {touchDelta: -11}, {touchDelta: 20}, {featDelta: -3}, {pNow: 0.04},
			{pNow: 0.04, touchDelta: -11}, {featDelta: -3, payment: "current"}, {}, {touchDelta: -11, featDelta: -3},
			{payment: "current", pNow: 0.04}, {touchDelta: 20, payment: "current"}}},
	{name: "slipping", count: 5, users: [2]int{10, 22}, pThen: 0.55, pNow: 0.035, featThen: 8, featNow: 4, declineFrom: 75,
		ticketsPer90: 4, sentiment: [3]int{1, 4, 2}, touchEvery: 30, lastTouchAgo: 48, payment: "current",
		pulses: []string{"green", "yellow", "yellow"}, pulseAgo: 20, startedAgo: [2]int{400, 900},
		mrr: [2]int{1500, 6000}, mrrChange: -0.2, mrrChangeAgo: 28, nps: [2]int{3, 7}, firstValueDays: 12,
		tweaks: []tweak{{}, {touchDelta: -25}, {featDelta: -2, payment: "late"}, {touchDelta: 50}, {payment: "late", touchDelta: -25}}},
	{name: "critical", count: 4, users: [2]int{6, 15}, pThen: 0.25, pNow: 0, featThen: 5, featNow: 0, declineFrom: 110,
		ticketsPer90: 5, sentiment: [3]int{0, 1, 4}, escalatedOpen: true, touchEvery: 40, lastTouchAgo: 105, payment: "late",
		pulses: []string{"yellow", "red"}, pulseAgo: 45, redReason: "low-adoption", startedAgo: [2]int{365, 700},
		mrr: [2]int{600, 2500}, mrrChange: -0.3, mrrChangeAgo: 50, nps: [2]int{0, 5}, firstValueDays: 30,
		tweaks: []tweak{{pNow: 0.03, featDelta: 2, touchDelta: -40}, {calm: true, payment: "current"}, {pNow: 0.03, featDelta: 1},
			{calm: true, touchDelta: -40, featDelta: 2}}},
	{name: "new-onboarding", count: 3, users: [2]int{3, 7}, pThen: 0.45, pNow: 0.45, featThen: 2, featNow: 4,
		touchEvery: 5, lastTouchAgo: 2, payment: "current", pulses: []string{"green"}, pulseAgo: 4,
		startedAgo: [2]int{18, 35}, mrr: [2]int{500, 1500}, firstValueDays: 6,
		tweaks: []tweak{{}, {featDelta: -1}, {touchDelta: 14}}},
	{name: "sponsor-left", count: 1, users: [2]int{20, 20}, pThen: 0.62, pNow: 0.65, featThen: 9, featNow: 10,
		ticketsPer90: 2, sentiment: [3]int{3, 2, 0}, touchEvery: 10, lastTouchAgo: 4, payment: "current", sponsorLeft: true,
		pulses: []string{"green", "yellow"}, pulseAgo: 3, startedAgo: [2]int{500, 500},
		mrr: [2]int{9000, 9000}, nps: [2]int{7, 10}, firstValueDays: 4},
	{name: "red-pulse", count: 1, users: [2]int{16, 16}, pThen: 0.25, pNow: 0.24, featThen: 7, featNow: 7,
		ticketsPer90: 3, sentiment: [3]int{1, 3, 1}, touchEvery: 20, lastTouchAgo: 5, payment: "current",
		pulses: []string{"green", "yellow", "red"}, pulseAgo: 5, redReason: "budget", startedAgo: [2]int{420, 420},
		mrr: [2]int{3200, 3200}, nps: [2]int{5, 8}, firstValueDays: 10},
	{name: "overdue", count: 1, users: [2]int{18, 18}, pThen: 0.6, pNow: 0.62, featThen: 9, featNow: 9,
		ticketsPer90: 2, sentiment: [3]int{2, 2, 0}, touchEvery: 12, lastTouchAgo: 8, payment: "overdue",
		pulses: []string{"green"}, pulseAgo: 10, startedAgo: [2]int{640, 640},
		mrr: [2]int{5400, 5400}, nps: [2]int{7, 9}, firstValueDays: 7},
	{name: "failed-payment", count: 1, users: [2]int{12, 12}, pThen: 0.24, pNow: 0.2, featThen: 6, featNow: 6,
		ticketsPer90: 2, sentiment: [3]int{1, 3, 1}, touchEvery: 26, lastTouchAgo: 20, payment: "failed",
		pulses: []string{"yellow"}, pulseAgo: 14, startedAgo: [2]int{330, 330},
		mrr: [2]int{1800, 1800}, nps: [2]int{5, 8}, firstValueDays: 15},
	{name: "churned", count: 2, users: [2]int{5, 12}, pThen: 0.2, pNow: 0.01, featThen: 4, featNow: 1, declineFrom: 150,
		ticketsPer90: 3, sentiment: [3]int{0, 2, 3}, touchEvery: 35, lastTouchAgo: 70, payment: "current",
		pulses: []string{"yellow", "red"}, pulseAgo: 80, redReason: "competitor", startedAgo: [2]int{400, 700}, churnedAgo: 60,
		mrr: [2]int{700, 1600}, nps: [2]int{1, 5}, firstValueDays: 20},
}

// names are the demo companies, one per account, in generation order:
// the archetypes' accounts, then the churners.
var names = []string{
	"Acme Corp", "Globex", "Initech", "Umbrella Holdings", "Hooli", "Stark Industries", "Wayne Enterprises",
	"Wonka Industries", "Cyberdyne Systems", "Soylent Co", "Tyrell Corp", "Massive Dynamic", "Vandelay Industries",
	"Pied Piper", "Dunder Mifflin", "Bluth Company", "Prestige Worldwide", "Gringotts", "Monsters Inc",
	"Oceanic Airlines", "Nakatomi Trading", "Virtucon", "Gekko & Co", "Sterling Cooper", "Aperture Science",
	"Black Mesa", "Oscorp", "Wernham Hogg", "Kramerica", "Los Pollos Hermanos", "Duff Beverages", "Planet Express",
	"Ollivanders", "Krusty Krab", "Paper Street Soap", "Rekall", "Weyland-Yutani", "Zorg Industries",
	"Binford Tools", "Spacely Sprockets",
	// the churners, in churners order
	"Yoyodyne", "Chotchkie's", "Cogswell Cogs", "Sirius Cybernetics", "Veridian Dynamics", "Hanso Foundation",
	"Strickland Propane", "Benthic Petroleum", "Frobozz Magic", "Mooby's", "Tessier-Ashpool", "Omni Consumer Products",
}

var sponsorNames = []string{"Morgan Lee", "Avery Chen", "Jordan Patel", "Casey Nguyen", "Riley Johnson", "Quinn Garcia", "Taylor Kim", "Harper Singh"}
var sponsorTitles = []string{"VP Operations", "CTO", "Head of Customer Experience", "COO", "Director of Analytics", "VP Engineering"}

// touchKinds is the demo's mix of models.TouchKinds: calls and emails
// twice as often as meetings and chats, and neither QBRs nor others.
var touchKinds = []string{"call", "email", "meeting", "chat", "email", "call"}
var touchNotes = []string{"check-in", "roadmap review", "renewal prep", "training session", "usage review", "support follow-up"}
var severities = []string{"low", "normal", "normal", "high", "urgent"}

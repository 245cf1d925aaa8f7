package demo

// churner is an account that left during the demo's history: an archetype
// seen from its last day, the day before its churn date, which is ago
// days before today.
type churner struct {
	ago int
	archetype
}

// churners give a backtest something to find over the past year (every
// churn date falls 90 days or more before today, so nothing in the last
// quarter's summary changes). Most fade first, each in its own way: usage
// dwindles, negative tickets come, touches thin out, invoices fail or go
// unpaid, the sponsor leaves, the CSM turns the pulse red. Three leave
// without warning, healthy to the end. Adoption barely moves in any of
// them: how many features an account uses says little about whether it
// stays. The archetype accounts' early history (history.go) adds the
// opposite mistake: dips that recover.
var churners = []churner{
	{95, archetype{name: "churned-failed-payment", users: [2]int{6, 10}, pThen: 0.45, pNow: 0.03, featThen: 8, featNow: 8, featPerDay: 3,
		declineFrom: 110, declineTo: 25, ticketsPer90: 2, sentiment: [3]int{2, 4, 1}, troubleTickets: 3,
		touchThen: 14, touchEvery: 35, lastTouchAgo: 20, payment: "failed", payDays: 75,
		pulses: []string{"green", "yellow", "red"}, pulseAgo: 10, redReason: "budget", startedAgo: [2]int{300, 800},
		mrr: [2]int{900, 1200}, nps: [2]int{2, 6}, firstValueDays: 8}},
	{120, archetype{name: "churned-silently", users: [2]int{4, 8}, pThen: 0.5, pNow: 0.5, featThen: 5, featNow: 5,
		ticketsPer90: 2, sentiment: [3]int{3, 4, 1}, touchEvery: 20, lastTouchAgo: 9, payment: "current",
		pulses: []string{"green", "green"}, pulseAgo: 15, startedAgo: [2]int{400, 700},
		mrr: [2]int{600, 900}, nps: [2]int{7, 9}, firstValueDays: 6}},
	{145, archetype{name: "churned-sponsor-left", users: [2]int{10, 16}, pThen: 0.35, pNow: 0.02, featThen: 8, featNow: 8, featPerDay: 3,
		declineFrom: 100, declineTo: 20, ticketsPer90: 3, sentiment: [3]int{2, 4, 1}, troubleTickets: 2,
		touchThen: 15, touchEvery: 40, lastTouchAgo: 30, payment: "overdue", payDays: 70, sponsorLeft: true,
		pulses: []string{"green", "yellow"}, pulseAgo: 25, startedAgo: [2]int{500, 900},
		mrr: [2]int{2200, 3000}, nps: [2]int{3, 7}, firstValueDays: 10}},
	{170, archetype{name: "churned-competitor", users: [2]int{20, 28}, pThen: 0.55, pNow: 0.04, featThen: 9, featNow: 9, featPerDay: 3,
		declineFrom: 120, declineTo: 30, ticketsPer90: 3, sentiment: [3]int{3, 4, 1}, troubleTickets: 4,
		touchThen: 10, touchEvery: 28, lastTouchAgo: 14, execEvery: 3, payment: "current",
		pulses: []string{"green", "yellow", "yellow", "red"}, pulseAgo: 12, redReason: "competitor", startedAgo: [2]int{600, 900},
		mrr: [2]int{6000, 8000}, nps: [2]int{3, 7}, firstValueDays: 5}},
	{195, archetype{name: "churned-failed-payment", users: [2]int{8, 14}, pThen: 0.3, pNow: 0.03, featThen: 7, featNow: 7, featPerDay: 3,
		declineFrom: 80, declineTo: 15, ticketsPer90: 2, sentiment: [3]int{2, 4, 1}, troubleTickets: 2,
		touchThen: 18, touchEvery: 30, lastTouchAgo: 12, payment: "failed", payDays: 70,
		pulses: []string{"green"}, pulseAgo: 40, startedAgo: [2]int{350, 700},
		mrr: [2]int{1800, 2400}, nps: [2]int{4, 8}, firstValueDays: 12}},
	{220, archetype{name: "churned-silently", users: [2]int{15, 22}, pThen: 0.5, pNow: 0.5, featThen: 8, featNow: 8,
		ticketsPer90: 3, sentiment: [3]int{4, 4, 1}, touchEvery: 12, lastTouchAgo: 5, execEvery: 3, payment: "current",
		pulses: []string{"green", "green", "green"}, pulseAgo: 8, startedAgo: [2]int{500, 900},
		mrr: [2]int{5200, 6000}, nps: [2]int{7, 10}, firstValueDays: 4}},
	{245, archetype{name: "churned-failed-payment", users: [2]int{5, 8}, pThen: 0.4, pNow: 0.02, featThen: 7, featNow: 6, featPerDay: 3,
		declineFrom: 105, declineTo: 25, ticketsPer90: 2, sentiment: [3]int{1, 4, 2}, troubleTickets: 3,
		touchThen: 20, touchEvery: 45, lastTouchAgo: 25, payment: "failed", payDays: 80, sponsorLeft: true,
		pulses: []string{"yellow", "red"}, pulseAgo: 6, redReason: "low-adoption", startedAgo: [2]int{300, 600},
		mrr: [2]int{700, 1100}, nps: [2]int{1, 5}, firstValueDays: 20}},
	{275, archetype{name: "churned-sponsor-left", users: [2]int{18, 26}, pThen: 0.5, pNow: 0.05, featThen: 9, featNow: 9, featPerDay: 3,
		declineFrom: 95, declineTo: 20, ticketsPer90: 3, sentiment: [3]int{3, 4, 1}, troubleTickets: 2,
		touchThen: 9, touchEvery: 25, lastTouchAgo: 16, execEvery: 4, payment: "overdue", payDays: 75, sponsorLeft: true,
		pulses: []string{"green", "yellow"}, pulseAgo: 18, startedAgo: [2]int{700, 900},
		mrr: [2]int{5500, 7500}, nps: [2]int{4, 8}, firstValueDays: 6}},
	{300, archetype{name: "churned-quietly-fading", users: [2]int{4, 7}, pThen: 0.35, pNow: 0.08, featThen: 6, featNow: 6, featPerDay: 2,
		declineFrom: 90, declineTo: 20, ticketsPer90: 1, sentiment: [3]int{1, 3, 1}, troubleTickets: 1,
		touchThen: 25, touchEvery: 50, lastTouchAgo: 35, payment: "late",
		startedAgo: [2]int{250, 500}, mrr: [2]int{500, 800}, nps: [2]int{4, 7}, firstValueDays: 15}},
	{325, archetype{name: "churned-silently", users: [2]int{6, 10}, pThen: 0.45, pNow: 0.45, featThen: 6, featNow: 6,
		ticketsPer90: 2, sentiment: [3]int{2, 5, 1}, touchEvery: 22, lastTouchAgo: 11, payment: "current",
		pulses: []string{"green"}, pulseAgo: 20, startedAgo: [2]int{400, 800},
		mrr: [2]int{1000, 1400}, nps: [2]int{6, 9}, firstValueDays: 7}},
	{350, archetype{name: "churned-poor-support", users: [2]int{12, 18}, pThen: 0.45, pNow: 0.03, featThen: 8, featNow: 8, featPerDay: 3,
		declineFrom: 115, declineTo: 30, ticketsPer90: 3, sentiment: [3]int{1, 4, 2}, troubleTickets: 4,
		touchThen: 14, touchEvery: 35, lastTouchAgo: 22, payment: "failed", payDays: 75,
		pulses: []string{"green", "red"}, pulseAgo: 15, redReason: "poor-support", startedAgo: [2]int{450, 800},
		mrr: [2]int{3000, 4500}, nps: [2]int{1, 6}, firstValueDays: 9}},
	{375, archetype{name: "churned-product-gaps", users: [2]int{9, 13}, pThen: 0.3, pNow: 0.02, featThen: 8, featNow: 7, featPerDay: 3,
		declineFrom: 90, declineTo: 20, ticketsPer90: 2, sentiment: [3]int{1, 4, 1}, troubleTickets: 2,
		touchThen: 16, touchEvery: 30, lastTouchAgo: 13, payment: "current",
		pulses: []string{"yellow", "red"}, pulseAgo: 9, redReason: "product-gaps", startedAgo: [2]int{400, 700},
		mrr: [2]int{1600, 2200}, nps: [2]int{2, 6}, firstValueDays: 11}},
}

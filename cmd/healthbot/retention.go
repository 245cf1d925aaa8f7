package main

import (
	"strconv"

	"github.com/healthbot/healthbot/scoring"
)

// longestActivityWindow is the longest window, in days, over which any
// profile of model reads raw activity (DAU, MAU, adoption, features seen),
// defaults filling unset ones as the store fills them.
func longestActivityWindow(model scoring.Model) int {
	longest := 0
	def := scoring.Default().Windows
	pick := func(n, d int) int {
		if n <= 0 {
			return d
		}
		return n
	}
	each := []scoring.Config{model.Default.Config}
	for _, p := range model.Profiles {
		each = append(each, p.Config)
	}
	for _, c := range each {
		w := c.Windows
		longest = max(longest, pick(w.DAUDays, def.DAUDays), pick(w.MAUDays, def.MAUDays),
			pick(w.AdoptionDays, def.AdoptionDays), pick(w.FeatureSeenDays, def.FeatureSeenDays))
	}
	return longest
}

// activityRetention parses HEALTHBOT_ACTIVITY_RETENTION_DAYS: 0 when
// unset (keep every row), else a number of days that must cover the
// longest activity window of model, so that no score loses an input.
func activityRetention(v string, model scoring.Model) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	longest := longestActivityWindow(model)
	if err != nil || n <= 0 {
		return 0, usagef("HEALTHBOT_ACTIVITY_RETENTION_DAYS=%q: want a whole number of days, at least %d (the longest activity window), or leave it unset to keep all activity", v, longest)
	}
	if n < longest {
		return 0, usagef("HEALTHBOT_ACTIVITY_RETENTION_DAYS=%d is shorter than the longest activity window of the health model (%d days): set it to %d or more", n, longest, longest)
	}
	return n, nil
}

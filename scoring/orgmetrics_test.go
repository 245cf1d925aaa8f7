package scoring_test

import (
	"testing"

	"github.com/healthbot/healthbot/scoring"
)

func TestOrgMetricsSeedExamples(t *testing.T) {
	m := scoring.OrgMetrics(scoring.Default(), scoring.OrgInputs{
		NPSPromoters: 60, NPSPassives: 30, NPSDetractors: 10,
		CSATResponses: 100, CSATSatisfied: 80, CSATSum: 430,
	})
	if m.NPS.Value != 50 || m.NPS.Verdict != scoring.Close || m.NPS.Target != 50 {
		t.Errorf("NPS = %v %s (target %v), want 50 close (target > 50)", m.NPS.Value, m.NPS.Verdict, m.NPS.Target)
	}
	// The verdict is on the mean against > 4.5: 4.3 is within 10% (4.05).
	if m.CSAT.Value != 80 || m.CSATMean != 4.3 || m.CSAT.Verdict != scoring.Close {
		t.Errorf("CSAT = %v%% mean %v %s, want 80%% mean 4.3 close", m.CSAT.Value, m.CSATMean, m.CSAT.Verdict)
	}
}

func TestOrgMetrics(t *testing.T) {
	in := scoring.OrgInputs{
		NPSPromoters: 70, NPSPassives: 20, NPSDetractors: 10, // 60: met
		CSATResponses: 10, CSATSatisfied: 9, CSATSum: 46, // mean 4.6: met
		TimeToValueDays: []int{10, 3, 5, 8}, // median 6.5: met (< 7)
		MAU:             75, Seats: 100,     // 75%: close (>= 72)
		AccountsAtStart: 20, Expanded: 3, // 15%: missed (< 18)
		MRRStartCents: 100000, MRREndCents: 104000, // 104%: met
	}
	m := scoring.OrgMetrics(scoring.Default(), in)
	for _, tc := range []struct {
		m       scoring.Metric
		value   float64
		verdict string
	}{
		{m.NPS, 60, scoring.Met},
		{m.CSAT, 90, scoring.Met},
		{m.TimeToValue, 6.5, scoring.Met},
		{m.Adoption, 75, scoring.Close},
		{m.Expansion, 15, scoring.Missed},
		{m.NRR, 104, scoring.Met},
	} {
		if tc.m.Value != tc.value || tc.m.Verdict != tc.verdict || !tc.m.Known {
			t.Errorf("%s = %v %s, want %v %s", tc.m.Name, tc.m.Value, tc.m.Verdict, tc.value, tc.verdict)
		}
	}
	if len(m.All()) != 6 || m.All()[2].Name != "Time to value" {
		t.Errorf("All() = %v", m.All())
	}
}

func TestOrgMetricsVerdictEdges(t *testing.T) {
	cfg := scoring.Default()
	ttv := func(days ...int) scoring.Metric {
		return scoring.OrgMetrics(cfg, scoring.OrgInputs{TimeToValueDays: days}).TimeToValue
	}
	for _, tc := range []struct {
		m       scoring.Metric
		value   float64
		verdict string
	}{
		{ttv(7), 7, scoring.Close},       // at the target: not strictly below
		{ttv(6, 7, 8), 7, scoring.Close}, // odd count median
		{ttv(8), 8, scoring.Missed},      // 7.7 is the edge of close
		{ttv(1, 2, 20, 30), 11, scoring.Missed},
		{ttv(6), 6, scoring.Met},
		{scoring.OrgMetrics(cfg, scoring.OrgInputs{NPSPromoters: 45, NPSPassives: 55}).NPS, 45, scoring.Close}, // 50 - 10% of 50
		{scoring.OrgMetrics(cfg, scoring.OrgInputs{NPSPromoters: 44, NPSPassives: 56}).NPS, 44, scoring.Missed},
		{scoring.OrgMetrics(cfg, scoring.OrgInputs{MAU: 81, Seats: 100}).Adoption, 81, scoring.Met},
		{scoring.OrgMetrics(cfg, scoring.OrgInputs{MAU: 72, Seats: 100}).Adoption, 72, scoring.Close},
		{scoring.OrgMetrics(cfg, scoring.OrgInputs{MAU: 71, Seats: 100}).Adoption, 71, scoring.Missed},
		{scoring.OrgMetrics(cfg, scoring.OrgInputs{AccountsAtStart: 10, MRRStartCents: 1000, MRREndCents: 900}).NRR, 90, scoring.Close},
	} {
		if tc.m.Value != tc.value || tc.m.Verdict != tc.verdict {
			t.Errorf("%s = %v %s, want %v %s", tc.m.Name, tc.m.Value, tc.m.Verdict, tc.value, tc.verdict)
		}
	}
}

func TestOrgMetricsNoData(t *testing.T) {
	m := scoring.OrgMetrics(scoring.Default(), scoring.OrgInputs{})
	for _, x := range m.All() {
		if x.Known || x.Verdict != scoring.NoDataYet {
			t.Errorf("%s: known %v verdict %q, want no data", x.Name, x.Known, x.Verdict)
		}
	}
	// A custom margin: 20% makes NPS 40 close.
	cfg := scoring.Default()
	cfg.Targets.CloseMargin = 0.2
	if v := scoring.OrgMetrics(cfg, scoring.OrgInputs{NPSPromoters: 40, NPSPassives: 60}).NPS.Verdict; v != scoring.Close {
		t.Errorf("margin 0.2, NPS 40: %s, want close", v)
	}
}

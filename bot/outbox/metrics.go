package outbox

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// The counters are package-level so every worker in the process adds to
// the same series; RegisterMetrics exposes them on the app's registry.
var (
	delivered = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "healthbot_outbox_delivered_total",
		Help: "Outbox messages delivered, by platform and kind.",
	}, []string{"platform", "kind"})
	retries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "healthbot_outbox_retries_total",
		Help: "Outbox delivery attempts put back for a retry, by platform and kind.",
	}, []string{"platform", "kind"})
	failed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "healthbot_outbox_failed_total",
		Help: "Outbox messages recorded as failed for good (permanent error or too many attempts), by platform and kind.",
	}, []string{"platform", "kind"})
	rateLimited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "healthbot_outbox_rate_limited_total",
		Help: "Deliveries answered with a platform rate limit (Retry-After), by platform.",
	}, []string{"platform"})
)

// RegisterMetrics registers the delivery counters on reg (the registry
// GET /metrics serves).
func RegisterMetrics(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{delivered, retries, failed, rateLimited} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// FailedCount is the number of messages recorded failed on a platform, for
// tests and the console.
func FailedCount(platform, kind string) float64 {
	return counterValue(failed.WithLabelValues(platform, kind))
}

func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return 0
	}
	return m.GetCounter().GetValue()
}

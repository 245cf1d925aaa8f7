package writer

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/healthbot/healthbot/commands/connector"
	"github.com/prometheus/client_golang/prometheus"
)

// other is the label of a source or event type outside the known ones.
const other = "other"

// metrics are the writer's Prometheus collectors. Every label comes from a
// closed set (the sources, their known event types, the results), so no
// sender can grow them.
type metrics struct {
	types  map[string]map[string]bool // source → known event types
	events *prometheus.CounterVec
	busy   *prometheus.CounterVec
	queue  prometheus.Gauge
	write  prometheus.Histogram
	lag    prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer, types map[string][]string) *metrics {
	m := &metrics{types: map[string]map[string]bool{}}
	for src, ts := range types {
		m.types[src] = map[string]bool{}
		for _, t := range ts {
			m.types[src][t] = true
		}
	}
	m.events = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "healthbot_connector_events_total",
		Help: "Connector events by source, event type (other: a type not used) and result: written, duplicate (a retried delivery), ignored (a type not used, or older than what is stored), parked (no account mapped yet), rejected (unusable; nothing written).",
	}, []string{"source", "type", "result"}))
	m.busy = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "healthbot_connector_busy_total",
		Help: "Connector deliveries answered 503 (queue full, shutting down, or not written in time); the vendor delivers them again.",
	}, []string{"source"}))
	m.queue = register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "healthbot_connector_queue_events",
		Help: "Connector events received and waiting to be written.",
	}))
	m.write = register(reg, prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "healthbot_connector_write_seconds",
		Help:    "Time to write one group of connector deliveries (one transaction).",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	}))
	m.lag = register(reg, prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "healthbot_connector_rescore_lag_seconds",
		Help:    "Time from a connector event's delivery to its account's rescore (with alerts evaluated).",
		Buckets: prometheus.ExponentialBuckets(0.01, 2, 14),
	}))
	for _, src := range connector.Sources {
		m.busy.WithLabelValues(src)
		for _, t := range append(slices.Sorted(maps.Keys(m.types[src])), other) {
			for _, r := range connector.Results {
				m.events.WithLabelValues(src, t, r)
			}
		}
	}
	return m
}

// count adds one event to the events counter.
func (m *metrics) count(source, typ, result string) {
	if !slices.Contains(connector.Results, result) {
		result = connector.ResultRejected
	}
	src := m.source(source)
	if !m.types[src][typ] {
		typ = other
	}
	m.events.WithLabelValues(src, typ, result).Inc()
}

// source is the source label: a known source, else "other".
func (m *metrics) source(s string) string {
	if slices.Contains(connector.Sources, s) {
		return s
	}
	return other
}

// register registers c, or returns the identical collector already
// registered (several writers in one process, as in tests).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(fmt.Sprintf("connector writer: register metrics: %v", err))
	}
	return c
}

package sqlite

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Stats counts what the writer has committed since Open.
type Stats struct {
	Commits uint64 // transactions that wrote events, each one fsync of the WAL
	Appends uint64 // successful append requests that wrote events
	Events  uint64 // events written
}

type counters struct{ commits, appends, events atomic.Uint64 }

func (c *counters) record(appends, events int) {
	c.commits.Add(1)
	c.appends.Add(uint64(appends))
	c.events.Add(uint64(events))
}

// Stats returns the commit counters; Events/Commits is the events per fsync
// that group commit achieves.
func (s *Store) Stats() Stats {
	return Stats{Commits: s.stats.commits.Load(), Appends: s.stats.appends.Load(), Events: s.stats.events.Load()}
}

type metrics struct {
	commits, appends, events prometheus.Counter
	batch                    prometheus.Histogram
}

func newMetrics() *metrics {
	return &metrics{
		commits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "iup_eventstore_commits_total",
			Help: "Transactions (each one fsync) the SQLite event store committed with events.",
		}),
		appends: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "iup_eventstore_appends_total",
			Help: "Append requests that wrote events.",
		}),
		events: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "iup_eventstore_events_total",
			Help: "Events written to the SQLite event store.",
		}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "iup_eventstore_commit_batch_appends",
			Help:    "Append requests committed together in one transaction (group commit).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
		}),
	}
}

func (m *metrics) record(appends, events int) {
	m.commits.Inc()
	m.appends.Add(float64(appends))
	m.events.Add(float64(events))
	m.batch.Observe(float64(appends))
}

// Collectors returns the store's Prometheus metrics for registration.
func (s *Store) Collectors() []prometheus.Collector {
	cached := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "iup_eventstore_stream_cache_bytes",
		Help: "Bytes (roughly) of stored events the stream cache holds; it grows to its bound with the history.",
	}, func() float64 { return float64(s.cache.bytes()) })
	return []prometheus.Collector{s.metrics.commits, s.metrics.appends, s.metrics.events, s.metrics.batch, cached}
}

package serve

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cloudassure/cloudassure/internal/store"
)

// Metrics are the service's Prometheus metrics, on a registry of their own.
// Gauges of state (failing findings, last complete scan, deliveries) are read
// from the store at scrape time, so any process (web or worker) shows all.
type Metrics struct {
	Registry      *prometheus.Registry
	scanDuration  *prometheus.HistogramVec
	scans         *prometheus.CounterVec
	apiCalls      *prometheus.CounterVec
	deliveryTries *prometheus.CounterVec
}

// NewMetrics registers the metrics for st.
func NewMetrics(st *store.Store) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		scanDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "cloudassure_scan_duration_seconds", Help: "Duration of account scans run by this process.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 14),
		}, []string{"target"}),
		scans: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cloudassure_scans_total", Help: "Account scans recorded by this process.",
		}, []string{"target", "complete"}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cloudassure_api_calls_total", Help: "AWS API calls made by this process's scans.",
		}, []string{"operation"}),
		deliveryTries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cloudassure_alert_attempts_total", Help: "Alert batches this process tried to send, by outcome (sent, retry, failed).",
		}, []string{"channel", "outcome"}),
	}
	m.Registry.MustRegister(m.scanDuration, m.scans, m.apiCalls, m.deliveryTries, &storeCollector{st: st},
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

func (m *Metrics) observeScan(rec store.ScanRecord) {
	if m == nil {
		return
	}
	m.scanDuration.WithLabelValues(rec.Target).Observe(rec.FinishedAt.Sub(rec.StartedAt).Seconds())
	m.scans.WithLabelValues(rec.Target, strconv.FormatBool(rec.Complete)).Inc()
	for op, n := range rec.APICalls {
		m.apiCalls.WithLabelValues(op).Add(float64(n))
	}
}

func (m *Metrics) observeDelivery(channel, outcome string, _ int) {
	if m == nil {
		return
	}
	m.deliveryTries.WithLabelValues(channel, outcome).Inc()
}

var (
	failingDesc = prometheus.NewDesc("cloudassure_findings_failing", "Current unsuppressed FAIL findings.",
		[]string{"target", "account", "rule", "risk"}, nil)
	lastCompleteDesc = prometheus.NewDesc("cloudassure_last_complete_scan_timestamp_seconds", "When the latest complete scan of an account finished.",
		[]string{"target", "account"}, nil)
	staleDesc = prometheus.NewDesc("cloudassure_findings_stale", "Findings the latest scans could not re-check.",
		[]string{"target", "account"}, nil)
	deliveriesDesc = prometheus.NewDesc("cloudassure_alert_deliveries", "Alert deliveries in the outbox by channel and status (pending, sending, sent, failed).",
		[]string{"channel", "status"}, nil)
	storeUpDesc = prometheus.NewDesc("cloudassure_store_up", "1 when the store answered the scrape's queries.", nil, nil)
)

type storeCollector struct{ st *store.Store }

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- failingDesc
	ch <- lastCompleteDesc
	ch <- staleDesc
	ch <- deliveriesDesc
	ch <- storeUpDesc
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	up := 1.0
	if counts, err := c.st.FailingCounts(ctx); err == nil {
		for _, f := range counts {
			ch <- prometheus.MustNewConstMetric(failingDesc, prometheus.GaugeValue, float64(f.N), f.Target, f.AccountID, f.RuleID, f.Risk)
		}
	} else {
		up = 0
	}
	if accts, err := c.st.ListAccounts(ctx, store.AccountFilter{}); err == nil {
		for _, a := range accts {
			if !a.LastCompleteScan.IsZero() {
				ch <- prometheus.MustNewConstMetric(lastCompleteDesc, prometheus.GaugeValue, float64(a.LastCompleteScan.UnixMilli())/1000, a.Target, a.AccountID)
			}
			ch <- prometheus.MustNewConstMetric(staleDesc, prometheus.GaugeValue, float64(a.Stale), a.Target, a.AccountID)
		}
	} else {
		up = 0
	}
	if ds, err := c.st.DeliveryCounts(ctx); err == nil {
		for k, n := range ds {
			ch <- prometheus.MustNewConstMetric(deliveriesDesc, prometheus.GaugeValue, float64(n), k[0], k[1])
		}
	} else {
		up = 0
	}
	ch <- prometheus.MustNewConstMetric(storeUpDesc, prometheus.GaugeValue, up)
}

package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/certhub/certhub/internal/platform/db"
)

// storeCollector reports figures read from the database at scrape time: the
// job queue by state (a growing "retryable" or "discarded" count means mail or
// webhooks are failing), and the size of the audit log and the directory.
type storeCollector struct {
	db       *db.DB
	jobs     *prometheus.Desc
	audit    *prometheus.Desc
	orgs     *prometheus.Desc
	users    *prometheus.Desc
	scrapeOK *prometheus.Desc
}

func newStoreCollector(d *db.DB) *storeCollector {
	return &storeCollector{
		db:       d,
		jobs:     prometheus.NewDesc("certhub_jobs", "Background jobs by state.", []string{"state"}, nil),
		audit:    prometheus.NewDesc("certhub_audit_log_rows", "Rows in the audit log.", nil, nil),
		orgs:     prometheus.NewDesc("certhub_organisations", "Organisations in the directory.", nil, nil),
		users:    prometheus.NewDesc("certhub_users", "User accounts, by whether they are enabled.", []string{"enabled"}, nil),
		scrapeOK: prometheus.NewDesc("certhub_store_up", "1 when the database answered the metrics queries.", nil, nil),
	}
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.jobs
	ch <- c.audit
	ch <- c.orgs
	ch <- c.users
	ch <- c.scrapeOK
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	up := 1.0
	err := c.db.Read(ctx, func(q db.Querier) error {
		rows, err := q.Query(ctx, `SELECT state, COUNT(*) FROM river_job GROUP BY state`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var state string
			var n float64
			if err := rows.Scan(&state, &n); err != nil {
				rows.Close()
				return err
			}
			ch <- prometheus.MustNewConstMetric(c.jobs, prometheus.GaugeValue, n, state)
		}
		rows.Close()
		var auditRows, orgs, enabled, disabled float64
		if err := q.QueryRow(ctx, `SELECT seq FROM audit_head WHERE id = 1`).Scan(&auditRows); err != nil {
			return err
		}
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM orgs`).Scan(&orgs); err != nil {
			return err
		}
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE disabled = FALSE`).Scan(&enabled); err != nil {
			return err
		}
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE disabled = TRUE`).Scan(&disabled); err != nil {
			return err
		}
		ch <- prometheus.MustNewConstMetric(c.audit, prometheus.CounterValue, auditRows)
		ch <- prometheus.MustNewConstMetric(c.orgs, prometheus.GaugeValue, orgs)
		ch <- prometheus.MustNewConstMetric(c.users, prometheus.GaugeValue, enabled, "true")
		ch <- prometheus.MustNewConstMetric(c.users, prometheus.GaugeValue, disabled, "false")
		return nil
	})
	if err != nil {
		up = 0
	}
	ch <- prometheus.MustNewConstMetric(c.scrapeOK, prometheus.GaugeValue, up)
}

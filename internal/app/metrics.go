package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/certhub/certhub/internal/platform/audit"
)

// storeCollector reports figures read at scrape time from the services
// that own them: the job queue by state (a growing "retryable" or
// "discarded" count means mail or webhooks are failing), and the size of
// the audit log, the directory and the accounts.
type storeCollector struct {
	c        *Core
	jobs     *prometheus.Desc
	audit    *prometheus.Desc
	orgs     *prometheus.Desc
	users    *prometheus.Desc
	scrapeOK *prometheus.Desc
}

func newStoreCollector(c *Core) *storeCollector {
	return &storeCollector{
		c:        c,
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
	err := func() error {
		states, err := c.c.Queue.CountByState(ctx)
		if err != nil {
			return err
		}
		auditRows, err := audit.Rows(ctx, c.c.DB)
		if err != nil {
			return err
		}
		orgs, err := c.c.Directory.Count(ctx)
		if err != nil {
			return err
		}
		enabled, disabled, err := c.c.Auth.CountAccounts(ctx)
		if err != nil {
			return err
		}
		for state, n := range states {
			ch <- prometheus.MustNewConstMetric(c.jobs, prometheus.GaugeValue, float64(n), state)
		}
		ch <- prometheus.MustNewConstMetric(c.audit, prometheus.CounterValue, float64(auditRows))
		ch <- prometheus.MustNewConstMetric(c.orgs, prometheus.GaugeValue, float64(orgs))
		ch <- prometheus.MustNewConstMetric(c.users, prometheus.GaugeValue, float64(enabled), "true")
		ch <- prometheus.MustNewConstMetric(c.users, prometheus.GaugeValue, float64(disabled), "false")
		return nil
	}()
	up := 1.0
	if err != nil {
		up = 0
	}
	ch <- prometheus.MustNewConstMetric(c.scrapeOK, prometheus.GaugeValue, up)
}

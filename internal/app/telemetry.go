package app

import (
	"context"
	"encoding/csv"
	"slices"
	"strings"

	"github.com/certhub/certhub/internal/intel"
	"github.com/certhub/certhub/internal/intel/ingest"
	"github.com/certhub/certhub/internal/intel/lookup"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/telemetry"
)

// telemetryIndicators lets telemetry ask threat intelligence which of a
// gateway's peers it knows, as the platform (every source): the anomaly
// it raises is read only by the gateway's organisation, its CERT and the
// center, and names the sources.
type telemetryIndicators struct{ intel *intel.Service }

var telemetrySystem = auth.System("telemetry")

// Known answers the values intel knows.
func (t telemetryIndicators) Known(ctx context.Context, values []string) ([]telemetry.Indicator, error) {
	var out []telemetry.Indicator
	for i := 0; i < len(values); i += lookup.MaxLookup {
		matches, err := t.intel.Lookup().Lookup(ctx, telemetrySystem, values[i:min(i+lookup.MaxLookup, len(values))])
		if err != nil {
			return nil, err
		}
		for _, m := range matches {
			// The gateways' own sightings make nothing known: the
			// indicator is known while another source holds it.
			srcs := slices.DeleteFunc(slices.Clone(m.Sources), func(s string) bool { return s == telemetrySource })
			if len(srcs) == 0 {
				continue
			}
			out = append(out, telemetry.Indicator{Value: m.Value, ObservableID: m.ObservableID, Sources: srcs})
		}
	}
	return out, nil
}

// telemetrySource is the intel source gateway sightings are recorded in:
// the center's, TLP:AMBER (a sighting names the constituent whose gateway
// saw it, so only the center's staff read the observation itself; every
// reader of the indicator sees its sightings and last seen move).
const telemetrySource = "Gateway telemetry"

// Sighted records traffic with known indicators as sightings in intel: an
// observation by the source telemetrySource at the hour it was seen,
// tagged with the gateway.
func (t telemetryIndicators) Sighted(ctx context.Context, list []telemetry.Sighting) error {
	src, err := t.intel.EnsureSource(ctx, telemetrySystem, telemetrySource, "AMBER", nil)
	if err != nil {
		return err
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"first_seen", "indicator", "tag"})
	for _, s := range list {
		_ = w.Write([]string{s.At.UTC().Format("2006-01-02 15:04:05"), s.Value, "gateway " + s.Gateway})
	}
	w.Flush()
	_, err = t.intel.Ingest(ctx, telemetrySystem, src, strings.NewReader(b.String()), intel.IngestOptions{Format: ingest.CSV, Via: "telemetry"})
	return err
}

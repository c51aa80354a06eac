package app

import (
	"context"

	"github.com/certhub/certhub/internal/intel"
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
			out = append(out, telemetry.Indicator{Value: m.Value, ObservableID: m.ObservableID, Sources: m.Sources})
		}
	}
	return out, nil
}

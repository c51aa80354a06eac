// Package telemetry watches the traffic at constituents' internet
// gateways: gateways registered per organisation, each with its own
// ingest token, send per-interval summaries as JSON lines (bytes, packets,
// flows, drops, capacity, top ports, protocols, ASNs and peers); each line
// is checked and kept or refused with its reason counted; summaries add
// up into hourly sums, which internal/telemetry/detect judges against each
// gateway's seasonal baseline; peers threat intelligence knows become
// anomalies tied to the indicator. Anomalies reach the organisation and
// its CERT, who acknowledge or dismiss them (a dismissed pattern is not
// raised again that week).
//
// Its SQL names telemetry_gateways, telemetry_summaries, telemetry_hours,
// telemetry_anomalies and telemetry_rejections only.
package telemetry

package telemetry

import (
	"time"
)

// Gateway is a constituent's internet gateway that reports traffic.
type Gateway struct {
	ID         string     `json:"id"`
	OrgID      string     `json:"org_id"`
	Org        string     `json:"org"`
	Sector     string     `json:"sector"`
	CERTOrgID  string     `json:"cert_org_id"`
	Name       string     `json:"name"`
	Exporter   string     `json:"exporter,omitempty"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	LastSeenAt *time.Time `json:"last_seen_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	// Token is the ingest token, answered once when the gateway is
	// registered.
	Token string `json:"token,omitempty"`
	// Rejected counts the lines refused in the last 7 days, by reason.
	Rejected map[string]int `json:"rejected"`
}

// GatewayInput registers a gateway.
type GatewayInput struct {
	OrgID string `json:"org_id"`
	Name  string `json:"name"`
	// Exporter is the address the gateway's NetFlow v9 or IPFIX packets
	// come from, when it exports flows to the collector (optional).
	Exporter string `json:"exporter"`
}

// Count is a value with its bytes, in a summary's top lists.
type Count struct {
	Port     int    `json:"port,omitempty"`
	Protocol string `json:"protocol,omitempty"`
	ASN      int64  `json:"asn,omitempty"`
	IP       string `json:"ip,omitempty"`
	Bytes    int64  `json:"bytes"`
}

// Summary is one interval of a gateway's traffic, one line of an ingest.
type Summary struct {
	IntervalStart   time.Time `json:"interval_start"`
	IntervalSeconds int       `json:"interval_seconds"`
	BytesIn         int64     `json:"bytes_in"`
	BytesOut        int64     `json:"bytes_out"`
	PacketsIn       int64     `json:"packets_in"`
	PacketsOut      int64     `json:"packets_out"`
	Flows           int64     `json:"flows"`
	Drops           int64     `json:"drops"`
	CapacityBPS     int64     `json:"capacity_bps"`
	TopPorts        []Count   `json:"top_ports"`
	TopProtocols    []Count   `json:"top_protocols"`
	TopASNs         []Count   `json:"top_asns"`
	TopPeers        []Count   `json:"top_peers"`
}

// IngestResult answers an ingest: what was kept and why the rest was not.
type IngestResult struct {
	Accepted int            `json:"accepted"`
	Rejected int            `json:"rejected"`
	Reasons  map[string]int `json:"reasons"`
	// Errors are the first lines refused, with why.
	Errors []LineError `json:"errors"`
}

// LineError is one refused line.
type LineError struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
	Detail string `json:"detail"`
}

// Anomaly states.
const (
	Open         = "open"
	Acknowledged = "acknowledged"
	Dismissed    = "dismissed"
)

// Anomaly is something unusual at a gateway in an hour.
type Anomaly struct {
	ID           string     `json:"id"`
	GatewayID    string     `json:"gateway_id"`
	Gateway      string     `json:"gateway"`
	OrgID        string     `json:"org_id"`
	Org          string     `json:"org"`
	Sector       string     `json:"sector"`
	CERTOrgID    string     `json:"cert_org_id"`
	Kind         string     `json:"kind"`
	Hour         time.Time  `json:"hour"`
	Subject      string     `json:"subject,omitempty"`
	Observed     float64    `json:"observed"`
	Expected     float64    `json:"expected"`
	Score        float64    `json:"score"`
	Detail       string     `json:"detail"`
	ObservableID *int64     `json:"observable_id,omitempty"`
	Sources      string     `json:"sources,omitempty"`
	State        string     `json:"state"`
	Note         string     `json:"note,omitempty"`
	DecidedBy    string     `json:"decided_by,omitempty"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
}

// AnomalyFilter narrows a list of anomalies.
type AnomalyFilter struct {
	OrgID, GatewayID, Kind, State string
	Since                         time.Time
	Limit                         int
}

// Point is an hour of a gateway's traffic, for charts.
type Point struct {
	Hour     time.Time `json:"hour"`
	BytesIn  int64     `json:"bytes_in"`
	BytesOut int64     `json:"bytes_out"`
}

// Decision is what the organisation or its CERT made of an anomaly.
type Decision struct {
	State string `json:"state"` // acknowledged, dismissed
	Note  string `json:"note"`
}

// Observable is the indicator's observable ID (0 when none).
func (a Anomaly) Observable() int64 {
	if a.ObservableID == nil {
		return 0
	}
	return *a.ObservableID
}

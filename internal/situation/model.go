package situation

import "time"

// Levels are the threat levels, 1 to 5.
var Levels = []string{"", "low", "guarded", "elevated", "high", "severe"}

// Level is the threat level the center set.
type Level struct {
	Level  int       `json:"level"`
	Name   string    `json:"name"`
	Reason string    `json:"reason"`
	SetBy  string    `json:"set_by,omitempty"`
	SetAt  time.Time `json:"set_at,omitzero"`
}

// Incident is an open incident.
type Incident struct {
	ID, Number, Title, Severity, Sector, Org string
}

// SectorIncidents counts a sector's open incidents by severity.
type SectorIncidents struct {
	Sector   string `json:"sector"`
	Critical int    `json:"critical"`
	High     int    `json:"high"`
	Medium   int    `json:"medium"`
	Low      int    `json:"low"`
	Total    int    `json:"total"`
}

// SectorHygiene is a sector's mean hygiene score and its monthly trend.
type SectorHygiene struct {
	Sector string    `json:"sector"`
	Score  float64   `json:"score"`
	Trend  []float64 `json:"-"`      // the last months, oldest first (NaN: none), for the page's sparkline
	Change float64   `json:"change"` // this month's mean less last month's
}

// Anomaly is a gateway anomaly.
type Anomaly struct {
	ID      string    `json:"id"`
	Kind    string    `json:"kind"`
	Org     string    `json:"org"`
	Gateway string    `json:"gateway"`
	Hour    time.Time `json:"hour"`
	Detail  string    `json:"detail"`
}

// Observable is an indicator seen in constituents' space.
type Observable struct {
	ID           int64    `json:"id"`
	Type         string   `json:"type"`
	Value        string   `json:"value"`
	Sightings    int64    `json:"sightings"`
	Constituents []string `json:"constituents"`
}

// Alert is an alert not every recipient acknowledged.
type Alert struct {
	ID         string    `json:"id"`
	TrackingID string    `json:"tracking_id"`
	Title      string    `json:"title"`
	Recipients int       `json:"recipients"`
	NoAnswer   int       `json:"no_answer"`
	SentAt     time.Time `json:"sent_at"`
}

// Board is the picture at a moment.
type Board struct {
	At          time.Time         `json:"at"`
	Level       Level             `json:"threat_level"`
	Incidents   []SectorIncidents `json:"incidents_by_sector"`
	OpenTotal   int               `json:"open_incidents"`
	Critical    []Incident        `json:"-"`
	National    *float64          `json:"hygiene_national"`
	Hygiene     []SectorHygiene   `json:"hygiene_by_sector"`
	Months      []string          `json:"hygiene_months"`
	Anomalies   []Anomaly         `json:"anomalies_24h"`
	Observables []Observable      `json:"top_observables"`
	Alerts      []Alert           `json:"alerts_awaiting"`
	Actors      []Actor           `json:"active_actors"`
}

// Actor is a threat actor active in the last 90 days, as intel profiles
// it for the reader.
type Actor struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Aliases    []string  `json:"aliases"`
	Sectors    []string  `json:"sectors"`
	Indicators int       `json:"indicators"`
	LastSeen   time.Time `json:"last_seen"`
}

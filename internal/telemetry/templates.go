package telemetry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/netsampler/goflow2/v2/decoders/netflow"

	"github.com/certhub/certhub/internal/platform/db"
)

// flowTemplates keeps exporters' templates in the database, for the
// collectors of every node (flows.SharedTemplates).
type flowTemplates struct {
	s *Service
}

type storedTemplate struct {
	Kind     string          `json:"kind"`
	Template json.RawMessage `json:"template"`
}

func (t flowTemplates) Save(exporter netip.Addr, version uint16, domain uint32, id uint16, tmpl any) error {
	kind := ""
	switch tmpl.(type) {
	case netflow.TemplateRecord:
		kind = "template"
	case netflow.IPFIXOptionsTemplateRecord:
		kind = "ipfix-options"
	case netflow.NFv9OptionsTemplateRecord:
		kind = "v9-options"
	default:
		return fmt.Errorf("telemetry: a template of type %T", tmpl)
	}
	raw, err := json.Marshal(tmpl)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(storedTemplate{Kind: kind, Template: raw})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = t.s.db.Exec(ctx, `INSERT INTO telemetry_flow_templates (exporter, version, domain, template_id, body, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (exporter, version, domain, template_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
		exporter.String(), int(version), int64(domain), int(id), string(body), t.s.now())
	return err
}

func (t flowTemplates) Load(exporter netip.Addr, version uint16, domain uint32, id uint16) (any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var body string
	err := t.s.db.QueryRow(ctx, `SELECT body FROM telemetry_flow_templates WHERE exporter = $1 AND version = $2 AND domain = $3 AND template_id = $4`,
		exporter.String(), int(version), int64(domain), int(id)).Scan(&body)
	if errors.Is(err, db.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var st storedTemplate
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		return nil, err
	}
	switch st.Kind {
	case "template":
		var r netflow.TemplateRecord
		err = json.Unmarshal(st.Template, &r)
		return r, err
	case "ipfix-options":
		var r netflow.IPFIXOptionsTemplateRecord
		err = json.Unmarshal(st.Template, &r)
		return r, err
	case "v9-options":
		var r netflow.NFv9OptionsTemplateRecord
		err = json.Unmarshal(st.Template, &r)
		return r, err
	}
	return nil, fmt.Errorf("telemetry: a stored template of kind %q", st.Kind)
}

package pages

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/certhub/certhub/internal/directory"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/vdp/config"
	"github.com/certhub/certhub/internal/vdp/routing"
	"github.com/certhub/certhub/internal/web"
)

func (p *Pages) dashboard(w http.ResponseWriter, r *http.Request) error {
	st, err := p.svc.Stats(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	p.rd.Render(w, r, http.StatusOK, "vdp/dashboard", web.Page{Title: "Disclosure program", Section: "vdp", Data: st})
	return nil
}

type settingsData struct {
	Settings config.Settings
	Rules    []routing.Rule
	CERTs    []directory.Summary
	Sectors  []string
	CVEFree  int
	CVEUsed  int
	Admin    bool
}

func (p *Pages) settingsPage(w http.ResponseWriter, r *http.Request, status int, pg web.Page) error {
	ctx, id := r.Context(), auth.FromContext(r.Context())
	rules, err := p.svc.Reports().Rules(ctx, id)
	if err != nil {
		return err
	}
	st, err := p.svc.Settings(ctx)
	if err != nil {
		return err
	}
	d := settingsData{Settings: st, Rules: rules, Sectors: directory.Sectors, Admin: id.IsPlatformAdmin()}
	all, err := p.svc.VisibleOrgs(ctx, id)
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.Kind.IsCERT() {
			d.CERTs = append(d.CERTs, o)
		}
	}
	if d.CVEFree, d.CVEUsed, err = p.svc.CVEPool(ctx); err != nil {
		return err
	}
	pg.Title, pg.Section, pg.Data = "Disclosure settings", "vdp", d
	p.rd.Render(w, r, status, "vdp/settings", pg)
	return nil
}

func (p *Pages) settings(w http.ResponseWriter, r *http.Request) error {
	return p.settingsPage(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) saveSettings(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	ctx, id, f := r.Context(), auth.FromContext(r.Context()), r.PostForm
	var err error
	msg := "Saved."
	switch f.Get("action") {
	case "policy":
		num := func(k string) int { n, _ := strconv.Atoi(strings.TrimSpace(f.Get(k))); return n }
		err = p.svc.SaveSettings(ctx, id, config.Settings{AckHours: num("ack_hours"), TriageHours: num("triage_hours"),
			PublicationDays: num("publication_days"), ReminderDays: num("reminder_days"), EscalateAfter: num("escalate_after"),
			DeadlineDays: num("deadline_days"), CNAOrgID: f.Get("cna_org_id"), CNAShortName: f.Get("cna_short_name")})
	case "rules":
		var rules []routing.Rule
		for i := range 100 {
			k := fmt.Sprintf("rules[%d].", i)
			if !f.Has(k + "org_id") {
				break
			}
			if f.Get(k+"org_id") == "" || f.Get(k+"delete") != "" {
				continue
			}
			rule := routing.Rule{Vendor: f.Get(k + "vendor"), Product: f.Get(k + "product"), Sector: f.Get(k + "sector"), OrgID: f.Get(k + "org_id")}
			switch f.Get(k + "cii") {
			case "yes":
				rule.CII = ptr(true)
			case "no":
				rule.CII = ptr(false)
			}
			rules = append(rules, rule)
		}
		_, err = p.svc.Reports().SetRules(ctx, id, rules)
		msg = "Saved the routing rules."
	case "cve":
		var n int
		n, err = p.svc.AddCVEs(ctx, id, strings.Fields(strings.ReplaceAll(f.Get("cve_ids"), ",", " ")))
		msg = fmt.Sprintf("Added %d CVE IDs to the pool.", n)
	default:
		return errs.Invalid("unknown action")
	}
	if err != nil {
		e := errs.As(err)
		if e == nil || e.Kind != errs.KindInvalid {
			return err
		}
		status, _, _ := httpx.Status(err)
		return p.settingsPage(w, r, status, web.Page{Form: f, Errors: e.Fields})
	}
	p.rd.Flash(r, msg)
	http.Redirect(w, r, "/console/vdp/settings", http.StatusSeeOther)
	return nil
}

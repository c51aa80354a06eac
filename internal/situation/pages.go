package situation

import (
	"embed"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/httpx"
	"github.com/certhub/certhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates are the situation's pages.
func Templates() web.Templates { return web.TemplatesIn("situation", templateFS) }

// Pages serves the board.
type Pages struct {
	s  *Service
	rd *web.Renderer
}

// NewPages makes the pages.
func NewPages(s *Service, rd *web.Renderer) *Pages { return &Pages{s: s, rd: rd} }

// Register adds the routes.
func (p *Pages) Register(rt *httpx.Router) {
	h := p.rd.SignedIn(rt)
	h("GET /console/situation", p.page)
	h("GET /console/situation/board", p.fragment)
	h("POST /console/situation/level", p.setLevel)
}

// boardData is the board with what its page draws.
type boardData struct {
	Board
	Sparks    map[string]string // sector → sparkline points
	SetsLevel bool
	Levels    []string
}

func (p *Pages) data(r *http.Request) (boardData, error) {
	id := auth.FromContext(r.Context())
	b, err := p.s.Board(r.Context(), id)
	if err != nil {
		return boardData{}, err
	}
	d := boardData{Board: b, Sparks: map[string]string{}, SetsLevel: id.IsStaff(), Levels: Levels[1:]}
	for _, h := range b.Hygiene {
		d.Sparks[h.Sector] = spark(h.Trend)
	}
	return d, nil
}

// spark is a sparkline's points in a 100×24 box, scaled to the values'
// own range (at least 10 points of score), so a change shows.
func spark(vals []float64) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		if !math.IsNaN(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if hi-lo < 10 {
		mid := (hi + lo) / 2
		lo, hi = mid-5, mid+5
	}
	var pts []string
	n := len(vals)
	for i, v := range vals {
		if math.IsNaN(v) {
			continue
		}
		x := 0
		if n > 1 {
			x = i * 100 / (n - 1)
		}
		pts = append(pts, fmt.Sprintf("%d,%d", x, 22-int(math.Round((v-lo)*20/(hi-lo)))))
	}
	return strings.Join(pts, " ")
}

func (p *Pages) page(w http.ResponseWriter, r *http.Request) error {
	return p.render(w, r, http.StatusOK, web.Page{})
}

func (p *Pages) render(w http.ResponseWriter, r *http.Request, status int, page web.Page) error {
	d, err := p.data(r)
	if err != nil {
		return err
	}
	page.Title, page.Section, page.Data = "National situation", "situation", d
	p.rd.Render(w, r, status, "situation/board", page)
	return nil
}

func (p *Pages) fragment(w http.ResponseWriter, r *http.Request) error {
	d, err := p.data(r)
	if err != nil {
		return err
	}
	p.rd.RenderFragment(w, r, "situation/board", "situation-board", web.Page{Data: d})
	return nil
}

func (p *Pages) setLevel(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(w, r); err != nil {
		return err
	}
	n, _ := strconv.Atoi(r.PostForm.Get("level"))
	l, err := p.s.SetThreatLevel(r.Context(), auth.FromContext(r.Context()), n, r.PostForm.Get("reason"))
	if e := web.FormRefusal(err); e != nil {
		return p.render(w, r, web.StatusOf(e), web.Refused(r.PostForm, e))
	}
	if err != nil {
		return err
	}
	p.rd.Flash(r, "The national threat level is now "+l.Name+".")
	http.Redirect(w, r, "/console/situation", http.StatusSeeOther)
	return nil
}

// API serves the board as JSON.
type API struct{ s *Service }

// NewAPI makes the handlers.
func NewAPI(s *Service) *API { return &API{s: s} }

// Register adds the routes (protect: signed-in callers).
func (a *API) Register(rt *httpx.Router, protect func(http.Handler) http.Handler) {
	rt.Handle("GET /api/v1/situation", protect(httpx.API(a.board)))
	rt.Handle("PUT /api/v1/situation/threat-level", protect(httpx.API(a.level)))
}

func (a *API) board(w http.ResponseWriter, r *http.Request) error {
	b, err := a.s.Board(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, b)
	return nil
}

type levelInput struct {
	Level  int    `json:"level"`
	Reason string `json:"reason"`
}

func (a *API) level(w http.ResponseWriter, r *http.Request) error {
	var in levelInput
	if err := httpx.DecodeJSON(w, r, &in, 4<<10); err != nil {
		return err
	}
	l, err := a.s.SetThreatLevel(r.Context(), auth.FromContext(r.Context()), in.Level, in.Reason)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, l)
	return nil
}

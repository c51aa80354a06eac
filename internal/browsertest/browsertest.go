package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser is one Chromium tab bound to a test and a base URL.
type Browser struct {
	t    testing.TB
	ctx  context.Context
	base string
}

func chromiumPath() string {
	if p := os.Getenv("CERTHUB_CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	return ""
}

// New starts Chromium for the test (closed at its end) with a window of
// width×height pixels.
func New(t testing.TB, baseURL string, width, height int) *Browser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CERTHUB_TEST_REQUIRE_BROWSER") == "1" {
			t.Fatal("browsertest: Chromium not found and CERTHUB_TEST_REQUIRE_BROWSER=1")
		}
		t.Skip("Chromium not installed (apt-get install chromium); make test installs it")
	}
	// Chromium now and then fails to start on a loaded machine (it exits
	// before its DevTools endpoint answers, saying nothing): a fresh
	// profile and a second or third try, before the test fails.
	var ctx context.Context
	var err error
	for try := 1; try <= 3; try++ {
		if ctx, err = start(t, path, width, height); err == nil {
			break
		}
		t.Logf("browsertest: start Chromium (try %d): %v", try, err)
	}
	if err != nil {
		t.Fatalf("browsertest: start Chromium: %v", err)
	}
	return &Browser{t: t, ctx: ctx, base: strings.TrimRight(baseURL, "/")}
}

// start starts Chromium with a profile of its own, stopped when the test
// ends (or at once, when it did not start).
func start(t testing.TB, path string, width, height int) (context.Context, error) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	stop := func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	}
	if err := chromedp.Do(ctx); err != nil {
		stop()
		return nil, err
	}
	t.Cleanup(stop)
	return ctx, nil
}

func (b *Browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("browser: %s: %v (at %s)", what, err, b.URL())
	}
}

// Go opens path on the server and waits for the page.
func (b *Browser) Go(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitReady(chromedp.CSS("body")))
}

// Fill replaces the value of the input matched by css with value, typing it.
func (b *Browser) Fill(css, value string) {
	b.t.Helper()
	b.do("fill "+css, chromedp.WaitVisible(chromedp.CSS(css)), b.setJS(css, ""), chromedp.SendKeys(chromedp.CSS(css), value))
}

// SetValue sets a field's value directly, for inputs that typing does not
// fill reliably (date and time pickers).
func (b *Browser) SetValue(css, value string) {
	b.t.Helper()
	b.do("set "+css, chromedp.WaitVisible(chromedp.CSS(css)), b.setJS(css, value))
}

// Select chooses the option with value in the select matched by css.
func (b *Browser) Select(css, value string) {
	b.t.Helper()
	b.do("select "+css, chromedp.WaitReady(chromedp.CSS(css)), b.setJS(css, value))
}

// setJS sets a field's value the way a script would (to clear or choose).
func (b *Browser) setJS(css, value string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; e.value = %q;
		e.dispatchEvent(new Event("change", {bubbles: true})); return e.value === %q })()`, css, value, value)
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		ok, err := chromedp.Evaluate[bool](js)(ctx, t)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("could not set %s to %q", css, value)
		}
		return nil
	})
}

// Upload chooses the files at paths in the file input matched by css.
func (b *Browser) Upload(css string, paths ...string) {
	b.t.Helper()
	b.do("choose files in "+css, chromedp.WaitReady(chromedp.CSS(css)), chromedp.SetUploadFiles(chromedp.CSS(css), paths))
}

// Click clicks the element matched by css and waits for the next page.
func (b *Browser) Click(css string) {
	b.t.Helper()
	b.do("click "+css, chromedp.WaitVisible(chromedp.CSS(css)), chromedp.Click(chromedp.CSS(css)), chromedp.Sleep(150*time.Millisecond),
		chromedp.WaitReady(chromedp.CSS("body")))
}

// Text returns the visible text of the first element matched by css.
func (b *Browser) Text(css string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(css), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("browser: text of %s: %v (at %s)", css, err, b.URL())
	}
	return s
}

// Value returns the value of the form field matched by css.
func (b *Browser) Value(css string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("browser: value of %s: %v", css, err)
	}
	return s
}

// Count returns how many elements css matches now (without waiting).
func (b *Browser) Count(css string) int {
	b.t.Helper()
	var n int
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", css)))
	if err != nil {
		b.t.Fatalf("browser: count %s: %v", css, err)
	}
	return n
}

// Overflows reports whether the page is wider than the window (a phone
// would have to scroll sideways).
func (b *Browser) Overflows() bool {
	b.t.Helper()
	wide, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool]("document.documentElement.scrollWidth > window.innerWidth + 1"))
	if err != nil {
		b.t.Fatalf("browser: page width: %v", err)
	}
	return wide
}

// Overflowing names the last elements (in document order) reaching past
// the window's right edge outside any scrolling box (tag, id or class,
// and how far): what to fix when Overflows reports true.
func (b *Browser) Overflowing() string {
	b.t.Helper()
	const js = `(() => { const w = document.documentElement.clientWidth, out = [];
	  const scrolled = e => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) { if (getComputedStyle(p).overflowX !== 'visible') return true; } return false; };
	  for (const e of document.querySelectorAll('body *')) {
	    const r = e.getBoundingClientRect();
	    if (r.right > w + 1 && !scrolled(e)) {
	      out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (typeof e.className === 'string' && e.className ? '.' + e.className.split(' ')[0] : '') + ' +' + Math.round(r.right - w) + 'px');
	    }
	  }
	  return out.slice(-8).join(', '); })()`
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("browser: overflowing elements: %v", err)
	}
	return got
}

// URL is the address of the current page.
func (b *Browser) URL() string {
	u, _ := chromedp.Run(b.ctx, chromedp.Location())
	return u
}

// Path is the path (and query) of the current page.
func (b *Browser) Path() string {
	return strings.TrimPrefix(b.URL(), b.base)
}

// Shot writes a full-page screenshot to $CERTHUB_SCREENSHOTS/name.png when set.
func (b *Browser) Shot(name string) {
	b.t.Helper()
	dir := os.Getenv("CERTHUB_SCREENSHOTS")
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("browser: screenshot: %v", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// Expect fails the test unless the text of the element matched by css
// contains every one of want.
func (b *Browser) Expect(css string, want ...string) {
	b.t.Helper()
	// A click that submits a form returns before the next page has
	// surely replaced the current one: the text is read again, for a
	// while, until it shows what is wanted (or the element, caught
	// between two documents, can be read at all).
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 3*time.Second)
		got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css), chromedp.NodeVisible))
		cancel()
		missing := ""
		for _, w := range want {
			if err == nil && !strings.Contains(got, w) {
				missing = w
				break
			}
		}
		if err == nil && missing == "" {
			return
		}
		if time.Now().After(deadline) {
			if err != nil {
				b.t.Fatalf("browser: text of %s: %v (at %s)", css, err, b.URL())
			}
			b.t.Fatalf("browser: %s shows %q, want it to contain %q (at %s)", css, got, missing, b.Path())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Visit is one address a crawl fetched and the status it answered.
type Visit struct {
	URL    string `json:"url"`
	Status int    `json:"status"`
	From   string `json:"from"` // the page that linked to it
}

// crawlJS fetches pages from the browser, with its cookies, breadth first:
// every same-origin link and GET form of every HTML page it fetches, until
// none is new or limit addresses were fetched. Links whose path and query differ only
// in their identifiers and values (a list's rows, its filters) count as
// one shape; perShape of each are followed, so every kind of page is
// reached without fetching every row of every list. Outside the deep
// paths (all when none are given) one of each shape is followed and forms
// are submitted only as they are: what another crawl goes through in full.
const crawlJS = `(async (starts, skip, limit, perShape, deep) => {
	const isDeep = u => !deep.length || deep.some(p => u.pathname.startsWith(p));
	const shape = u => u.pathname.split('/').map(s => /^[0-9a-f-]{8,}$|^[0-9]+$|^[A-Z]+-[A-Z0-9-]+$|^[0-9A-Za-z_-]{20,}$|@/.test(s) ? '*' : s).join('/') +
		'?' + [...u.searchParams.keys()].sort().join('&');
	const seen = new Set(starts), shapes = new Map(), queue = starts.map(s => [s, '']), out = [];
	while (queue.length && out.length < limit) {
		const [url, from] = queue.shift();
		let status = 0, html = null;
		try {
			const r = await fetch(url, {credentials: 'same-origin', redirect: 'manual'});
			status = r.type === 'opaqueredirect' ? 303 : r.status;
			if ((r.headers.get('content-type') || '').startsWith('text/html')) html = await r.text();
		} catch (e) { status = -1; }
		out.push({url, status, from});
		if (!html) continue;
		const doc = new DOMParser().parseFromString(html, 'text/html');
		const found = [...doc.querySelectorAll('a[href]')].map(a => [a.getAttribute('href'), '']), here = isDeep(new URL(url));
		// A search or filter form as submitted with what it holds, and
		// once with each option of each of its lists.
		for (const f of doc.querySelectorAll('form')) {
			if ((f.getAttribute('method') || 'get').toLowerCase() !== 'get') continue;
			const action = f.getAttribute('action') || url, base = new FormData(f);
			const submit = fd => action.split('?')[0] + '?' + new URLSearchParams([...fd].filter(([, v]) => typeof v === 'string')).toString();
			found.push([submit(base), action + ' as it is']);
			if (!here) continue;
			for (const sel of f.querySelectorAll('select[name]')) {
				for (const o of sel.options) {
					const fd = new FormData(f);
					fd.set(sel.name, o.value);
					found.push([submit(fd), action + ' ' + sel.name + '=' + o.value]);
				}
			}
		}
		for (const [href, form] of found) {
			const u = new URL(href, url);
			u.hash = '';
			if (u.origin !== location.origin || skip.some(p => u.pathname.startsWith(p))) continue;
			const s = u.toString();
			if (seen.has(s)) continue;
			seen.add(s);
			// A form counts once for each choice, whatever page it is on.
			const k = form ? 'form ' + new URL(form.split(' ')[0], url).pathname + form.slice(form.indexOf(' ')) : shape(u),
				n = shapes.get(k) || 0;
			if (n >= (form || !isDeep(u) ? 1 : perShape)) continue;
			shapes.set(k, n + 1);
			queue.push([s, url]);
		}
	}
	return out;
})`

// CrawlOptions bound a crawl.
type CrawlOptions struct {
	Skip  []string // paths starting with one of these are not fetched (/logout)
	Deep  []string // paths crawled in full (all when empty); elsewhere one page of each shape
	Limit int      // at most this many pages
}

// Crawl fetches, from the current page and with its cookies, the start
// addresses and every same-origin page they link to (see crawlJS) within
// o; it returns what each answered.
func (b *Browser) Crawl(starts []string, o CrawlOptions) []Visit {
	b.t.Helper()
	for i, s := range starts {
		starts[i] = b.base + s
	}
	if o.Skip == nil {
		o.Skip = []string{}
	}
	if o.Deep == nil {
		o.Deep = []string{}
	}
	in, _ := json.Marshal([]any{starts, o.Skip, o.Limit, 3, o.Deep})
	js := crawlJS + "(..." + string(in) + ")"
	visits, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]Visit](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("browser: crawl: %v", err)
	}
	for i := range visits {
		visits[i].URL = strings.TrimPrefix(visits[i].URL, b.base)
		visits[i].From = strings.TrimPrefix(visits[i].From, b.base)
	}
	return visits
}

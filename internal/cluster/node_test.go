package cluster

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/cli"
)

// nodeEnv marks the test binary re-executed as certhub.
const nodeEnv = "CERTHUB_CLUSTER_NODE"

func TestMain(m *testing.M) {
	if os.Getenv(nodeEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Main(ctx, os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// secretKey is every node's server key (they must share one).
const secretKey = "5ec7e70000000000000000000000000000000000000000000000000000000001"

const demoPassword = "certhub-demo-2026"

// cluster is nodes on one database.
type cluster struct {
	t     testing.TB
	dsn   string
	nodes []*node
}

// node is one certhub process.
type node struct {
	name string
	URL  string
	data string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

// command runs certhub's command line (the test binary) on the cluster's
// database and answers its standard output.
func (c *cluster) command(args ...string) string {
	c.t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), nodeEnv+"=1", "CERTHUB_DB="+c.dsn, "CERTHUB_SECRET_KEY="+secretKey,
		"CERTHUB_DATA="+c.t.TempDir(), "CERTHUB_LOG_LEVEL=warn")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		c.t.Fatalf("certhub %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return strings.TrimSpace(out.String())
}

// start starts a node and waits until it serves; extra are more flags.
func (c *cluster) start(name string, extra ...string) *node {
	c.t.Helper()
	n, err := c.startNode(name, extra...)
	if err != nil {
		c.t.Fatal(err)
	}
	c.nodes = append(c.nodes, n)
	return n
}

// startNode starts a node; it may run on any goroutine.
func (c *cluster) startNode(name string, extra ...string) (*node, error) {
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--workers", "2", "--hygiene-workers", "1",
		"--trusted-proxies", "127.0.0.1", "--log-format", "json"}, extra...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), nodeEnv+"=1", "CERTHUB_DB="+c.dsn, "CERTHUB_SECRET_KEY="+secretKey,
		"CERTHUB_DATA="+c.t.TempDir(), "CERTHUB_ADMIN_PASSWORD="+demoPassword)
	return c.runNode(name, cmd)
}

// run is runNode, failing the test if the node does not start.
func (c *cluster) run(name string, cmd *exec.Cmd) *node {
	c.t.Helper()
	n, err := c.runNode(name, cmd)
	if err != nil {
		c.t.Fatal(err)
	}
	return n
}

// runNode starts cmd, a certhub serve command line, and waits until it
// says it is running; its data directory is the CERTHUB_DATA of its
// environment.
func (c *cluster) runNode(name string, cmd *exec.Cmd) (*node, error) {
	n := &node{name: name, cmd: cmd, done: make(chan struct{})}
	for _, e := range cmd.Env {
		if v, ok := strings.CutPrefix(e, "CERTHUB_DATA="); ok {
			n.data = v
		}
	}
	n.log = filepath.Join(c.t.TempDir(), name+".log")
	logFile, err := os.Create(n.log)
	if err != nil {
		return nil, err
	}
	n.cmd.Stderr = logFile
	stdout, err := n.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := n.cmd.Start(); err != nil {
		return nil, err
	}
	running := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "certhub is running at "); ok {
				running <- u
			}
		}
	}()
	go func() {
		_ = n.cmd.Wait()
		logFile.Close()
		close(n.done)
	}()
	c.t.Cleanup(func() { n.stop(c.t) })
	select {
	case n.URL = <-running:
		return n, nil
	case <-n.done:
		return nil, fmt.Errorf("node %s exited at start:\n%s", name, n.tail())
	case <-time.After(3 * time.Minute):
		return nil, fmt.Errorf("node %s did not start:\n%s", name, n.tail())
	}
}

// stop ends the node as a supervisor would (SIGTERM, then SIGKILL).
func (n *node) stop(t testing.TB) {
	select {
	case <-n.done:
		return
	default:
	}
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(30 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.done
	}
	if t.Failed() {
		t.Logf("node %s's log ends:\n%s", n.name, n.tail())
	}
}

// kill ends the node at once, as a crash would.
func (n *node) kill() {
	_ = n.cmd.Process.Kill()
	<-n.done
}

func (n *node) tail() string {
	b, _ := os.ReadFile(n.log)
	if len(b) > 6000 {
		b = b[len(b)-6000:]
	}
	return string(b)
}

// proxy spreads requests over the nodes in turn, as a load balancer
// without affinity does; it counts the requests each node got.
type proxy struct {
	URL    string
	served []atomic.Int64
}

func (c *cluster) proxy() *proxy {
	c.t.Helper()
	p := &proxy{served: make([]atomic.Int64, len(c.nodes))}
	var next atomic.Int64
	targets := make([]*url.URL, len(c.nodes))
	for i, n := range c.nodes {
		targets[i], _ = url.Parse(n.URL)
	}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		i := int(next.Add(1)-1) % len(targets)
		p.served[i].Add(1)
		r.SetURL(targets[i])
		r.Out.Host = r.In.Host
		// Append to the client's X-Forwarded-For, as a load balancer does.
		r.Out.Header["X-Forwarded-For"] = r.In.Header["X-Forwarded-For"]
		r.SetXForwarded()
	}}
	srv := newServer(c.t, rp)
	p.URL = srv
	return p
}

// client is a browser without JavaScript, or an API client with a token.
type client struct {
	t     testing.TB
	http  *http.Client
	token string
	basic [2]string
	ip    string // sent as X-Forwarded-For
}

func newClient(t testing.TB) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, http: &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

func (c *client) do(method, u string, body io.Reader, contentType string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if method != "GET" {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.basic[0] != "" {
		req.SetBasicAuth(c.basic[0], c.basic[1])
	}
	if c.ip != "" {
		req.Header.Set("X-Forwarded-For", c.ip)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, u, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, u, err)
	}
	return response{res.StatusCode, res.Header, b}
}

func (c *client) get(u string) response { return c.do("GET", u, nil, "") }

func (c *client) form(u string, v url.Values) response {
	return c.do("POST", u, strings.NewReader(v.Encode()), "application/x-www-form-urlencoded")
}

func (c *client) json(method, u string, in any) response {
	b, _ := json.Marshal(in)
	return c.do(method, u, bytes.NewReader(b), "application/json")
}

func (c *client) upload(u, filename string, content []byte) response {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", filename)
	_, _ = fw.Write(content)
	mw.Close()
	return c.do("POST", u, &body, mw.FormDataContentType())
}

// login signs in with the demo password.
func (c *client) login(base, email string) {
	c.t.Helper()
	r := c.form(base+"/login", url.Values{"email": {email}, "password": {demoPassword}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/console" {
		c.t.Fatalf("login as %s on %s: %s", email, base, r)
	}
}

func decode[T any](t testing.TB, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("%v: %s", err, r)
	}
	return v
}

func copyBody(w io.Writer, res *http.Response) (int64, error) { return io.Copy(w, res.Body) }

func newServer(t testing.TB, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

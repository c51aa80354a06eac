package cluster

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

// unit is what a test needs of a systemd unit file.
type unit struct {
	env         []string // Environment= lines, in order
	exec        []string // ExecStart=, split on spaces
	stopTimeout time.Duration
}

func readUnit(t *testing.T, path string) unit {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var u unit
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok || strings.HasPrefix(k, "#") {
			continue
		}
		switch k {
		case "Environment":
			u.env = append(u.env, v)
		case "ExecStart":
			u.exec = strings.Fields(v)
		case "TimeoutStopSec":
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("TimeoutStopSec=%s", v)
			}
			u.stopTimeout = time.Duration(n) * time.Second
		}
	}
	return u
}

// TestSystemdUnit checks deploy/certhub.service: systemd accepts it
// (systemd-analyze verify, where installed), and its command line and
// environment start a node that serves and is ready (on PostgreSQL, as
// its environment file would say), then stops cleanly on systemd's
// signal well within the unit's stop timeout.
func TestSystemdUnit(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	path := filepath.Join("..", "..", "deploy", "certhub.service")
	u := readUnit(t, path)
	if len(u.exec) < 2 || u.exec[0] != "/usr/local/bin/certhub" || u.exec[1] != "serve" || u.stopTimeout <= 30*time.Second {
		t.Fatalf("ExecStart %q, TimeoutStopSec %s: want certhub serve, and longer than the server's 30 s shutdown", u.exec, u.stopTimeout)
	}
	if analyze, err := exec.LookPath("systemd-analyze"); err == nil {
		// The same unit, with a binary that exists here.
		b, _ := os.ReadFile(path)
		self, _ := os.Executable()
		copyPath := filepath.Join(t.TempDir(), "certhub.service")
		if err := os.WriteFile(copyPath, []byte(strings.ReplaceAll(string(b), "/usr/local/bin/certhub", self)), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(analyze, "verify", copyPath).CombinedOutput(); err != nil || len(out) > 0 {
			t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
		}
	}
	// The unit's command line, listening on a free loopback port, with
	// the unit's environment and what certhub.env would add.
	args := append([]string{}, u.exec[1:]...)
	for i, a := range args {
		if a == "--addr" && i+1 < len(args) {
			args[i+1] = "127.0.0.1:0"
		}
	}
	data := t.TempDir()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), nodeEnv+"=1")
	for _, e := range u.env {
		if strings.HasPrefix(e, "CERTHUB_DATA=") {
			e = "CERTHUB_DATA=" + data // the StateDirectory systemd would make
		}
		cmd.Env = append(cmd.Env, e)
	}
	cmd.Env = append(cmd.Env, "CERTHUB_DB="+dbtest.EmptyDSN(t), "CERTHUB_SECRET_KEY="+secretKey, "CERTHUB_ADMIN_PASSWORD="+demoPassword)
	c := &cluster{t: t}
	n := c.run("unit", cmd)
	if r := newClient(t).get(n.URL + "/readyz"); r.Status != http.StatusOK {
		t.Fatalf("readyz: %s", r)
	}
	if !strings.Contains(n.tail(), `"msg":"certhub is listening"`) {
		t.Fatalf("the unit's CERTHUB_LOG_FORMAT=json is not in effect:\n%s", n.tail())
	}
	start := time.Now()
	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-n.done:
	case <-time.After(u.stopTimeout):
		t.Fatalf("still running %s after SIGTERM", u.stopTimeout)
	}
	if code := n.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGTERM (systemd would count it a failure):\n%s", code, n.tail())
	}
	t.Logf("stopped %s after SIGTERM", time.Since(start).Round(time.Millisecond))
}

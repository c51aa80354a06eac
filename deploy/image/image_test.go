package main

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/certhub/certhub/internal/cli"
)

const asCerthub = "CERTHUB_IMAGE_TEST_CLI"

// TestMain lets the test binary stand in for certhub: it is the binary
// the test puts in the image, and runs from it as certhub.
func TestMain(m *testing.M) {
	if os.Getenv(asCerthub) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Main(ctx, os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// TestImage builds the image, reads the tarball back as docker load
// would, checks its configuration and files, and runs the binary taken
// out of its layer.
func TestImage(t *testing.T) {
	certs := "/etc/ssl/certs/ca-certificates.crt"
	if _, err := os.Stat(certs); err != nil {
		certs = filepath.Join(t.TempDir(), "ca.crt")
		if err := os.WriteFile(certs, []byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	img, err := Build(self, certs)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "certhub-image.tar")
	if err := Write(img, "certhub:test", out); err != nil {
		t.Fatal(err)
	}
	again, err := Build(self, certs)
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := img.Digest()
	d2, _ := again.Digest()
	if d1 != d2 {
		t.Errorf("two builds of the same inputs differ: %s, %s", d1, d2)
	}

	loaded, err := tarball.ImageFromPath(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := loaded.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if !slices.Equal(c.Entrypoint, []string{Binary}) || !slices.Equal(c.Cmd, []string{"serve"}) || c.User != "65532:65532" ||
		!slices.Contains(c.Env, "CERTHUB_DATA=/var/lib/certhub") || !slices.Contains(c.Env, "CERTHUB_ADDR=0.0.0.0:8080") {
		t.Fatalf("config %+v", c)
	}
	if _, ok := c.Volumes[DataDir]; !ok || cf.OS != "linux" {
		t.Fatalf("volumes %v, os %s", c.Volumes, cf.OS)
	}
	layers, err := loaded.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("%d layers (%v)", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	files := map[string]*tar.Header{}
	extracted := filepath.Join(t.TempDir(), "certhub")
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		files[strings.TrimSuffix(h.Name, "/")] = h
		if h.Name == Binary[1:] {
			f, err := os.OpenFile(extracted, os.O_CREATE|os.O_WRONLY, 0o755)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(f, tr); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
	}
	if h := files["var/lib/certhub"]; h == nil || h.Uid != UID || h.Mode&0o777 != 0o750 {
		t.Fatalf("the data volume: %+v", h)
	}
	for _, f := range []string{"etc/ssl/certs/ca-certificates.crt", "etc/passwd", "tmp"} {
		if files[f] == nil {
			t.Errorf("%s is missing", f)
		}
	}
	cmd := exec.Command(extracted, "version")
	cmd.Env = append(os.Environ(), asCerthub+"=1")
	got, err := cmd.Output()
	if err != nil || !strings.HasPrefix(string(got), "certhub ") {
		t.Fatalf("the image's binary: %q (%v)", got, err)
	}
}

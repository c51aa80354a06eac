// Command image builds certhub's container image from this repository
// without a container engine: the static binary (CGO_ENABLED=0, built
// here), CA certificates, a passwd entry for the unprivileged user it
// runs as, and its data volume, in one layer on an empty base. It writes
// a tarball that docker load and podman load read:
//
//	go run ./deploy/image -o certhub-image.tar
//	docker load -i certhub-image.tar && docker run -p 8080:8080 certhub:dev serve --demo
//
// The Dockerfile beside it builds the same image where an engine runs.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

func main() {
	out := flag.String("o", "certhub-image.tar", "the image tarball to write")
	tag := flag.String("t", "certhub:dev", "the image's name and tag")
	bin := flag.String("binary", "", "a certhub binary built already (default: go build ./cmd/certhub, static)")
	certs := flag.String("ca-certificates", "/etc/ssl/certs/ca-certificates.crt", "the CA bundle to include")
	flag.Parse()
	if err := run(*out, *tag, *bin, *certs); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(out, tag, bin, certs string) error {
	if bin == "" {
		dir, err := os.MkdirTemp("", "certhub-image-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		bin = filepath.Join(dir, "certhub")
		build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./cmd/certhub")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build: %w", err)
		}
	}
	img, err := Build(bin, certs)
	if err != nil {
		return err
	}
	if err := Write(img, tag, out); err != nil {
		return err
	}
	fmt.Printf("wrote %s (%s): docker load -i %s\n", out, tag, out)
	return nil
}

package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// The image's layout and settings.
const (
	Binary  = "/usr/local/bin/certhub"
	DataDir = "/var/lib/certhub"
	UID     = 65532 // "certhub", no login, no home but the data volume
)

// Config is the image's run configuration: certhub serve on 8080, JSON
// logs, its data in the volume, as the unprivileged user.
func Config() v1.Config {
	return v1.Config{
		Entrypoint:   []string{Binary},
		Cmd:          []string{"serve"},
		Env:          []string{"CERTHUB_DATA=" + DataDir, "CERTHUB_ADDR=0.0.0.0:8080", "CERTHUB_LOG_FORMAT=json", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"},
		User:         fmt.Sprintf("%d:%d", UID, UID),
		WorkingDir:   DataDir,
		ExposedPorts: map[string]struct{}{"8080/tcp": {}},
		Volumes:      map[string]struct{}{DataDir: {}},
		Labels: map[string]string{
			"org.opencontainers.image.title":         "certhub",
			"org.opencontainers.image.description":   "The platform of a national CERT coordination center",
			"org.opencontainers.image.source":        "https://github.com/certhub/certhub",
			"org.opencontainers.image.documentation": "https://github.com/certhub/certhub/blob/main/docs/operations.md",
		},
	}
}

// Build makes the image of the certhub binary at bin with the CA bundle
// at certs.
func Build(bin, certs string) (v1.Image, error) {
	layer, err := Layer(bin, certs)
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS, cf.Config = "amd64", "linux", Config()
	cf.Created = v1.Time{Time: time.Unix(0, 0).UTC()} // reproducible: the same inputs, the same image
	return mutate.ConfigFile(img, cf)
}

// Layer is the image's one layer.
func Layer(bin, certs string) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	epoch := time.Unix(0, 0).UTC()
	dir := func(path string, mode int64, uid int) error {
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: path + "/", Mode: mode, Uid: uid, Gid: uid, ModTime: epoch})
	}
	file := func(path string, mode int64, body []byte) error {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: path, Mode: mode, Size: int64(len(body)), ModTime: epoch}); err != nil {
			return err
		}
		_, err := tw.Write(body)
		return err
	}
	for _, d := range []string{"etc", "etc/ssl", "etc/ssl/certs", "usr", "usr/local", "usr/local/bin", "var", "var/lib"} {
		if err := dir(d, 0o755, 0); err != nil {
			return nil, err
		}
	}
	if err := dir("tmp", 0o1777, 0); err != nil {
		return nil, err
	}
	if err := dir(DataDir[1:], 0o750, UID); err != nil {
		return nil, err
	}
	binary, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	ca, err := os.ReadFile(certs)
	if err != nil {
		return nil, fmt.Errorf("CA certificates (outgoing TLS: mail, webhooks, feeds): %w", err)
	}
	for _, f := range []struct {
		path string
		mode int64
		body []byte
	}{
		{Binary[1:], 0o755, binary},
		{"etc/ssl/certs/ca-certificates.crt", 0o644, ca},
		{"etc/passwd", 0o644, fmt.Appendf(nil, "root:x:0:0:root:/root:/sbin/nologin\ncerthub:x:%d:%d:certhub:%s:/sbin/nologin\n", UID, UID, DataDir)},
		{"etc/group", 0o644, fmt.Appendf(nil, "root:x:0:\ncerthub:x:%d:\n", UID)},
		{"etc/nsswitch.conf", 0o644, []byte("hosts: files dns\n")},
	} {
		if err := file(f.path, f.mode, f.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
}

// Write writes img as a tarball docker load reads, named tag.
func Write(img v1.Image, tag, path string) error {
	ref, err := name.NewTag(tag)
	if err != nil {
		return err
	}
	return tarball.WriteToFile(path, ref, img)
}

package dbtest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// CacheEnv names a directory where test binaries share what is slow to
// make and the same for all of them (a migrated SQLite schema, a data
// directory with the demo loaded): scripts/test.sh sets it to a directory
// of its own, removed when the run ends. Unset, each test binary makes its
// own, as before: slower, the same result.
const CacheEnv = "CERTHUB_TEST_CACHE"

// Shared returns the directory that build filled, made once for every
// test binary of a run: under $CERTHUB_TEST_CACHE, named after name and
// key (what it was made from: a different key is a different directory,
// never a stale one). Without the variable it returns "" and builds
// nothing: the caller makes its own.
//
// A directory appears whole or not at all (built beside, then renamed);
// while one binary builds, the others wait for it rather than build the
// same thing on the same two cores.
func Shared(name, key string, build func(dir string) error) (string, error) {
	root := os.Getenv(CacheEnv)
	if root == "" {
		return "", nil
	}
	if err := os.MkdirAll(root, 0o750); err != nil {
		return "", err
	}
	final := filepath.Join(root, name+"-"+key)
	lock := final + ".lock"
	for waited := time.Duration(0); ; waited += 100 * time.Millisecond {
		if _, err := os.Stat(final); err == nil {
			return final, nil
		}
		f, err := os.OpenFile(lock, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			f.Close()
			break
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
		// Another binary is building it; one that died holding the lock
		// (killed mid-build) is outwaited, and this one builds its own.
		if waited > 5*time.Minute {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	defer os.Remove(lock)
	if _, err := os.Stat(final); err == nil {
		return final, nil
	}
	tmp, err := os.MkdirTemp(root, name+".building-")
	if err != nil {
		return "", err
	}
	if err := build(tmp); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := os.Rename(tmp, final); err != nil {
		os.RemoveAll(tmp)
		if _, serr := os.Stat(final); serr == nil {
			return final, nil
		}
		return "", err
	}
	return final, nil
}

var sourceDigest struct {
	sync.Once
	key string
	err error
}

// SourceDigest is a digest of the module's code outside tests (every file
// below cmd/ and internal/ but _test.go files and testdata/ folders): a key
// for what the code makes, such as the demo's data.
func SourceDigest() (string, error) {
	sourceDigest.Do(func() {
		sourceDigest.key, sourceDigest.err = digestSources()
	})
	return sourceDigest.key, sourceDigest.err
}

func digestSources() (string, error) {
	// Tests run in their package's folder: the module's root is the
	// nearest one above holding go.mod.
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("dbtest: no go.mod above the test's folder")
		}
		dir = parent
	}
	var files []string
	for _, top := range []string{"go.mod", "go.sum", "cmd", "internal"} {
		err := filepath.WalkDir(filepath.Join(dir, top), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "testdata" {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(p, "_test.go") {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	sort.Strings(files)
	h := sha256.New()
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			return "", err
		}
		rel, _ := filepath.Rel(dir, p)
		h.Write([]byte(rel + "\x00"))
		h.Write(b)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

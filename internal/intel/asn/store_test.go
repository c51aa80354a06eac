package asn_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/intel/asn"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
)

var sys = auth.System("test")

// TestStoreReadErrors: what the input did decides the answer, not the
// partial line it left: a body cut off by the request's bound stays that
// error (413 over HTTP), a broken gzip stream is invalid input, a failing
// reader is the server's error, not the caller's.
func TestStoreReadErrors(t *testing.T) {
	s := asn.NewStore(dbtest.Open(t, db.SQLite), time.Now, nil)
	ctx := context.Background()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	for i := range 2000 {
		zw.Write([]byte("10." + strconv.Itoa(i/250) + "." + strconv.Itoa(i%250) + ".0/24\t64500\n"))
	}
	zw.Close()
	cut := func(after int, err error) io.Reader {
		return io.MultiReader(strings.NewReader("192.0.2.0/24 64500\n198.51.100.0/2"[:after]), &failing{err})
	}
	tooBig := &http.MaxBytesError{Limit: 10}
	if _, err := s.Load(ctx, sys, "x", cut(30, tooBig)); !errors.As(err, &tooBig) {
		t.Errorf("cut off by the bound: %v", err)
	}
	if _, err := s.Load(ctx, sys, "x", cut(30, errors.New("connection reset"))); err == nil || errs.KindOf(err) != errs.KindInternal {
		t.Errorf("a failing reader: %v (%v)", err, errs.KindOf(err))
	}
	if _, err := s.Load(ctx, sys, "x", bytes.NewReader(gz.Bytes()[:gz.Len()/2])); errs.KindOf(err) != errs.KindInvalid || !strings.Contains(err.Error(), "gzip stream") {
		t.Errorf("half a gzip stream: %v", err)
	}
	if _, err := s.Load(ctx, sys, "x", bytes.NewReader(gz.Bytes())); err != nil {
		t.Errorf("the whole stream: %v", err)
	}
}

// TestStoreOfficial loads RouteViews' table of 2014 (gzip, in
// place) into the store, as `certhub asn load` does.
func TestStoreOfficial(t *testing.T) {
	s := asn.NewStore(dbtest.Open(t, db.SQLite), time.Now, nil)
	f, err := os.Open("testdata/ipasn/ipasn_20140513.dat.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx := context.Background()
	info, err := s.Load(ctx, sys, "ipasn_20140513.dat.gz", f)
	if err != nil {
		t.Fatal(err)
	}
	if info.Prefixes != 512621 {
		t.Fatalf("%d prefixes, the file has 512,621", info.Prefixes)
	}
	got, err := s.Lookup(ctx, sys, []string{"1.0.4.200"})
	if err != nil || got[0].ASN != 56203 || got[0].Prefix != "1.0.4.0/24" {
		t.Fatalf("1.0.4.200: %+v %v", got, err)
	}
}

type failing struct{ err error }

func (f *failing) Read([]byte) (int, error) { return 0, f.err }

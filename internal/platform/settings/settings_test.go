package settings_test

import (
	"context"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/settings"
)

func TestSettings(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, ok, err := settings.Get(ctx, d, "x.a"); ok || err != nil {
			t.Fatalf("unset: %v %v", ok, err)
		}
		at := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
		if err := d.Write(ctx, func(tx *db.Tx) error {
			for k, v := range map[string]string{"x.a": "1", "x.b": "2", "x_c": "3", "y.a": "4"} {
				if err := settings.Put(ctx, tx, k, v, at); err != nil {
					return err
				}
			}
			return settings.Put(ctx, tx, "x.a", "one", at) // replaces
		}); err != nil {
			t.Fatal(err)
		}
		if v, ok, err := settings.Get(ctx, d, "x.a"); v != "one" || !ok || err != nil {
			t.Fatalf("x.a = %q %v %v", v, ok, err)
		}
		// "x." is a prefix, "_" no wildcard.
		m, err := settings.Prefixed(ctx, d, "x.")
		if err != nil || len(m) != 2 || m["x.b"] != "2" {
			t.Fatalf("prefixed: %v %v", m, err)
		}
		if err := d.Write(ctx, func(tx *db.Tx) error { return settings.Delete(ctx, tx, "x.b") }); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := settings.Get(ctx, d, "x.b"); ok {
			t.Fatal("deleted key is set")
		}
	})
}

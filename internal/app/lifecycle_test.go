package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/app"
	"github.com/certhub/certhub/internal/apptest"
)

// TestListenerFailureEndsTheServer: a listener that stops on its own (HTTP
// or inbound mail) is reported by Wait, so serve shuts down and exits
// non-zero instead of running headless; a signal is not an error.
func TestListenerFailureEndsTheServer(t *testing.T) {
	for _, tc := range []struct {
		name string
		mail bool
		want string
	}{
		{"http", false, "the HTTP listener"},
		{"mail", true, "the inbound mail listener"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Configure: func(c *app.Config) {
				if tc.mail {
					c.SMTPListen, c.ReportAddress = "127.0.0.1:0", "report@cert.example"
				}
			}})
			if r, err := http.Get(s.URL + "/healthz"); err != nil || r.StatusCode != 200 {
				t.Fatalf("healthz before: %v", err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if tc.mail {
				s.BreakMailListener()
			} else {
				s.BreakHTTPListener()
			}
			err := s.Wait(ctx)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "stopped") {
				t.Fatalf("Wait after the listener broke: %v, want an error naming %q", err, tc.want)
			}
		})
	}
	t.Run("signal", func(t *testing.T) {
		s := apptest.Start(t, apptest.Options{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := s.Wait(ctx); err != nil {
			t.Fatalf("Wait after a signal: %v", err)
		}
	})
}

// Package browsertest drives a real headless Chromium (Debian's chromium
// package) through chromedp for end-to-end page tests. Without Chromium the
// tests skip, unless CERTHUB_TEST_REQUIRE_BROWSER=1 (make test sets it), which
// turns the absence into a failure. With CERTHUB_SCREENSHOTS=DIR every Shot
// is also written there as a PNG, to look at.
package browsertest

package web

import (
	"strings"
	"testing"
)

// Markdown written by staff is shown on public pages: raw HTML and
// dangerous links must not survive.
func TestMarkdownIsSanitised(t *testing.T) {
	tests := []struct {
		src     string
		want    []string
		mustNot []string
	}{
		{"**Update** to 4.2.1", []string{"<strong>Update</strong>"}, nil},
		{"<script>alert(1)</script>\n\ntext", []string{"text"}, []string{"<script", "alert(1)</script>"}},
		{`<img src=x onerror="alert(1)">`, nil, []string{"<img", "onerror"}},
		{"[click](javascript:alert(1))", []string{"click"}, []string{"javascript:"}},
		{"[vendor](https://vendor.example/sa)", []string{`<a href="https://vendor.example/sa">vendor</a>`}, nil},
		{"https://vendor.example/sa", []string{`href="https://vendor.example/sa"`}, nil},
		{"| a | b |\n|---|---|\n| 1 | 2 |", []string{"<table>", "<td>1</td>"}, nil},
	}
	for _, tc := range tests {
		got := string(Markdown(tc.src))
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%q → %q, want %q in it", tc.src, got, w)
			}
		}
		for _, m := range tc.mustNot {
			if strings.Contains(got, m) {
				t.Errorf("%q → %q still contains %q", tc.src, got, m)
			}
		}
	}
}

package web

import (
	"bytes"
	"html/template"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// md renders Markdown written by staff (advisory bodies, news). goldmark's
// defaults are the sanitiser: raw HTML in the source is dropped, not
// rendered, and links with dangerous schemes (javascript:, data: …) are
// emptied, so the output is safe to mark as HTML.
var md = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Linkify, extension.Strikethrough))

// Markdown renders Markdown source as safe HTML.
func Markdown(src string) template.HTML {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src)) //nolint:gosec // escaped
	}
	return template.HTML(buf.String()) //nolint:gosec // goldmark without WithUnsafe never emits raw HTML
}

// Package web holds what every HTML page shares: the layout, the stylesheet,
// the template functions, form handling and the HTML error page. Each domain
// registers its own pages and templates; templates are embedded and parsed
// once at start-up, so a broken template stops the boot, not a user.
//
// Pages are server-rendered and work without JavaScript; the CSP forbids
// inline script and style, so there is none.
package web

// Package settings keeps the server's named settings (table settings, the
// kernel's): small values each owner names under its own prefix ("vdp.",
// "demo."), read and written through here, never by SQL of their own.
package settings

// Package site is the public website's front: the home page, the directory
// of the country's CERTs and the national CERT's RFC 2350 description. The
// publications and their feeds are the advisory package's; the report form
// is the disclosure program's. Every page here is server-rendered, works
// without JavaScript and shows only what is public.
package site

// Command certhub runs a national CERT coordination center: the website,
// the console, the JSON API, TAXII and the CSAF provider (certhub serve),
// and the tools that act on its data directory (migrate, backup, restore,
// ingest, audit verify, token, user, …). See certhub --help.
package main

// Package files keeps the files reporters and triagers attach to reports:
// read from an upload or a mail, bounded in size, typed by their first
// bytes (never by their name or what the sender claimed), and stored under
// the data directory named by their SHA-256 — before any transaction
// begins, so a slow uploader holds no lock. It also writes a stored file
// back as a download no browser renders.
//
// It knows nothing of reports or who may see them, and imports no other
// part of vdp: the Service records a staged file against a report, in its
// own transaction, and decides who may open it.
package files

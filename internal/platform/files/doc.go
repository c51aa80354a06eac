// Package files keeps the files people attach: to vulnerability reports and
// cases (vdp), to incidents and to threads between organisations
// (coordination). Each is read from an upload or a mail, bounded in size,
// typed by its first bytes (never by its name or what the sender claimed),
// and stored in the database named by its SHA-256, where every node of a
// cluster reads it — spooled first, so a slow uploader holds no lock and
// no transaction. It also writes a stored file back as a download no
// browser renders.
//
// It knows nothing of what a file is attached to or who may see it: each
// domain records a staged file against its own record, in its own
// transaction, and decides who may open it.
package files

// Package ingest is the reading half of intel's ingest pipeline: it
// settles an input's format (and a CSV's column mapping) from its first
// bytes, hands the input to the reader of that format, and folds a batch
// of what was read into one row per observable, ready to be written. It
// holds no state and runs no SQL; the intel root writes the batches.
package ingest

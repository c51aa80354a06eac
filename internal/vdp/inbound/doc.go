// Package inbound reads a message sent to the reporting address as the
// disclosure program takes it: the report's tracking ID its subject names
// (a reply), the title a new report gets from the subject, and the text
// with notes on how the message arrived (encrypted, cut, partly
// unreadable).
//
// It reads messages already parsed and decrypted by platform/mailin and
// decides nothing: vdp's Service makes the message a report or a reply,
// stores its files and answers the sender.
package inbound

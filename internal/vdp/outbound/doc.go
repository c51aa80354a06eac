// Package outbound writes the disclosure program's mail: to reporters
// (threaded by the tracking ID, replies to the reporting address), to an
// organisation's members or, without members, its contacts, and to its
// vulnerability and security contacts — each message encrypted to the
// recipient's OpenPGP key when there is one, queued in the transaction
// that made the news (notify.Outbox). Its counterpart, reading the mail
// that arrives, is vdp/inbound.
package outbound

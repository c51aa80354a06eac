// Package smtptest runs an in-process SMTP server on loopback that keeps every
// message it receives, so tests can assert what certhub actually sent.
package smtptest

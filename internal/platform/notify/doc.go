// Package notify sends what certhub has to tell the outside world: e-mail over
// SMTP (wneessen/go-mail) and signed webhooks. Nothing is sent inline: callers
// enqueue a job in the transaction that caused the message, and the job
// delivers it with retries, so a message is sent exactly when its cause
// committed and a flaky mail server delays mail instead of losing it.
package notify

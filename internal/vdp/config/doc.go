// Package config is the disclosure program's policies, kept in the
// settings table: how long to acknowledge and to triage a report (and each
// report's clock against them), the publication date after the first
// vendor contact, reminders and escalation, the deadline warning, and the
// center as a CVE Numbering Authority.
package config

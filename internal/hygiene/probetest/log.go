package probetest

import (
	"io"
	"log"
)

// quietLog discards the servers' complaints about the prober's probing
// (handshakes it abandons on purpose).
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }

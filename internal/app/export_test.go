package app

// BreakHTTPListener and BreakMailListener close a listener under the running
// server, as a failing network would: tests check the process notices.
func (a *App) BreakHTTPListener() { _ = a.listener.Close() }

func (a *App) BreakMailListener() { _ = a.mailLn.Close() }

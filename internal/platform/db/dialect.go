package db

import "fmt"

// MillisBetween is the SQL expression for the whole milliseconds from one
// timestamp (a column, or a TimeArg) to another, as an integer, on either
// engine: aggregates and conditions over durations run in the database.
func MillisBetween(e Engine, from, to string) string {
	if e == Postgres {
		return fmt.Sprintf("CAST(ROUND(EXTRACT(EPOCH FROM ((%s) - (%s))) * 1000) AS BIGINT)", to, from)
	}
	return fmt.Sprintf("CAST(ROUND((julianday(%s) - julianday(%s)) * 86400000.0) AS INTEGER)", to, from)
}

// TimeArg is a bound time parameter (such as Args.Add's "$3") where the
// SQL needs its type: PostgreSQL cannot infer it inside an expression.
func TimeArg(e Engine, placeholder string) string {
	if e == Postgres {
		return "CAST(" + placeholder + " AS TIMESTAMPTZ)"
	}
	return placeholder
}

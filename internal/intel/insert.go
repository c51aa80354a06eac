package intel

import (
	"strconv"
	"strings"
	"sync"

	"github.com/certhub/certhub/internal/platform/db"
)

// inserter collects the rows of a multi-row INSERT. Binding a parameter
// costs more than the VM's use of it, so values every row shares are bound
// once, and the text of a full chunk's statement is built once per process.
type inserter struct {
	tx     *db.Tx
	head   string
	args   []any
	shared int // how many values lead every row and are bound once
	width  int // values per row after the shared ones
	rows   int
	// insertFirst: try inserting a chunk of observables before upserting
	// (see observables); carried from batch to batch of a load.
	insertFirst bool
}

func newInserter(tx *db.Tx) *inserter {
	return &inserter{tx: tx, args: make([]any, 0, chunk*12)}
}

// start begins a statement whose rows start with the shared values (the
// first columns the head names).
func (in *inserter) start(head string, shared ...any) {
	in.head = head
	in.args = append(in.args[:0], shared...)
	in.shared, in.width, in.rows = len(shared), 0, 0
}

// row adds one row's values after the shared ones.
func (in *inserter) row(vals ...any) {
	if in.rows == 0 {
		in.width = len(vals)
	} else if len(vals) != in.width {
		panic("intel: rows of one statement differ in width")
	}
	in.args = append(in.args, vals...)
	in.rows++
}

type statementKey struct {
	engine      db.Engine
	head, tail  string
	shared, row int
	rows        int
}

var statements sync.Map // statementKey → string

// sql is the statement's text: head, VALUES with a placeholder for every
// value, tail. SQLite takes "$1" as a named parameter and looks names up
// in a list, which costs quadratic time in a statement of thousands, so
// there each row's values are bare "?" (numbered in order) and the shared
// values, bound first, are referred to as "?1", "?2", … — a bare "?" takes
// the number after the highest so far, and the first row's leading bare
// "?"s are exactly those shared values.
func (in *inserter) sql(tail string) string {
	key := statementKey{in.tx.Engine(), in.head, tail, in.shared, in.width, in.rows}
	if in.rows == chunk { // a batch's last, shorter statements are not worth keeping
		if s, ok := statements.Load(key); ok {
			return s.(string)
		}
	}
	var sb strings.Builder
	head := in.head
	if in.tx.Engine() == db.SQLite {
		// OR FAIL: a row that breaks a constraint ends the statement
		// without undoing the rows before it (the transaction is rolled
		// back anyway). With the default, ABORT, and the nullable upserted
		// columns of migration 0011, SQLite needs no statement journal.
		head = strings.Replace(head, "INSERT INTO ", "INSERT OR FAIL INTO ", 1)
	}
	sb.WriteString(head)
	sb.WriteString(" VALUES ")
	n := in.shared
	for r := range in.rows {
		if r > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for k := range in.shared + in.width {
			if k > 0 {
				sb.WriteString(", ")
			}
			switch {
			case in.tx.Engine() != db.SQLite && k < in.shared:
				sb.WriteString("$" + strconv.Itoa(k+1))
			case in.tx.Engine() != db.SQLite:
				n++
				sb.WriteString("$" + strconv.Itoa(n))
			case k < in.shared && r > 0:
				sb.WriteString("?" + strconv.Itoa(k+1))
			default:
				sb.WriteByte('?')
			}
		}
		sb.WriteByte(')')
	}
	sb.WriteString(tail)
	s := sb.String()
	if in.rows == chunk {
		statements.Store(key, s)
	}
	return s
}

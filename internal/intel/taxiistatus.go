package intel

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/intel/observable"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// TAXII status resources (TAXII 2.1 section 4.3) of the objects POSTed to a
// collection. A status is made pending before the first object is stored;
// each object's outcome is written in the transaction that stores it, and
// the status completes in the ingest run's last transaction, with the
// rejected objects and those read but never stored. So whatever fails,
// and whenever, the status says exactly what is in the collection.

// TAXIIStatus is a status resource, as TAXII writes it.
type TAXIIStatus struct {
	ID               string          `json:"id"`
	Status           string          `json:"status"` // pending, complete
	RequestTimestamp string          `json:"request_timestamp"`
	TotalCount       int             `json:"total_count"`
	SuccessCount     int             `json:"success_count"`
	Successes        []StatusDetails `json:"successes,omitempty"`
	FailureCount     int             `json:"failure_count"`
	Failures         []StatusDetails `json:"failures,omitempty"`
	PendingCount     int             `json:"pending_count"`
}

// StatusDetails is one object's outcome.
type StatusDetails struct {
	ID      string `json:"id"`
	Version string `json:"version,omitempty"`
	Message string `json:"message,omitempty"`
}

// statusWriter records one POST's outcomes as its load goes.
type statusWriter struct {
	id  string
	seq int // the outcomes written so far (the load writes from one goroutine)
}

// newTAXIIStatus makes the pending status of a POST to c by id.
func (s *Service) newTAXIIStatus(ctx context.Context, id *auth.Identity, c access.Collection) (*statusWriter, error) {
	st := &statusWriter{id: db.NewID()}
	var user any
	if id.User.ID != "" {
		user = id.User.ID
	}
	now := s.now()
	if _, err := s.db.Exec(ctx, `INSERT INTO intel_taxii_status (id, collection_num, user_id, status, requested_at, created_at)
		VALUES ($1, $2, $3, 'pending', $4, $4)`, st.id, c.Num, user, now); err != nil {
		return nil, fmt.Errorf("intel: make the TAXII status: %w", err)
	}
	return st, nil
}

// outcomes writes objects' outcomes, in order.
func (st *statusWriter) outcomes(ctx context.Context, tx *db.Tx, ds []StatusDetails, ok bool) error {
	for start := 0; start < len(ds); start += 200 {
		args := db.Args{st.id}
		q := `INSERT INTO intel_taxii_status_objects (status_id, seq, stix_id, version, ok, message) VALUES `
		for i, d := range ds[start:min(start+200, len(ds))] {
			if i > 0 {
				q += ", "
			}
			st.seq++
			q += "($1, " + args.Add(st.seq) + ", " + args.Add(d.ID) + ", " + args.Add(d.Version) + ", " + args.Add(ok) + ", " + args.Add(d.Message) + ")"
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("intel: TAXII status: %w", err)
		}
	}
	return nil
}

// details are objects' outcomes with one message.
func details(objs []observable.Object, message string) []StatusDetails {
	out := make([]StatusDetails, len(objs))
	for i, o := range objs {
		out[i] = StatusDetails{ID: o.ID, Version: o.Version, Message: message}
	}
	return out
}

// stored records a batch's objects as successes, in its transaction.
func (st *statusWriter) stored(ctx context.Context, tx *db.Tx, objs []observable.Object) error {
	return st.outcomes(ctx, tx, details(objs, ""), true)
}

// finish records the failures — objects refused, and objects read but not
// stored — and completes the status, in the run's last transaction.
func (st *statusWriter) finish(ctx context.Context, tx *db.Tx, res *Result, runErr error) error {
	var failed []StatusDetails
	for _, rj := range res.Errors {
		if rj.ID != "" {
			failed = append(failed, StatusDetails{ID: rj.ID, Message: rj.Message})
		}
	}
	lost := "not stored"
	if runErr != nil {
		lost = "not stored: the load failed"
	}
	failed = append(failed, details(res.Lost, lost)...)
	if err := st.outcomes(ctx, tx, failed, false); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE intel_taxii_status SET status = 'complete', run_id = $2 WHERE id = $1`, st.id, res.RunID)
	return err
}

// TAXIIStatusOf answers a status resource to the user who POSTed, or the
// center's staff; to anyone else it does not exist.
func (s *Service) TAXIIStatusOf(ctx context.Context, id *auth.Identity, statusID string) (TAXIIStatus, error) {
	var out TAXIIStatus
	var user string
	var requested time.Time
	err := s.db.Read(ctx, func(q db.Querier) error {
		err := q.QueryRow(ctx, `SELECT id, status, requested_at, COALESCE(user_id, '') FROM intel_taxii_status WHERE id = $1`, statusID).
			Scan(&out.ID, &out.Status, &requested, &user)
		if errors.Is(err, db.ErrNoRows) || (err == nil && (id == nil || (user != id.User.ID && !id.IsSystem() && !id.IsStaff()))) {
			return errs.NotFound("no such status")
		}
		if err != nil {
			return err
		}
		rows, err := q.Query(ctx, `SELECT stix_id, version, ok, message FROM intel_taxii_status_objects WHERE status_id = $1 ORDER BY seq`, statusID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d StatusDetails
			var ok bool
			if err := rows.Scan(&d.ID, &d.Version, &ok, &d.Message); err != nil {
				return err
			}
			if ok {
				out.Successes = append(out.Successes, d)
			} else {
				out.Failures = append(out.Failures, d)
			}
		}
		return rows.Err()
	})
	if err != nil {
		if errs.KindOf(err) == errs.KindNotFound {
			return TAXIIStatus{}, err
		}
		return TAXIIStatus{}, fmt.Errorf("intel: TAXII status: %w", err)
	}
	out.RequestTimestamp = observable.VersionString(requested.UTC())
	out.SuccessCount, out.FailureCount = len(out.Successes), len(out.Failures)
	out.TotalCount = out.SuccessCount + out.FailureCount
	return out, nil
}

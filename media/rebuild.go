package media

import (
	"context"
	"database/sql"
	"fmt"
)

// QueueRunAs records a run in state queued under a given ID, for a catalog
// rebuilt from tapes: a run the trailers prove keeps the ID they carry, so
// that the tape's trailers and the catalog name it alike. It fails with
// ErrExists when a run has that ID.
func (c *Catalog) QueueRunAs(ctx context.Context, id int64, n NewRun) (Run, error) {
	if id < 1 {
		return Run{}, fmt.Errorf("%w: run ID %d", ErrBadInput, id)
	}
	var out Run
	err := c.write(ctx, func(tx *sql.Tx) error {
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM runs WHERE id = ?`, id).Scan(&exists); err != nil {
			return err
		}
		if exists > 0 {
			return fmt.Errorf("%w: run %d", ErrExists, id)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO runs (id, job, system, pool, state, trigger_kind, scheduled_for, queued_at) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?)`,
			id, n.Job, n.System, n.Pool, n.Trigger, nullTime(n.ScheduledFor), timeText(c.now())); err != nil {
			return err
		}
		var err error
		out, err = runTx(ctx, tx, id)
		return err
	})
	return out, err
}

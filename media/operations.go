package media

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// OperationState is where a long operation stands.
type OperationState string

// The states of an operation; all but running are final.
const (
	OperationRunning   OperationState = "running"
	OperationSucceeded OperationState = "succeeded"
	OperationFailed    OperationState = "failed"
	OperationCancelled OperationState = "cancelled"
)

// Finished says whether the state is final.
func (s OperationState) Finished() bool { return s != OperationRunning }

// Operation is work that can outlive a request (a restore, a restore
// drill, a catalog copy): started at once, followed by its ID.
type Operation struct {
	ID    int64          `json:"id"`
	Kind  string         `json:"kind"`
	State OperationState `json:"state"`
	Actor Actor          `json:"actor"`
	// Summary says what it is, for people: "restore of juki into /srv/r".
	Summary string `json:"summary"`
	// Request is what was asked, as the API took it.
	Request    json.RawMessage `json:"request,omitempty"`
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt time.Time       `json:"finished_at,omitzero"`
	// Result is the answer of a finished operation (a restore's
	// RestoreResult, a copy's VerifyResult); it may be there for a failed
	// one too, with what was done before the failure.
	Result json.RawMessage `json:"result,omitempty"`
	// Error says why it failed or was cancelled.
	Error string `json:"error,omitempty"`
	// Progress is how far a running operation is; the daemon keeps it in
	// memory, so it is empty once the operation has finished.
	Progress *OperationProgress `json:"progress,omitempty"`
}

// OperationProgress is how far a running operation is.
type OperationProgress struct {
	// Bytes and Members are what was read and restored so far.
	Bytes   int64 `json:"bytes"`
	Members int64 `json:"members"`
	// Cartridge is the one being read.
	Cartridge string `json:"cartridge,omitempty"`
	// Waiting says what it waits for (a person loading a cartridge, a
	// drive), empty while it works.
	Waiting string `json:"waiting,omitempty"`
	// Detail is the latest step, for people.
	Detail string `json:"detail,omitempty"`
	// Updated is when the progress last changed.
	Updated time.Time `json:"updated,omitzero"`
}

// ErrOperationNotFound is returned for an unknown operation ID.
var ErrOperationNotFound = errors.New("media: operation not found")

// NewOperation is an operation about to start.
type NewOperation struct {
	Kind    string
	Actor   Actor
	Summary string
	Request any
}

const operationColumns = `id, kind, state, actor, role, summary, request, started_at, finished_at, result, error`

func scanOperation(row interface{ Scan(...any) error }) (Operation, error) {
	var op Operation
	var request, result, started string
	var finished sql.NullString
	if err := row.Scan(&op.ID, &op.Kind, &op.State, &op.Actor.Name, &op.Actor.Role, &op.Summary, &request, &started, &finished, &result, &op.Error); err != nil {
		return op, err
	}
	op.StartedAt, op.FinishedAt = parseTime(started), parseNullTime(finished)
	if request != "" {
		op.Request = json.RawMessage(request)
	}
	if result != "" {
		op.Result = json.RawMessage(result)
	}
	return op, nil
}

// StartOperation records an operation as running.
func (c *Catalog) StartOperation(ctx context.Context, n NewOperation) (Operation, error) {
	if n.Kind == "" || n.Actor.Name == "" {
		return Operation{}, fmt.Errorf("%w: an operation needs a kind and an actor", ErrBadInput)
	}
	req, err := json.Marshal(n.Request)
	if err != nil {
		return Operation{}, fmt.Errorf("%w: the operation's request: %v", ErrBadInput, err)
	}
	var id int64
	err = c.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO operations (kind, state, actor, role, summary, request, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			n.Kind, string(OperationRunning), n.Actor.Name, n.Actor.Role, n.Summary, string(req), timeText(c.now()))
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return Operation{}, err
	}
	return c.Operation(ctx, id)
}

// FinishOperation records how an operation ended: its final state, its
// result (nil for none) and, unless it succeeded, why.
func (c *Catalog) FinishOperation(ctx context.Context, id int64, state OperationState, result any, why string) (Operation, error) {
	if !state.Finished() {
		return Operation{}, fmt.Errorf("%w: %q is not a final operation state", ErrBadInput, state)
	}
	res := ""
	if result != nil {
		b, err := json.Marshal(result)
		if err != nil {
			return Operation{}, fmt.Errorf("%w: the operation's result: %v", ErrBadInput, err)
		}
		res = string(b)
	}
	err := c.write(ctx, func(tx *sql.Tx) error {
		var cur string
		if err := tx.QueryRowContext(ctx, `SELECT state FROM operations WHERE id = ?`, id).Scan(&cur); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: operation %d", ErrOperationNotFound, id)
		} else if err != nil {
			return err
		}
		if OperationState(cur).Finished() {
			return fmt.Errorf("%w: operation %d has already %s", ErrBadInput, id, cur)
		}
		_, err := tx.ExecContext(ctx, `UPDATE operations SET state = ?, finished_at = ?, result = ?, error = ? WHERE id = ?`,
			string(state), timeText(c.now()), res, why, id)
		return err
	})
	if err != nil {
		return Operation{}, err
	}
	return c.Operation(ctx, id)
}

// Operation returns one operation.
func (c *Catalog) Operation(ctx context.Context, id int64) (Operation, error) {
	op, err := scanOperation(c.r.QueryRowContext(ctx, `SELECT `+operationColumns+` FROM operations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return op, fmt.Errorf("%w: operation %d; see 'tapewarden operation list'", ErrOperationNotFound, id)
	}
	return op, err
}

// OperationFilter selects operations; zero fields do not filter.
type OperationFilter struct {
	// Running keeps the operations in progress only.
	Running bool
	// Kinds keeps the operations of these kinds only (restore, drill…).
	Kinds []string
	Limit int // default 50
}

// Operations lists operations, newest first.
func (c *Catalog) Operations(ctx context.Context, f OperationFilter) ([]Operation, error) {
	q := `SELECT ` + operationColumns + ` FROM operations WHERE 1`
	var args []any
	if f.Running {
		q += ` AND state = 'running'`
	}
	if len(f.Kinds) > 0 {
		q += ` AND kind IN (?` + strings.Repeat(`, ?`, len(f.Kinds)-1) + `)`
		for _, k := range f.Kinds {
			args = append(args, k)
		}
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	return queryAll(ctx, c.r, scanOperation, q+` ORDER BY id DESC LIMIT ?`, append(args, f.Limit)...)
}

// FailUnfinishedOperations marks every operation left running by a daemon
// that stopped (crashed or killed) as failed with the reason, and returns
// them.
func (c *Catalog) FailUnfinishedOperations(ctx context.Context, reason string) ([]Operation, error) {
	running, err := c.Operations(ctx, OperationFilter{Running: true, Limit: 1 << 30})
	if err != nil {
		return nil, err
	}
	var out []Operation
	for _, op := range running {
		done, err := c.FinishOperation(ctx, op.ID, OperationFailed, nil,
			fmt.Sprintf("%s while the %s was running; start it again", reason, op.Kind))
		if err != nil {
			return out, err
		}
		out = append(out, done)
	}
	return out, nil
}

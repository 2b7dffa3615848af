package media

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/mattn/go-sqlite3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// faultyDriver wraps the sqlite3 driver and fails the Nth statement
// executed after it is armed, as SQLite's own tests fail the Nth I/O: the
// operation under test must then leave the catalog exactly as it was.
type faultyDriver struct {
	inner     sqlite3.SQLiteDriver
	armed     atomic.Bool
	countdown atomic.Int64
	fired     atomic.Bool
}

var errInjected = errors.New("injected fault")

func (d *faultyDriver) arm(n int64) {
	d.fired.Store(false)
	d.countdown.Store(n)
	d.armed.Store(true)
}

func (d *faultyDriver) disarm() { d.armed.Store(false) }

func (d *faultyDriver) tick() error {
	if !d.armed.Load() {
		return nil
	}
	if d.countdown.Add(-1) == 0 {
		d.fired.Store(true)
		return errInjected
	}
	return nil
}

func (d *faultyDriver) Open(name string) (driver.Conn, error) {
	c, err := d.inner.Open(name)
	if err != nil {
		return nil, err
	}
	return &faultyConn{SQLiteConn: c.(*sqlite3.SQLiteConn), d: d}, nil
}

type faultyConn struct {
	*sqlite3.SQLiteConn
	d *faultyDriver
}

func (c *faultyConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := c.d.tick(); err != nil {
		return nil, err
	}
	return c.SQLiteConn.ExecContext(ctx, query, args)
}

func (c *faultyConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.d.tick(); err != nil {
		return nil, err
	}
	return c.SQLiteConn.QueryContext(ctx, query, args)
}

func (c *faultyConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := c.d.tick(); err != nil {
		return nil, err
	}
	tx, err := c.SQLiteConn.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &faultyTx{Tx: tx, d: c.d}, nil
}

type faultyTx struct {
	driver.Tx
	d *faultyDriver
}

func (t *faultyTx) Commit() error {
	if err := t.d.tick(); err != nil {
		t.Tx.Rollback()
		return err
	}
	return t.Tx.Commit()
}

var faulty = &faultyDriver{}

func init() { sql.Register("sqlite3-faulty", faulty) }

// TestFailOperationN fails statement N of each catalog operation for
// N = 1, 2, … until the operation succeeds untouched, and asserts after
// every failure that the catalog is exactly as before: all or nothing.
func TestFailOperationN(t *testing.T) {
	ops := []struct {
		name  string
		setup func(t *testing.T, f *fixture) string
		op    func(f *fixture, id string) error
	}{
		{"add", nil, func(f *fixture, _ string) error {
			_, err := f.cat.AddCartridge(f.ctx, admin, NewCartridge{Barcode: "NEW001L8", Pool: "daily", Location: LibrarySlot("honcho", "lib0", 9)})
			return err
		}},
		{"move", nil, func(f *fixture, _ string) error {
			_, err := f.cat.Move(f.ctx, operator, "DLY001L8", Storage("honcho", "safe"), MoveOptions{})
			return err
		}},
		{"retire", nil, func(f *fixture, _ string) error {
			_, err := f.cat.Retire(f.ctx, admin, "DLY001L8", "worn")
			return err
		}},
		{"create manifest", nil, func(f *fixture, _ string) error {
			_, err := f.cat.CreateManifest(f.ctx, admin, NewManifest{Destination: "dc", Barcodes: []string{"DLY001L8", "DLY002L8"}})
			return err
		}},
		{"pickup with discrepancies", func(t *testing.T, f *fixture) string {
			m, err := f.cat.CreateManifest(f.ctx, admin, NewManifest{Destination: "dc", Barcodes: []string{"DLY001L8", "DLY002L8"}})
			require.NoError(t, err)
			return m.ID
		}, func(f *fixture, id string) error {
			_, err := f.cat.Pickup(f.ctx, admin, id, Handover{Courier: "c", Barcodes: []string{"DLY001L8", "DLY003L8"}, AcceptDiscrepancies: true})
			return err
		}},
		{"deliver with discrepancies", func(t *testing.T, f *fixture) string {
			m, err := f.cat.CreateManifest(f.ctx, admin, NewManifest{Destination: "dc", Barcodes: []string{"DLY001L8", "DLY002L8"}})
			require.NoError(t, err)
			_, err = f.cat.Pickup(f.ctx, admin, m.ID, Handover{Courier: "c", Barcodes: []string{"DLY001L8", "DLY002L8"}})
			require.NoError(t, err)
			return m.ID
		}, func(f *fixture, id string) error {
			_, err := f.cat.Deliver(f.ctx, admin, id, Handover{Barcodes: []string{"DLY001L8"}, AcceptDiscrepancies: true})
			return err
		}},
		{"resolve as lost", func(t *testing.T, f *fixture) string {
			m, err := f.cat.CreateManifest(f.ctx, admin, NewManifest{Destination: "dc", Barcodes: []string{"DLY001L8", "DLY002L8"}})
			require.NoError(t, err)
			_, err = f.cat.Pickup(f.ctx, admin, m.ID, Handover{Courier: "c", Barcodes: []string{"DLY001L8", "DLY002L8"}})
			require.NoError(t, err)
			_, err = f.cat.Deliver(f.ctx, admin, m.ID, Handover{Barcodes: []string{"DLY001L8"}, AcceptDiscrepancies: true})
			require.NoError(t, err)
			return m.ID
		}, func(f *fixture, id string) error {
			_, err := f.cat.Resolve(f.ctx, admin, id, "DLY002L8", Resolution{Lost: true, Note: "gone"})
			return err
		}},
	}
	for _, tt := range ops {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(o *Options) { o.driver = "sqlite3-faulty" })
			for _, b := range []string{"DLY001L8", "DLY002L8", "DLY003L8"} {
				f.add(t, b, Storage("honcho", "shelf"), "daily")
			}
			id := ""
			if tt.setup != nil {
				id = tt.setup(t, f)
			}
			before := dump(t, f.path)
			for n := int64(1); ; n++ {
				require.Less(t, n, int64(500), "operation never completed")
				faulty.arm(n)
				err := tt.op(f, id)
				faulty.disarm()
				if !faulty.fired.Load() {
					require.NoError(t, err, "operation failed without an injected fault")
					assert.NotEqual(t, before, dump(t, f.path), "the operation changed nothing")
					t.Logf("%s: survived failures at statements 1..%d", tt.name, n-1)
					break
				}
				require.Error(t, err, "fault at statement %d was swallowed", n)
				require.Equal(t, before, dump(t, f.path), "fault at statement %d left a partial change", n)
			}
			res, err := f.cat.Verify(f.ctx, "")
			require.NoError(t, err)
			assert.True(t, res.OK, res.Problem)
		})
	}
}

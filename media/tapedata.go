package media

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// LastGoodPiece returns the piece at the highest tape file on a cartridge
// that the catalog still counts as good: complete, of a succeeded run, not
// gone. An append goes right after it (its data file and its trailer);
// what lies beyond belongs to failed runs and is overwritten. ok is false
// when the cartridge holds no good piece.
func (c *Catalog) LastGoodPiece(ctx context.Context, barcode string) (p Piece, ok bool, err error) {
	err = c.r.QueryRowContext(ctx, `SELECT p.run, p.piece, p.barcode, p.file, p.bytes, p.sha256, p.complete FROM pieces p JOIN runs r ON r.id = p.run
		WHERE p.barcode = ? AND p.gone_at IS NULL AND p.complete = 1 AND r.state = 'succeeded' ORDER BY p.file DESC LIMIT 1`, barcode).
		Scan(&p.Run, &p.Piece, &p.Barcode, &p.File, &p.Bytes, &p.SHA256, &p.Complete)
	if errors.Is(err, sql.ErrNoRows) {
		return Piece{}, false, nil
	}
	return p, err == nil, err
}

// ReleaseTapeData records that a person released what the tape of a
// cartridge holds for overwriting (`tapewarden media erase`): data a run
// found on it that this catalog does not know. The next run that writes
// the cartridge from tape file 1 may then overwrite it. The custody event
// says who and why. The catalog's own records of the cartridge are not
// changed: rotation still decides when its known generations may go.
func (c *Catalog) ReleaseTapeData(ctx context.Context, actor Actor, barcode, reason string) (Event, error) {
	b, err := ParseBarcode(barcode, c.patterns)
	if err != nil {
		return Event{}, err
	}
	if strings.TrimSpace(reason) == "" {
		return Event{}, fmt.Errorf("%w: %s: say why the data on it may be destroyed (--reason)", ErrBadInput, b.Text)
	}
	var ev Event
	err = c.write(ctx, func(tx *sql.Tx) error {
		cur, err := cartridgeTx(ctx, tx, b.Text)
		if err != nil {
			return err
		}
		switch cur.State {
		case Cleaning:
			return fmt.Errorf("%w: %s is a cleaning cartridge; it holds no data", ErrBadInput, b.Text)
		case Retired:
			return fmt.Errorf("%w: %s is retired and will not be written again", ErrNotMovable, b.Text)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cartridges SET released_at = ?, updated_at = ? WHERE barcode = ?`, timeText(c.now()), timeText(c.now()), b.Text); err != nil {
			return err
		}
		ev = Event{Actor: actor.Name, Role: actor.Role, Kind: "erase", Barcode: b.Text, From: cur.Location.String(), To: cur.Location.String(),
			FromState: string(cur.State), ToState: string(cur.State),
			Reason: "the data on tape is released for overwriting by the next run: " + strings.TrimSpace(reason)}
		return c.appendEvent(ctx, tx, &ev)
	})
	return ev, err
}

// TapeDataReleased says when a person last released the data on a
// cartridge's tape for overwriting, or zero when it is not released.
func (c *Catalog) TapeDataReleased(ctx context.Context, barcode string) (time.Time, error) {
	var at sql.NullString
	err := c.r.QueryRowContext(ctx, `SELECT released_at FROM cartridges WHERE barcode = ?`, barcode).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, fmt.Errorf("%w: %s", ErrNotFound, barcode)
	}
	return parseNullTime(at), err
}

// ClearRelease ends a release once a run has begun writing over the
// released data.
func (c *Catalog) ClearRelease(ctx context.Context, barcode string) error {
	return c.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE cartridges SET released_at = NULL WHERE barcode = ?`, barcode)
		return err
	})
}

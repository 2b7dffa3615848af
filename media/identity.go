package media

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Identity is the catalog's identity: a UUID made once, when the catalog
// was created (or first opened by a tapewarden that knows identities), and
// never changed. Labels, trailers and catalog copies on tape carry it.
type Identity struct {
	UUID string `json:"uuid"`
	// Since is when the UUID was made.
	Since time.Time `json:"since"`
}

// Identity returns the catalog's identity.
func (c *Catalog) Identity(ctx context.Context) (Identity, error) {
	var id Identity
	var since string
	err := c.r.QueryRowContext(ctx, `SELECT uuid, created_at FROM catalog_identity WHERE one = 1`).Scan(&id.UUID, &since)
	if errors.Is(err, sql.ErrNoRows) {
		return id, fmt.Errorf("%w: the catalog has no identity (its catalog_identity row was removed); restore the newest catalog copy", ErrCorrupt)
	}
	id.Since = parseTime(since)
	return id, err
}

// ChainHead is the newest event of the audit chain: its ID and hash. An
// empty chain has ID 0 and GenesisHash.
type ChainHead struct {
	ID   int64  `json:"id"`
	Hash string `json:"hash"`
}

// ChainHead returns the audit chain's head as it is now (not verified;
// Verify checks the chain up to it).
func (c *Catalog) ChainHead(ctx context.Context) (ChainHead, error) {
	return chainHead(ctx, c.r)
}

func chainHead(ctx context.Context, q querier) (ChainHead, error) {
	h := ChainHead{Hash: GenesisHash}
	err := q.QueryRowContext(ctx, `SELECT id, hash FROM events ORDER BY id DESC LIMIT 1`).Scan(&h.ID, &h.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return ChainHead{Hash: GenesisHash}, nil
	}
	if err != nil {
		return ChainHead{}, fmt.Errorf("read audit chain head: %w", err)
	}
	return h, nil
}

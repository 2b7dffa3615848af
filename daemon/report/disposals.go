package report

import (
	"context"
	"time"

	"github.com/tapewarden/tapewarden/media"
)

// DisposalReport is the list of destroyed cartridges an auditor signs:
// for each, how, when, before whom, under which certificate, and the
// last data it held.
type DisposalReport struct {
	From      string           `json:"from,omitempty"`
	To        string           `json:"to,omitempty"`
	Made      time.Time        `json:"made"`
	Disposals []media.Disposal `json:"disposals"`
}

// Disposals makes the disposal report from one day to another
// (YYYY-MM-DD, both included; empty: no bound).
func (pg *Pages) Disposals(ctx context.Context, from, to string) (DisposalReport, error) {
	list, err := pg.cat.Disposals(ctx, from, to)
	if err != nil {
		return DisposalReport{}, err
	}
	for i := range list {
		list[i].Confidentiality, _ = pg.cfg.HandlingClass(list[i].Systems)
	}
	return DisposalReport{From: from, To: to, Made: pg.now(), Disposals: list}, nil
}

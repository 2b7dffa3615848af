package engine

import (
	"context"
	"fmt"
	"slices"

	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/facts"
)

// Dispose records the destruction of a cartridge. The catalog refuses
// what it can judge itself (manifests, open findings and discrepancies,
// place, degaussing a cartridge not retired); the engine adds what only
// rotation knows: the generations it still keeps on the cartridge.
func (d *Engine) Dispose(ctx context.Context, actor media.Actor, barcode string, n media.NewDisposal) (media.Disposal, error) {
	b, err := d.cat.NormalizeBarcode(barcode)
	if err != nil {
		return media.Disposal{}, err
	}
	retained, err := d.retainedOn(ctx, b)
	if err != nil {
		return media.Disposal{}, err
	}
	n.Retained = retained
	return d.cat.Dispose(ctx, actor, b, n)
}

// retainedOn says, one line each, which generations rotation keeps on
// the cartridge.
func (d *Engine) retainedOn(ctx context.Context, barcode string) ([]string, error) {
	view, err := facts.View(ctx, d.cfg, d.cat)
	if err != nil {
		return nil, fmt.Errorf("read the catalog for rotation: %w", err)
	}
	var out []string
	for _, pool := range d.cfg.RotationPools() {
		ret, err := rotation.Retain(pool, view)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(ret.Protected, barcode) {
			continue
		}
		for _, g := range ret.Generations {
			if g.Protected && slices.Contains(g.Barcodes, barcode) {
				out = append(out, fmt.Sprintf("it holds generation %s/%s (%s), which rotation still keeps: %s", pool.Name, g.ID, g.Level, g.Reason.Message))
			}
		}
	}
	return out, nil
}

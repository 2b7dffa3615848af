package report

import (
	"context"
	"log/slog"
	"time"

	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/daemon/facts"
)

// Pages makes the read-only pages from the configuration and the catalog.
// It holds no state of its own and is safe for concurrent use.
type Pages struct {
	cfg       *config.Config
	cat       *media.Catalog
	now       func() time.Time
	log       *slog.Logger
	cleaning  func(context.Context) ([]rotation.Cleaning, error)
	manifests ManifestMaker
}

// Options are what Pages takes besides the configuration and the catalog.
type Options struct {
	// Now is the daemon's time; nil means the wall clock.
	Now func() time.Time
	// Logger receives what the pages log; nil discards it.
	Logger *slog.Logger
	// Cleaning judges every drive's cleaning (the engine knows the drives'
	// TapeAlerts); nil: the swap list shows no drive cleaning.
	Cleaning func(context.Context) ([]rotation.Cleaning, error)
	// Manifests creates and cancels the manifests made from the courier
	// plan; nil means the catalog itself.
	Manifests ManifestMaker
}

// New returns the pages of cfg over cat.
func New(cfg *config.Config, cat *media.Catalog, opts Options) *Pages {
	pg := &Pages{cfg: cfg, cat: cat, now: opts.Now, log: opts.Logger, cleaning: opts.Cleaning, manifests: opts.Manifests}
	if pg.now == nil {
		pg.now = time.Now
	}
	if pg.log == nil {
		pg.log = slog.New(slog.DiscardHandler)
	}
	if pg.cleaning == nil {
		pg.cleaning = func(context.Context) ([]rotation.Cleaning, error) { return nil, nil }
	}
	if pg.manifests == nil {
		pg.manifests = cat
	}
	return pg
}

// view is facts.View of the pages' configuration and catalog.
func (pg *Pages) view(ctx context.Context) (rotation.View, error) {
	return facts.View(ctx, pg.cfg, pg.cat)
}

// viewAndCartridges is facts.ViewAndCartridges of the pages' configuration
// and catalog.
func (pg *Pages) viewAndCartridges(ctx context.Context) (rotation.View, []media.Cartridge, error) {
	return facts.ViewAndCartridges(ctx, pg.cfg, pg.cat)
}

// plannedRuns is facts.PlannedRuns of the pages' configuration.
func (pg *Pages) plannedRuns(from, to time.Time) []rotation.Run {
	return facts.PlannedRuns(pg.cfg, from, to)
}

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/api/client"
	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/daemon/engine"
)

func (a *app) siteLossDrillCommand() *cobra.Command {
	var demo, wait bool
	cmd := &cobra.Command{
		Use:   "site-loss [--demo]",
		Short: "Play the loss of the machine room: rebuild from the offsite cartridges alone and restore every system",
		Long: `Walks the day the machine room is lost, on a scratch copy: takes only the
cartridges the catalog places at a site other than the machine room, rebuilds
a catalog from them on an empty state directory (as 'catalog rebuild' does),
restores every system from them in restore-priority order into a scratch
directory (as 'restore --from-tape' does), and compares each job with the
catalog's SHA-256. The drill is recorded in the catalog and the audit log:
the time until the first system and until every system was back, and what
was missing. The scratch copies are removed at the end; the live catalog and
cartridges are only read.

The daemon runs it as an operation and this command follows it. The drill
reads the offsite cartridges' virtual images; with real cartridges, do the
same by hand (README, "The machine room is gone").

--demo runs it without a daemon on a fresh demo world: the demo's library
jobs run, their cartridges are taken offsite, and the drill follows.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if demo {
				return a.siteLossDemo(cmd)
			}
			return a.startOperation(cmd, wait, func(ctx context.Context, c *client.Client) (media.Operation, error) { return c.SiteLossDrill(ctx) },
				func(op media.Operation) error {
					res, err := client.SiteLossDrillResult(op)
					if err != nil {
						return err
					}
					if len(op.Result) > 0 {
						if perr := a.print(&res, func(w io.Writer) { printSiteLossDrill(w, res) }); perr != nil {
							return perr
						}
					}
					return operationFailed(op)
				})
		},
	}
	cmd.Flags().BoolVar(&demo, "demo", false, "run the drill on a fresh demo world, without a daemon")
	cmd.Flags().BoolVar(&wait, "wait", true, "wait for the drill to end (--wait=false: start it and print its operation ID)")
	return cmd
}

// siteLossDemo runs the drill on a fresh demo world in a scratch state
// directory, printing its progress.
func (a *app) siteLossDemo(cmd *cobra.Command) error {
	ctx, stop := interruptible(cmd)
	defer stop()
	dir, err := os.MkdirTemp("", "tapewarden-siteloss-demo-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }() // a scratch world
	cfg, err := config.DemoConfig(dir)
	if err != nil {
		return err
	}
	cfg.Catalog.Copies = nil // no scheduled copies in a world that lives for one drill
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	eng, err := engine.New(ctx, cfg, engine.Options{Logger: log, NoSchedule: true, NoNightCheck: true})
	if err != nil {
		return fmt.Errorf("start the demo world: %w", err)
	}
	defer func() { _ = eng.Close() }() // the world is thrown away
	fmt.Fprintf(a.errOut, "demo world in %s: running the library's jobs and taking their cartridges offsite\n", dir)
	if err := eng.PrepareSiteLossDemo(ctx); err != nil {
		return err
	}
	res, err := eng.SiteLossDrill(ctx, localActor(), a.errOut)
	if err != nil {
		return err
	}
	if err := a.print(&res, func(w io.Writer) { printSiteLossDrill(w, res) }); err != nil {
		return err
	}
	if res.Drill.Result != "passed" {
		return failedError{"the site-loss drill failed: " + res.Drill.Missing}
	}
	return nil
}

// printSiteLossDrill writes a drill's findings for people.
func printSiteLossDrill(w io.Writer, res engine.SiteLossDrillResult) {
	d := res.Drill
	fmt.Fprintf(w, "site-loss drill %d\t%s, %s\n", d.ID, strings.ToUpper(d.Result), when(d.At))
	fmt.Fprintf(w, "offsite cartridges\t%s\n", strings.Join(res.Offsite, ", "))
	from := res.Rebuild.CatalogFrom
	if from == "" {
		from = "labels and trailers alone"
	}
	chain := "verifies through the head the tapes carry"
	if !res.ChainOK {
		chain = "DOES NOT VERIFY"
	}
	fmt.Fprintf(w, "catalog rebuilt from\t%s; audit chain %s\n", from, chain)
	for _, s := range res.Systems {
		state := "NOT BACK"
		if s.Back {
			state = "back after " + seconds(s.BackAfter)
		}
		fmt.Fprintf(w, "system %s\t%s\n", s.Name, state)
		for _, j := range s.Jobs {
			match := "matches the catalog"
			if !j.Matches {
				match = "DOES NOT MATCH the catalog"
			}
			line := fmt.Sprintf("  %s %s\t%d bytes from %s, %s", j.Job, j.Generation, j.Bytes, strings.Join(j.Cartridges, ", "), match)
			if j.Newest != "" {
				line += fmt.Sprintf("; the catalog's newest, %s, was not offsite", j.Newest)
			}
			fmt.Fprintln(w, line)
		}
	}
	if d.FirstBack != nil {
		fmt.Fprintf(w, "first system back\tafter %s\n", seconds(*d.FirstBack))
	}
	if d.AllBack != nil {
		fmt.Fprintf(w, "every system back\tafter %s\n", seconds(*d.AllBack))
	}
	for _, m := range res.Missing {
		fmt.Fprintf(w, "MISSING\t%s\n", m)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(w, "note\t%s\n", n)
	}
}

func seconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond).String()
}

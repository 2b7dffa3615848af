package main

import (
	"context"
	"fmt"
	"github.com/tapewarden/tapewarden/rotation"
	"io"

	"github.com/spf13/cobra"

	"github.com/tapewarden/tapewarden/daemon/api/client"
	"github.com/tapewarden/tapewarden/daemon/engine"
)

func (a *app) checkCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "check [JOB...]",
		Short: "Check before the tape moves: sources, catalog space, drives, cartridges, cleaning",
		Long: `Runs the pre-flight check of the named jobs (every job when none is named):
each job's sources exist and can be read, a drive can write its pool, and
rotation has a writable cartridge for its next run at the machine room (not
offsite or in transit); and for the daemon as a whole: the state directory
has room for the catalog, every idle drive answers, and every drive with a
cleaning policy has a usable cleaning cartridge. Exit status 1 when anything
is wrong. The daemon runs the same check before each night
(scheduler.check_before).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var rep engine.CheckReport
			if err := show(a, cmd, &rep, func(ctx context.Context, c *client.Client) (engine.CheckReport, error) {
				return c.Check(ctx, args...)
			}, func(w io.Writer) { printCheck(w, rep) }); err != nil {
				return err
			}
			if n := len(rep.Problems()); n > 0 {
				return failedError{"the pre-flight check found " + rotation.Plural(n, "problem")}
			}
			return nil
		},
	}
}

func printCheck(w io.Writer, rep engine.CheckReport) {
	for _, p := range rep.General {
		fmt.Fprintf(w, "PROBLEM\t%s: %s\n", p.Kind, p.Message)
	}
	for _, j := range rep.Jobs {
		next := "no schedule; checked for a run now"
		if !j.Next.IsZero() {
			next = "next run " + when(j.Next)
		}
		verdict := "ready"
		if len(j.Problems) > 0 {
			verdict = rotation.Plural(len(j.Problems), "problem")
		}
		fmt.Fprintf(w, "job %s\t%s (pool %s, %s", j.Job, verdict, j.Pool, next)
		if j.Cartridge != "" {
			fmt.Fprintf(w, ", writes %s at %s", j.Cartridge, j.Where)
		}
		fmt.Fprintln(w, ")")
		for _, p := range j.Problems {
			fmt.Fprintf(w, "PROBLEM\t%s: %s\n", p.Kind, p.Message)
		}
	}
	fmt.Fprintf(w, "checked\t")
	for i, c := range rep.Checked {
		if i > 0 {
			fmt.Fprint(w, "; ")
		}
		fmt.Fprint(w, c)
	}
	fmt.Fprintln(w)
	if n := len(rep.Problems()); n > 0 {
		fmt.Fprintf(w, "verdict\tNOT READY: %s; fix them before the next run\n", rotation.Plural(n, "problem"))
	} else {
		fmt.Fprintln(w, "verdict\tready: nothing found that would stop tonight's runs")
	}
}

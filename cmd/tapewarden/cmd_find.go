package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tapewarden/tapewarden/daemon/api/client"
	"github.com/tapewarden/tapewarden/daemon/engine"
	"github.com/tapewarden/tapewarden/media"
)

// listMembers is `tapewarden restore --list`.
func (a *app) listMembers(cmd *cobra.Command, req engine.RestoreRequest, pattern string, limit int) error {
	var res engine.ListResult
	return show(a, cmd, &res, func(ctx context.Context, c *client.Client) (engine.ListResult, error) {
		return c.ListMembers(ctx, engine.ListRequest{System: req.System, Job: req.Job, Generation: req.Generation, Pattern: pattern, Limit: limit})
	}, func(w io.Writer) {
		for _, r := range res.Runs {
			fmt.Fprintf(w, "%s run %d (generation %s): %d members", r.Job, r.Run, r.Generation, len(r.Members))
			if r.More {
				fmt.Fprintf(w, " shown, more not (raise --limit or narrow the pattern)")
			}
			fmt.Fprintln(w)
			for _, m := range r.Members {
				fmt.Fprintf(w, "  %s\t%d\t%s\t%s\t(piece %d, tape file %d)\n", m.Type, m.Size, m.ModTime.Local().Format("2006-01-02 15:04"), m.Path, m.Piece, m.File)
			}
		}
		for _, m := range res.Missing {
			fmt.Fprintf(w, "nothing listed for job %s: it %s\n", m.Job, m.Reason)
		}
	})
}

func (a *app) findCommand() *cobra.Command {
	var limit int
	cmd := &cobra.Command{
		Use:   "find PATTERN",
		Short: "Which generations and cartridges hold a file",
		Long: `Find looks PATTERN up in the file index of every run, newest first, and
says which jobs, generations and cartridges hold matching files. PATTERN is
a path or a glob ('*' also crosses '/'): 'residents.csv' and 'juki/*.csv'
match below any directory; a leading '/' anchors it at the top of the
archive. Restore what it finds with 'tapewarden restore --job J
--generation G --path PATTERN --to DIR'.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var found []media.Holding
			if err := show(a, cmd, &found, func(ctx context.Context, c *client.Client) ([]media.Holding, error) {
				return c.Find(ctx, args[0], limit)
			}, func(w io.Writer) {
				if len(found) == 0 {
					fmt.Fprintf(w, "no indexed run holds %s\n", args[0])
					return
				}
				fmt.Fprintln(w, "RUN\tJOB\tGENERATION\tSTATE\tFINISHED\tMATCHES\tEXAMPLE\tCARTRIDGES")
				for _, h := range found {
					carts := strings.Join(h.Cartridges, ",")
					if len(h.Gone) > 0 {
						carts = strings.TrimPrefix(carts+", overwritten: "+strings.Join(h.Gone, ","), ", ")
					}
					fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", h.Run, h.Job, dash(h.Generation), h.State, when(h.FinishedAt), h.Members, h.Example, dash(carts))
				}
			}); err != nil {
				return err
			}
			if len(found) == 0 {
				return failedError{fmt.Sprintf("%s is in no indexed run", args[0])}
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many runs")
	return cmd
}

package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/api/client"
)

// howToFollow says how to follow an operation without waiting for it.
func howToFollow(id int64) string {
	return fmt.Sprintf("'tapewarden operation show %d' shows it, 'tapewarden operation cancel %d' stops it", id, id)
}

// waitOperation follows an operation the daemon has just started until
// it ends (see follow), and returns it as it ended.
func (a *app) waitOperation(cmd *cobra.Command, c *client.Client, op media.Operation) (media.Operation, error) {
	fmt.Fprintf(a.errOut, "tapewarden: %s is operation %d; waiting for it (Ctrl-C stops the waiting, not the %s)\n", op.Summary, op.ID, op.Kind)
	return follow(cmd.Context(), a, fmt.Sprintf("operation %d (%s)", op.ID, op.Summary), howToFollow(op.ID),
		func(ctx context.Context) (media.Operation, error) { return c.Operation(ctx, op.ID) },
		func(op media.Operation) bool { return op.State.Finished() })
}

// startOperation starts an operation with start and, with wait, follows
// it to its end: done then prints its result (and says how it ended, by
// the error returned). Without wait it prints the operation and how to
// follow it.
func (a *app) startOperation(cmd *cobra.Command, wait bool, start func(ctx context.Context, c *client.Client) (media.Operation, error), done func(op media.Operation) error) error {
	c, err := a.client(cmd)
	if err != nil {
		return err
	}
	op, err := start(cmd.Context(), c)
	if err != nil {
		return err
	}
	if !wait {
		return a.print(&op, func(w io.Writer) {
			fmt.Fprintf(w, "%s started as operation %d; %s\n", op.Summary, op.ID, howToFollow(op.ID))
		})
	}
	if op, err = a.waitOperation(cmd, c, op); err != nil {
		return err
	}
	return done(op)
}

// operationFailed is the error for an operation that did not succeed.
func operationFailed(op media.Operation) error {
	if op.State == media.OperationSucceeded {
		return nil
	}
	return failedError{fmt.Sprintf("operation %d %s: %s", op.ID, op.State, op.Error)}
}

func printOperation(w io.Writer, op media.Operation) {
	fmt.Fprintf(w, "operation\t%d\n", op.ID)
	fmt.Fprintf(w, "kind\t%s\n", op.Kind)
	fmt.Fprintf(w, "what\t%s\n", op.Summary)
	fmt.Fprintf(w, "state\t%s\n", op.State)
	fmt.Fprintf(w, "by\t%s (%s)\n", op.Actor.Name, op.Actor.Role)
	fmt.Fprintf(w, "started\t%s\n", when(op.StartedAt))
	if !op.FinishedAt.IsZero() {
		fmt.Fprintf(w, "finished\t%s\n", when(op.FinishedAt))
	}
	if p := op.Progress; p != nil {
		fmt.Fprintf(w, "progress\t%d bytes, %d members restored\n", p.Bytes, p.Members)
		if p.Cartridge != "" {
			fmt.Fprintf(w, "cartridge\t%s\n", p.Cartridge)
		}
		if p.Waiting != "" {
			fmt.Fprintf(w, "waiting for\t%s\n", p.Waiting)
		} else if p.Detail != "" {
			fmt.Fprintf(w, "doing\t%s\n", p.Detail)
		}
	}
	if op.Error != "" {
		fmt.Fprintf(w, "error\t%s\n", op.Error)
	}
	if len(op.Result) > 0 {
		fmt.Fprintf(w, "result\t%s\n", op.Result)
	}
}

// operationLine is an operation on one line, for lists and the status.
func operationLine(op media.Operation) string {
	line := fmt.Sprintf("%s: %s", op.State, op.Summary)
	if p := op.Progress; p != nil {
		switch {
		case p.Waiting != "":
			line += "; waiting for " + p.Waiting
		case p.Detail != "":
			line += "; " + p.Detail
		}
	}
	if op.Error != "" {
		line += ": " + op.Error
	}
	return line
}

func (a *app) operationCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "operation", Aliases: []string{"op"}, Short: "Long operations (restores, drills, catalog copies): list, show, cancel"}
	var all bool
	var limit int
	list := &cobra.Command{
		Use: "list [--all]", Short: "List the operations in progress (with --all, finished ones too)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var ops []media.Operation
			return show(a, cmd, &ops, func(ctx context.Context, c *client.Client) ([]media.Operation, error) {
				return c.Operations(ctx, !all, limit)
			}, func(w io.Writer) {
				if len(ops) == 0 {
					fmt.Fprintln(w, "no operation in progress")
					return
				}
				fmt.Fprintln(w, "OPERATION\tKIND\tSTARTED\tBY\tSTATE")
				for _, op := range ops {
					fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", op.ID, op.Kind, when(op.StartedAt), op.Actor.Name, operationLine(op))
				}
			})
		},
	}
	list.Flags().BoolVar(&all, "all", false, "include finished operations")
	list.Flags().IntVar(&limit, "limit", 50, "at most this many operations")
	showCmd := &cobra.Command{
		Use: "show ID", Short: "Show an operation: its state, progress and result", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("operation", args[0])
			if err != nil {
				return err
			}
			var op media.Operation
			return show(a, cmd, &op, func(ctx context.Context, c *client.Client) (media.Operation, error) { return c.Operation(ctx, id) }, func(w io.Writer) { printOperation(w, op) })
		},
	}
	cancel := &cobra.Command{
		Use: "cancel ID", Short: "Stop an operation in progress", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("operation", args[0])
			if err != nil {
				return err
			}
			var op media.Operation
			return show(a, cmd, &op, func(ctx context.Context, c *client.Client) (media.Operation, error) {
				return c.CancelOperation(ctx, id)
			}, func(w io.Writer) {
				fmt.Fprintf(w, "operation %d %s: %s\n", op.ID, op.State, op.Error)
			})
		},
	}
	waitCmd := &cobra.Command{
		Use: "wait ID", Short: "Wait for an operation to end; exit 1 unless it succeeded", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("operation", args[0])
			if err != nil {
				return err
			}
			c, err := a.client(cmd)
			if err != nil {
				return err
			}
			op, err := c.Operation(cmd.Context(), id)
			if err != nil {
				return err
			}
			if !op.State.Finished() {
				if op, err = a.waitOperation(cmd, c, op); err != nil {
					return err
				}
			}
			if err := a.print(&op, func(w io.Writer) { printOperation(w, op) }); err != nil {
				return err
			}
			return operationFailed(op)
		},
	}
	cmd.AddCommand(list, showCmd, cancel, waitCmd)
	return cmd
}

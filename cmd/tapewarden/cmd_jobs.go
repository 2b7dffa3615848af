package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/api"

	"github.com/tapewarden/tapewarden/daemon/api/client"
	"github.com/tapewarden/tapewarden/daemon/engine"
	"github.com/tapewarden/tapewarden/daemon/i18n"
)

func printRunLine(w io.Writer, r media.Run) {
	took := "-"
	if !r.StartedAt.IsZero() && !r.FinishedAt.IsZero() {
		took = rotation.HumanDuration(r.FinishedAt.Sub(r.StartedAt))
	}
	reason := r.Reason
	if len(r.Coalesced) > 0 {
		slots := make([]string, len(r.Coalesced))
		for i, t := range r.Coalesced {
			slots[i] = when(t)
		}
		covered := "also covered the scheduled slot(s) " + strings.Join(slots, ", ")
		if reason == "" {
			reason = covered
		} else {
			reason = covered + "; " + reason
		}
	}
	if len(reason) > 100 {
		reason = reason[:97] + "..."
	}
	fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.ID, r.Job, r.State, when(r.QueuedAt), took, dash(r.Generation), r.Bytes, reason)
}

func printRun(w io.Writer, r media.Run) {
	fmt.Fprintf(w, "run\t%d\n", r.ID)
	fmt.Fprintf(w, "job\t%s (system %s, pool %s)\n", r.Job, dash(r.System), r.Pool)
	fmt.Fprintf(w, "state\t%s\n", r.State)
	if r.Reason != "" {
		fmt.Fprintf(w, "reason\t%s\n", r.Reason)
	}
	fmt.Fprintf(w, "trigger\t%s\n", r.Trigger)
	if !r.ScheduledFor.IsZero() {
		fmt.Fprintf(w, "scheduled for\t%s\n", when(r.ScheduledFor))
	}
	for _, t := range r.Coalesced {
		fmt.Fprintf(w, "also covered\tthe scheduled slot at %s (it found this run in progress)\n", when(t))
	}
	fmt.Fprintf(w, "queued\t%s\n", when(r.QueuedAt))
	fmt.Fprintf(w, "started\t%s\n", when(r.StartedAt))
	fmt.Fprintf(w, "finished\t%s\n", when(r.FinishedAt))
	fmt.Fprintf(w, "generation\t%s %s\n", dash(r.Generation), r.Level)
	fmt.Fprintf(w, "drive\t%s (waited %s for a cartridge)\n", dash(r.Drive), rotation.HumanDuration(time.Duration(r.WaitSeconds*float64(time.Second))))
	fmt.Fprintf(w, "data\t%d bytes, %d members\n", r.Bytes, r.Files)
	if r.SHA256 != "" {
		fmt.Fprintf(w, "sha256\t%s\n", r.SHA256)
	}
	if r.Encryption != "" {
		fmt.Fprintf(w, "encryption\t%s, to recipients %s\n", r.Encryption, strings.Join(r.Recipients, ", "))
		fmt.Fprintf(w, "on tape\t%d bytes, sha256 %s (the pieces' checksums are of the bytes on tape)\n", r.TapeBytes, r.TapeSHA256)
	}
	if len(r.Pieces) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "PIECE\tCARTRIDGE\tTAPE FILE\tBYTES\tSHA256")
		for _, p := range r.Pieces {
			gone := ""
			if !p.GoneAt.IsZero() {
				gone = " (overwritten " + when(p.GoneAt) + ")"
			}
			fmt.Fprintf(w, "%d\t%s\t%d\t%d\t%s%s\n", p.Piece, p.Barcode, p.File, p.Bytes, p.SHA256, gone)
		}
	}
	if r.Log != "" {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "log:")
		for _, l := range r.Log.Lines() {
			if !l.At.IsZero() {
				fmt.Fprint(w, l.At.Format("2006-01-02 15:04:05 "))
			}
			fmt.Fprintln(w, l.Text)
		}
	}
}

func (a *app) jobCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "job", Short: "Backup jobs: list, run, history"}
	list := &cobra.Command{
		Use: "list", Short: "List the configured jobs and their last run", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var jobs []engine.JobInfo
			return show(a, cmd, &jobs, func(ctx context.Context, c *client.Client) ([]engine.JobInfo, error) { return c.Jobs(ctx) }, func(w io.Writer) {
				fmt.Fprintln(w, "JOB\tSYSTEM\tPOOL\tSCHEDULE\tNEXT\tLAST RUN")
				for _, j := range jobs {
					last := "never"
					if j.Running != nil {
						last = fmt.Sprintf("run %d %s: %s", j.Running.ID, j.Running.State, j.Running.Detail)
					} else if j.LastRun != nil {
						last = fmt.Sprintf("run %d %s %s", j.LastRun.ID, j.LastRun.State, when(j.LastRun.FinishedAt))
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", j.Name, dash(j.System), j.Pool, dash(j.Schedule), when(j.Next), last)
				}
			})
		},
	}
	var wait bool
	run := &cobra.Command{
		Use: "run NAME [--wait]", Short: "Start a run of a job now", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client(cmd)
			if err != nil {
				return err
			}
			r, err := c.RunJob(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if !wait {
				return a.print(&r, func(w io.Writer) {
					fmt.Fprintf(w, "run %d of %s queued; follow it with 'tapewarden run show %d'\n", r.ID, r.Job, r.ID)
				})
			}
			r, err = follow(cmd.Context(), a, fmt.Sprintf("run %d of %s", r.ID, r.Job),
				fmt.Sprintf("'tapewarden run show %d' shows it, 'tapewarden run cancel %d' stops it", r.ID, r.ID),
				func(ctx context.Context) (media.Run, error) { return c.Run(ctx, r.ID) },
				func(r media.Run) bool { return r.State.Finished() })
			if err != nil {
				return err
			}
			if err := a.print(&r, func(w io.Writer) { printRun(w, r) }); err != nil {
				return err
			}
			if r.State != media.RunSucceeded {
				return failedError{fmt.Sprintf("run %d %s: %s", r.ID, r.State, r.Reason)}
			}
			return nil
		},
	}
	run.Flags().BoolVar(&wait, "wait", false, "wait until the run has finished; exit 1 unless it succeeded")
	var limit int
	history := &cobra.Command{
		Use: "history [NAME]", Short: "Show past runs, newest first", Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := inRange(cmd, "limit", limit, 1, maxLimit); err != nil {
				return err
			}
			job := ""
			if len(args) == 1 {
				job = args[0]
			}
			var runs []media.Run
			return show(a, cmd, &runs, func(ctx context.Context, c *client.Client) ([]media.Run, error) { return c.Runs(ctx, job, limit) }, func(w io.Writer) {
				fmt.Fprintln(w, "RUN\tJOB\tSTATE\tQUEUED\tTOOK\tGENERATION\tBYTES\tREASON")
				for _, r := range runs {
					printRunLine(w, r)
				}
			})
		},
	}
	history.Flags().IntVar(&limit, "limit", 30, "at most this many runs")
	cmd.AddCommand(list, run, history)
	return cmd
}

func (a *app) runCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "run", Short: "One run: show (with its log), cancel"}
	showCmd := &cobra.Command{
		Use: "show ID", Short: "Show a run with its pieces and log", Args: idArg("run", "tapewarden job history"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("run", args[0])
			if err != nil {
				return err
			}
			var r media.Run
			return show(a, cmd, &r, func(ctx context.Context, c *client.Client) (media.Run, error) { return c.Run(ctx, id) }, func(w io.Writer) { printRun(w, r) })
		},
	}
	cancel := &cobra.Command{
		Use: "cancel ID", Short: "Stop a run in progress", Args: idArg("run", "tapewarden status"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("run", args[0])
			if err != nil {
				return err
			}
			var r media.Run
			return show(a, cmd, &r, func(ctx context.Context, c *client.Client) (media.Run, error) { return c.CancelRun(ctx, id) }, func(w io.Writer) { fmt.Fprintf(w, "run %d %s: %s\n", r.ID, r.State, r.Reason) })
		},
	}
	cmd.AddCommand(showCmd, cancel)
	return cmd
}

// printPrompts writes the prompts for a person reading pr's language.
// The prompts' own texts are in that language when the daemon kept them
// in it (English for a prompt opened before it kept Japanese).
func printPrompts(w io.Writer, list []media.Prompt, now time.Time, pr *i18n.Printer) {
	ja := pr.Lang() == i18n.Japanese
	if len(list) == 0 {
		fmt.Fprintln(w, pr.T("prompts.none"))
		return
	}
	for _, p := range list {
		kind, state, age := p.Kind, string(p.State), rotation.HumanDuration(now.Sub(p.CreatedAt))
		if ja {
			if pr.Has("prompt.kind." + kind) {
				kind = pr.T("prompt.kind." + kind)
			}
			if pr.Has("prompt.state." + state) {
				state = pr.T("prompt.state." + state)
			}
			age = pr.Duration(now.Sub(p.CreatedAt))
		}
		if p.Escalated {
			state = pr.T("prompts.escalated", state)
		}
		id := strconv.FormatInt(p.ID, 10)
		fmt.Fprintln(w, pr.T("prompts.head", id, kind, state, age))
		if class := classAdvice(pr, p.Handling); class != "" {
			fmt.Fprintln(w, pr.T("prompts.class", class))
		}
		action, why := p.Texts(ja)
		fmt.Fprintln(w, pr.T("prompts.do", action))
		if p.Place != "" {
			fmt.Fprintln(w, pr.T("prompts.where", engine.PlaceText(pr, p.Place)))
		}
		if why != "" {
			fmt.Fprintln(w, pr.T("prompts.why", why))
		}
		if p.Note != "" {
			fmt.Fprintln(w, pr.T("prompts.note", engine.NoteText(pr, p)))
		}
		if p.State == media.PromptOpen {
			fmt.Fprintln(w, pr.T("prompts.then", id))
			fmt.Fprintln(w, pr.T("prompts.or", id))
		}
	}
}

// prompts asks for the prompts (all, or the open ones) and the
// language the daemon is configured for: the prompts say it, and when
// there are none and --lang is not given, the daemon's status does.
func (a *app) prompts(ctx context.Context, c *client.Client, all bool) ([]media.Prompt, string, error) {
	list, err := c.Prompts(ctx, all)
	if err != nil {
		return nil, "", err
	}
	if len(list) > 0 {
		return list, list[0].Language, nil
	}
	if a.lang != "" {
		return list, a.lang, nil
	}
	st, err := c.Status(ctx)
	return list, st.Language, err
}

func (a *app) promptCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "prompt", Short: "What people are asked to do: list, show, done, cancel"}
	var all bool
	list := &cobra.Command{
		Use: "list", Short: "List open prompts, oldest first", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var list []media.Prompt
			var lang string
			return show(a, cmd, &list, func(ctx context.Context, c *client.Client) (got []media.Prompt, err error) {
				got, lang, err = a.prompts(ctx, c, all)
				return got, err
			}, func(w io.Writer) { printPrompts(w, list, time.Now(), a.printer(lang, time.Local)) })
		},
	}
	list.Flags().BoolVar(&all, "all", false, "include closed prompts")
	showOne := &cobra.Command{
		Use: "show ID", Short: "Show one prompt, open or closed", Args: idArg("prompt", "tapewarden prompt list --all"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("prompt", args[0])
			if err != nil {
				return err
			}
			var p media.Prompt
			return show(a, cmd, &p, func(ctx context.Context, c *client.Client) (media.Prompt, error) {
				list, _, err := a.prompts(ctx, c, true)
				for _, p := range list {
					if p.ID == id {
						return p, err
					}
				}
				if err == nil {
					err = usagef("no prompt %d; 'tapewarden prompt list --all' lists them", id)
				}
				return media.Prompt{}, err
			}, func(w io.Writer) { printPrompts(w, []media.Prompt{p}, time.Now(), a.printer(p.Language, time.Local)) })
		},
	}
	var note string
	done := &cobra.Command{
		Use: "done ID", Short: "Say you did what a prompt asked", Args: idArg("prompt", "tapewarden prompt list"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("prompt", args[0])
			if err != nil {
				return err
			}
			var p media.Prompt
			return show(a, cmd, &p, func(ctx context.Context, c *client.Client) (media.Prompt, error) { return c.PromptDone(ctx, id, note) }, func(w io.Writer) {
				fmt.Fprintf(w, "prompt %d done; the daemon checks the result now ('tapewarden prompt list' shows any follow-up)\n", p.ID)
			})
		},
	}
	done.Flags().StringVar(&note, "note", "", "anything worth recording")
	cancel := &cobra.Command{
		Use: "cancel ID", Short: "Withdraw a prompt (a run waiting on it fails)", Args: idArg("prompt", "tapewarden prompt list"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("prompt", args[0])
			if err != nil {
				return err
			}
			var p media.Prompt
			return show(a, cmd, &p, func(ctx context.Context, c *client.Client) (media.Prompt, error) {
				return c.PromptCancel(ctx, id, note)
			}, func(w io.Writer) { fmt.Fprintf(w, "prompt %d cancelled\n", p.ID) })
		},
	}
	cancel.Flags().StringVar(&note, "note", "", "why")
	cmd.AddCommand(list, showOne, done, cancel)
	return cmd
}

func (a *app) restoreCommand() *cobra.Command {
	var req engine.RestoreRequest
	var at, identity string
	var pf passphraseFlag
	var wait, list bool
	var limit int
	var fromTape bool
	var tapes tapeSourceFlags
	cmd := &cobra.Command{
		Use:   "restore (--system S | --job J) [--generation ID | --at TIME] [--path P]... --to DIR [--identity FILE] [--drill]\n  tapewarden restore --list (--system S | --job J) [--generation ID] [PATTERN]",
		Short: "Bring back a system's or job's data from tape",
		Long: `Restore finds the runs of the system's jobs (or the one job) in the requested
generation (default: the newest good one), gets their cartridges into a drive
(by the library, or by asking a person), positions each by filemark count,
extracts into DIR — nothing can land outside it — and checks every byte
against the SHA-256 recorded when it was written. With more than one job,
each goes into DIR/JOB. With --drill the restore is recorded as the system's
restore drill. The daemon writes into DIR, so it must be able to.

The restore is an operation of the daemon: it goes on while it waits for a
person to load a cartridge, whatever happens to this command. Ctrl-C stops
the waiting, not the restore; 'tapewarden operation show|wait|cancel ID'
follows it.


A run of a pool encrypted with age needs an identity: --identity FILE (an
age identity file readable only by you) is read here and sent to the daemon
over its socket, which uses it for this restore only and never logs or stores
it; without it the pool's restore_identity_file is used. A passphrase-protected
identity file ('key generate --passphrase', 'age -p') is opened here: the
passphrase is typed at the terminal with echo off (or read from
--passphrase-fd N) and only the identity inside goes to the daemon. An encrypted restore
goes into DIR/.tapewarden-restore-NNNN first and into DIR only once the whole
stream authenticated.

--path takes a path or a glob ('*' also crosses '/'), looked up in the file
index of the run: 'residents.csv' or 'juki/*.csv' find the files below any
directory, without knowing the prefix they were stored under; a leading '/'
anchors it at the top of the archive. --list shows what a restore with the
same selection holds (matching PATTERN, if given) and restores nothing.

Everything the restore did not do is printed: each refused member with its
reason, each job with nothing to restore, a --path that matched nothing, a
stream whose SHA-256 differs from what was written. The exit status is 0
only when the restore is complete.

With --from-tape it works without the daemon and without a catalog (the
machine room is gone): it reads the cartridges' trailers (--images DIR,
--device DEV, or --changer DEV --device DEV), finds each system's newest
complete generation and restores it into DIR/JOB, all systems in the
restore priority order of the configuration on the newest tape. Encrypted
generations and catalog files need --identity FILE there too; it is read
and used on this machine.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if fromTape {
				return a.restoreFromTape(cmd, &tapes, req.System, req.Job, req.To, req.Overwrite, identity, pf)
			}
			if list {
				pattern := ""
				if len(args) == 1 {
					pattern = args[0]
				}
				if req.To != "" || len(req.Paths) > 0 || req.Drill {
					return usagef("restore --list restores nothing: leave out --to, --path and --drill")
				}
				return a.listMembers(cmd, req, pattern, limit)
			}
			if len(args) > 0 {
				return usagef("restore: a PATTERN argument goes with --list; to restore matching files give --path %s", args[0])
			}
			if req.To == "" {
				return usagef("restore: say where to (--to DIR)")
			}
			abs, err := filepath.Abs(req.To)
			if err != nil {
				return err
			}
			req.To = abs
			if at != "" {
				if c, err := a.client(cmd); err == nil {
					a.loadZone(cmd, c)
				}
				loc := displayZone.Load()
				if loc == nil {
					loc = time.Local
				}
				t, err := time.ParseInLocation("2006-01-02 15:04", at, loc)
				if err != nil {
					if t, err = time.Parse(time.RFC3339, at); err != nil {
						return usagef("restore: --at %q: write YYYY-MM-DD HH:MM (in the configured time zone) or an RFC 3339 time", at)
					}
				}
				req.At = t
			}
			if identity != "" {
				text, _, err := a.identityText(identity, pf)
				if err != nil {
					return err
				}
				req.Identity = engine.Secret(text)
				clear(text)
			} else if pf.fd >= 0 {
				return usagef("restore: --passphrase-fd goes with --identity FILE")
			}
			return a.startOperation(cmd, wait, func(ctx context.Context, c *client.Client) (media.Operation, error) { return c.Restore(ctx, req) },
				func(op media.Operation) error {
					res, err := client.RestoreResult(op)
					if err != nil {
						return err
					}
					if op.State == media.OperationSucceeded || len(res.Jobs) > 0 {
						if err := a.print(&res, func(w io.Writer) { printRestore(w, res) }); err != nil {
							return err
						}
					}
					if err := operationFailed(op); err != nil {
						return err
					}
					if err := res.Err(); err != nil {
						return failedError{err.Error()}
					}
					return nil
				})
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.System, "system", "", "restore every job of this system")
	f.StringVar(&req.Job, "job", "", "restore this job")
	f.StringVar(&req.Generation, "generation", "", "this generation (e.g. daily/2026-11-28; see 'tapewarden job history')")
	f.StringVar(&at, "at", "", "the newest generation finished by this time (YYYY-MM-DD HH:MM in the configured time zone)")
	f.StringSliceVar(&req.Paths, "path", nil, "restore only this file, directory or glob, found below any directory (repeatable)")
	f.BoolVar(&list, "list", false, "list the files a restore with this selection holds, restoring nothing")
	f.IntVar(&limit, "limit", 1000, "with --list, at most this many files per job")
	f.StringVar(&req.To, "to", "", "an existing directory to restore into")
	f.BoolVar(&req.Overwrite, "overwrite", false, "replace files that already exist in DIR")
	f.BoolVar(&req.AllowDevices, "allow-devices", false, "create device nodes and FIFOs (the daemon must run as root)")
	f.BoolVar(&req.Drill, "drill", false, "record this restore as the system's restore drill")
	f.StringVar(&req.Note, "note", "", "findings to record with the drill")
	f.BoolVar(&wait, "wait", true, "wait for the restore to end (--wait=false: start it and print its operation ID)")
	f.StringVar(&identity, "identity", "", "an age identity FILE (mode 0600, in the clear or passphrase-protected) for an encrypted pool; sent over the socket, never stored")
	pf.add(f)
	f.BoolVar(&fromTape, "from-tape", false, "restore from cartridges alone, without the daemon or a catalog")
	tapes.add(f)
	return cmd
}

// graphic is s, or s quoted with its control and formatting characters
// escaped when it has any: a member name must not act on the terminal.
func graphic(s string) string {
	if q := strconv.QuoteToGraphic(s); q[1:len(q)-1] != s {
		return q
	}
	return s
}

// printRestore says what a restore brought back and, member by member and
// job by job, everything it did not.
func printRestore(w io.Writer, res engine.RestoreResult) {
	for _, j := range res.Jobs {
		fmt.Fprintf(w, "restored %s from run %d (generation %s) into %s: %d members, %d bytes from %s; checksum verified: %v\n",
			j.Job, j.Run, j.Generation, j.Dir, j.Members, j.Bytes, strings.Join(j.Cartridges, ", "), j.Verified)
		if j.Problem != "" {
			fmt.Fprintf(w, "  PROBLEM: %s\n", j.Problem)
		}
		if len(j.Refused) > 0 {
			fmt.Fprintf(w, "  %d members not restored:\n", len(j.Refused))
			for _, r := range j.Refused {
				fmt.Fprintf(w, "    %s: %s\n", graphic(r.Member), graphic(r.Reason))
			}
		}
		for _, warn := range j.Warnings {
			fmt.Fprintf(w, "  warning: %s\n", warn)
		}
	}
	for _, m := range res.Missing {
		fmt.Fprintf(w, "not restored: job %s %s\n", m.Job, m.Reason)
	}
	for _, p := range res.Unmatched {
		fmt.Fprintf(w, "not found in the restored data: %s ('tapewarden restore --list' shows what is there)\n", p)
	}
	if res.Drill != nil {
		fmt.Fprintf(w, "restore drill %d recorded for %s: %s in %.0fs\n", res.Drill.ID, res.Drill.System, res.Drill.Result, res.Drill.Duration)
	}
	if res.Complete {
		fmt.Fprintf(w, "the restore is complete (audit event %d)\n", res.Event)
	} else {
		fmt.Fprintf(w, "the restore is NOT complete (audit event %d)\n", res.Event)
	}
}

func (a *app) drillCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "drill", Short: "Restore drills"}
	cmd.AddCommand(&cobra.Command{
		Use: "list", Short: "The last restore drill of each system", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var list []api.DrillInfo
			return show(a, cmd, &list, func(ctx context.Context, c *client.Client) ([]api.DrillInfo, error) { return c.Drills(ctx) }, func(w io.Writer) {
				fmt.Fprintln(w, "SYSTEM\tLAST DRILL\tRESULT\tDURATION\tDUE")
				for _, di := range list {
					if di.Last == nil {
						fmt.Fprintf(w, "%s\tnever\t-\t-\tYES\n", di.System)
						continue
					}
					due := "no"
					if di.Due {
						due = "YES"
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%.0fs\t%s\n", di.System, when(di.Last.At), di.Last.Result, di.Last.Duration, due)
				}
			})
		},
	})
	cmd.AddCommand(a.siteLossDrillCommand())
	return cmd
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/daemon/i18n"

	"github.com/tapewarden/tapewarden/daemon/api/client"
	"github.com/tapewarden/tapewarden/daemon/report"
)

// policyCommands are the rotation and policy commands: courier plan,
// rotation calendar, policy check, swap-list.
func (a *app) policyCommands() []*cobra.Command {
	return []*cobra.Command{a.courierCommand(), a.rotationCommand(), a.policyCommand(), a.swapListCommand()}
}

// dayFlags adds --date and --at to a command that plans a day.
func dayFlags(cmd *cobra.Command, date, at *string) {
	cmd.Flags().StringVar(date, "date", "", "the day: YYYY-MM-DD, today or tomorrow (default today, in the configured time zone)")
	cmd.Flags().StringVar(at, "at", "", "when the courier leaves, HH:MM (default: now for today, 09:00 for another day)")
}

// checkDay checks the form of --date and --at before asking the daemon,
// so that a typing mistake is a usage error (exit 2).
func checkDay(cmd *cobra.Command, dateFlag, date, at string) error {
	switch date {
	case "", "today", "tomorrow":
	default:
		if _, err := time.Parse(time.DateOnly, date); err != nil {
			return usagef("%s: %s %q: write YYYY-MM-DD, today or tomorrow", subPath(cmd), dateFlag, date)
		}
	}
	if at != "" {
		if _, err := time.Parse("15:04", at); err != nil {
			return usagef("%s: --at %q: write HH:MM, e.g. 09:00", subPath(cmd), at)
		}
	}
	return nil
}

// clock prints a time of day with its offset from UTC.
func clock(t time.Time) string { return t.Format("15:04 (-07:00)") }

func (a *app) courierCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "courier", Short: "The courier's offsite plan"}
	var date, at string
	plan := &cobra.Command{
		Use:   "plan [--date D] [--at HH:MM]",
		Short: "Show what the courier takes away and brings back on a day, and why",
		Long: `Plan the day's offsite moves for every pool with an offsite policy: the
status of each pool (generations kept away, in transit, at the remote site,
compliant or not), the cartridges to send (where to, and why), those to
recall (and why), and what keeps a pool from its policy. Cartridges already
on a manifest say which. 'tapewarden manifest create --from-plan' turns the
plan into manifests.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDay(cmd, "--date", date, at); err != nil {
				return err
			}
			var p report.CourierPlan
			return show(a, cmd, &p, func(ctx context.Context, c *client.Client) (report.CourierPlan, error) {
				return c.CourierPlan(ctx, a.lang, date, at)
			}, func(w io.Writer) { printCourierPlan(w, a.printer(p.Language, p.Departs.Location()), p) })
		},
	}
	dayFlags(plan, &date, &at)
	cmd.AddCommand(plan)
	return cmd
}

// printCourierPlan prints the plan with pr's labels and dates (the plan's
// own texts are in its language).
func printCourierPlan(w io.Writer, pr *i18n.Printer, p report.CourierPlan) {
	fmt.Fprintln(w, pr.T("plan.title", pr.Date(p.Departs), p.Site, clock(p.Departs)))
	if p.Note != "" {
		fmt.Fprintln(w, pr.T("swap.note", p.Note))
	}
	if len(p.Pools) == 0 {
		fmt.Fprintln(w, "\n"+pr.T("plan.no_pools"))
		return
	}
	label := func(id string) string { return "  " + padRight(pr.T(id), 8) + " " }
	moves, unlisted := 0, 0
	for _, pp := range p.Pools {
		fmt.Fprintln(w, "\n"+pr.T("plan.pool", pp.Pool, pp.Policy))
		fmt.Fprintln(w, label("plan.label.status")+offsiteStatusIn(pr, pp.Status))
		for _, kind := range []struct {
			name  string
			moves []report.CourierMove
		}{{"plan.label.send", pp.Sends}, {"plan.label.recall", pp.Recalls}} {
			for _, m := range kind.moves {
				moves++
				gens := ""
				if len(m.Generations) > 0 {
					gens = " (" + strings.Join(m.Generations, ", ") + ")"
				}
				man := pr.T("plan.no_manifest")
				if m.Manifest != "" {
					man = pr.T("plan.on_manifest", m.Manifest, manifestState(pr, m.ManifestState))
				} else {
					unlisted++
				}
				fmt.Fprintln(w, label(kind.name)+pr.T("plan.move", m.Barcode, gens, m.From, m.To, man))
				if class := classAdvice(pr, m.Handling); class != "" {
					fmt.Fprintf(w, "           %s\n", class)
				}
				fmt.Fprintf(w, "           %s\n", pr.T("swap.why", m.Reason.Message))
			}
		}
		if len(pp.Sends)+len(pp.Recalls) == 0 {
			fmt.Fprintln(w, "  "+pr.T("plan.nothing"))
		}
		for _, r := range pp.Problems {
			fmt.Fprintf(w, "%s%s: %s\n", label("plan.label.problem"), r.Code, r.Message)
		}
	}
	switch {
	case moves == 0:
		fmt.Fprintln(w, "\n"+pr.T("plan.nothing_to_carry"))
	case unlisted > 0:
		fmt.Fprintln(w, "\n"+pr.T("plan.list_them", "tapewarden manifest create --from-plan"+dateArg(p)))
	}
}

// manifestState is a manifest's state in the printer's language; English
// keeps the state's code (in-transit).
func manifestState(pr *i18n.Printer, s media.ManifestState) string {
	if pr.Lang() == i18n.English || !pr.Has("state."+string(s)) {
		return string(s)
	}
	return pr.T("state." + string(s))
}

// dateArg repeats a plan's day on a suggested command line.
func dateArg(p report.CourierPlan) string {
	if p.Note == "" {
		return ""
	}
	return " --date " + p.Date
}

// offsiteStatusIn says a pool's offsite status in the printer's
// language: how many good generations are kept away, in transit and at
// the remote site, and whether that meets the policy.
func offsiteStatusIn(pr *i18n.Printer, s rotation.OffsiteStatus) string {
	out := pr.T("plan.status", strconv.Itoa(s.Keep), strconv.Itoa(s.Away), strconv.Itoa(s.InTransit))
	if s.RemoteSite != "" {
		out += pr.T("plan.status.remote", strconv.Itoa(s.Remote), s.RemoteSite)
	}
	if s.Compliant {
		return out + pr.T("plan.status.compliant")
	}
	return out + pr.T("plan.status.not_compliant")
}

// addFromPlan gives 'manifest create' its --from-plan mode: the day's
// offsite plan becomes one manifest per origin and destination.
func (a *app) addFromPlan(create *cobra.Command) {
	var fromPlan bool
	var date, at string
	f := create.Flags()
	f.BoolVar(&fromPlan, "from-plan", false, "list the day's offsite plan for the courier: one manifest per origin and destination")
	f.StringVar(&date, "date", "", "with --from-plan: the day, YYYY-MM-DD, today or tomorrow (default today)")
	f.StringVar(&at, "at", "", "with --from-plan: when the courier leaves, HH:MM (default: now for today, 09:00 for another day)")
	create.Use = "create (--to SITE BARCODE... | --from-plan [--date D])"
	create.Long = `List cartridges for a courier trip: the given barcodes to --to SITE, or with
--from-plan the day's offsite plan ('tapewarden courier plan'): sends go from
the machine room to their destination, recalls come back from where they are
to the machine room, one manifest per origin and destination. Cartridges
already on an open or in-transit manifest are skipped. If any cartridge of
the plan cannot travel, nothing is created.`
	args, run := create.Args, create.RunE
	create.Args = func(cmd *cobra.Command, list []string) error {
		if fromPlan {
			if len(list) > 0 {
				return errors.New("--from-plan takes no barcodes: the plan says which cartridges travel")
			}
			return nil
		}
		return args(cmd, list)
	}
	create.RunE = func(cmd *cobra.Command, list []string) error {
		flags := cmd.Flags()
		if !fromPlan {
			if flags.Changed("date") || flags.Changed("at") {
				return usagef("manifest create: --date and --at go with --from-plan")
			}
			return run(cmd, list)
		}
		if flags.Changed("to") || flags.Changed("place") {
			return usagef("manifest create --from-plan: the plan chooses the destinations; leave out --to and --place")
		}
		if err := checkDay(cmd, "--date", date, at); err != nil {
			return err
		}
		note, _ := flags.GetString("note")
		var res report.FromPlanResult
		return show(a, cmd, &res, func(ctx context.Context, c *client.Client) (report.FromPlanResult, error) {
			return c.ManifestsFromPlan(ctx, report.FromPlanRequest{Date: date, At: at, Note: note})
		}, func(w io.Writer) { printFromPlan(w, res) })
	}
}

func printFromPlan(w io.Writer, res report.FromPlanResult) {
	for _, m := range res.Created {
		var barcodes []string
		for _, it := range m.Items {
			b := it.Barcode
			if it.Class2() {
				b += " [" + it.Label() + "]"
			}
			barcodes = append(barcodes, b)
		}
		fmt.Fprintf(w, "created %s\t%s -> %s\t%s\n", m.ID, m.Origin, m.Destination, strings.Join(barcodes, " "))
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(w, "skipped %s\t%s\n", s.Barcode, s.Reason)
	}
	if len(res.Created) == 0 {
		fmt.Fprintf(w, "Nothing new: every cartridge of the plan for %s is already on a manifest.\n", res.Date)
		return
	}
	for _, r := range res.Reminders {
		fmt.Fprintf(w, "before the pick-up: %s\n", r)
	}
	fmt.Fprintln(w, "The courier confirms each cartridge: tapewarden manifest pickup ID --courier NAME BARCODE... (or - to scan)")
}

func (a *app) rotationCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "rotation", Short: "Rotation: the projected tape schedule"}
	var pool, from, at string
	var days int
	cal := &cobra.Command{
		Use:   "calendar [--pool P|all] [--from DATE] [--days N]",
		Short: "Project the tape schedule day by day: arrivals, courier trips, writes, what is kept",
		Long: `Project the rotation from the catalog as it is now, day by day: cartridges
arriving, the courier's sends and recalls, the cartridge each planned run
writes (and what it overwrites), what is protected at the end of each day,
and the generation table after the last day. The projection assumes every
run succeeds and every courier is on time. With --pool P only that pool's
runs are projected.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDay(cmd, "--from", from, at); err != nil {
				return err
			}
			if err := inRange(cmd, "days", days, 1, 366); err != nil {
				return err
			}
			q := report.CalendarRequest{Pool: pool, From: from, At: at, Days: days}
			var s rotation.Schedule
			return show(a, cmd, &s, func(ctx context.Context, c *client.Client) (rotation.Schedule, error) { return c.Calendar(ctx, q) }, func(w io.Writer) { io.WriteString(w, s.Text()) })
		},
	}
	cal.Flags().StringVar(&pool, "pool", "all", "the pool, or all")
	cal.Flags().StringVar(&from, "from", "", "the first day: YYYY-MM-DD, today or tomorrow (default today)")
	cal.Flags().StringVar(&at, "at", "", "when the courier leaves each day, HH:MM (default: now from today, 09:00 from another day)")
	cal.Flags().IntVar(&days, "days", 14, "how many days to project")
	cmd.AddCommand(cal)
	return cmd
}

func (a *app) policyCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "policy", Short: "Check the configuration against the backup standard"}
	var demo, offline bool
	check := &cobra.Command{
		Use:   "check [--demo] [--offline]",
		Short: "Lint the configuration against the backup standard (exit 1 on an error-level finding)",
		Long: `Check the configuration file (--config, or the embedded demo with --demo)
against the backup standard: five-tape rotation, backup frequency, copies at
another building and a remote site, site hazards and distance, restore
procedures, order and drills, the inventory of systems, drive cleaning.
When the daemon is reachable (--socket, TAPEWARDEN_SOCKET, or the
configuration's socket) the catalog's facts are used too: cleaning
cartridges on hand, the last restore drill of each system, and where the
cartridges holding each system's data are kept and carried (class-2 data in
a place that is not lockable, fireproof and waterproof, or on a manifest
unencrypted; every copy of a system at one site). Without it
those rules are not checked, and the report says so.

Exit status: 0 when no finding is an error, 1 when one is (so the check can
gate a configuration change), 2 when the file cannot be read as a
configuration.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var cfg *config.Config
			var err error
			name := a.configPath
			if demo {
				cfg, err = config.DemoConfig("/nonexistent")
				name = "the embedded demo configuration"
			} else {
				cfg, err = config.LoadPolicyConfig(a.configPath)
			}
			if err != nil {
				return err
			}
			var rep report.PolicyReport
			var why string
			socket := a.socket
			if socket == "" {
				socket = os.Getenv("TAPEWARDEN_SOCKET")
			}
			if socket == "" && !demo {
				socket = cfg.SocketPath()
			}
			switch {
			case offline:
				why = "--offline"
			case socket == "":
				why = "no daemon socket was given (--socket or TAPEWARDEN_SOCKET)"
			default:
				req := report.PolicyCheckRequest{Config: cfg.PolicyConfig(), Name: name}
				var err error
				if rep, err = client.New(socket).PolicyCheckConfig(cmd.Context(), req); err != nil {
					if errors.Is(err, client.ErrUnreachable) {
						why = fmt.Sprintf("the daemon at %s is not reachable", socket)
					} else {
						why = fmt.Sprintf("the daemon at %s refused: %v", socket, err)
					}
				}
			}
			if why != "" {
				rep = report.CheckPolicy(name, cfg.PolicyConfig(), rotation.Facts{}, time.Now().In(cfg.Location))
				rep.Notes = append([]string{"without the daemon: " + why}, rep.Notes...)
			}
			if a.jsonOut {
				if err := a.printJSON(rep); err != nil {
					return err
				}
			} else {
				printPolicyReport(a.out, rep)
			}
			if rep.Failed() {
				return failedError{fmt.Sprintf("policy check: %s: the configuration does not meet the standard", rotation.Plural(rep.Errors, "error-level finding"))}
			}
			return nil
		},
	}
	check.Flags().BoolVar(&demo, "demo", false, "check the embedded demo configuration")
	check.Flags().BoolVar(&offline, "offline", false, "do not ask the daemon for the catalog's facts")
	cmd.AddCommand(check)
	return cmd
}

func printPolicyReport(w io.Writer, r report.PolicyReport) {
	with := "without the catalog"
	if r.Catalog {
		with = "with the catalog's facts"
	}
	fmt.Fprintf(w, "Policy check of %s, %s, %s\n", r.Config, with, r.CheckedAt.Format("2006-01-02 15:04 -07:00"))
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	for _, sev := range []struct {
		s     rotation.Severity
		title string
	}{{rotation.SeverityError, "ERRORS"}, {rotation.SeverityWarning, "WARNINGS"}, {rotation.SeverityInfo, "INFO"}} {
		var fs []rotation.Finding
		for _, f := range r.Findings {
			if f.Severity == sev.s {
				fs = append(fs, f)
			}
		}
		if len(fs) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s (%d)\n", sev.title, len(fs))
		for _, f := range fs {
			fmt.Fprintf(w, "  %s [%s] %s\n", f.Rule, f.Section, f.Subject)
			fmt.Fprintf(w, "      %s\n", f.Message)
		}
	}
	verdict := "meets the standard"
	if r.Errors > 0 {
		verdict = "does NOT meet the standard"
	}
	fmt.Fprintf(w, "\n%s, %s, %d info: the configuration %s\n", rotation.Plural(r.Errors, "error"), rotation.Plural(r.Warnings, "warning"), r.Infos, verdict)
}

func (a *app) swapListCommand() *cobra.Command {
	var date, at string
	cmd := &cobra.Command{
		Use:   "swap-list [--date D] [--at HH:MM]",
		Short: "The operator's page for a day: what to take out, put in and file where",
		Long: `One page for the machine-room operator: the cartridges to take out for the
courier (and how: export from the library, take from the mail slot or the
shelf) with their manifests, the cartridges expected back and where to file
them (library import or a shelf), the cartridge each of the day's runs
needs and whether a person must have it ready at a standalone drive, the
drives due for cleaning with the cleaning cartridge to use, and cleaning
cartridges to retire or replace.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDay(cmd, "--date", date, at); err != nil {
				return err
			}
			var s report.SwapList
			return show(a, cmd, &s, func(ctx context.Context, c *client.Client) (report.SwapList, error) {
				return c.SwapList(ctx, a.lang, date, at)
			},
				func(w io.Writer) { printSwapList(w, a.printer(s.Language, s.At.Location()), s) })
		},
	}
	dayFlags(cmd, &date, &at)
	return cmd
}

// printSwapList prints the list with pr's labels and dates (the list's
// own texts are in its language).
func printSwapList(w io.Writer, pr *i18n.Printer, s report.SwapList) {
	fmt.Fprintln(w, pr.T("swap.title", s.Site, pr.Date(s.At), clock(s.At)))
	if s.Note != "" {
		fmt.Fprintln(w, pr.T("swap.note", s.Note))
	}
	section := func(title string, n int) bool {
		fmt.Fprintf(w, "\n%s\n", pr.T(title))
		if n == 0 {
			fmt.Fprintln(w, "  "+pr.T("swap.nothing"))
		}
		return n > 0
	}
	why := func(r rotation.Reason) { fmt.Fprintf(w, "      %s\n", pr.T("swap.why", r.Message)) }
	section("swap.sec.take_out", len(s.TakeOut))
	for _, t := range s.TakeOut {
		gens := ""
		if len(t.Generations) > 0 {
			gens = " (" + strings.Join(t.Generations, ", ") + ")"
		}
		fmt.Fprintf(w, "  [ ] %s\n", pr.T("swap.take_out", t.Barcode, t.Pool, gens, t.Where, t.To))
		if class := classAdvice(pr, t.Handling); class != "" {
			fmt.Fprintf(w, "      %s\n", class)
		}
		fmt.Fprintf(w, "      %s\n", t.Action)
		why(t.Reason)
	}
	section("swap.sec.expect", len(s.Expect))
	for _, r := range s.Expect {
		fmt.Fprintf(w, "  [ ] %s\n", pr.T("swap.expect", r.Barcode, r.Pool, r.Where, r.FileAt))
		if class := classAdvice(pr, r.Handling); class != "" {
			fmt.Fprintf(w, "      %s\n", class)
		}
		fmt.Fprintf(w, "      %s\n", r.Action)
		why(r.Reason)
	}
	section("swap.sec.runs", len(s.Runs))
	var rows [][]string
	for _, r := range s.Runs {
		when := r.First.Format("15:04")
		job := r.Job
		if r.Runs > 1 {
			when += "-" + r.Last.Format("15:04")
			job += pr.T("swap.runs", strconv.Itoa(r.Runs))
		}
		who := ""
		if r.Person {
			who = pr.T("swap.person")
		}
		what := r.Generation
		switch {
		case r.Append:
			what += pr.T("swap.append")
		case len(r.Overwrites) > 0:
			what += pr.T("swap.overwrites", strings.Join(r.Overwrites, ", "))
		case r.FromScratch != "":
			what += pr.T("swap.from_scratch", r.FromScratch)
		}
		rows = append(rows, []string{"  " + when, job, r.Pool, dash(r.Barcode), what, who + r.Action})
		if class := pr.Class(r.Handling.Confidentiality, r.Handling.Integrity); class != "" {
			rows = append(rows, []string{"  ", "", "", "", pr.T("swap.holds_then"), class})
		}
		for _, warn := range r.Warnings {
			rows = append(rows, []string{"  ", "", "", "", pr.T("swap.warning"), warn.Message})
		}
	}
	columns(w, rows)
	section("swap.sec.cleaning", len(s.Cleaning)+len(s.Cleaners))
	for _, c := range s.Cleaning {
		who := ""
		if c.Person {
			who = pr.T("swap.person")
		}
		fmt.Fprintf(w, "  [ ] %s\n", pr.T("swap.cleaning", c.Drive, dueWord(pr, c.Due), dash(c.Cleaner), who, c.Action))
		for _, r := range c.Reasons {
			if r.Code != rotation.CodeUseCleaner {
				why(r)
			}
		}
	}
	for _, c := range s.Cleaners {
		fmt.Fprintf(w, "  [ ] %s\n", pr.T("swap.cleaner", c.Barcode, c.Where, usesWord(pr, c.UsesLeft), c.Action))
		why(c.Reason)
	}
	if len(s.Problems) > 0 {
		fmt.Fprintln(w, "\n"+pr.T("swap.sec.problems"))
		for _, p := range s.Problems {
			fmt.Fprintf(w, "  %s: %s: %s\n", p.Subject, p.Reason.Code, p.Reason.Message)
		}
	}
}

// dueWord says when a drive is due for cleaning; English keeps the code.
func dueWord(pr *i18n.Printer, d rotation.Due) string {
	if pr.Has("swap.due." + string(d)) {
		return pr.T("swap.due." + string(d))
	}
	return string(d)
}

// usesWord says how many uses a cleaning cartridge has left.
func usesWord(pr *i18n.Printer, n int) string {
	if n == 1 || n == -1 {
		return pr.T("swap.unit.use", strconv.Itoa(n))
	}
	return pr.T("swap.unit.uses", strconv.Itoa(n))
}

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// app holds what every subcommand shares.
type app struct {
	out, errOut io.Writer
	in          io.Reader

	configPath string
	socket     string
	jsonOut    bool
}

func newRootCommand(out, errOut io.Writer) *cobra.Command {
	a := &app{out: out, errOut: errOut, in: os.Stdin}
	root := &cobra.Command{
		Use:   "tapewarden",
		Short: "Tape rotation, custody and offsite tracking for backups",
		Long: `tapewarden runs the tape side of backups: it drives LTO and DAT drives and
autoloaders, enforces rotation and generation counts, knows where every
cartridge is, asks people to move cartridges, and tells the monitoring
system when a backup failed.

'tapewarden daemon' runs the service; the other commands talk to it over
its API socket (--socket, TAPEWARDEN_SOCKET, or the configuration's).

Exit status: 0 ok, 1 refused or failed, 2 usage or configuration error,
3 daemon unreachable.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(out)
	root.SetErr(errOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())}
	})
	pf := root.PersistentFlags()
	pf.StringVar(&a.configPath, "config", config.DefaultConfigPath, "configuration file")
	pf.StringVar(&a.socket, "socket", "", "API socket (default: TAPEWARDEN_SOCKET, then the configuration's)")
	pf.BoolVar(&a.jsonOut, "json", false, "print JSON instead of text")

	root.AddCommand(
		a.daemonCommand(),
		a.configCommand(),
		a.statusCommand(),
		a.siteCommand(),
		a.mediaCommand(),
		a.manifestCommand(),
		a.auditCommand(),
		a.driveCommand(),
		a.libraryCommand(),
		a.tapeCommand(),
		a.jobCommand(),
		a.runCommand(),
		a.promptCommand(),
		a.restoreCommand(),
		a.findCommand(),
		a.drillCommand(),
		a.catalogCommand(),
	)
	root.AddCommand(a.policyCommands()...)
	wrapArgs(root)
	return root
}

// wrapArgs turns argument errors into usage errors (exit 2) that point at
// the command's help.
func wrapArgs(c *cobra.Command) {
	help := func(cmd *cobra.Command) string { return "see '" + cmd.CommandPath() + " --help'" }
	prefix := func(cmd *cobra.Command) string {
		if !cmd.HasParent() {
			return ""
		}
		return strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ") + ": "
	}
	if c.Args != nil {
		inner := c.Args
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := inner(cmd, args); err != nil {
				return usagef("%s%v (%s)", prefix(cmd), err, help(cmd))
			}
			return nil
		}
	}
	if c.RunE == nil && c.HasSubCommands() {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("%sunknown command %q (%s)", prefix(cmd), args[0], help(cmd))
			}
			return usagef("%sa subcommand is needed (%s)", prefix(cmd), help(cmd))
		}
		c.Args = cobra.ArbitraryArgs
	}
	for _, sub := range c.Commands() {
		wrapArgs(sub)
	}
}

func (a *app) client(cmd *cobra.Command) (*client, error) {
	path, err := socketPath(a.socket, a.configPath, cmd.Flags().Changed("config"))
	if err != nil {
		return nil, err
	}
	return newClient(path), nil
}

// get and post call the API, decode its answer into v and print it: with
// --json the daemon's JSON as it came, otherwise written by text through a
// tabwriter.
func (a *app) get(cmd *cobra.Command, path string, query url.Values, v any, text func(w io.Writer)) error {
	return a.call(cmd, "GET", path, query, nil, v, text)
}

func (a *app) post(cmd *cobra.Command, path string, body, v any, text func(w io.Writer)) error {
	return a.call(cmd, "POST", path, nil, body, v, text)
}

func (a *app) call(cmd *cobra.Command, method, path string, query url.Values, body, v any, text func(w io.Writer)) error {
	c, err := a.client(cmd)
	if err != nil {
		return err
	}
	var raw json.RawMessage
	if err := c.do(cmd.Context(), method, path, query, body, &raw); err != nil {
		return err
	}
	// v is filled in either way: commands look at the answer after
	// printing it (a failed run, a broken chain) to choose their exit code.
	if err := json.Unmarshal(raw, v); err != nil {
		return err
	}
	if a.jsonOut {
		_, err := a.out.Write(raw)
		return err
	}
	tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
	text(tw)
	return tw.Flush()
}

// printJSON prints v as indented JSON, for the commands that answer
// without asking the daemon.
func (a *app) printJSON(v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.out, "%s\n", b)
	return err
}

// readBarcodes takes barcodes from arguments, or from standard input (one
// per line, as a handheld scanner types them) when the only argument is -.
func (a *app) readBarcodes(args []string) ([]string, error) {
	if len(args) == 1 && args[0] == "-" {
		var out []string
		sc := bufio.NewScanner(a.in)
		for sc.Scan() {
			out = append(out, strings.Fields(sc.Text())...)
		}
		return out, sc.Err()
	}
	return args, nil
}

func pathEscape(s string) string { return url.PathEscape(s) }

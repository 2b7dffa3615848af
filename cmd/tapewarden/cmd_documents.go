package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/tapewarden/tapewarden/daemon/api/client"
	"github.com/tapewarden/tapewarden/daemon/report"
)

// documentFlags are the printing options of a document.
type documentFlags struct {
	format string
	out    string
}

func (f *documentFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.format, "format", report.FormatText, "text, html (prints on A4 from a browser) or pdf (A4)")
	cmd.Flags().StringVarP(&f.out, "out", "o", "", "write to FILE (created or replaced) instead of standard output")
}

// printDocument asks for a document and prints it in the chosen format.
func (a *app) printDocument(cmd *cobra.Command, what string, f documentFlags, ask func(context.Context, *client.Client) (report.Document, error)) error {
	if err := report.CheckFormat(f.format); err != nil {
		return usagef("%s: --format %s: give text, html or pdf", what, f.format)
	}
	if f.format == report.FormatPDF && f.out == "" && !a.jsonOut {
		if fi, ok := a.out.(*os.File); ok {
			if st, err := fi.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				return usagef("%s: a PDF is not for the terminal; give --out FILE (or redirect the output)", what)
			}
		}
	}
	c, err := a.client(cmd)
	if err != nil {
		return err
	}
	doc, err := ask(cmd.Context(), c)
	if err != nil {
		return err
	}
	if a.jsonOut {
		return a.printJSON(doc)
	}
	if f.format == report.FormatText {
		escapeStrings(&doc)
	}
	var buf bytes.Buffer
	if err := doc.Write(&buf, f.format); err != nil {
		return err
	}
	if f.out == "" {
		_, err := a.out.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(f.out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("%s: cannot write %s (%w); give --out a file in a directory you may write", what, f.out, errors.Unwrap(err))
	}
	fmt.Fprintf(a.errOut, "%s written to %s (%d bytes)\n", what, f.out, buf.Len())
	return nil
}

func (a *app) recoverySheetCommand() *cobra.Command {
	var f documentFlags
	var site string
	cmd := &cobra.Command{
		Use:   "recovery-sheet [--format text|html|pdf] [--site SITE] [--out FILE]",
		Short: "The sheet for the day the machine room is lost: what to fetch and how to read it back",
		Long: `Prints the recovery sheet to keep in another building: every system in
restore-priority order with its newest good generation (and, when a
cartridge of it is in the machine room, the newest held elsewhere), the
cartridges that hold it and where each is now (site, place, manifest), the
tape file numbers, the block size and the SHA-256; the commands that restore
it with tapewarden and with nothing but mt, dd, tar and sha256sum (and age
for an encrypted pool), with the device and file numbers filled in; the
audit chain head, the catalog's identity, the date and places to sign.

--site SITE prints only the generations whose every cartridge is at SITE:
the copy to file there. The daemon also writes a fresh sheet after each
night (catalog.recovery_sheet in tapewarden.yaml).

With --lang ja (or the daemon's language: ja) the sheet is in Japanese; its
commands are the same in both languages. A Japanese PDF needs a Japanese
font (Debian: fonts-ipafont-gothic); --format html prints without one.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.printDocument(cmd, "report recovery-sheet", f, func(ctx context.Context, c *client.Client) (report.Document, error) {
				return c.RecoverySheet(ctx, site, a.lang)
			})
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&site, "site", "", "only the generations whose every cartridge is at this site")
	return cmd
}

func (a *app) procedureCommand() *cobra.Command {
	var f documentFlags
	var system string
	cmd := &cobra.Command{
		Use:   "procedure [--system S] [--format text|html|pdf] [--out FILE]",
		Short: "The backup procedure document (表-33), made from the configuration and the catalog",
		Long: `Prints the backup procedure document the standard asks for per system
(表-33 バックアップ手順書), always current: the equipment, the backup areas,
the flow of a backup and the day's schedule, the schedule and generations of
each job, the primary, secondary and system backups and their size, the slot
map, the media per generation and per storage place, how media are exchanged
and where each generation is kept, drive cleaning, restore priorities and
procedures, and the last drills and inspections. Its sections are named as
the standard's table names them, in Japanese and English; with --lang ja (or
the daemon's language: ja) the whole document is in Japanese.

--system S makes the document of one system: its jobs, pools and drives.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.printDocument(cmd, "report procedure", f, func(ctx context.Context, c *client.Client) (report.Document, error) {
				return c.Procedure(ctx, system, a.lang)
			})
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&system, "system", "", "the document of this system only")
	return cmd
}

package main

import (
	"context"
	"fmt"
	"github.com/tapewarden/tapewarden/rotation"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tapewarden/tapewarden/daemon/api"
	"github.com/tapewarden/tapewarden/daemon/api/client"
	"github.com/tapewarden/tapewarden/daemon/report"
	"github.com/tapewarden/tapewarden/media"
)

// printInspection writes an inspection as the report an inspector signs:
// who, when, what was expected and seen, every difference and what was
// decided about it, and the audit chain head it was reconciled against.
func printInspection(w io.Writer, in media.Inspection) {
	scope := in.Site
	if in.Place != "" {
		scope += "/" + in.Place
	}
	fmt.Fprintf(w, "inspection\t%s\n", in.ID)
	fmt.Fprintf(w, "scope\t%s\n", scope)
	fmt.Fprintf(w, "state\t%s\n", in.State)
	fmt.Fprintf(w, "started\t%s by %s\n", when(in.StartedAt), in.StartedBy)
	if in.State == media.InspectionClosed {
		fmt.Fprintf(w, "closed\t%s by %s\n", when(in.ClosedAt), in.ClosedBy)
		fmt.Fprintf(w, "reconciled\t%d expected, %d scanned, %d present, %d findings (%d open)\n",
			in.Expected, len(in.Scans), len(in.Present), len(in.Findings), in.OpenFindings())
		if in.Chain != nil {
			fmt.Fprintf(w, "audit chain\tevent %d, %s\n", in.Chain.ID, in.Chain.Hash)
		}
	} else {
		fmt.Fprintf(w, "scanned\t%d so far; close with 'tapewarden inspect close %s'\n", len(in.Scans), in.ID)
	}
	if len(in.Findings) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "FINDING\tBARCODE\tKIND\tCATALOG\tSEEN\tRESOLUTION")
		for _, f := range in.Findings {
			res := "OPEN: resolve with 'tapewarden inspect resolve " + in.ID + " " + f.Barcode + " --found SITE/PLACE | --lost --note ...'"
			if f.Resolution != "" {
				res = f.Resolution + " by " + f.ResolvedBy + ": " + f.Note
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", f.ID, f.Barcode, f.Kind, dash(f.Expected), dash(f.Seen), res)
		}
	}
	if len(in.Present) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "present\t%s\n", strings.Join(in.Present, " "))
	}
}

func (a *app) inspectCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "inspect",
		Short: "Physical inspections of a site: scan what is there, reconcile with the catalog",
		Long: `An inspection (点検) proves the catalog true: the inspector scans every
cartridge present at a site (or one place of it), and closing the
inspection compares the scans with the catalog. Every difference becomes a
finding: missing (catalogued there, not seen), misplaced (seen at another
place of the site), surplus (catalogued at another site, in transit or
lost) or unknown (not in the catalog). Closing moves nothing; each finding
is resolved by a person with 'inspect resolve'.`,
	}
	post := func(cmd *cobra.Command, ask func(ctx context.Context, c *client.Client) (media.Inspection, error)) error {
		var in media.Inspection
		return show(a, cmd, &in, ask, func(w io.Writer) { printInspection(w, in) })
	}

	var start api.InspectionStartRequest
	startCmd := &cobra.Command{
		Use:   "start SITE [--place PLACE]",
		Short: "Open an inspection of a site, or of one place at it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			start.Site = args[0]
			return post(cmd, func(ctx context.Context, c *client.Client) (media.Inspection, error) {
				return c.StartInspection(ctx, start)
			})
		},
	}
	startCmd.Flags().StringVar(&start.Place, "place", "", "inspect only this storage place, library or drive")

	var scan api.InspectionScanRequest
	scanCmd := &cobra.Command{
		Use:   "scan ID BARCODE... (or - to read scanned barcodes from standard input) [--place PLACE]",
		Short: "Record barcodes seen, and where",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			barcodes, err := a.readBarcodes(args[1:])
			if err != nil {
				return err
			}
			scan.Barcodes = barcodes
			return post(cmd, func(ctx context.Context, c *client.Client) (media.Inspection, error) {
				return c.ScanInspection(ctx, args[0], scan)
			})
		},
	}
	scanCmd.Flags().StringVar(&scan.Place, "place", "", "where these were seen (default: the inspection's place)")

	var closeReq api.InspectionCloseRequest
	closeCmd := &cobra.Command{
		Use:   "close ID [--empty]",
		Short: "Reconcile the scans with the catalog and print the report",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return post(cmd, func(ctx context.Context, c *client.Client) (media.Inspection, error) {
				return c.CloseInspection(ctx, args[0], closeReq)
			})
		},
	}
	closeCmd.Flags().BoolVar(&closeReq.Empty, "empty", false, "nothing was scanned because the shelves are empty")

	var resolve api.ResolveRequest
	resolveCmd := &cobra.Command{
		Use:   "resolve ID BARCODE (--found SITE/PLACE | --lost) --note TEXT",
		Short: "Settle a finding: where the cartridge really is, or that it is lost",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			resolve.Barcode = args[1]
			return post(cmd, func(ctx context.Context, c *client.Client) (media.Inspection, error) {
				return c.ResolveFinding(ctx, args[0], resolve)
			})
		},
	}
	resolveCmd.Flags().StringVar(&resolve.Found, "found", "", "where the cartridge is (the catalog is moved there if it says otherwise)")
	resolveCmd.Flags().BoolVar(&resolve.Lost, "lost", false, "report the cartridge lost")
	resolveCmd.Flags().StringVar(&resolve.Note, "note", "", "what was done (required for --lost)")

	var site, state string
	listCmd := &cobra.Command{
		Use:   "list [--site SITE] [--state open|closed]",
		Short: "List inspections, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var list []media.Inspection
			return show(a, cmd, &list, func(ctx context.Context, c *client.Client) ([]media.Inspection, error) {
				return c.Inspections(ctx, site, state)
			}, func(w io.Writer) {
				fmt.Fprintln(w, "INSPECTION\tSCOPE\tSTATE\tBY\tCLOSED\tSCANNED\tFINDINGS\tOPEN")
				for _, in := range list {
					scope := in.Site + ifNotEmpty("/", in.Place)
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\n", in.ID, scope, in.State, in.StartedBy, when(in.ClosedAt), len(in.Scans), len(in.Findings), in.OpenFindings())
				}
			})
		},
	}
	listCmd.Flags().StringVar(&site, "site", "", "only this site")
	listCmd.Flags().StringVar(&state, "state", "", "only open or closed inspections")

	showCmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show an inspection's report",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var in media.Inspection
			return show(a, cmd, &in, func(ctx context.Context, c *client.Client) (media.Inspection, error) {
				return c.Inspection(ctx, args[0])
			}, func(w io.Writer) { printInspection(w, in) })
		},
	}

	cmd.AddCommand(startCmd, scanCmd, closeCmd, resolveCmd, listCmd, showCmd)
	return cmd
}

// disposeCommand is 'media dispose'.
func (a *app) disposeCommand() *cobra.Command {
	var req media.NewDisposal
	cmd := &cobra.Command{
		Use:   "dispose BARCODE --method degauss|shred|incinerate|crush|vendor --witness NAME [--certificate REF] [--date YYYY-MM-DD]",
		Short: "Record that a cartridge was destroyed",
		Long: `Records the destruction (廃棄) of a cartridge with a custody event: how,
on which day, before which witness, and the destruction certificate's
reference. The cartridge then leaves every listing and count but
'tapewarden report disposals'.

Refused, with every reason, while rotation keeps a generation on it, a
manifest lists it, a courier discrepancy or inspection finding about it is
open, or the catalog places it anywhere but a shelf of the machine room.
Degaussing erases an LTO cartridge's servo tracks, so it can never be used
again: --method degauss is refused unless the cartridge is retired.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if req.Method == "" || req.Witness == "" {
				return usagef("media dispose: say how (--method) and who witnessed it (--witness)")
			}
			var d media.Disposal
			return show(a, cmd, &d, func(ctx context.Context, c *client.Client) (media.Disposal, error) {
				return c.DisposeMedia(ctx, args[0], req)
			}, func(w io.Writer) {
				printDisposals(w, []media.Disposal{d})
			})
		},
	}
	cmd.Flags().StringVar(&req.Method, "method", "", "degauss, shred, incinerate, crush or vendor")
	cmd.Flags().StringVar(&req.Witness, "witness", "", "who witnessed the destruction")
	cmd.Flags().StringVar(&req.Certificate, "certificate", "", "the destruction certificate's reference")
	cmd.Flags().StringVar(&req.Date, "date", "", "the day it was destroyed, YYYY-MM-DD (default today)")
	return cmd
}

func printDisposals(w io.Writer, list []media.Disposal) {
	fmt.Fprintln(w, "DATE\tBARCODE\tTYPE\tMETHOD\tWITNESS\tCERTIFICATE\tSYSTEMS\tCLASS\tGENERATIONS\tRECORDED BY")
	for _, d := range list {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.Date, d.Barcode, d.MediaType, d.Method, d.Witness, dash(d.Certificate),
			dash(strings.Join(d.Systems, " ")), handlingClass(media.Cartridge{Confidentiality: d.Confidentiality}), dash(strings.Join(d.Generations, " ")), d.RecordedBy)
	}
}

// reportCommand holds the reports an auditor signs.
func (a *app) reportCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "report", Short: "Reports an auditor signs"}
	var from, to string
	disposals := &cobra.Command{
		Use:   "disposals [--from YYYY-MM-DD] [--to YYYY-MM-DD]",
		Short: "The cartridges destroyed: method, witness, certificate, the data they held",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var rep report.DisposalReport
			return show(a, cmd, &rep, func(ctx context.Context, c *client.Client) (report.DisposalReport, error) {
				return c.Disposals(ctx, from, to)
			}, func(w io.Writer) {
				period := dash(rep.From) + " to " + dash(rep.To)
				fmt.Fprintf(w, "disposals\t%s (made %s)\n\n", period, when(rep.Made))
				printDisposals(w, rep.Disposals)
				fmt.Fprintf(w, "\n%s\n\nchecked by\t____________________\tdate\t__________\n", rotation.Plural(len(rep.Disposals), "cartridge"))
			})
		},
	}
	disposals.Flags().StringVar(&from, "from", "", "first day, YYYY-MM-DD")
	disposals.Flags().StringVar(&to, "to", "", "last day, YYYY-MM-DD")
	cmd.AddCommand(disposals, a.recoverySheetCommand(), a.procedureCommand())
	return cmd
}

// handlingClass renders a cartridge's highest confidentiality and
// integrity class, "C2 I1"; "-" when the data on it states none.
func handlingClass(c media.Cartridge) string { return dash(c.Handling().Short()) }

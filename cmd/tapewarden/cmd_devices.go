package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/api"

	"github.com/tapewarden/tapewarden/daemon/api/client"
	"github.com/tapewarden/tapewarden/daemon/engine"
)

// statusFlags names the flags set in s, or "-" when none is.
func statusFlags(s drives.Status) string {
	var on []string
	for _, f := range []struct {
		set  bool
		name string
	}{{s.Online, "online"}, {s.BOT, "bot"}, {s.Filemark, "filemark"}, {s.EOD, "eod"}, {s.EOT, "eot"},
		{s.WriteProtected, "write-protected"}, {s.DoorOpen, "door-open"}, {s.CleaningRequested, "cleaning-requested"}} {
		if f.set {
			on = append(on, f.name)
		}
	}
	if len(on) == 0 {
		return "-"
	}
	return strings.Join(on, " ")
}

func printDrive(w io.Writer, di engine.DriveInfo) {
	where := di.Site
	if di.Library != "" {
		where += fmt.Sprintf(", library %s element %d", di.Library, deref(di.Element))
	}
	fmt.Fprintf(w, "drive\t%s (%s %s)\n", di.Name, di.MediaType, di.Type)
	fmt.Fprintf(w, "where\t%s\n", where)
	fmt.Fprintf(w, "device\t%s\n", di.Device)
	fmt.Fprintf(w, "cartridge\t%s\n", dash(di.Cartridge))
	if di.Busy != "" {
		fmt.Fprintf(w, "busy\t%s since %s\n", di.Busy, when(di.BusySince))
	}
	if di.Status != nil {
		s := di.Status
		fmt.Fprintf(w, "status\t%s\n", statusFlags(*s))
		fmt.Fprintf(w, "position\tfile %d, block %d\n", s.File, s.Block)
		fmt.Fprintf(w, "block size\t%d (0 = variable)\n", s.BlockSize)
	}
	if di.StatusError != "" {
		fmt.Fprintf(w, "status\tunavailable: %s\n", di.StatusError)
	}
	if di.Type == "virtual" {
		fmt.Fprintf(w, "loads\t%d\n", di.LoadCount)
		fmt.Fprintf(w, "last cleaned\t%s\n", when(di.LastCleaned))
	}
	if di.CleaningRequested {
		fmt.Fprintf(w, "cleaning\tREQUESTED by the drive\n")
	}
}

func (a *app) driveCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "drive", Short: "Tape drives: list, status, identify, eject"}
	list := &cobra.Command{
		Use: "list", Short: "List the configured drives", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var list []engine.DriveInfo
			return show(a, cmd, &list, func(ctx context.Context, c *client.Client) ([]engine.DriveInfo, error) { return c.Drives(ctx) }, func(w io.Writer) {
				fmt.Fprintln(w, "DRIVE\tTYPE\tWHERE\tCARTRIDGE\tBUSY")
				for _, di := range list {
					where := di.Site
					if di.Library != "" {
						where = fmt.Sprintf("%s/%s[%d]", di.Site, di.Library, deref(di.Element))
					}
					fmt.Fprintf(w, "%s\t%s %s\t%s\t%s\t%s\n", di.Name, di.MediaType, di.Type, where, dash(di.Cartridge), dash(di.Busy))
				}
			})
		},
	}
	status := &cobra.Command{
		Use: "status NAME", Short: "Read a drive's status (when it is idle)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var di engine.DriveInfo
			return show(a, cmd, &di, func(ctx context.Context, c *client.Client) (engine.DriveInfo, error) { return c.Drive(ctx, args[0]) }, func(w io.Writer) { printDrive(w, di) })
		},
	}
	identify := &cobra.Command{
		Use:   "identify NAME",
		Short: "Read the label of the cartridge a person put into a drive and record it there",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.postEvent(cmd, func(ctx context.Context, c *client.Client) (media.Event, error) { return c.Identify(ctx, args[0]) })
		},
	}
	insert := &cobra.Command{
		Use:   "insert NAME BARCODE",
		Short: "Demo: put a virtual cartridge into a virtual standalone drive (what a person does by hand)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var res engine.InsertResult
			return show(a, cmd, &res, func(ctx context.Context, c *client.Client) (engine.InsertResult, error) {
				return c.Insert(ctx, args[0], engine.InsertRequest{Barcode: args[1]})
			}, func(w io.Writer) {
				if res.Event != nil {
					printEventLine(w, *res.Event)
				}
				fmt.Fprintln(w, res.Note)
			})
		},
	}
	var to string
	eject := &cobra.Command{
		Use:   "eject NAME --to SITE/PLACE",
		Short: "Eject a standalone drive's cartridge and record where it is put",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.postEvent(cmd, func(ctx context.Context, c *client.Client) (media.Event, error) {
				return c.Eject(ctx, args[0], engine.EjectRequest{To: to})
			})
		},
	}
	eject.Flags().StringVar(&to, "to", "", "where the cartridge goes, e.g. honcho/shelf")
	var note string
	clean := &cobra.Command{
		Use:   "clean NAME",
		Short: "Clean a drive now (in a library by the robot; a standalone drive gets a prompt)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var res engine.CleanResult
			return show(a, cmd, &res, func(ctx context.Context, c *client.Client) (engine.CleanResult, error) {
				return c.Clean(ctx, args[0], api.NoteRequest{Note: note})
			}, func(w io.Writer) { fmt.Fprintln(w, res.Note) })
		},
	}
	clean.Flags().StringVar(&note, "note", "", "why (recorded)")
	var limit int
	history := &cobra.Command{
		Use:   "history NAME",
		Short: "A drive's cleanings, TapeAlert flags and errors, and whether cleaning is due",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var h api.DriveHistory
			return show(a, cmd, &h, func(ctx context.Context, c *client.Client) (api.DriveHistory, error) {
				return c.DriveHistory(ctx, args[0], limit)
			}, func(w io.Writer) {
				if h.Cleaning != nil {
					fmt.Fprintf(w, "cleaning due: %s", h.Cleaning.Due)
					if h.Cleaning.Cleaner != "" {
						fmt.Fprintf(w, " (use %s)", h.Cleaning.Cleaner)
					}
					fmt.Fprintln(w)
					for _, r := range h.Cleaning.Reasons {
						fmt.Fprintf(w, "  %s\n", r.Message)
					}
					fmt.Fprintln(w)
				}
				fmt.Fprintln(w, "WHEN\tEVENT\tCARTRIDGE\tDETAIL")
				for _, e := range h.Events {
					kind := e.Kind
					if e.Kind == "tapealert" {
						kind = fmt.Sprintf("TapeAlert %d", e.Flag)
					}
					detail := e.Detail
					if e.Bytes > 0 {
						detail = strings.TrimSpace(fmt.Sprintf("%s, %d bytes", detail, e.Bytes))
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", when(e.At), kind, dash(e.Barcode), detail)
				}
			})
		},
	}
	history.Flags().IntVar(&limit, "limit", 50, "at most this many events")
	cmd.AddCommand(list, status, identify, insert, eject, clean, history)
	return cmd
}

// postEvent posts and prints the custody event returned.
func (a *app) postEvent(cmd *cobra.Command, send func(ctx context.Context, c *client.Client) (media.Event, error)) error {
	var ev media.Event
	return show(a, cmd, &ev, send, func(w io.Writer) { printEventLine(w, ev) })
}

func printEventLine(w io.Writer, ev media.Event) {
	if ev.ID == 0 {
		fmt.Fprintln(w, "done")
		return
	}
	fmt.Fprintf(w, "%s %s: %s -> %s (event %d)\n", ev.Barcode, ev.Kind, ev.From, ev.To, ev.ID)
}

func printInventory(w io.Writer, rep engine.InventoryReport) {
	fmt.Fprintf(w, "library %s, inventory at %s\n", rep.Library, when(rep.At))
	for _, de := range rep.Drives {
		content := "empty"
		if de.Full {
			content = dash0(de.Barcode)
			if de.SourceSlot > 0 {
				content += fmt.Sprintf(" (from slot %d)", de.SourceSlot)
			}
		}
		fmt.Fprintf(w, "  drive %d\t%s\t%s\n", de.Element, dash(de.Drive), content)
	}
	for _, s := range rep.Slots {
		name := fmt.Sprintf("slot %d", s.Slot)
		if s.MailSlot {
			name = fmt.Sprintf("mail slot %d", s.Slot)
		}
		content := "empty"
		if s.Full {
			content = dash0(s.Barcode)
		}
		fmt.Fprintf(w, "  %s\t\t%s\n", name, content)
	}
	for _, ev := range rep.Catalog.Moved {
		fmt.Fprintf(w, "moved in the catalog:\t%s %s -> %s\n", ev.Barcode, ev.From, ev.To)
	}
	for _, b := range rep.Added {
		fmt.Fprintf(w, "added to the catalog:\t%s\n", b)
	}
	for _, b := range rep.Catalog.Returned {
		fmt.Fprintf(w, "found again:\t%s\n", b)
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "PROBLEM:\t%s\n", p)
	}
}

func dash0(s string) string {
	if s == "" {
		return "(no barcode)"
	}
	return s
}

func (a *app) libraryCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "library", Short: "Autoloaders and libraries: inventory, load, unload, import, export"}
	var lib string
	cmd.PersistentFlags().StringVar(&lib, "library", "", "which library (may be left out when there is one)")

	inventory := &cobra.Command{
		Use: "inventory", Short: "Read the library's slots and make the catalog agree", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var reps []engine.InventoryReport
			return show(a, cmd, &reps, func(ctx context.Context, c *client.Client) ([]engine.InventoryReport, error) {
				return c.Inventory(ctx, api.LibraryRequest{Library: lib})
			}, func(w io.Writer) {
				for _, r := range reps {
					printInventory(w, r)
				}
			})
		},
	}
	var loadSlot int
	var driveName string
	load := &cobra.Command{
		Use:   "load [BARCODE] --drive NAME [--slot N]",
		Short: "Load a cartridge from a slot into a drive",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := engine.LoadRequest{Library: lib, Slot: loadSlot, Drive: driveName}
			if len(args) == 1 {
				req.Barcode = args[0]
			}
			if req.Drive == "" {
				return usagef("library load: say which drive (--drive NAME)")
			}
			return a.postEvent(cmd, func(ctx context.Context, c *client.Client) (media.Event, error) { return c.Load(ctx, req) })
		},
	}
	load.Flags().IntVar(&loadSlot, "slot", 0, "load from this slot instead of naming a barcode")
	load.Flags().StringVar(&driveName, "drive", "", "the drive")
	var unloadSlot int
	var unloadDrive string
	unload := &cobra.Command{
		Use:   "unload --drive NAME [--slot N]",
		Short: "Eject a drive's cartridge and put it back in a slot (its own, unless --slot)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if unloadDrive == "" {
				return usagef("library unload: say which drive (--drive NAME)")
			}
			return a.postEvent(cmd, func(ctx context.Context, c *client.Client) (media.Event, error) {
				return c.Unload(ctx, engine.UnloadRequest{Drive: unloadDrive, Slot: unloadSlot})
			})
		},
	}
	unload.Flags().IntVar(&unloadSlot, "slot", 0, "put it in this slot")
	unload.Flags().StringVar(&unloadDrive, "drive", "", "the drive")
	transfer := &cobra.Command{
		Use:   "transfer FROM TO",
		Short: "Move a cartridge between slots (N for slot N, mN for mail slot N)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.postEvent(cmd, func(ctx context.Context, c *client.Client) (media.Event, error) {
				return c.Transfer(ctx, engine.TransferRequest{Library: lib, From: args[0], To: args[1]})
			})
		},
	}
	export := &cobra.Command{
		Use:   "export BARCODE...",
		Short: "Move cartridges to the mail slots for a person to take out",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var events []media.Event
			return show(a, cmd, &events, func(ctx context.Context, c *client.Client) ([]media.Event, error) {
				return c.Export(ctx, api.ExportRequest{Library: lib, Barcodes: args})
			}, func(w io.Writer) {
				for _, ev := range events {
					printEventLine(w, ev)
				}
			})
		},
	}
	importCmd := &cobra.Command{
		Use:   "import",
		Short: "Move every cartridge waiting in a mail slot into a free slot",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var res api.ImportResult
			err := show(a, cmd, &res, func(ctx context.Context, c *client.Client) (api.ImportResult, error) {
				return c.Import(ctx, api.LibraryRequest{Library: lib})
			}, func(w io.Writer) {
				for _, ev := range res.Imported {
					printEventLine(w, ev)
				}
				if len(res.Imported) == 0 {
					fmt.Fprintln(w, "nothing to import")
				}
				for _, p := range res.Problems {
					fmt.Fprintf(w, "PROBLEM: %s\n", p)
				}
			})
			if err == nil && len(res.Problems) > 0 {
				return failedError{fmt.Sprintf("%d cartridge(s) left in the mail slots", len(res.Problems))}
			}
			return err
		},
	}

	mail := &cobra.Command{Use: "mailslot", Short: "Demo: play the person at a virtual library's mail slot"}
	var mailSlot int
	mailInsert := &cobra.Command{
		Use: "insert BARCODE [--slot N]", Short: "Put a virtual cartridge into the mail slot", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.mailSlot(cmd, engine.MailSlotRequest{Library: lib, Action: "insert", Barcode: args[0], Slot: mailSlot})
		},
	}
	mailInsert.Flags().IntVar(&mailSlot, "slot", 0, "mail slot number (default: the first empty one)")
	mailTake := &cobra.Command{
		Use: "take N", Short: "Take the cartridge out of mail slot N", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := strconv.Atoi(args[0])
			if err != nil {
				return usagef("library mailslot take: %q is not a mail slot number", args[0])
			}
			return a.mailSlot(cmd, engine.MailSlotRequest{Library: lib, Action: "take", Slot: n})
		},
	}
	mail.AddCommand(mailInsert, mailTake)
	cmd.AddCommand(inventory, load, unload, transfer, export, importCmd, mail)
	return cmd
}

func (a *app) mailSlot(cmd *cobra.Command, req engine.MailSlotRequest) error {
	var res engine.MailSlotResult
	return show(a, cmd, &res, func(ctx context.Context, c *client.Client) (engine.MailSlotResult, error) {
		return c.MailSlot(ctx, req)
	}, func(w io.Writer) {
		verb := map[string]string{"insert": "put into", "take": "taken out of"}[res.Action]
		fmt.Fprintf(w, "%s %s mail slot %d\n", dash0(res.Barcode), verb, res.MailSlot)
		fmt.Fprintf(w, "next: %s\n", res.Next)
		for _, p := range res.Report.Problems {
			fmt.Fprintf(w, "note: %s\n", p)
		}
	})
}

// deref is *p, or 0 for nil.
func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

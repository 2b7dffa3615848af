package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/tapewarden/tapewarden/drives"
)

func printLabel(w io.Writer, l drives.Label) {
	fmt.Fprintf(w, "barcode:     %s\n", l.Barcode)
	fmt.Fprintf(w, "pool:        %s\n", dash(l.Pool))
	fmt.Fprintf(w, "media type:  %s\n", l.MediaType)
	fmt.Fprintf(w, "labelled:    %s\n", l.LabelTime.Format(time.RFC3339))
	fmt.Fprintf(w, "label UUID:  %s\n", l.UUID)
	fmt.Fprintf(w, "written by:  tapewarden %s\n", l.Version)
}

// tapeCommand works on a drive directly, without the daemon.
func (a *app) tapeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tape",
		Short: "Work on a drive directly, without the daemon (status, label, read-label)",
		Long: `These commands open the drive themselves, for the operator at the machine:
a no-rewind device (/dev/nstN or /dev/tape/by-id/...-nst), a virtual
cartridge image (*.vtape), or the mount point of a removable disk (RDX,
USB disk, optical disc; label one with --type USB-DISK). A drive or disk
the daemon is using reports busy.`,
	}
	var device, sg string
	cmd.PersistentFlags().StringVar(&device, "device", "", "the no-rewind tape device, a virtual cartridge image or a removable disk's mount point")
	cmd.PersistentFlags().StringVar(&sg, "sg-device", "", "the drive's SCSI generic node (optional); tape status then reads the TapeAlert flags, which clears them on the drive")
	need := func() error {
		if device == "" {
			return usagef("say which drive (--device /dev/tape/by-id/...-nst or a .vtape image)")
		}
		return nil
	}
	status := &cobra.Command{
		Use: "status --device DEV", Short: "Show the drive's status without moving the tape", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := need(); err != nil {
				return err
			}
			ts, err := offlineTapeStatus(cmd.Context(), device, sg)
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.printJSON(ts)
			}
			s := ts.Status
			fmt.Fprintf(a.out, "device:      %s\n", ts.Device)
			fmt.Fprintf(a.out, "status:      %s\n", statusFlags(s))
			fmt.Fprintf(a.out, "position:    %s\n", position(s.File, s.Block, int64(s.Partition)))
			fmt.Fprintf(a.out, "block size:  %d (0 = variable)\n", s.BlockSize)
			fmt.Fprintf(a.out, "density:     0x%02x %s\n", s.Density, ts.Media)
			if ts.Limits != nil {
				fmt.Fprintf(a.out, "limits:      %s; largest read or write %d bytes\n", ts.Limits, ts.Limits.Largest())
			}
			switch {
			case ts.AlertsError != "":
				fmt.Fprintf(a.out, "tapealert:   not read: %s\n", ts.AlertsError)
			case ts.AlertsRead && len(ts.Alerts) == 0:
				fmt.Fprintln(a.out, "tapealert:   none raised")
			case ts.AlertsRead:
				for i, al := range ts.Alerts {
					head := "tapealert:  "
					if i > 0 {
						head = "            "
					}
					fmt.Fprintf(a.out, "%s %s\n", head, al.String())
				}
				fmt.Fprintln(a.out, "             (reading cleared them on the drive: note them now)")
			}
			return nil
		},
	}
	readLabel := &cobra.Command{
		Use: "read-label --device DEV", Short: "Read the cartridge's volume label (rewinds the tape)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := need(); err != nil {
				return err
			}
			l, err := offlineReadLabel(cmd.Context(), device, sg)
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.printJSON(l)
			}
			printLabel(a.out, l)
			return nil
		},
	}
	var req labelRequest
	label := &cobra.Command{
		Use:   "label --device DEV --barcode B --pool P [--force]",
		Short: "Write a volume label to file 0 of the cartridge",
		Long: `Write a volume label. A cartridge that already carries a label or holds
other data is refused unless --force (which destroys everything on it).
A barcode that differs from the one the library reports for the cartridge
(--changer and --element, or --library-barcode) — or, for a virtual image,
from its sticker — is refused.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := need(); err != nil {
				return err
			}
			req.Device, req.SGDevice = device, sg
			l, err := offlineLabel(cmd.Context(), req)
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.printJSON(l)
			}
			fmt.Fprintf(a.out, "labelled %s\n", l.Barcode)
			printLabel(a.out, l)
			fmt.Fprintln(a.out, "Add it to the catalog if it is new: tapewarden media add", l.Barcode, "--pool", dash(l.Pool), "--at SITE/PLACE")
			return nil
		},
	}
	label.Flags().StringVar(&req.Barcode, "barcode", "", "the barcode on the cartridge's sticker")
	label.Flags().StringVar(&req.Pool, "pool", "", "the pool it joins")
	label.Flags().StringVar(&req.MediaType, "type", "", "media type, when the barcode does not say")
	label.Flags().BoolVar(&req.Force, "force", false, "overwrite an existing label or data (destroys the cartridge's contents)")
	label.Flags().StringVar(&req.LibraryBarcode, "library-barcode", "", "the barcode the library reports for this cartridge")
	label.Flags().StringVar(&req.Changer, "changer", "", "read the library's barcode from this changer (sg node) ...")
	label.Flags().IntVar(&req.Element, "element", 0, "... for the cartridge in this drive element")
	cmd.AddCommand(status, readLabel, label)
	return cmd
}

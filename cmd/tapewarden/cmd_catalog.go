package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/api"
	"github.com/tapewarden/tapewarden/daemon/api/client"
	"github.com/tapewarden/tapewarden/daemon/engine"
)

func (a *app) statusCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the daemon's health and a summary of the catalog",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var st api.Status
			err := show(a, cmd, &st, func(ctx context.Context, c *client.Client) (api.Status, error) { return c.Status(ctx) }, func(w io.Writer) {
				health := "healthy"
				if !st.Healthy {
					health = "DEGRADED (see the problems below)"
				}
				fmt.Fprintf(w, "tapewarden %s\t%s, up since %s\n", st.Version, health, when(st.Started))
				fmt.Fprintf(w, "state\t%s\n", st.StateDir)
				fmt.Fprintf(w, "catalog\t%s (schema %d, %d audit events)\n", st.Catalog, st.SchemaVersion, st.Stats.Events)
				if av := st.AuditVerified; !av.Checked.IsZero() {
					verdict := "intact"
					if !av.OK {
						verdict = "DOES NOT VERIFY (see the problems below)"
					}
					fmt.Fprintf(w, "audit chain\t%s up to event %d, verified %s\n", verdict, av.HeadID, when(av.Checked))
				}
				if st.MetricsAddr != "" {
					fmt.Fprintf(w, "metrics\thttp://%s/metrics\n", st.MetricsAddr)
				}
				if cc := st.CatalogCopies; cc != nil {
					copiesLines(w, cc, st.Now)
				}
				if sl := st.SiteLossDrill; sl != nil {
					line := fmt.Sprintf("site-loss drill	%s %s, %d systems back", sl.Result, when(sl.At), sl.Systems)
					if sl.Missing != "" {
						line += "; missing: " + sl.Missing
					}
					fmt.Fprintln(w, line)
				}
				if l := st.Listener; l != nil {
					kind := "configured certificate"
					if l.SelfSigned {
						kind = "self-signed certificate"
					}
					fmt.Fprintf(w, "https\t%s\n", l.URL)
					fmt.Fprintf(w, "certificate\tSHA-256 %s (%s; compare it with what the browser shows)\n", l.Fingerprint, kind)
				}
				bySite := map[string]int64{}
				var sites []string
				for _, c := range st.Stats.Cartridges {
					if _, ok := bySite[c.Site]; !ok {
						sites = append(sites, c.Site)
					}
					bySite[c.Site] += c.Count
				}
				var parts []string
				for _, s := range sites {
					parts = append(parts, fmt.Sprintf("%s %d", s, bySite[s]))
				}
				fmt.Fprintf(w, "cartridges\t%s\n", strings.Join(parts, ", "))
				fmt.Fprintf(w, "manifests\t%d open, %d in transit, %d overdue, %d open discrepancies\n",
					st.Stats.Manifests["open"], st.Stats.Manifests["in_transit"], st.Stats.Manifests["overdue"], st.Stats.OpenDiscrepancies)
				for _, r := range st.Runs {
					fmt.Fprintf(w, "run %d\t%s %s: %s\n", r.ID, r.Job, r.State, r.Detail)
				}
				for _, op := range st.Operations {
					fmt.Fprintf(w, "operation %d\t%s %s\n", op.ID, op.Kind, operationLine(op))
				}
				for _, wt := range st.Waiting {
					fmt.Fprintf(w, "waiting\t%s for %s since %s: %s\n", wt.Who, strings.Join(wt.Drives, " or "), when(wt.Since), wt.Why)
				}
				for _, di := range st.Drives {
					busy := "idle"
					if di.Busy != "" {
						busy = "busy: " + di.Busy
					}
					fmt.Fprintf(w, "drive %s\t%s, holds %s\n", di.Name, busy, dash(di.Cartridge))
				}
				if st.OpenPrompts > 0 {
					fmt.Fprintf(w, "prompts\t%d waiting for a person ('tapewarden prompt list')\n", st.OpenPrompts)
				}
				for _, p := range st.Problems {
					fmt.Fprintf(w, "PROBLEM\t%s\n", p)
				}
				for _, p := range st.Warnings {
					fmt.Fprintf(w, "warning\t%s\n", p)
				}
			})
			if err != nil {
				return err
			}
			if !st.Healthy {
				return failedError{"the daemon reports problems"}
			}
			return nil
		},
	}
}

func (a *app) siteCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "site", Short: "Sites and their storage places"}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the configured sites",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var sites []api.SiteView
			return show(a, cmd, &sites, func(ctx context.Context, c *client.Client) ([]api.SiteView, error) { return c.Sites(ctx) }, func(w io.Writer) {
				fmt.Fprintln(w, "SITE\tKIND\tKM\tHAZARDS\tPLACES\tCARTRIDGES")
				for _, s := range sites {
					var places []string
					for _, p := range s.Places {
						what := p.Kind
						if props := s.Protections[p.Name]; len(props) > 0 {
							what += ": " + strings.Join(props, ", ")
						}
						places = append(places, p.Name+" ("+what+")")
					}
					hz := strings.Join(s.Hazards, ",")
					if hz == "" {
						hz = "-"
					}
					fmt.Fprintf(w, "%s\t%s\t%g\t%s\t%s\t%d\n", s.Name, s.Kind, s.DistanceKM, hz, strings.Join(places, ", "), s.Cartridges)
				}
			})
		},
	})
	return cmd
}

func printCartridges(w io.Writer, list []media.Cartridge) {
	fmt.Fprintln(w, "BARCODE\tTYPE\tPOOL\tSTATE\tLOCATION\tCLASS\tMOUNTS")
	for _, c := range list {
		pool := c.Pool
		if pool == "" {
			pool = "-"
		}
		state := string(c.State)
		if c.UsesLeft != nil {
			state += fmt.Sprintf(" (%s left)", rotation.Plural(*c.UsesLeft, "use"))
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%d\n", c.Barcode, c.MediaType, pool, state, c.Location, handlingClass(c), c.Mounts)
	}
}

func printEvents(w io.Writer, events []media.Event) {
	fmt.Fprintln(w, "ID\tWHEN\tKIND\tBARCODE\tFROM\tTO\tWHO\tREASON")
	for _, e := range events {
		from, to := e.From, e.To
		if e.FromState != e.ToState {
			from = strings.TrimSpace(from + " " + e.FromState)
			to = strings.TrimSpace(to + " " + e.ToState)
		}
		reason := e.Reason
		if e.Manifest != "" {
			reason = strings.TrimSpace("[" + e.Manifest + "] " + reason)
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s (%s)\t%s\n", e.ID, when(e.At), e.Kind, dash(e.Barcode), dash(from), dash(to), e.Actor, e.Role, reason)
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (a *app) mediaCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "media", Aliases: []string{"cartridge"}, Short: "Cartridges: add, list, show, move, retire, erase"}

	var add api.AddRequest
	var uses int
	addCmd := &cobra.Command{
		Use:   "add BARCODE --at SITE/PLACE",
		Short: "Add a cartridge to the catalog",
		Example: `  tapewarden media add DLY007L8 --pool daily --at honcho/shelf
  tapewarden media add DAT006 --pool dat --at honcho/shelf
  tapewarden media add CLN002CU --at honcho/shelf --uses 50`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			add.Barcode = args[0]
			if cmd.Flags().Changed("uses") {
				add.UsesLeft = &uses
			}
			var c media.Cartridge
			return show(a, cmd, &c, func(ctx context.Context, c *client.Client) (media.Cartridge, error) { return c.AddMedia(ctx, add) }, func(w io.Writer) {
				fmt.Fprintf(w, "added %s (%s) at %s, %s\n", c.Barcode, c.MediaType, c.Location, c.State)
			})
		},
	}
	addCmd.Flags().StringVar(&add.At, "at", "", "where it is kept: SITE/PLACE (only the library fills its slots and drives)")
	addCmd.Flags().StringVar(&add.Pool, "pool", "", "the pool it belongs to")
	addCmd.Flags().StringVar(&add.MediaType, "type", "", "media type, when the barcode does not say (e.g. DDS-4)")
	addCmd.Flags().StringVar(&add.State, "state", "", "scratch (default), active or full")
	addCmd.Flags().IntVar(&uses, "uses", 0, "cleaning cartridges: uses left (default 50)")
	addCmd.Flags().StringVar(&add.Notes, "notes", "", "free text")

	var filter struct{ site, pool, state, place, kind, mediaType string }
	listCmd := &cobra.Command{
		Use:   "list",
		Short: "List cartridges",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := oneOf(cmd, "state", filter.state, cartridgeStates); err != nil {
				return err
			}
			q := client.MediaQuery{Site: filter.site, Pool: filter.pool, State: filter.state, Place: filter.place, PlaceKind: filter.kind, MediaType: filter.mediaType}
			var list []media.Cartridge
			return show(a, cmd, &list, func(ctx context.Context, c *client.Client) ([]media.Cartridge, error) { return c.Media(ctx, q) }, func(w io.Writer) { printCartridges(w, list) })
		},
	}
	listCmd.Flags().StringVar(&filter.site, "site", "", "only at this site (in-transit: with a courier)")
	listCmd.Flags().StringVar(&filter.pool, "pool", "", "only in this pool")
	listCmd.Flags().StringVar(&filter.state, "state", "", "only in this state: scratch, active, full, retired, cleaning or lost")
	listCmd.Flags().StringVar(&filter.place, "place", "", "only at this place, library, drive or manifest")
	listCmd.Flags().StringVar(&filter.kind, "kind", "", "only in this kind of place: storage, slot, mailslot, drive, transit")
	listCmd.Flags().StringVar(&filter.mediaType, "type", "", "only of this media type")

	showCmd := &cobra.Command{
		Use:   "show BARCODE",
		Short: "Show a cartridge and its custody history",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var v api.MediaView
			return show(a, cmd, &v, func(ctx context.Context, c *client.Client) (api.MediaView, error) { return c.MediaShow(ctx, args[0]) }, func(w io.Writer) {
				fmt.Fprintf(w, "barcode\t%s\n", v.Barcode)
				fmt.Fprintf(w, "media type\t%s\n", v.MediaType)
				fmt.Fprintf(w, "pool\t%s\n", dash(v.Pool))
				fmt.Fprintf(w, "state\t%s\n", v.State)
				fmt.Fprintf(w, "location\t%s\n", v.Location)
				fmt.Fprintf(w, "handling class\t%s\n", handlingClass(v.Cartridge))
				fmt.Fprintf(w, "mounts\t%d\n", v.Mounts)
				fmt.Fprintf(w, "bytes written\t%d\n", v.BytesWritten)
				fmt.Fprintf(w, "errors\t%d\n", v.Errors)
				if v.UsesLeft != nil {
					fmt.Fprintf(w, "uses left\t%d\n", *v.UsesLeft)
				}
				fmt.Fprintf(w, "first use\t%s\n", when(v.FirstUse))
				fmt.Fprintf(w, "added\t%s\n", when(v.AddedAt))
				if v.Notes != "" {
					fmt.Fprintf(w, "notes\t%s\n", v.Notes)
				}
				fmt.Fprintln(w)
				printEvents(w, v.Events)
			})
		},
	}

	var move api.MoveRequest
	moveCmd := &cobra.Command{
		Use:   "move BARCODE --to SITE/PLACE",
		Short: "Record that a cartridge was moved within a site",
		Long: `Record that a cartridge was moved to another storage place at its site.
Cartridges travel between sites on courier manifests, and in and out of
libraries through the library commands; --force with a reason records a
move made outside those workflows.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if move.To == "" {
				return usagef("media move: say where to (--to SITE/PLACE)")
			}
			var ev media.Event
			return show(a, cmd, &ev, func(ctx context.Context, c *client.Client) (media.Event, error) {
				return c.MoveMedia(ctx, args[0], move)
			}, func(w io.Writer) {
				fmt.Fprintf(w, "%s moved from %s to %s (event %d)\n", ev.Barcode, ev.From, ev.To, ev.ID)
			})
		},
	}
	moveCmd.Flags().StringVar(&move.To, "to", "", "new place: SITE/PLACE")
	moveCmd.Flags().StringVar(&move.Reason, "reason", "", "why (recorded)")
	moveCmd.Flags().BoolVar(&move.Force, "force", false, "record a move made outside the normal workflow (needs --reason)")

	var retire api.ReasonRequest
	retireCmd := &cobra.Command{
		Use:   "retire BARCODE --reason TEXT",
		Short: "Mark a cartridge as never to be written again",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var ev media.Event
			return show(a, cmd, &ev, func(ctx context.Context, c *client.Client) (media.Event, error) {
				return c.RetireMedia(ctx, args[0], retire)
			}, func(w io.Writer) { fmt.Fprintf(w, "%s retired (event %d)\n", ev.Barcode, ev.ID) })
		},
	}
	retireCmd.Flags().StringVar(&retire.Reason, "reason", "", "why (required)")

	var found api.FoundRequest
	foundCmd := &cobra.Command{
		Use:   "found BARCODE --at SITE/PLACE",
		Short: "Record that a cartridge reported lost has turned up",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var ev media.Event
			return show(a, cmd, &ev, func(ctx context.Context, c *client.Client) (media.Event, error) {
				return c.FoundMedia(ctx, args[0], found)
			}, func(w io.Writer) { fmt.Fprintf(w, "%s found at %s (event %d)\n", ev.Barcode, ev.To, ev.ID) })
		},
	}
	foundCmd.Flags().StringVar(&found.At, "at", "", "where it turned up: SITE/PLACE")
	foundCmd.Flags().StringVar(&found.Reason, "reason", "", "circumstances (recorded)")

	var erase api.EraseRequest
	eraseCmd := &cobra.Command{
		Use:   "erase BARCODE --confirm --reason TEXT",
		Short: "Release what a cartridge's tape holds so the next run may write over it",
		Long: `A run that finds data on a cartridge which the catalog does not know
(runs it has no record of, or a label another catalog wrote) refuses to
write over it and opens a prompt. 'media erase' is the person's decision
that this data may go: it is recorded as a custody event with who and why,
and the next run that writes the cartridge from tape file 1 relabels it
and overwrites it. To keep the data instead, import it into the catalog
('tapewarden catalog rebuild', which comes with the site-loss recovery).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !erase.Confirm {
				return usagef("media erase %s lets the next run destroy what the tape holds; repeat with --confirm (and --reason) if that data may go", args[0])
			}
			if strings.TrimSpace(erase.Reason) == "" {
				return usagef("media erase %s: say why the data on it may go (--reason TEXT)", args[0])
			}
			var ev media.Event
			return show(a, cmd, &ev, func(ctx context.Context, c *client.Client) (media.Event, error) {
				return c.EraseMedia(ctx, args[0], erase)
			}, func(w io.Writer) {
				fmt.Fprintf(w, "%s: what its tape holds is released; the next run that writes it overwrites it (event %d)\n", ev.Barcode, ev.ID)
			})
		},
	}
	eraseCmd.Flags().BoolVar(&erase.Confirm, "confirm", false, "confirm that the data on the tape may be destroyed")
	eraseCmd.Flags().StringVar(&erase.Reason, "reason", "", "why the data may go (required, recorded)")

	cmd.AddCommand(addCmd, listCmd, showCmd, moveCmd, retireCmd, foundCmd, eraseCmd, a.disposeCommand())
	return cmd
}

func printManifest(w io.Writer, m media.Manifest) {
	state := string(m.State)
	if m.Overdue {
		state += " (OVERDUE)"
	}
	fmt.Fprintf(w, "manifest\t%s\n", m.ID)
	fmt.Fprintf(w, "route\t%s -> %s%s\n", m.Origin, m.Destination, ifNotEmpty("/", m.DestinationPlace))
	fmt.Fprintf(w, "state\t%s\n", state)
	fmt.Fprintf(w, "created\t%s by %s\n", when(m.CreatedAt), m.CreatedBy)
	if m.Courier != "" {
		fmt.Fprintf(w, "courier\t%s, picked up %s\n", m.Courier, when(m.PickedUpAt))
	}
	if !m.DeliveredAt.IsZero() {
		fmt.Fprintf(w, "delivered\t%s\n", when(m.DeliveredAt))
	}
	if m.Note != "" {
		fmt.Fprintf(w, "note\t%s\n", m.Note)
	}
	var class2, secret int
	for _, it := range m.Items {
		if it.Class2() {
			class2++
		}
		if it.Confidentiality >= 2 {
			secret++
		}
	}
	if class2 > 0 {
		them := "them"
		if class2 == 1 {
			them = "it"
		}
		advice := "keep " + them + " locked"
		if secret > 0 {
			advice = "carry " + them + " encrypted or in a locked case, and keep " + them + " locked"
		}
		fmt.Fprintf(w, "handling\t%s of CLASS 2: %s\n", rotation.Plural(class2, "cartridge holds data", "cartridges hold data"), advice)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "BARCODE\tSTATUS\tCLASS")
	for _, it := range m.Items {
		fmt.Fprintf(w, "%s\t%s\t%s\n", it.Barcode, it.Status, dash(it.Label()))
	}
	if len(m.Discrepancies) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "DISCREPANCY\tBARCODE\tAT\tKIND\tRESOLUTION")
		for _, d := range m.Discrepancies {
			res := "OPEN: resolve with 'tapewarden manifest resolve " + m.ID + " " + d.Barcode + " --found SITE/PLACE | --lost --note ...'"
			if d.Resolution != "" {
				res = d.Resolution + " by " + d.ResolvedBy + ": " + d.Note
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", d.ID, d.Barcode, d.Phase, d.Kind, res)
		}
	}
}

func ifNotEmpty(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

func (a *app) manifestCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "manifest", Short: "Courier manifests: create, pick up, deliver, resolve"}

	// postManifest posts to a manifest endpoint and prints the manifest
	// answered.
	postManifest := func(cmd *cobra.Command, send func(ctx context.Context, c *client.Client) (media.Manifest, error)) error {
		var m media.Manifest
		return show(a, cmd, &m, send, func(w io.Writer) { printManifest(w, m) })
	}

	var create media.NewManifest
	createCmd := &cobra.Command{
		Use:   "create --to SITE BARCODE...",
		Short: "List cartridges for a courier trip",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			barcodes, err := a.readBarcodes(args)
			if err != nil {
				return err
			}
			if create.Destination == "" {
				return usagef("manifest create: say where to (--to SITE)")
			}
			create.Barcodes = barcodes
			return postManifest(cmd, func(ctx context.Context, c *client.Client) (media.Manifest, error) {
				return c.CreateManifest(ctx, create)
			})
		},
	}
	createCmd.Flags().StringVar(&create.Destination, "to", "", "destination site")
	createCmd.Flags().StringVar(&create.Place, "place", "", "storage place at the destination (default: its safest)")
	createCmd.Flags().StringVar(&create.Note, "note", "", "free text")
	a.addFromPlan(createCmd)

	var state string
	var all bool
	listCmd := &cobra.Command{
		Use:   "list",
		Short: "List manifests (open and in transit unless --all)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := oneOf(cmd, "state", state, []media.ManifestState{media.ManifestOpen, media.ManifestInTransit, media.ManifestDelivered, media.ManifestDeliveredWithDisc, media.ManifestCancelled}); err != nil {
				return err
			}
			q := client.ManifestQuery{State: state, Active: state == "" && !all, Limit: 100}
			var list []media.Manifest
			return show(a, cmd, &list, func(ctx context.Context, c *client.Client) ([]media.Manifest, error) { return c.Manifests(ctx, q) }, func(w io.Writer) {
				fmt.Fprintln(w, "MANIFEST\tROUTE\tSTATE\tCARTRIDGES\tCOURIER\tPICKED UP\tOPEN DISCREPANCIES")
				for _, m := range list {
					st := string(m.State)
					if m.Overdue {
						st += " (OVERDUE)"
					}
					fmt.Fprintf(w, "%s\t%s -> %s\t%s\t%d\t%s\t%s\t%d\n", m.ID, m.Origin, m.Destination, st, len(m.Items), dash(m.Courier), when(m.PickedUpAt), m.OpenDiscrepancies())
				}
			})
		},
	}
	listCmd.Flags().StringVar(&state, "state", "", "only in this state")
	listCmd.Flags().BoolVar(&all, "all", false, "include delivered and cancelled manifests")

	showCmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show a manifest",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var m media.Manifest
			return show(a, cmd, &m, func(ctx context.Context, c *client.Client) (media.Manifest, error) { return c.Manifest(ctx, args[0]) }, func(w io.Writer) { printManifest(w, m) })
		},
	}

	var pickup media.Handover
	pickupCmd := &cobra.Command{
		Use:   "pickup ID --courier NAME BARCODE... (or - to read scanned barcodes from standard input)",
		Short: "Record that a courier took the cartridges, barcode by barcode",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			barcodes, err := a.readBarcodes(args[1:])
			if err != nil {
				return err
			}
			pickup.Barcodes = barcodes
			return postManifest(cmd, func(ctx context.Context, c *client.Client) (media.Manifest, error) {
				return c.Pickup(ctx, args[0], pickup)
			})
		},
	}
	pickupCmd.Flags().StringVar(&pickup.Courier, "courier", "", "the courier's name (required)")
	pickupCmd.Flags().BoolVar(&pickup.AcceptDiscrepancies, "accept-discrepancies", false, "record differences from the manifest instead of refusing")

	var deliver media.Handover
	deliverCmd := &cobra.Command{
		Use:   "deliver ID BARCODE... (or -)",
		Short: "Record that the cartridges arrived, barcode by barcode",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			barcodes, err := a.readBarcodes(args[1:])
			if err != nil {
				return err
			}
			deliver.Barcodes = barcodes
			return postManifest(cmd, func(ctx context.Context, c *client.Client) (media.Manifest, error) {
				return c.Deliver(ctx, args[0], deliver)
			})
		},
	}
	deliverCmd.Flags().StringVar(&deliver.Place, "place", "", "storage place they are filed at (default: the manifest's, or the safest)")
	deliverCmd.Flags().BoolVar(&deliver.AcceptDiscrepancies, "accept-discrepancies", false, "record differences from the manifest instead of refusing")

	var resolve api.ResolveRequest
	resolveCmd := &cobra.Command{
		Use:   "resolve ID BARCODE (--found SITE/PLACE | --lost) --note TEXT",
		Short: "Settle a custody discrepancy",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			resolve.Barcode = args[1]
			return postManifest(cmd, func(ctx context.Context, c *client.Client) (media.Manifest, error) {
				return c.Resolve(ctx, args[0], resolve)
			})
		},
	}
	resolveCmd.Flags().StringVar(&resolve.Found, "found", "", "where the cartridge turned up")
	resolveCmd.Flags().BoolVar(&resolve.Lost, "lost", false, "report the cartridge lost")
	resolveCmd.Flags().StringVar(&resolve.Note, "note", "", "what was done (required for --lost)")

	var cancel api.ReasonRequest
	cancelCmd := &cobra.Command{
		Use:   "cancel ID --reason TEXT",
		Short: "Withdraw a manifest that has not been picked up",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return postManifest(cmd, func(ctx context.Context, c *client.Client) (media.Manifest, error) {
				return c.CancelManifest(ctx, args[0], cancel)
			})
		},
	}
	cancelCmd.Flags().StringVar(&cancel.Reason, "reason", "", "why")

	cmd.AddCommand(createCmd, listCmd, showCmd, pickupCmd, deliverCmd, resolveCmd, cancelCmd, a.courierCodeCommand())
	return cmd
}

func (a *app) auditCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "The audit log and its hash chain"}
	var barcode, manifest, kind string
	var limit, after int
	logCmd := &cobra.Command{
		Use:   "log",
		Short: "Show audit events, newest first (oldest first with --after)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := inRange(cmd, "limit", limit, 1, maxLimit); err != nil {
				return err
			}
			if err := inRange(cmd, "after", after, 0, 1<<31-1); err != nil {
				return err
			}
			q := client.AuditQuery{Barcode: barcode, Manifest: manifest, Kind: kind, Limit: limit, After: int64(after)}
			var events []media.Event
			return show(a, cmd, &events, func(ctx context.Context, c *client.Client) ([]media.Event, error) { return c.Audit(ctx, q) }, func(w io.Writer) { printEvents(w, events) })
		},
	}
	logCmd.Flags().StringVar(&barcode, "barcode", "", "only this cartridge")
	logCmd.Flags().StringVar(&manifest, "manifest", "", "only this manifest")
	logCmd.Flags().StringVar(&kind, "kind", "", "only this kind of event")
	logCmd.Flags().IntVar(&limit, "limit", 50, "at most this many events")
	logCmd.Flags().IntVar(&after, "after", 0, "events after this ID, oldest first")

	var head string
	verifyCmd := &cobra.Command{
		Use:   "verify [--head HASH]",
		Short: "Check the audit hash chain; with --head, that it ends at a hash kept elsewhere",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if head != "" && !media.ValidEventHash(head) {
				return usagef("audit verify --head %q: a head hash is 64 hexadecimal digits, as 'tapewarden audit verify' or a tape's label prints it", head)
			}
			var res media.VerifyResult
			if err := show(a, cmd, &res, func(ctx context.Context, c *client.Client) (media.VerifyResult, error) {
				return c.AuditVerify(ctx, head)
			}, func(w io.Writer) {
				if res.OK {
					fmt.Fprintf(w, "audit chain intact: %d events, head %d %s\n", res.Events, res.HeadID, res.HeadHash)
					fmt.Fprintln(w, "Keep the head hash away from this machine (it is also written to every tape).")
				} else {
					fmt.Fprintf(w, "AUDIT CHAIN BROKEN at event %d: %s\n", res.BrokenAt, res.Problem)
				}
			}); err != nil {
				return err
			}
			if !res.OK {
				return failedError{fmt.Sprintf("audit chain broken at event %d", res.BrokenAt)}
			}
			return nil
		},
	}
	verifyCmd.Flags().StringVar(&head, "head", "", "the head hash recorded earlier")
	cmd.AddCommand(logCmd, verifyCmd)
	return cmd
}

func (a *app) catalogCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "catalog", Short: "The catalog database: consistent copies, rebuild from cartridges"}
	var to string
	var wait bool
	copyCmd := &cobra.Command{
		Use:   "copy --to FILE",
		Short: "Write a consistent copy of the catalog (the daemon writes FILE)",
		Long: `Write a consistent copy of the catalog while the daemon runs: VACUUM INTO a
temporary file, fsync, rename, then SQLite's integrity check of the copy.
FILE is in the copies directory (catalog.copies_dir, default
STATE_DIR/copies), where it may replace an earlier copy, or a new file
anywhere else outside the state directory. Copies are created 0600.
Keep copies, and the audit head hash printed here, away from the machine
room: without the catalog nobody knows which tape holds what.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if to == "" {
				return usagef("catalog copy: say where to (--to FILE)")
			}
			abs, err := filepath.Abs(to)
			if err != nil {
				return err
			}
			return a.startOperation(cmd, wait, func(ctx context.Context, c *client.Client) (media.Operation, error) { return c.CatalogCopy(ctx, abs) },
				func(op media.Operation) error {
					if err := operationFailed(op); err != nil {
						return err
					}
					res, err := client.CopyResult(op)
					if err != nil {
						return err
					}
					return a.print(&res, func(w io.Writer) {
						fmt.Fprintf(w, "catalog copied to %s and checked: %d audit events, head %d %s\n", abs, res.Events, res.HeadID, res.HeadHash)
					})
				})
		},
	}
	copyCmd.Flags().StringVar(&to, "to", "", "the copy's file")
	copyCmd.Flags().BoolVar(&wait, "wait", true, "wait for the copy to end (--wait=false: start it and print its operation ID)")
	cmd.AddCommand(copyCmd, a.catalogRebuildCommand())
	return cmd
}

// copiesLines are the status's lines about the scheduled copies of the
// catalog: the newest, and the newest sent with how the last send went.
func copiesLines(w io.Writer, cc *engine.CopiesState, now time.Time) {
	switch {
	case cc.LastError != "":
		fmt.Fprintf(w, "catalog copy\tLAST COPY FAILED: %s\n", cc.LastError)
	case cc.NewestAt.IsZero():
		fmt.Fprintf(w, "catalog copy\tnone yet in %s\n", cc.Dir)
	}
	if !cc.NewestAt.IsZero() {
		fmt.Fprintf(w, "catalog copy\t%s, made %s (%s ago), %d kept of %d\n", cc.Newest, when(cc.NewestAt), rotation.HumanDuration(now.Sub(cc.NewestAt)), cc.Kept, cc.Keep)
	}
	if !cc.Sending {
		return
	}
	if cc.SentAt.IsZero() {
		fmt.Fprintf(w, "catalog sent\tnever\n")
	} else {
		fmt.Fprintf(w, "catalog sent\t%s, %s (%s ago)\n", filepath.Base(cc.Sent), when(cc.SentAt), rotation.HumanDuration(now.Sub(cc.SentAt)))
	}
	if ls := cc.LastSend; ls != nil && !ls.OK {
		msg := ls.Error
		if ls.Stderr != "" {
			msg += ": " + strings.ReplaceAll(ls.Stderr, "\n", " / ")
		}
		fmt.Fprintf(w, "catalog sent\tLAST SEND FAILED %s: %s\n", when(ls.At), msg)
	}
}

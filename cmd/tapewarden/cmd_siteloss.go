package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/tapewarden/tapewarden/rotation"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tapewarden/tapewarden/daemon/archive"
	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/daemon/recovery"
	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"
)

// The site-loss commands work without the daemon, the catalog and the
// configuration: on a fresh machine with the binary and the cartridges
// that were offsite.

// tapeSourceFlags say where the cartridges are.
type tapeSourceFlags struct {
	images  string
	device  string
	changer string
	drive   int
	// library names a library of the configuration (--config): its
	// changer and drive stand for --changer and --device.
	library string
}

func (s *tapeSourceFlags) add(f *pflag.FlagSet) {
	f.StringVar(&s.images, "images", "", "a directory of virtual cartridge images (*.vtape)")
	f.StringVar(&s.device, "device", "", "a no-rewind tape device (/dev/nstN); alone, you load each cartridge by hand when asked")
	f.StringVar(&s.changer, "changer", "", "a library's changer device (/dev/sgN), with --device naming its drive: every slot is read in turn")
	f.IntVar(&s.drive, "drive", 0, "with --changer: the drive's element number in the changer (mtx numbering, from 0)")
	f.StringVar(&s.library, "library", "", "a library of the configuration (--config): its changer and drive, as --changer and --device")
}

func (s *tapeSourceFlags) source(a *app, what string) (recovery.Source, error) {
	if s.library != "" {
		if s.images != "" || s.changer != "" {
			return nil, usagef("%s: give either --library or --images/--changer, not both", what)
		}
		cfg, err := config.LoadConfig(a.configPath)
		if err != nil {
			return nil, usagef("%s: --library %s is read from the configuration %s, which cannot be used: %v; give --changer /dev/sgN --device /dev/nstN instead", what, s.library, a.configPath, err)
		}
		changer, device, drive, err := libraryDevices(cfg, s.library, s.drive)
		if err != nil {
			return nil, usagef("%s: %v", what, err)
		}
		s.changer, s.drive = changer, drive
		if s.device == "" {
			s.device = device
		}
	}
	switch {
	case s.images != "" && (s.device != "" || s.changer != ""):
		return nil, usagef("%s: give either --images or --device (with --changer for a library), not both", what)
	case s.images != "":
		fi, err := os.Stat(s.images)
		if err != nil || !fi.IsDir() {
			return nil, usagef("%s: --images %s is not a directory; give the directory the cartridge images are in", what, s.images)
		}
		return &recovery.Images{Dir: s.images}, nil
	case s.changer != "" && s.device == "":
		return nil, usagef("%s: --changer needs --device, the no-rewind node of the library's drive", what)
	case s.changer != "":
		return &recovery.Library{Changer: drives.NewMTXChanger(s.changer), Device: s.device, DriveNumber: s.drive, ChangerName: s.changer}, nil
	case s.device != "":
		return &recovery.Standalone{Device: s.device, In: a.in, Out: a.errOut}, nil
	}
	return nil, usagef("%s: say where the cartridges are: --images DIR, --device /dev/nstN, --changer /dev/sgN --device /dev/nstN, or --library NAME", what)
}

// libraryDevices finds library name in cfg: its changer device, and the
// no-rewind device and element number of its drive at element (or, when no
// drive has that element, of its first drive).
func libraryDevices(cfg *config.Config, name string, element int) (changer, device string, drive int, err error) {
	var lib *config.LibraryConfig
	var known []string
	for i := range cfg.Libraries {
		known = append(known, cfg.Libraries[i].Name)
		if cfg.Libraries[i].Name == name {
			lib = &cfg.Libraries[i]
		}
	}
	switch {
	case lib == nil && len(known) == 0:
		return "", "", 0, fmt.Errorf("%s defines no library; give --changer /dev/sgN --device /dev/nstN", cfg.File)
	case lib == nil:
		return "", "", 0, fmt.Errorf("%s has no library %q; its libraries are: %s", cfg.File, name, strings.Join(known, ", "))
	case lib.Type == "virtual":
		return "", "", 0, fmt.Errorf("library %s is virtual: its cartridges are images; give --images %s", name, filepath.Join(cfg.LibraryPath(lib), "cartridges"))
	case len(lib.Drives) == 0:
		return "", "", 0, fmt.Errorf("library %s has no drives in %s; give --changer %s --device /dev/nstN", name, cfg.File, cfg.LibraryPath(lib))
	}
	ld := lib.Drives[0]
	for _, d := range lib.Drives {
		if d.Element == element {
			ld = d
			break
		}
		if d.Element < ld.Element {
			ld = d
		}
	}
	dc := cfg.Drive(ld.Drive)
	if dc == nil {
		return "", "", 0, fmt.Errorf("library %s's drive %s is not among the configured drives of %s", name, ld.Drive, cfg.File)
	}
	return cfg.LibraryPath(lib), cfg.DrivePath(dc), ld.Element, nil
}

// interruptible returns a context that Ctrl-C or SIGTERM cancels.
func interruptible(cmd *cobra.Command) (context.Context, context.CancelFunc) {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}

// localActor names the person at the terminal.
func localActor() media.Actor {
	name := "root"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	return media.Actor{Name: name, Role: "operator"}
}

// stateDirFor is --state-dir, or the configuration's if it still exists,
// or the default.
func (a *app) stateDirFor(flag string) string {
	if flag != "" {
		return flag
	}
	if cfg, err := config.LoadConfig(a.configPath); err == nil {
		return cfg.StateDir
	}
	return "/var/lib/tapewarden"
}

func (a *app) catalogRebuildCommand() *cobra.Command {
	var src tapeSourceFlags
	var stateDir, identity string
	var pf passphraseFlag
	cmd := &cobra.Command{
		Use:   "rebuild (--images DIR | --device DEV [--changer DEV] | --library NAME) [--state-dir DIR] [--identity FILE]",
		Short: "Rebuild the catalog from cartridges alone (offline: no daemon, no catalog)",
		Long: `For the day the machine room is gone. Reads every cartridge's label,
trailers and catalog file, starts from the newest catalog copy that verifies
(its SHA-256, and its audit chain against the heads the trailers carry),
falls back to an older one when the newest is missing or damaged, and adds
what the trailers prove that the copy does not know (runs written after
it). Without any catalog file on the tapes it rebuilds from labels and
trailers alone.

The new catalog goes to STATE_DIR/catalog.db (an existing one is never
replaced); the configuration found on the tapes to
STATE_DIR/tapewarden.yaml.from-tape. Cartridges the catalog expected but
that were not read are listed, not marked lost. The audit chain continues
with a 'rebuilt' event; 'tapewarden audit verify --head HASH' with the head
printed here passes once the daemon runs on the new catalog.

The catalog file of an encrypted pool is encrypted to the pool's recipients:
give --identity FILE (an age identity file, in the clear or protected by a
passphrase, which is asked for) to open it. Without it the rebuild still
reads labels and trailers, says which recipients can open the catalog files,
and rebuilds from the trailers alone.

Ctrl-C stops it and leaves no catalog behind.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			source, err := src.source(a, "catalog rebuild")
			if err != nil {
				return err
			}
			ids, err := a.optionalIdentities(identity, pf, "catalog rebuild")
			if err != nil {
				return err
			}
			ctx, stop := interruptible(cmd)
			defer stop()
			start := time.Now()
			dir := a.stateDirFor(stateDir)
			rep, err := recovery.Rebuild(ctx, recovery.RebuildOptions{Source: source, StateDir: dir, Progress: a.errOut, Actor: localActor(), Identities: ids})
			if errors.Is(err, context.Canceled) {
				return fmt.Errorf("interrupted: no catalog was written to %s", dir)
			}
			if errors.Is(err, recovery.ErrCatalogExists) {
				return usageError{err}
			}
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.printJSON(rep)
			}
			printRebuild(a, rep, time.Since(start))
			return nil
		},
	}
	src.add(cmd.Flags())
	cmd.Flags().StringVar(&stateDir, "state-dir", "", "where the catalog goes (default: the configuration's state directory, else /var/lib/tapewarden)")
	cmd.Flags().StringVar(&identity, "identity", "", "an age identity FILE (mode 0600, in the clear or passphrase-protected) that opens encrypted catalog files")
	pf.add(cmd.Flags())
	return cmd
}

func printRebuild(a *app, rep recovery.RebuildReport, took time.Duration) {
	w := a.out
	fmt.Fprintf(w, "catalog rebuilt: %s (in %s)\n", rep.Path, took.Round(time.Second))
	fmt.Fprintf(w, "cartridges read:        %d (%s)\n", len(rep.Cartridges), strings.Join(rep.Cartridges, ", "))
	if rep.CatalogFrom != "" {
		fmt.Fprintf(w, "started from:           %s\n", rep.CatalogFrom)
	} else {
		fmt.Fprintln(w, "started from:           nothing: no usable catalog file; rebuilt from labels and trailers alone")
	}
	for _, r := range rep.Rejected {
		fmt.Fprintf(w, "not used:               %s\n", r)
	}
	if len(rep.Encrypted) > 0 {
		fmt.Fprintf(w, "encrypted:              catalog files encrypted with age to the recipients with fingerprints %s were not opened;\n"+
			"                        run the rebuild again (into an empty state directory) with --identity FILE of one of them to start from the full catalog\n",
			strings.Join(rep.Encrypted, ", "))
	}
	fmt.Fprintf(w, "runs from the copy:     %d\n", rep.RunsFromCopy)
	fmt.Fprintf(w, "runs from trailers:     %d finished, %d added\n", len(rep.RunsFinished), len(rep.RunsAdded))
	for _, r := range append(append([]string{}, rep.RunsFinished...), rep.RunsAdded...) {
		fmt.Fprintf(w, "  %s\n", r)
	}
	for _, r := range rep.Incomplete {
		fmt.Fprintf(w, "incomplete:             %s\n", r)
	}
	for _, c := range rep.Conflicts {
		fmt.Fprintf(w, "CONFLICT:               %s\n", c)
	}
	for _, c := range rep.Added {
		fmt.Fprintf(w, "added (unknown before): %s\n", c)
	}
	if len(rep.Expected) > 0 {
		fmt.Fprintf(w, "expected, not read:     %s (not marked lost; mark them with 'tapewarden media' once you know)\n", rotation.Plural(len(rep.Expected), "cartridge"))
		for _, c := range rep.Expected {
			fmt.Fprintf(w, "  %s\n", c)
		}
	}
	fmt.Fprintf(w, "catalog identity:       %s\n", rep.Catalog.UUID)
	fmt.Fprintf(w, "audit head from tapes:  %d %s (verified)\n", rep.TapeHead.ID, rep.TapeHead.Hash)
	fmt.Fprintf(w, "audit head now:         %d %s (the rebuilt event)\n", rep.Head.ID, rep.Head.Hash)
	if rep.ConfigPath != "" {
		fmt.Fprintf(w, "configuration:          %s (check it, then install it as %s)\n", rep.ConfigPath, config.DefaultConfigPath)
	}
	if len(rep.Systems) > 0 {
		var names []string
		for _, s := range rep.Systems {
			names = append(names, s.Name)
		}
		fmt.Fprintf(w, "restore order:          %s\n", strings.Join(names, ", "))
	}
}

// restoreFromTape is 'tapewarden restore --from-tape'.
func (a *app) restoreFromTape(cmd *cobra.Command, src *tapeSourceFlags, system, job, to string, overwrite bool, identity string, pf passphraseFlag) error {
	if job != "" {
		return usagef("restore --from-tape: name a --system (or none for all); jobs are restored with their system")
	}
	if to == "" {
		return usagef("restore --from-tape: say where to (--to DIR)")
	}
	source, err := src.source(a, "restore --from-tape")
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(to)
	if err != nil {
		return err
	}
	ids, err := a.optionalIdentities(identity, pf, "restore --from-tape")
	if err != nil {
		return err
	}
	ctx, stop := interruptible(cmd)
	defer stop()
	res, err := recovery.RestoreFromTape(ctx, recovery.RestoreOptions{Source: source, To: abs, System: system, Overwrite: overwrite, Progress: a.errOut, Identities: ids})
	if a.jsonOut && err == nil {
		return a.printJSON(res)
	}
	for _, j := range res {
		fmt.Fprintf(a.out, "restored %s (system %s) from run %s, generation %s, into %s: %d members, %d bytes from %s; checksum verified: %v\n",
			j.Job, j.System, j.RunID, j.Generation, j.Dir, j.Members, j.Bytes, strings.Join(j.Cartridges, ", "), j.Verified)
	}
	return err
}

// optionalIdentities reads --identity FILE for an offline command, which
// uses it here and sends it nowhere; none without the flag.
func (a *app) optionalIdentities(path string, pf passphraseFlag, what string) (archive.Identities, error) {
	if path == "" {
		if pf.fd >= 0 {
			return archive.Identities{}, usagef("%s: --passphrase-fd goes with --identity FILE", what)
		}
		return archive.Identities{}, nil
	}
	text, ids, err := a.identityText(path, pf)
	clear(text)
	return ids, err
}

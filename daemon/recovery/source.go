package recovery

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tapewarden/tapewarden/drives"
)

// Source is where the cartridges are: a directory of virtual cartridge
// images, a standalone drive loaded by a person, or a library's drive.
type Source interface {
	// Each gets every cartridge in turn into a drive and calls fn with
	// the open drive; fn must not keep it. A standalone drive asks the
	// person for the next cartridge until they say there is none.
	Each(ctx context.Context, fn func(d drives.Drive) error) error
	// Load gets the cartridge with barcode into a drive and returns the
	// open drive; the caller closes it. The label is checked.
	Load(ctx context.Context, barcode string) (drives.Drive, error)
	// Name says what the source is, for messages.
	Name() string
}

// ErrNotHere says a cartridge is not in the source.
var ErrNotHere = errors.New("recovery: the cartridge is not among the sources")

// Images is a directory of virtual cartridge images (*.vtape).
type Images struct {
	Dir   string
	paths map[string]string // barcode → image
}

// Name implements Source.
func (s *Images) Name() string { return "images in " + s.Dir }

func (s *Images) list() ([]string, error) {
	ents, err := os.ReadDir(s.Dir)
	if err != nil {
		return nil, fmt.Errorf("read the image directory: %w", err)
	}
	var out []string
	for _, e := range ents {
		p := filepath.Join(s.Dir, e.Name())
		if e.Type().IsRegular() && drives.IsCartridgeImage(p) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no virtual cartridge images (files ending in .vtape); give the directory the images were copied to", s.Dir)
	}
	return out, nil
}

// Each implements Source.
func (s *Images) Each(ctx context.Context, fn func(d drives.Drive) error) error {
	paths, err := s.list()
	if err != nil {
		return err
	}
	s.paths = map[string]string{}
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		info, err := drives.ReadCartridgeInfo(p)
		if err != nil || info.Cleaning() {
			continue
		}
		s.paths[info.Barcode] = p
		d, err := drives.Open(p)
		if err != nil {
			return err
		}
		err = fn(d)
		_ = d.Close() // reading only: the close writes nothing to tape
		if err != nil {
			return err
		}
	}
	return nil
}

// Load implements Source.
func (s *Images) Load(ctx context.Context, barcode string) (drives.Drive, error) {
	if s.paths == nil {
		paths, err := s.list()
		if err != nil {
			return nil, err
		}
		s.paths = map[string]string{}
		for _, p := range paths {
			if info, err := drives.ReadCartridgeInfo(p); err == nil {
				s.paths[info.Barcode] = p
			}
		}
	}
	p, ok := s.paths[barcode]
	if !ok {
		return nil, fmt.Errorf("%w: no image of %s in %s", ErrNotHere, barcode, s.Dir)
	}
	d, err := drives.Open(p)
	if err != nil {
		return nil, err
	}
	if _, err := drives.VerifyLabel(ctx, d, barcode); err != nil {
		_ = d.Close() // reading only: the close writes nothing to tape
		return nil, err
	}
	return d, nil
}

// Standalone is one drive a person loads by hand. Ask asks them a
// question on the terminal and returns the answer line.
type Standalone struct {
	Device string
	In     io.Reader
	Out    io.Writer
	in     *bufio.Reader
}

// Name implements Source.
func (s *Standalone) Name() string { return "drive " + s.Device }

func (s *Standalone) ask(prompt string) (string, error) {
	if s.in == nil {
		s.in = bufio.NewReader(s.In)
	}
	fmt.Fprint(s.Out, prompt)
	line, err := s.in.ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("no answer on the terminal: %w", err)
	}
	return strings.TrimSpace(line), nil
}

// Each implements Source: it asks for one cartridge after another until
// the person answers "done".
func (s *Standalone) Each(ctx context.Context, fn func(d drives.Drive) error) error {
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		ans, err := s.ask(fmt.Sprintf("Load cartridge %d into %s and press Enter (type done when every cartridge was read): ", n, s.Device))
		if err != nil {
			return err
		}
		if strings.EqualFold(ans, "done") {
			return nil
		}
		d, err := drives.Open(s.Device)
		if err != nil {
			return err
		}
		err = fn(d)
		if uerr := d.Unload(ctx); uerr != nil && err == nil {
			fmt.Fprintf(s.Out, "could not eject the cartridge (%v); take it out by hand\n", uerr)
		}
		_ = d.Close() // reading only: the close writes nothing to tape
		if err != nil {
			return err
		}
	}
}

// Load implements Source: it asks for the cartridge and checks its label,
// asking again when another one was loaded.
func (s *Standalone) Load(ctx context.Context, barcode string) (drives.Drive, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ans, err := s.ask(fmt.Sprintf("Load %s into %s and press Enter (type skip if you do not have it): ", barcode, s.Device))
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(ans, "skip") {
			return nil, fmt.Errorf("%w: %s was skipped", ErrNotHere, barcode)
		}
		d, err := drives.Open(s.Device)
		if err != nil {
			return nil, err
		}
		if _, err := drives.VerifyLabel(ctx, d, barcode); err != nil {
			_ = d.Unload(ctx) // the wrong cartridge: the refusal says so; a person can take it out
			_ = d.Close()     // reading only
			fmt.Fprintf(s.Out, "that is not %s: %v\n", barcode, err)
			continue
		}
		return d, nil
	}
}

// Library is a changer and one of its drives: every full storage slot is
// loaded in turn.
type Library struct {
	Changer     drives.Changer
	Device      string // the drive's no-rewind node
	DriveNumber int    // the drive's element number in the changer
	ChangerName string
	// Open opens the drive; nil opens Device.
	Open func() (drives.Drive, error)
}

func (s *Library) open() (drives.Drive, error) {
	if s.Open != nil {
		return s.Open()
	}
	return drives.Open(s.Device)
}

// Name implements Source.
func (s *Library) Name() string { return "library " + s.ChangerName + " drive " + s.Device }

func (s *Library) withSlot(ctx context.Context, slot int, fn func(d drives.Drive) error) error {
	if err := s.Changer.Load(ctx, slot, s.DriveNumber); err != nil {
		return fmt.Errorf("load slot %d into drive %d: %w", slot, s.DriveNumber, err)
	}
	d, err := s.open()
	if err != nil {
		return err
	}
	err = fn(d)
	_ = d.Unload(ctx) // best effort: the cartridge was read; a person can take it out
	_ = d.Close()     // reading only
	if uerr := s.Changer.Unload(ctx, s.DriveNumber, slot); uerr != nil && err == nil {
		err = fmt.Errorf("put the cartridge back into slot %d: %w", slot, uerr)
	}
	return err
}

// Each implements Source.
func (s *Library) Each(ctx context.Context, fn func(d drives.Drive) error) error {
	inv, err := s.Changer.Inventory(ctx)
	if err != nil {
		return err
	}
	if de, ok := inv.Drive(s.DriveNumber); ok && de.Full {
		return fmt.Errorf("drive %d of %s holds a cartridge; unload it into its slot first", s.DriveNumber, s.ChangerName)
	}
	for _, sl := range inv.Slots {
		if !sl.Full || sl.ImportExport || strings.HasPrefix(sl.Barcode, "CLN") {
			continue
		}
		if err := s.withSlot(ctx, sl.Number, fn); err != nil {
			return err
		}
	}
	return nil
}

// Load implements Source. The caller closes the drive; the cartridge
// stays in it (the next Load puts it back first).
func (s *Library) Load(ctx context.Context, barcode string) (drives.Drive, error) {
	inv, err := s.Changer.Inventory(ctx)
	if err != nil {
		return nil, err
	}
	if de, ok := inv.Drive(s.DriveNumber); ok && de.Full {
		if de.Barcode != barcode {
			if d, err := s.open(); err == nil {
				_ = d.Unload(ctx) // best effort: the cartridge was read; a person can take it out
				_ = d.Close()     // reading only
			}
			if err := s.Changer.Unload(ctx, s.DriveNumber, de.SourceSlot); err != nil {
				return nil, err
			}
			inv, err = s.Changer.Inventory(ctx)
			if err != nil {
				return nil, err
			}
		}
	}
	if de, ok := inv.Drive(s.DriveNumber); !ok || !de.Full {
		loc, ok := inv.Find(barcode)
		if !ok || loc.InDrive {
			return nil, fmt.Errorf("%w: %s is not in %s", ErrNotHere, barcode, s.ChangerName)
		}
		if err := s.Changer.Load(ctx, loc.Number, s.DriveNumber); err != nil {
			return nil, err
		}
	}
	d, err := s.open()
	if err != nil {
		return nil, err
	}
	if _, err := drives.VerifyLabel(ctx, d, barcode); err != nil {
		_ = d.Close() // reading only: the close writes nothing to tape
		return nil, err
	}
	return d, nil
}

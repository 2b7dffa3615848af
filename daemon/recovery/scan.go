package recovery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/tapewarden/tapewarden/drives"
)

// maxScanFiles bounds how many tape files a cartridge is read for.
const maxScanFiles = 20000

// Cartridge is what one cartridge's label and trailers say.
type Cartridge struct {
	Label drives.Label
	// Trailers are the data trailers in tape order; Catalogs the trailers
	// of catalog files (on a tape written as designed, one, the last).
	Trailers []drives.Trailer
	Catalogs []drives.Trailer
	// Files counts the tape files after the label.
	Files     int
	Truncated bool
}

// ReadCartridge reads a cartridge's label and every trailer on it.
func ReadCartridge(ctx context.Context, d drives.Drive) (Cartridge, error) {
	l, err := drives.ReadLabel(ctx, d)
	if err != nil {
		return Cartridge{}, err
	}
	c := Cartridge{Label: l}
	contents, err := drives.ScanTrailers(ctx, d, maxScanFiles)
	if err != nil {
		return c, fmt.Errorf("read the trailers of %s: %w", l.Barcode, err)
	}
	c.Files, c.Truncated = contents.Files, contents.Truncated
	for _, t := range contents.Trailers {
		if t.Barcode != l.Barcode {
			continue // a trailer copied from elsewhere does not describe this tape
		}
		if t.IsCatalog() {
			c.Catalogs = append(c.Catalogs, t)
		} else {
			c.Trailers = append(c.Trailers, t)
		}
	}
	return c, nil
}

// TapeRun is one run as the trailers on the cartridges read show it.
type TapeRun struct {
	CatalogUUID string
	RunID       string
	Job         string
	System      string
	Pool        string
	Generation  string
	Level       string
	// Pieces are the pieces' trailers, by piece number from 1; a piece
	// not seen is a zero Trailer.
	Pieces      []drives.Trailer
	TotalBytes  int64
	TotalSHA256 string
	Start, End  time.Time
	// Complete says every piece was seen and the last carries the
	// stream's total SHA-256; Missing says what is not, if not.
	Complete bool
	Missing  string
}

// Barcodes lists the cartridges of the run's pieces in order.
func (r TapeRun) Barcodes() []string {
	var out []string
	for _, p := range r.Pieces {
		if p.Barcode != "" && (len(out) == 0 || out[len(out)-1] != p.Barcode) {
			out = append(out, p.Barcode)
		}
	}
	return out
}

// Describe names the run for people.
func (r TapeRun) Describe() string {
	return fmt.Sprintf("job %s run %s generation %s (%s)", r.Job, r.RunID, r.Generation, r.Start.Local().Format(time.DateTime))
}

// Runs groups the data trailers of the cartridges into runs, oldest first.
func Runs(carts []Cartridge) []TapeRun {
	type key struct{ cat, run, job string }
	byKey := map[key]*TapeRun{}
	var order []key
	for _, c := range carts {
		for _, t := range c.Trailers {
			k := key{t.CatalogUUID, t.RunID, t.Job}
			r, ok := byKey[k]
			if !ok {
				r = &TapeRun{CatalogUUID: t.CatalogUUID, RunID: t.RunID, Job: t.Job, System: t.System, Pool: t.Pool,
					Generation: t.Generation, Level: t.Level, Start: t.Start}
				byKey[k] = r
				order = append(order, k)
			}
			for len(r.Pieces) < t.Piece {
				r.Pieces = append(r.Pieces, drives.Trailer{})
			}
			if r.Pieces[t.Piece-1].Barcode == "" {
				r.Pieces[t.Piece-1] = t
			}
			if t.End.After(r.End) {
				r.End = t.End
			}
		}
	}
	var out []TapeRun
	for _, k := range order {
		r := byKey[k]
		r.Complete, r.Missing = true, ""
		last := r.Pieces[len(r.Pieces)-1]
		switch {
		case last.Barcode == "" || last.Continued || last.TotalSHA256 == "":
			r.Complete, r.Missing = false, fmt.Sprintf("the piece after piece %d was not seen", len(r.Pieces))
		default:
			r.TotalBytes, r.TotalSHA256 = last.TotalBytes, last.TotalSHA256
			var sum int64
			for i, p := range r.Pieces {
				if p.Barcode == "" {
					r.Complete, r.Missing = false, fmt.Sprintf("piece %d of %d was not seen", i+1, len(r.Pieces))
					break
				}
				sum += p.Bytes
			}
			if r.Complete && sum != r.TotalBytes {
				r.Complete, r.Missing = false, fmt.Sprintf("its pieces hold %d bytes but the last trailer says %d", sum, r.TotalBytes)
			}
		}
		out = append(out, *r)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

// runNumber is a trailer's run ID as a number (0 if it is not one).
func runNumber(id string) int64 {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n < 1 {
		return 0
	}
	return n
}

// readAll reads every cartridge of the source, printing a line for each.
// With each set it is called for every cartridge while it is loaded.
func readAll(ctx context.Context, src Source, progress io.Writer, each func(d drives.Drive, c Cartridge) string) ([]Cartridge, error) {
	var carts []Cartridge
	seen := map[string]bool{}
	err := src.Each(ctx, func(d drives.Drive) error {
		c, err := ReadCartridge(ctx, d)
		switch {
		case errors.Is(err, drives.ErrBlankTape), errors.Is(err, drives.ErrNotLabelled), errors.Is(err, drives.ErrBadLabel):
			fmt.Fprintf(progress, "%s: skipped, not a tapewarden cartridge (%v)\n", d.Name(), err)
			return nil
		case err != nil:
			return err
		}
		if seen[c.Label.Barcode] {
			fmt.Fprintf(progress, "%s: read before, skipped\n", c.Label.Barcode)
			return nil
		}
		seen[c.Label.Barcode] = true
		line := fmt.Sprintf("%s: pool %s, %d tape files, %d trailers", c.Label.Barcode, c.Label.Pool, c.Files, len(c.Trailers))
		if len(c.Catalogs) > 0 {
			last := c.Catalogs[len(c.Catalogs)-1]
			line += fmt.Sprintf(", catalog file in tape file %d (audit chain head %d, written %s)", last.DataFile, last.ChainHeadID, last.End.Local().Format(time.DateTime))
		} else {
			line += ", no catalog file"
		}
		if c.Truncated {
			line += fmt.Sprintf(", more than %d files: read only the first", maxScanFiles)
		}
		if each != nil {
			if more := each(d, c); more != "" {
				line += "; " + more
			}
		}
		fmt.Fprintln(progress, line)
		carts = append(carts, c)
		return nil
	})
	return carts, err
}

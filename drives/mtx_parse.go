package drives

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var (
	reMTXHeader = regexp.MustCompile(`^\s*Storage Changer (.*):\s*(\d+) Drives, (\d+) Slots \( (\d+) Import/Export \)\s*$`)
	reMTXDrive  = regexp.MustCompile(`^Data Transfer Element\s*(\d+)\s*:\s*(Empty|Full \((?:Storage Element\s*(\d+)|Unknown Storage Element) Loaded\))(.*)$`)
	reMTXSlot   = regexp.MustCompile(`^\s+Storage Element\s*(\d+)( IMPORT/EXPORT)?\s*:\s*(Full|Empty)(.*)$`)
	reMTXTags   = regexp.MustCompile(`^\s*(?::VolumeTag\s*=\s*(.*?))?(?::AlternateVolumeTag\s*=\s*(.*?))?\s*$`)
)

// ParseMTXStatus parses the output of `mtx status` (mtx 1.3.12 and the
// forms described in changers-mtx.md): with or without barcodes, "Full "
// with no tag, import/export slots, loaded drives with a source slot or
// "Unknown Storage Element Loaded", ":VolumeTag = " on drives and
// ":VolumeTag=" on slots, alternate tags, device names containing ':', and
// forks printing "Data Transfer Element 0  :". Lines that fit none of the
// forms (stderr mixed in with 2>&1) are skipped. Tags are right-trimmed.
//
// It fails if there is no header, or if the element lines do not match the
// counts the header announces (a truncated output).
func ParseMTXStatus(out string) (Inventory, error) {
	var inv Inventory
	header := false
	var nDrives, nSlots, nIE int
	seenD := map[int]bool{}
	seenS := map[int]bool{}
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if m := reMTXHeader.FindStringSubmatch(line); m != nil {
			if header {
				return Inventory{}, fmt.Errorf("drives: mtx status: two headers")
			}
			header = true
			inv.Device = m[1]
			nDrives, _ = strconv.Atoi(m[2])
			nSlots, _ = strconv.Atoi(m[3])
			nIE, _ = strconv.Atoi(m[4])
			continue
		}
		if m := reMTXDrive.FindStringSubmatch(line); m != nil {
			tags := reMTXTags.FindStringSubmatch(m[4])
			if tags == nil {
				continue
			}
			n, err := strconv.Atoi(m[1])
			if err != nil || seenD[n] {
				return Inventory{}, fmt.Errorf("drives: mtx status: bad or repeated drive number in %q", truncate(line, 80))
			}
			seenD[n] = true
			d := DriveElement{Number: n, Full: m[2] != "Empty"}
			if m[3] != "" {
				d.SourceSlot, _ = strconv.Atoi(m[3])
			}
			d.Barcode = strings.TrimRight(tags[1], " \t")
			d.AltBarcode = strings.TrimRight(tags[2], " \t")
			inv.Drives = append(inv.Drives, d)
			continue
		}
		if m := reMTXSlot.FindStringSubmatch(line); m != nil {
			tags := reMTXTags.FindStringSubmatch(m[4])
			if tags == nil {
				continue
			}
			n, err := strconv.Atoi(m[1])
			if err != nil || seenS[n] {
				return Inventory{}, fmt.Errorf("drives: mtx status: bad or repeated slot number in %q", truncate(line, 80))
			}
			seenS[n] = true
			inv.Slots = append(inv.Slots, SlotElement{
				Number:       n,
				Full:         m[3] == "Full",
				ImportExport: m[2] != "",
				Barcode:      strings.TrimRight(tags[1], " \t"),
				AltBarcode:   strings.TrimRight(tags[2], " \t"),
			})
		}
	}
	switch {
	case !header:
		return Inventory{}, fmt.Errorf("drives: mtx status: no \"Storage Changer\" header in output")
	case len(inv.Drives) != nDrives:
		return Inventory{}, fmt.Errorf("drives: mtx status: header announces %d drives, output lists %d", nDrives, len(inv.Drives))
	case len(inv.Slots) != nSlots:
		return Inventory{}, fmt.Errorf("drives: mtx status: header announces %d slots, output lists %d", nSlots, len(inv.Slots))
	case inv.ImportExportCount() != nIE:
		return Inventory{}, fmt.Errorf("drives: mtx status: header announces %d import/export slots, output lists %d", nIE, inv.ImportExportCount())
	}
	return inv, nil
}

// FormatMTXStatus renders an inventory exactly as mtx 1.3.12 prints it
// (without the tag padding). The virtual library and tests use it.
func FormatMTXStatus(inv Inventory) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  Storage Changer %s:%d Drives, %d Slots ( %d Import/Export )\n", inv.Device, len(inv.Drives), len(inv.Slots), inv.ImportExportCount())
	for _, d := range inv.Drives {
		fmt.Fprintf(&b, "Data Transfer Element %d:", d.Number)
		switch {
		case !d.Full:
			b.WriteString("Empty")
		case d.SourceSlot > 0:
			fmt.Fprintf(&b, "Full (Storage Element %d Loaded)", d.SourceSlot)
		default:
			b.WriteString("Full (Unknown Storage Element Loaded)")
		}
		if d.Barcode != "" {
			fmt.Fprintf(&b, ":VolumeTag = %s", d.Barcode)
		}
		if d.AltBarcode != "" {
			fmt.Fprintf(&b, ":AlternateVolumeTag = %s", d.AltBarcode)
		}
		b.WriteString("\n")
	}
	for _, s := range inv.Slots {
		fmt.Fprintf(&b, "      Storage Element %d", s.Number)
		if s.ImportExport {
			b.WriteString(" IMPORT/EXPORT")
		}
		if s.Full {
			b.WriteString(":Full ")
		} else {
			b.WriteString(":Empty")
		}
		if s.Barcode != "" {
			fmt.Fprintf(&b, ":VolumeTag=%s", s.Barcode)
		}
		if s.AltBarcode != "" {
			fmt.Fprintf(&b, ":AlternateVolumeTag=%s", s.AltBarcode)
		}
		b.WriteString("\n")
	}
	return b.String()
}

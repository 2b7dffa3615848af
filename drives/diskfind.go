package drives

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Disk is a removable disk a directory drive found mounted.
type Disk struct {
	// Root is where the disk is mounted (a plain directory for a
	// DirFinder).
	Root string
	// ID tells this disk from another put in its place: its file system
	// UUID, or its device and label, or the directory's inode.
	ID string
	// Label and UUID are the file system's, where known; Device is the
	// block device node.
	Label, UUID, Device string
	// ReadOnly is set when the disk is mounted read-only.
	ReadOnly bool
}

// DiskFinder finds the removable disk a directory drive writes to. Find
// returns an error matching ErrNoMedium, saying why, when no disk is
// there to use, and ErrSeveralDisks when more than one is. A disk whose
// ID is ejected (the drive ejected it) is returned, with an empty Root if
// it is not mounted, but never mounted again: the person is taking it
// out.
type DiskFinder interface {
	Find(ctx context.Context, ejected string) (Disk, error)
	// Where says where the finder looks, for messages.
	Where() string
}

// DirFinder takes a plain directory for the mounted disk: the directory
// existing means a disk is in; another directory renamed into its place
// is another disk. Tests and the demo use it; so can a site whose disks
// an automounter always mounts at one place.
type DirFinder struct {
	Dir string
}

// Find returns the directory as a disk, or ErrNoMedium when it does not
// exist.
func (f DirFinder) Find(context.Context, string) (Disk, error) {
	fi, err := os.Stat(f.Dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Disk{}, detail(ErrNoMedium, "no disk is mounted at %s", f.Dir)
	case err != nil:
		return Disk{}, detail(ErrIO, "%v", err)
	case !fi.IsDir():
		return Disk{}, detail(ErrNoMedium, "%s is not a directory", f.Dir)
	}
	return Disk{Root: f.Dir, ID: "dir:" + fileIdentity(fi)}, nil
}

// describe names a disk in messages: its label, UUID or mount point.
func (d Disk) describe() string {
	switch {
	case d.Label != "":
		return d.Label
	case d.UUID != "":
		return "UUID " + d.UUID
	case d.Root != "":
		return "at " + d.Root
	}
	return d.Device
}

// Where names the directory.
func (f DirFinder) Where() string { return f.Dir }

// MountFinder finds a disk by its file system label or UUID under
// /dev/disk/by-label and /dev/disk/by-uuid (udev's links) and its mount
// point in /proc/self/mountinfo. A disk that is attached but not mounted
// is mounted with MountCommand when one is set.
type MountFinder struct {
	// Label is a shell pattern (path.Match) of file system labels, e.g.
	// "TWUSB*"; UUIDs lists file system UUIDs. At least one is set.
	Label string
	UUIDs []string
	// MountCommand, if set, is run (argv, no shell) to mount an attached
	// disk: {device}, {label} and {uuid} in its arguments are replaced.
	MountCommand []string
	// DevDir and MountInfo default to /dev/disk and /proc/self/mountinfo.
	DevDir, MountInfo string
	// Timeout bounds the mount command (default one minute).
	Timeout time.Duration
}

// Where describes what the finder looks for.
func (f MountFinder) Where() string {
	var parts []string
	if f.Label != "" {
		parts = append(parts, "a disk labelled "+f.Label)
	}
	if len(f.UUIDs) > 0 {
		parts = append(parts, "a disk with UUID "+strings.Join(f.UUIDs, " or "))
	}
	return strings.Join(parts, " or ")
}

type attached struct {
	device, label, uuid string
}

// Find looks for the disk.
func (f MountFinder) Find(ctx context.Context, ejected string) (Disk, error) {
	devDir := f.DevDir
	if devDir == "" {
		devDir = "/dev/disk"
	}
	byDev := map[string]*attached{}
	var order []string
	add := func(dev string) *attached {
		a := byDev[dev]
		if a == nil {
			a = &attached{device: dev}
			byDev[dev] = a
			order = append(order, dev)
		}
		return a
	}
	labels, err := readLinks(filepath.Join(devDir, "by-label"))
	if err != nil {
		return Disk{}, err
	}
	uuids, err := readLinks(filepath.Join(devDir, "by-uuid"))
	if err != nil {
		return Disk{}, err
	}
	if f.Label != "" {
		for name, dev := range labels {
			if ok, _ := path.Match(f.Label, name); ok {
				add(dev).label = name
			}
		}
	}
	for _, u := range f.UUIDs {
		for name, dev := range uuids {
			if strings.EqualFold(name, u) {
				add(dev).uuid = name
			}
		}
	}
	sort.Strings(order)
	switch len(order) {
	case 0:
		return Disk{}, detail(ErrNoMedium, "%s is not attached (nothing matches in %s)", f.Where(), devDir)
	case 1:
	default:
		var names []string
		for _, dev := range order {
			names = append(names, byDev[dev].describe())
		}
		return Disk{}, detail(ErrSeveralDisks, "%s are attached; take out all but the one asked for", strings.Join(names, " and "))
	}
	a := byDev[order[0]]
	for name, dev := range labels {
		if dev == a.device && a.label == "" {
			a.label = name
		}
	}
	for name, dev := range uuids {
		if dev == a.device && a.uuid == "" {
			a.uuid = name
		}
	}
	d, found, err := f.mounted(a)
	if err != nil || found {
		return d, err
	}
	if a.id() == ejected {
		return Disk{ID: ejected, Label: a.label, UUID: a.uuid, Device: a.device}, nil
	}
	if len(f.MountCommand) == 0 {
		return Disk{}, detail(ErrNoMedium, "%s is attached but not mounted: mount it (for example 'udisksctl mount -b %s') or configure mount_command", a.describe(), a.device)
	}
	if err := f.mount(ctx, a); err != nil {
		return Disk{}, err
	}
	d, found, err = f.mounted(a)
	if err != nil || found {
		return d, err
	}
	return Disk{}, detail(ErrNoMedium, "%s is still not mounted after %s", a.describe(), strings.Join(f.MountCommand, " "))
}

// id tells the disk from another: its UUID, else its device and label.
func (a *attached) id() string {
	if a.uuid != "" {
		return "uuid:" + a.uuid
	}
	return "device:" + a.device + ":" + a.label
}

func (a *attached) describe() string {
	switch {
	case a.label != "":
		return fmt.Sprintf("disk %s (%s)", a.label, a.device)
	case a.uuid != "":
		return fmt.Sprintf("disk UUID %s (%s)", a.uuid, a.device)
	}
	return "disk " + a.device
}

// readLinks maps the decoded names of udev's links in dir to the device
// nodes they point to. A missing directory holds no disks.
func readLinks(dir string) (map[string]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, detail(ErrIO, "%v", err)
	}
	out := map[string]string{}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		dev, err := filepath.EvalSymlinks(p)
		if err != nil {
			continue // a link udev is replacing
		}
		out[unescapeUdev(e.Name())] = dev
	}
	return out, nil
}

// unescapeUdev decodes udev's \xHH escapes ("My\x20Disk").
func unescapeUdev(s string) string {
	if !strings.Contains(s, `\x`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			if v, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mountEntry is one line of /proc/self/mountinfo.
type mountEntry struct {
	devNum, root, point, source string
	readOnly                    bool
}

// parseMountInfo reads mountinfo lines: "ID PARENT MAJ:MIN ROOT POINT
// OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS".
func parseMountInfo(data []byte) []mountEntry {
	var out []mountEntry
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		sep := -1
		for i, f := range fields {
			if f == "-" && i >= 6 {
				sep = i
				break
			}
		}
		if sep < 0 || len(fields) < sep+3 {
			continue
		}
		e := mountEntry{devNum: fields[2], root: unescapeMount(fields[3]), point: unescapeMount(fields[4]), source: unescapeMount(fields[sep+2])}
		for _, o := range strings.Split(fields[5], ",") {
			if o == "ro" {
				e.readOnly = true
			}
		}
		out = append(out, e)
	}
	return out
}

// unescapeMount decodes the kernel's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mounted finds where the attached disk is mounted: its whole file
// system (root "/"), by device number or by source path.
func (f MountFinder) mounted(a *attached) (Disk, bool, error) {
	mi := f.MountInfo
	if mi == "" {
		mi = "/proc/self/mountinfo"
	}
	data, err := os.ReadFile(mi)
	if err != nil {
		return Disk{}, false, detail(ErrIO, "%v", err)
	}
	num, isDev := deviceNumber(a.device)
	for _, e := range parseMountInfo(data) {
		if e.root != "/" {
			continue
		}
		src := e.source
		if r, err := filepath.EvalSymlinks(src); err == nil {
			src = r
		}
		if (isDev && e.devNum == num) || src == a.device {
			return Disk{Root: e.point, ID: a.id(), Label: a.label, UUID: a.uuid, Device: a.device, ReadOnly: e.readOnly}, true, nil
		}
	}
	return Disk{}, false, nil
}

// mount runs the configured mount command for the attached disk.
func (f MountFinder) mount(ctx context.Context, a *attached) error {
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r := strings.NewReplacer("{device}", a.device, "{label}", a.label, "{uuid}", a.uuid)
	argv := make([]string, len(f.MountCommand))
	for i, s := range f.MountCommand {
		argv[i] = r.Replace(s)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		return detail(ErrNoMedium, "mounting %s with %q failed: %v: %s", a.describe(), strings.Join(argv, " "), err, msg)
	}
	return nil
}

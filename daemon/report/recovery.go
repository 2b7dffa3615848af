package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// Commands the recovery sheet prints use these names: a person types
// them as they stand, from a directory with room for the data.
const (
	// sheetDevice is the tape device when no configured drive names a
	// real one.
	sheetDevice = "/dev/nst0"
	// sheetKey is the age identity file the manual commands decrypt with.
	sheetKey = "key.txt"
	// sheetRestoreDir is where the manual commands extract, below the
	// working directory.
	sheetRestoreDir = "restore"
	// sheetRunsLooked is how many of a job's newest succeeded runs the
	// sheet looks through for one whose cartridges are all still there.
	sheetRunsLooked = 200
)

// SheetEntry is one job's generation on the recovery sheet: the run, its
// pieces and where each cartridge is now.
type SheetEntry struct {
	Run    media.Run
	Pieces []SheetPiece
	// BlockSize is the tape block size it was written with.
	BlockSize int
	// Device is the no-rewind device the manual commands read from.
	Device string
	// Output is the member name of a job that backs up a command's
	// output, which comes back in parts NAME.000000, NAME.000001, ...
	Output string
	// Why says which generation this is (the newest, the newest away
	// from the machine room, the newest at a site).
	Why string
}

// SheetPiece is one cartridge of a SheetEntry.
type SheetPiece struct {
	media.Piece
	// Where is where the cartridge is now, as the sheet says it: "at
	// hill-annex/safe", "in transit to hill-annex".
	Where    string
	Manifest string
	// AtMachineRoom is set when the cartridge is at the machine room.
	AtMachineRoom bool
}

// RecoverySheet makes the sheet to keep in another building for the day
// the machine room is lost: every system in restore-priority order with
// its newest good generation (and, when that one has a cartridge in the
// machine room, the newest held entirely elsewhere), the cartridges, where
// they are, their tape files, block size and SHA-256, the commands that
// restore it with tapewarden and with mt, dd, tar and sha256sum alone,
// the audit chain head, the catalog's identity and places to sign. With
// site, only generations whose every cartridge is at that site.
func (pg *Pages) RecoverySheet(ctx context.Context, site string) (Document, error) {
	if site != "" && pg.cfg.Site(site) == nil {
		return Document{}, notFound("no site %q is configured; the sites are %s", site, strings.Join(pg.siteNames(), ", "))
	}
	now := pg.now().In(pg.cfg.Location)
	id, err := pg.cat.Identity(ctx)
	if err != nil {
		return Document{}, err
	}
	head, err := pg.cat.ChainHead(ctx)
	if err != nil {
		return Document{}, err
	}
	carts, err := pg.cat.Cartridges(ctx, media.Filter{})
	if err != nil {
		return Document{}, err
	}
	byBarcode := map[string]media.Cartridge{}
	for _, c := range carts {
		byBarcode[c.Barcode] = c
	}
	manifests, err := pg.activeManifests(ctx)
	if err != nil {
		return Document{}, err
	}
	room := pg.machineRoom()

	doc := Document{Title: "復旧シート / Recovery sheet: the machine room is gone", Made: now}
	place := "the machine room"
	if room != "" {
		place += " (" + room + ")"
	}
	doc.Lines = []string{
		"For the day " + place + " is lost: which cartridges to fetch, and how to read them back.",
		"Made " + now.Format("2006-01-02 15:04 -07:00") + " from catalog " + id.UUID + ".",
		fmt.Sprintf("Audit chain head: %d %s", head.ID, head.Hash),
	}
	if site != "" {
		doc.Lines = append(doc.Lines, "Only the generations whose every cartridge is at "+site+".")
	}

	systems := slices.Clone(pg.cfg.Systems)
	slices.SortStableFunc(systems, func(a, b config.SystemConfig) int {
		return cmp.Compare(priorityKey(a.RestorePriority), priorityKey(b.RestorePriority))
	})
	type sysEntries struct {
		sys     config.SystemConfig
		entries []SheetEntry
		// missing are the jobs with nothing to restore, and why.
		missing [][2]string
		// onlyRoom are the jobs whose every generation is in the machine
		// room.
		onlyRoom []string
	}
	var all []sysEntries
	for _, s := range systems {
		se := sysEntries{sys: s}
		for i := range pg.cfg.Jobs {
			j := &pg.cfg.Jobs[i]
			if j.System != s.Name {
				continue
			}
			entries, why, err := pg.sheetEntries(ctx, j, site, room, byBarcode, manifests)
			if err != nil {
				return Document{}, err
			}
			if len(entries) == 0 {
				se.missing = append(se.missing, [2]string{j.Name, why})
			}
			if len(entries) == 1 && entries[0].inRoom() && room != "" && site == "" {
				se.onlyRoom = append(se.onlyRoom, j.Name)
			}
			se.entries = append(se.entries, entries...)
		}
		all = append(all, se)
	}

	start := doc.section(1, "1. 最初に / First")
	start.para("You need the cartridges named below, a Linux machine with a tape drive of their kind and, for the tapewarden commands, the tapewarden package. Do not write to any cartridge. The README's section \"The machine room is gone\" says the same step by step.")
	var every []SheetEntry
	for _, se := range all {
		every = append(every, se.entries...)
	}
	start.para("Work in a directory with room for the data (cd /srv, for example). The commands below read the drive %s; if the drive on your machine is another (ls /dev/nst*), use its name in every command. Always the n (no-rewind) device.", sheetDevices(every))
	start.para("With tapewarden, first rebuild the catalog from the cartridges (load each when asked, type done at the end); it prints the restore order and the audit head the cartridges prove, which must be the head printed above or a later one:")
	start.code("tapewarden catalog rebuild --device " + sheetDevice)
	start.para("Without tapewarden, follow each system's commands \"with mt, dd, tar and sha256sum\" below, in the order of the table.")

	order := doc.section(1, "2. 復旧の順序 / Restore order")
	var rows [][]string
	for _, se := range all {
		for _, e := range se.entries {
			var where []string
			for _, p := range e.Pieces {
				where = append(where, p.Barcode+" "+p.Where)
			}
			rows = append(rows, []string{priorityText(se.sys.RestorePriority), se.sys.Name, e.Run.Job, e.Run.Generation,
				e.Run.FinishedAt.In(pg.cfg.Location).Format("2006-01-02 15:04"), strings.Join(where, ", ")})
		}
		for _, m := range se.missing {
			rows = append(rows, []string{priorityText(se.sys.RestorePriority), se.sys.Name, m[0], "-", "-", "none: " + m[1]})
		}
	}
	order.table([]string{"#", "system", "job", "generation", "written", "cartridges, where they are now"}, rows)

	fetch := doc.section(1, "3. 取り寄せる媒体 / Cartridges to fetch")
	type held struct{ barcodes, systems []string }
	places := map[string]*held{}
	var placeOrder []string
	for _, se := range all {
		for _, e := range se.entries {
			for _, p := range e.Pieces {
				key := strings.TrimPrefix(p.Where, "at ")
				if p.Manifest != "" {
					key += " (manifest " + p.Manifest + ")"
				}
				h := places[key]
				if h == nil {
					h = &held{}
					places[key] = h
					placeOrder = append(placeOrder, key)
				}
				if !slices.Contains(h.barcodes, p.Barcode) {
					h.barcodes = append(h.barcodes, p.Barcode)
				}
				if !slices.Contains(h.systems, se.sys.Name) {
					h.systems = append(h.systems, se.sys.Name)
				}
			}
		}
	}
	var fetchRows [][]string
	for _, k := range placeOrder {
		fetchRows = append(fetchRows, []string{k, strings.Join(places[k].barcodes, ", "), strings.Join(places[k].systems, ", ")})
	}
	fetch.table([]string{"where now", "cartridges", "systems"}, fetchRows)
	if room != "" && site == "" {
		fetch.para("Cartridges at %s are gone with the machine room; where a generation has a cartridge there, its system below also names the newest generation held elsewhere.", room)
		var lost []string
		for _, se := range all {
			lost = append(lost, se.onlyRoom...)
		}
		if len(lost) > 0 {
			fetch.para("WARNING: no generation of %s is held outside the machine room.", strings.Join(lost, ", "))
		}
	}

	n := 3
	for _, se := range all {
		n++
		s := doc.section(1, fmt.Sprintf("%d. %s%s (restore priority %s)", n, se.sys.Name, titleSuffix(se.sys.Title), priorityText(se.sys.RestorePriority)))
		var facts []string
		if se.sys.Manager != "" {
			facts = append(facts, "manager: "+se.sys.Manager)
		}
		if len(se.sys.Servers) > 0 {
			facts = append(facts, "servers: "+strings.Join(se.sys.Servers, ", "))
		}
		if se.sys.VendorContact != "" {
			facts = append(facts, "vendor: "+se.sys.VendorContact)
		}
		if len(facts) > 0 {
			s.para("%s.", strings.Join(facts, "; "))
		}
		for _, m := range se.missing {
			s.para("Nothing to restore for %s: %s.", m[0], m[1])
		}
		for _, j := range se.onlyRoom {
			s.para("WARNING: every generation of %s is in the machine room; with the machine room gone, %s has no copy.", j, j)
		}
		if len(se.entries) == 0 {
			continue
		}
		encrypted := false
		for _, e := range se.entries {
			encrypted = encrypted || e.Run.Encryption == "age"
		}
		s.para("With tapewarden, after the catalog rebuild (it takes each job's newest generation whose every cartridge it read):")
		if encrypted {
			s.code("# the data is encrypted: install tapewarden.yaml.from-tape as /etc/tapewarden/tapewarden.yaml, start the daemon, then",
				"tapewarden restore --system "+se.sys.Name+" --to /srv/restore --identity "+sheetKey)
		} else {
			s.code("tapewarden restore --from-tape --device " + sheetDevice + " --system " + se.sys.Name + " --to /srv/restore")
		}
		for _, e := range se.entries {
			pg.sheetJob(&doc, e)
		}
	}

	sign := doc.section(1, fmt.Sprintf("%d. 確認 / Signatures", n+1))
	sign.para("Made %s; catalog %s; audit chain head %d %s.", now.Format("2006-01-02 15:04 -07:00"), id.UUID, head.ID, head.Hash)
	roles := []string{"Printed and checked by (ICT department)"}
	for _, st := range pg.cfg.Sites {
		if st.Name != room {
			roles = append(roles, "Received and filed at "+st.Name+" by")
		}
	}
	sign.Blocks = append(sign.Blocks, Block{Sign: roles})
	return doc, nil
}

// sheetDevices names the devices the manual commands read.
func sheetDevices(entries []SheetEntry) string {
	var devs []string
	for _, e := range entries {
		if !slices.Contains(devs, e.Device) {
			devs = append(devs, e.Device)
		}
	}
	if len(devs) == 0 {
		return sheetDevice
	}
	return strings.Join(devs, " and ")
}

// inRoom reports whether a cartridge of the entry is at the machine room.
func (e SheetEntry) inRoom() bool {
	return slices.ContainsFunc(e.Pieces, func(p SheetPiece) bool { return p.AtMachineRoom })
}

// sheetJob adds one generation of a job: its cartridges and the commands
// that read it back with standard tools.
func (pg *Pages) sheetJob(doc *Document, e SheetEntry) {
	r := e.Run
	s := doc.section(2, fmt.Sprintf("%s: generation %s (run %d, %s)", r.Job, r.Generation, r.ID, e.Why))
	what := fmt.Sprintf("Written %s by drive %s with blocks of %d bytes: %d bytes of tar in %s.",
		r.FinishedAt.In(pg.cfg.Location).Format("2006-01-02 15:04"), cmp.Or(r.Drive, "?"), e.BlockSize, r.Bytes, rotation.Plural(len(e.Pieces), "piece"))
	if r.Encryption == "age" {
		what += fmt.Sprintf(" Encrypted with age (%d bytes on tape) to %s %s: you need the identity file of one as %s.",
			r.TapeBytes, map[bool]string{true: "the recipient", false: "the recipients"}[len(r.Recipients) == 1], strings.Join(r.Recipients, ", "), sheetKey)
	}
	switch {
	case strings.HasPrefix(e.Why, "the newest with no cartridge"):
		what += " Use this generation when the cartridges of the newest were lost with the machine room; it goes into the same directory, so follow one or the other, not both."
	case strings.HasPrefix(e.Why, "the newest kept at"):
	default:
		what += " Use this generation if you have its cartridges."
	}
	s.para("%s", what)
	var rows, sums [][]string
	for _, p := range e.Pieces {
		where := strings.TrimPrefix(p.Where, "at ")
		if p.Manifest != "" {
			where += ", manifest " + p.Manifest
		}
		if p.AtMachineRoom {
			where += " (machine room)"
		}
		rows = append(rows, []string{strconv.Itoa(p.Piece.Piece), p.Barcode, where, strconv.FormatInt(p.File, 10), strconv.FormatInt(p.Bytes, 10)})
		sums = append(sums, []string{strconv.Itoa(p.Piece.Piece), p.SHA256})
	}
	s.table([]string{"piece", "cartridge", "where now", "tape file", "bytes"}, rows)
	sums = append(sums, []string{"whole tar", r.SHA256})
	if r.Encryption == "age" && len(e.Pieces) > 1 {
		sums = append(sums, []string{"whole on tape", r.TapeSHA256})
	}
	s.table([]string{"piece", "SHA-256"}, sums)

	tools := ""
	if r.Encryption == "age" {
		tools = ", and age"
	}
	s.para("With mt, dd, tar and sha256sum%s (each sha256sum line must say OK):", tools)
	base := fmt.Sprintf("run%d", r.ID)
	dir := sheetRestoreDir + "/" + r.Job
	lines := []string{"mkdir -p " + dir}
	var files []string
	for _, p := range e.Pieces {
		f := fmt.Sprintf("%s-%d", base, p.Piece.Piece)
		files = append(files, f)
		lines = append(lines,
			fmt.Sprintf("# cartridge %s (piece %d of %d), now %s: put it into the drive", p.Barcode, p.Piece.Piece, len(e.Pieces), p.Where),
			"mt -f "+e.Device+" rewind",
			fmt.Sprintf("mt -f %s fsf %d", e.Device, p.File),
			fmt.Sprintf("dd if=%s bs=%d of=%s", e.Device, e.BlockSize, f),
			fmt.Sprintf("echo '%s  %s' | sha256sum -c -", p.SHA256, f),
			"mt -f "+e.Device+" offline")
	}
	tarFile := base + ".tar"
	if r.Encryption == "age" {
		whole := tarFile + ".age"
		lines = append(lines, "cat "+strings.Join(files, " ")+" > "+whole)
		if len(files) > 1 {
			lines = append(lines, fmt.Sprintf("echo '%s  %s' | sha256sum -c -", r.TapeSHA256, whole))
		}
		lines = append(lines, fmt.Sprintf("age -d -i %s -o %s %s", sheetKey, tarFile, whole))
		lines = append(lines, fmt.Sprintf("echo '%s  %s' | sha256sum -c -", r.SHA256, tarFile))
	} else {
		lines = append(lines, "cat "+strings.Join(files, " ")+" > "+tarFile)
		if len(files) > 1 {
			lines = append(lines, fmt.Sprintf("echo '%s  %s' | sha256sum -c -", r.SHA256, tarFile))
		}
	}
	lines = append(lines, "tar -xf "+tarFile+" -C "+dir)
	if e.Output != "" {
		out := dir + "/" + e.Output
		lines = append(lines, "cat "+out+".* > "+out+" && rm "+out+".*")
	}
	s.code(lines...)
	if e.Output != "" {
		s.para("The command's output comes back in parts (%s.000000, %s.000001, ...); the last line joins them into %s.", e.Output, e.Output, e.Output)
	}
}

// sheetEntries are the generations of a job the sheet shows: with site,
// the newest whose every cartridge is there; otherwise the newest, and
// when a cartridge of it is at the machine room, also the newest with
// none there. why says why there is none.
func (pg *Pages) sheetEntries(ctx context.Context, j *config.JobConfig, site, room string,
	carts map[string]media.Cartridge, manifests map[string]media.Manifest) ([]SheetEntry, string, error) {
	runs, err := pg.cat.Runs(ctx, media.RunFilter{Job: j.Name, State: media.RunSucceeded, Limit: sheetRunsLooked})
	if err != nil {
		return nil, "", err
	}
	var out []SheetEntry
	wantAway := false
	for _, r := range runs {
		pieces, err := pg.cat.Pieces(ctx, r.ID)
		if err != nil {
			return nil, "", err
		}
		e, ok := pg.sheetEntry(j, r, pieces, room, carts, manifests)
		if !ok {
			continue
		}
		inRoom := e.inRoom()
		switch {
		case site != "":
			if slices.ContainsFunc(e.Pieces, func(p SheetPiece) bool { return carts[p.Barcode].Location.Site != site }) {
				continue
			}
			e.Why = "the newest kept at " + site
			return append(out, e), "", nil
		case len(out) == 0:
			e.Why = "the newest"
			out = append(out, e)
			if !inRoom || room == "" {
				return out, "", nil
			}
			wantAway = true
		case wantAway && !inRoom:
			e.Why = "the newest with no cartridge in the machine room"
			return append(out, e), "", nil
		}
	}
	switch {
	case len(runs) == 0:
		return nil, "no succeeded run yet", nil
	case site != "":
		return nil, "no generation has all its cartridges at " + site, nil
	case len(out) == 0:
		return nil, "every succeeded run has a cartridge that was overwritten or lost", nil
	}
	out[0].Why += "; no generation is held outside the machine room"
	return out, "", nil
}

// sheetEntry is run on the sheet; false when a piece was overwritten or
// its cartridge is lost.
func (pg *Pages) sheetEntry(j *config.JobConfig, r media.Run, pieces []media.Piece, room string,
	carts map[string]media.Cartridge, manifests map[string]media.Manifest) (SheetEntry, bool) {
	if len(pieces) == 0 {
		return SheetEntry{}, false
	}
	r.Pieces = pieces
	e := SheetEntry{Run: r, BlockSize: 256 << 10, Device: sheetDevice}
	if len(j.Source.Command) > 0 {
		e.Output = j.Source.Name
	}
	if d := pg.cfg.Drive(r.Drive); d != nil {
		e.BlockSize = d.BlockSize
		if d.Type == "st" && d.Device != "" {
			e.Device = d.Device
		}
	}
	if j.BlockSize > 0 {
		e.BlockSize = j.BlockSize
	}
	for _, p := range pieces {
		c, ok := carts[p.Barcode]
		if !ok || !p.GoneAt.IsZero() || !p.Complete || c.State == media.Lost {
			return SheetEntry{}, false
		}
		sp := SheetPiece{Piece: p, Where: "at " + c.Location.String(), AtMachineRoom: room != "" && c.Location.Site == room}
		if m, ok := manifests[p.Barcode]; ok {
			sp.Manifest = m.ID
			if c.Location.Kind == media.InTransit {
				sp.Where = "in transit to " + m.Destination
			}
		}
		e.Pieces = append(e.Pieces, sp)
	}
	return e, true
}

// priorityKey orders systems by restore priority, those without one last.
func priorityKey(p int) int {
	if p <= 0 {
		return int(^uint(0) >> 1)
	}
	return p
}

func priorityText(p int) string {
	if p <= 0 {
		return "none"
	}
	return strconv.Itoa(p)
}

func titleSuffix(title string) string {
	if title == "" {
		return ""
	}
	return " — " + title
}

// siteNames lists the configured sites.
func (pg *Pages) siteNames() []string {
	var out []string
	for _, s := range pg.cfg.Sites {
		out = append(out, s.Name)
	}
	return out
}

package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/daemon/i18n"
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
	// from the machine room, the newest at a site), in the sheet's
	// language.
	Why string
	// kind is which generation this is, whatever the language.
	kind sheetKind
}

// sheetKind is why a generation is on the sheet.
type sheetKind int

const (
	sheetNewest     sheetKind = iota // the job's newest
	sheetNewestAway                  // the newest with no cartridge in the machine room
	sheetNewestAt                    // the newest kept at the site asked for
)

// SheetPiece is one cartridge of a SheetEntry.
type SheetPiece struct {
	media.Piece
	// Where is where the cartridge is now, as the commands' comments
	// say it (always in English, as the commands are): "at
	// hill-annex/safe", "in transit to hill-annex".
	Where string
	// Place is the cartridge's location, or the destination of the
	// manifest it travels on when InTransit.
	Place     string
	InTransit bool
	Manifest  string
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
// site, only generations whose every cartridge is at that site. It
// speaks lang; its commands are the same in every language.
func (pg *Pages) RecoverySheet(ctx context.Context, site string, lang i18n.Lang) (Document, error) {
	if site != "" && pg.cfg.Site(site) == nil {
		return Document{}, notFound("no site %q is configured; the sites are %s", site, strings.Join(pg.siteNames(), ", "))
	}
	now := pg.now().In(pg.cfg.Location)
	p := i18n.NewPrinter(lang, pg.cfg.Location)
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

	doc := Document{Title: p.T("sheet.title"), Lang: string(p.Lang()), Made: now}
	place := p.T("sheet.room")
	if room != "" {
		place = p.T("sheet.room_named", room)
	}
	doc.Lines = []string{
		p.T("sheet.for_the_day", place),
		p.T("sheet.made", sheetMade(p, now), id.UUID),
		p.T("sheet.chain_head", strconv.FormatInt(head.ID, 10), head.Hash),
	}
	if site != "" {
		doc.Lines = append(doc.Lines, p.T("sheet.only_site", site))
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
			entries, why, err := pg.sheetEntries(ctx, p, j, site, room, byBarcode, manifests)
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

	start := doc.section(1, p.T("sheet.first"))
	start.para("%s", p.T("sheet.first.need"))
	var every []SheetEntry
	for _, se := range all {
		every = append(every, se.entries...)
	}
	start.para("%s", p.T("sheet.first.dir", sheetDevices(every, p.T("sheet.and"))))
	start.para("%s", p.T("sheet.first.rebuild"))
	start.code("tapewarden catalog rebuild --device " + sheetDevice)
	start.para("%s", p.T("sheet.first.without"))

	order := doc.section(1, p.T("sheet.order"))
	var rows [][]string
	for _, se := range all {
		for _, e := range se.entries {
			var where []string
			for _, sp := range e.Pieces {
				where = append(where, sp.Barcode+" "+sp.where(p))
			}
			rows = append(rows, []string{priorityText(p, se.sys.RestorePriority), se.sys.Name, e.Run.Job, e.Run.Generation,
				pg.sheetTime(p, e.Run.FinishedAt), strings.Join(where, ", ")})
		}
		for _, m := range se.missing {
			rows = append(rows, []string{priorityText(p, se.sys.RestorePriority), se.sys.Name, m[0], "-", "-", p.T("sheet.none_because", m[1])})
		}
	}
	order.table([]string{"#", p.T("sheet.col.system"), p.T("sheet.col.job"), p.T("sheet.col.generation"), p.T("sheet.col.written"), p.T("sheet.col.cartridges_where")}, rows)

	fetch := doc.section(1, p.T("sheet.fetch"))
	pr := p
	type held struct{ barcodes, systems []string }
	places := map[string]*held{}
	var placeOrder []string
	for _, se := range all {
		for _, e := range se.entries {
			for _, p := range e.Pieces {
				key := p.Place
				if p.InTransit {
					key = pr.T("sheet.where.transit", p.Place)
				}
				if p.Manifest != "" {
					key = pr.T("sheet.with_manifest", key, p.Manifest)
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
	fetch.table([]string{p.T("sheet.col.where_now"), p.T("sheet.col.cartridges"), p.T("sheet.col.systems")}, fetchRows)
	if room != "" && site == "" {
		fetch.para("%s", p.T("sheet.fetch.room_lost", room))
		var lost []string
		for _, se := range all {
			lost = append(lost, se.onlyRoom...)
		}
		if len(lost) > 0 {
			fetch.para("%s", p.T("sheet.fetch.none_away", strings.Join(lost, ", ")))
		}
	}

	n := 3
	for _, se := range all {
		n++
		s := doc.section(1, p.T("sheet.system", n, se.sys.Name, titleSuffix(se.sys.Title), priorityText(p, se.sys.RestorePriority)))
		var facts []string
		if se.sys.Manager != "" {
			facts = append(facts, p.T("sheet.fact.manager", se.sys.Manager))
		}
		if len(se.sys.Servers) > 0 {
			facts = append(facts, p.T("sheet.fact.servers", strings.Join(se.sys.Servers, ", ")))
		}
		if se.sys.VendorContact != "" {
			facts = append(facts, p.T("sheet.fact.vendor", se.sys.VendorContact))
		}
		if len(facts) > 0 {
			s.para("%s", sentence(p, facts))
		}
		for _, m := range se.missing {
			s.para("%s", p.T("sheet.nothing", m[0], m[1]))
		}
		for _, j := range se.onlyRoom {
			s.para("%s", p.T("sheet.only_room", j, j))
		}
		if len(se.entries) == 0 {
			continue
		}
		encrypted := false
		for _, e := range se.entries {
			encrypted = encrypted || e.Run.Encryption == "age"
		}
		if encrypted {
			s.para("%s", p.T("sheet.with_tapewarden_age"))
			s.code("# the data is encrypted: install tapewarden.yaml.from-tape as /etc/tapewarden/tapewarden.yaml, start the daemon, then",
				"tapewarden restore --system "+se.sys.Name+" --to /srv/restore --identity "+sheetKey)
		} else {
			s.para("%s", p.T("sheet.with_tapewarden"))
			s.code("tapewarden restore --from-tape --device " + sheetDevice + " --system " + se.sys.Name + " --to /srv/restore")
		}
		for _, e := range se.entries {
			pg.sheetJob(&doc, p, e)
		}
	}

	sign := doc.section(1, p.T("sheet.sign", n+1))
	sign.para("%s", p.T("sheet.sign.made", sheetMade(p, now), id.UUID, strconv.FormatInt(head.ID, 10), head.Hash))
	roles := []string{p.T("sheet.sign.printed")}
	for _, st := range pg.cfg.Sites {
		if st.Name != room {
			roles = append(roles, p.T("sheet.sign.received", st.Name))
		}
	}
	sign.Blocks = append(sign.Blocks, Block{Sign: roles})
	return doc, nil
}

// sheetMade is when the sheet was made: with the zone's offset in
// English, as a Japanese date and time in Japanese.
func sheetMade(p *i18n.Printer, t time.Time) string {
	if p.Lang() == i18n.Japanese {
		return p.DateTime(t)
	}
	return t.Format("2006-01-02 15:04 -07:00")
}

// sheetTime is when a generation was written, in the configured zone.
func (pg *Pages) sheetTime(p *i18n.Printer, t time.Time) string {
	if p.Lang() == i18n.Japanese {
		return p.DateTime(t)
	}
	return t.In(pg.cfg.Location).Format("2006-01-02 15:04")
}

// sentence joins facts into one sentence: "a; b; c." in English,
// "a、b、c。" in Japanese.
func sentence(p *i18n.Printer, facts []string) string {
	if p.Lang() == i18n.Japanese {
		return strings.Join(facts, "、") + "。"
	}
	return strings.Join(facts, "; ") + "."
}

// where is where a cartridge is now, in the printer's language.
func (sp SheetPiece) where(p *i18n.Printer) string {
	if sp.InTransit {
		return p.T("sheet.where.transit", sp.Place)
	}
	return p.T("sheet.where.at", sp.Place)
}

// sheetDevices names the devices the manual commands read, joined by
// and.
func sheetDevices(entries []SheetEntry, and string) string {
	var devs []string
	for _, e := range entries {
		if !slices.Contains(devs, e.Device) {
			devs = append(devs, e.Device)
		}
	}
	if len(devs) == 0 {
		return sheetDevice
	}
	return strings.Join(devs, and)
}

// inRoom reports whether a cartridge of the entry is at the machine room.
func (e SheetEntry) inRoom() bool {
	return slices.ContainsFunc(e.Pieces, func(p SheetPiece) bool { return p.AtMachineRoom })
}

// sheetJob adds one generation of a job: its cartridges and the commands
// that read it back with standard tools.
func (pg *Pages) sheetJob(doc *Document, pr *i18n.Printer, e SheetEntry) {
	r := e.Run
	s := doc.section(2, pr.T("sheet.gen", r.Job, r.Generation, strconv.FormatInt(r.ID, 10), e.Why))
	pieces := pr.T("sheet.gen.pieces", len(e.Pieces))
	if len(e.Pieces) == 1 {
		pieces = pr.T("sheet.gen.piece", len(e.Pieces))
	}
	what := pr.T("sheet.gen.written", pg.sheetTime(pr, r.FinishedAt), cmp.Or(r.Drive, "?"), strconv.Itoa(e.BlockSize), strconv.FormatInt(r.Bytes, 10), pieces)
	if r.Encryption == "age" {
		to := pr.T("sheet.gen.recipients")
		if len(r.Recipients) == 1 {
			to = pr.T("sheet.gen.recipient")
		}
		what += pr.T("sheet.gen.encrypted", strconv.FormatInt(r.TapeBytes, 10), to, strings.Join(r.Recipients, ", "), sheetKey)
	}
	switch e.kind {
	case sheetNewestAway:
		what += pr.T("sheet.gen.use_away")
	case sheetNewestAt:
	default:
		what += pr.T("sheet.gen.use_if")
	}
	s.para("%s", what)
	var rows, sums [][]string
	for _, p := range e.Pieces {
		where := p.Place
		if p.InTransit {
			where = pr.T("sheet.where.transit", p.Place)
		}
		if p.Manifest != "" {
			where += pr.T("sheet.piece_manifest", p.Manifest)
		}
		if p.AtMachineRoom {
			where += pr.T("sheet.piece_in_room")
		}
		rows = append(rows, []string{strconv.Itoa(p.Piece.Piece), p.Barcode, where, strconv.FormatInt(p.File, 10), strconv.FormatInt(p.Bytes, 10)})
		sums = append(sums, []string{strconv.Itoa(p.Piece.Piece), p.SHA256})
	}
	s.table([]string{pr.T("sheet.col.piece"), pr.T("sheet.col.cartridge"), pr.T("sheet.col.where_now"), pr.T("sheet.col.tape_file"), pr.T("sheet.col.bytes")}, rows)
	sums = append(sums, []string{pr.T("sheet.whole_tar"), r.SHA256})
	if r.Encryption == "age" && len(e.Pieces) > 1 {
		sums = append(sums, []string{pr.T("sheet.whole_on_tape"), r.TapeSHA256})
	}
	s.table([]string{pr.T("sheet.col.piece"), "SHA-256"}, sums)

	if r.Encryption == "age" {
		s.para("%s", pr.T("sheet.manual_age"))
	} else {
		s.para("%s", pr.T("sheet.manual"))
	}
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
		s.para("%s", pr.T("sheet.output_parts", e.Output, e.Output, e.Output))
	}
}

// sheetEntries are the generations of a job the sheet shows: with site,
// the newest whose every cartridge is there; otherwise the newest, and
// when a cartridge of it is at the machine room, also the newest with
// none there. why says why there is none.
func (pg *Pages) sheetEntries(ctx context.Context, p *i18n.Printer, j *config.JobConfig, site, room string,
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
			e.Why, e.kind = p.T("sheet.gen.newest_at", site), sheetNewestAt
			return append(out, e), "", nil
		case len(out) == 0:
			e.Why, e.kind = p.T("sheet.gen.newest"), sheetNewest
			out = append(out, e)
			if !inRoom || room == "" {
				return out, "", nil
			}
			wantAway = true
		case wantAway && !inRoom:
			e.Why, e.kind = p.T("sheet.gen.newest_away"), sheetNewestAway
			return append(out, e), "", nil
		}
	}
	switch {
	case len(runs) == 0:
		return nil, p.T("sheet.why.no_run"), nil
	case site != "":
		return nil, p.T("sheet.why.not_at_site", site), nil
	case len(out) == 0:
		return nil, p.T("sheet.why.all_gone"), nil
	}
	out[0].Why += p.T("sheet.gen.none_away")
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
		sp := SheetPiece{Piece: p, Where: "at " + c.Location.String(), Place: c.Location.String(), AtMachineRoom: room != "" && c.Location.Site == room}
		if m, ok := manifests[p.Barcode]; ok {
			sp.Manifest = m.ID
			if c.Location.Kind == media.InTransit {
				sp.Where, sp.Place, sp.InTransit = "in transit to "+m.Destination, m.Destination, true
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

// priorityText is a restore priority in the printer's language.
func priorityText(pr *i18n.Printer, p int) string {
	if p <= 0 {
		return pr.T("sheet.none")
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

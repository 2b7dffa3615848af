package report

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/media/mediatype"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// procedureScope is what a procedure document covers: every system, or
// one system's jobs, the pools they write and the drives they may use.
type procedureScope struct {
	all     bool
	systems []config.SystemConfig
	jobs    []*config.JobConfig
	pools   []config.PoolConfig
	drives  []config.DriveConfig
	libs    []config.LibraryConfig
}

func (sc procedureScope) pool(name string) bool {
	return slices.ContainsFunc(sc.pools, func(p config.PoolConfig) bool { return p.Name == name })
}

// scope finds what the document of system (empty: every system) covers.
func (pg *Pages) scope(system string) (procedureScope, error) {
	sc := procedureScope{all: system == ""}
	if system != "" && pg.cfg.System(system) == nil {
		var names []string
		for _, s := range pg.cfg.Systems {
			names = append(names, s.Name)
		}
		return sc, notFound("no system %q is configured; the systems are %s", system, strings.Join(names, ", "))
	}
	for _, s := range pg.cfg.Systems {
		if system == "" || s.Name == system {
			sc.systems = append(sc.systems, s)
		}
	}
	slices.SortStableFunc(sc.systems, func(a, b config.SystemConfig) int {
		return cmp.Compare(priorityKey(a.RestorePriority), priorityKey(b.RestorePriority))
	})
	poolNames := map[string]bool{}
	driveNames := map[string]bool{}
	for i := range pg.cfg.Jobs {
		j := &pg.cfg.Jobs[i]
		if system != "" && j.System != system {
			continue
		}
		sc.jobs = append(sc.jobs, j)
		poolNames[j.Pool] = true
		p := pg.cfg.Pool(j.Pool)
		for _, d := range pg.cfg.Drives {
			if len(j.Drives) > 0 {
				if slices.Contains(j.Drives, d.Name) {
					driveNames[d.Name] = true
				}
			} else if p != nil && mediatype.Compatibility(d.MediaType, p.MediaType) != mediatype.AccessNone {
				driveNames[d.Name] = true
			}
		}
	}
	for _, p := range pg.cfg.Pools {
		if system == "" || poolNames[p.Name] {
			sc.pools = append(sc.pools, p)
		}
	}
	for _, d := range pg.cfg.Drives {
		if system == "" || driveNames[d.Name] {
			sc.drives = append(sc.drives, d)
		}
	}
	for _, l := range pg.cfg.Libraries {
		keep := system == ""
		for _, ld := range l.Drives {
			keep = keep || driveNames[ld.Drive]
		}
		if keep {
			sc.libs = append(sc.libs, l)
		}
	}
	return sc, nil
}

// Procedure makes the backup procedure document of 表-33 (バックアップ
// 手順書の構成と内容例) from the configuration and the catalog as they
// are now; with system, that system's part only. Its sections carry the
// standard's numbers and names, in Japanese and English.
func (pg *Pages) Procedure(ctx context.Context, system string) (Document, error) {
	sc, err := pg.scope(system)
	if err != nil {
		return Document{}, err
	}
	now := pg.now().In(pg.cfg.Location)
	id, err := pg.cat.Identity(ctx)
	if err != nil {
		return Document{}, err
	}
	_, carts, err := pg.viewAndCartridges(ctx)
	if err != nil {
		return Document{}, err
	}
	title := "バックアップ手順書 / Backup procedure document"
	if system != "" {
		s := pg.cfg.System(system)
		title += ": " + s.Name + titleSuffix(s.Title)
	}
	doc := Document{Title: title, Made: now}
	doc.Lines = []string{
		"Made " + now.Format("2006-01-02 15:04 -07:00") + " from the running configuration and catalog " + id.UUID + ".",
		"Its sections follow the standard's table of a backup procedure document, 表-33 バックアップ手順書の構成と内容例; 'tapewarden report procedure' prints it anew whenever anything changes.",
	}

	pg.procTerms(&doc)
	pg.procEquipment(&doc, sc)
	pg.procAreas(&doc, sc)
	pg.procManagement(&doc, sc, now)
	if err := pg.procMethods(ctx, &doc, sc); err != nil {
		return Document{}, err
	}
	if err := pg.procMedia(ctx, &doc, sc, carts); err != nil {
		return Document{}, err
	}
	if err := pg.procCleaning(ctx, &doc, sc, carts); err != nil {
		return Document{}, err
	}
	if err := pg.procRestore(ctx, &doc, sc); err != nil {
		return Document{}, err
	}
	return doc, nil
}

func (pg *Pages) procTerms(doc *Document) {
	s := doc.section(1, "1 用語の定義 / Terms")
	s.table([]string{"term", "meaning here"}, [][]string{
		{"世代 / generation", "the data of one period (a day, a month, a release) of a pool, on one or more cartridges"},
		{"プール / pool", "a set of cartridges that rotate together (daily, monthly, ...)"},
		{"一次バックアップ / primary", "a pool rotated daily or weekly (表-33 5-3)"},
		{"二次バックアップ / secondary", "a pool rotated monthly or yearly (表-33 5-3)"},
		{"システムバックアップ / system", "a pool written at each release of a system (表-33 5-3)"},
		{"媒体 / cartridge", "a tape cartridge with a barcode (DLY001L8); the catalog knows where each is"},
		{"テープファイル / tape file", "the numbered parts of a tape between filemarks: 0 the label, then data and trailers"},
		{"マニフェスト / manifest", "the list a courier signs when cartridges move between sites"},
		{"カタログ / catalog", "tapewarden's record of cartridges, runs and their checksums, with an audit chain"},
		{"遠隔地保管 / offsite", "keeping generations in another building or a remote site"},
	})
}

func (pg *Pages) procEquipment(doc *Document, sc procedureScope) {
	s := doc.section(1, "2 機器構成 / Equipment")
	var rows [][]string
	for _, d := range sc.drives {
		lib := "standalone: a person loads it"
		if l, el := pg.cfg.LibraryOf(d.Name); l != nil {
			lib = fmt.Sprintf("%s, element %d", l.Name, el)
		}
		rows = append(rows, []string{d.Name, d.Site, d.Type, d.MediaType, strconv.Itoa(d.BlockSize), lib, dash(d.Device)})
	}
	s.para("Drives:")
	s.table([]string{"drive", "site", "type", "media", "block size", "loaded by", "device"}, rows)
	rows = nil
	for _, l := range sc.libs {
		var ds []string
		for _, ld := range l.Drives {
			ds = append(ds, fmt.Sprintf("%d=%s", ld.Element, ld.Drive))
		}
		rows = append(rows, []string{l.Name, l.Site, l.Type, strconv.Itoa(l.Slots), strconv.Itoa(l.MailSlots), strings.Join(ds, ", ")})
	}
	if len(rows) > 0 {
		s.para("Libraries:")
		s.table([]string{"library", "site", "type", "slots", "mail slots", "drives (element=drive)"}, rows)
	}
	rows = nil
	seen := map[string]bool{}
	for _, p := range sc.pools {
		if seen[p.MediaType] {
			continue
		}
		seen[p.MediaType] = true
		var pools []string
		for _, q := range sc.pools {
			if q.MediaType == p.MediaType {
				pools = append(pools, q.Name)
			}
		}
		capacity := "-"
		if info, ok := mediatype.Lookup(p.MediaType); ok && info.NativeBytes > 0 {
			capacity = bytesText(info.NativeBytes)
		}
		rows = append(rows, []string{p.MediaType, capacity, strings.Join(pools, ", ")})
	}
	s.para("Media types:")
	s.table([]string{"media", "native capacity", "pools"}, rows)
	rows = nil
	for _, sys := range sc.systems {
		rows = append(rows, []string{sys.Name, sys.Title, strings.Join(sys.Servers, ", "), sys.Manager, dash(sys.Importance), availability(sys.Availability)})
	}
	s.para("Systems and their servers:")
	s.table([]string{"system", "title", "servers", "manager", "importance", "availability"}, rows)
}

func (pg *Pages) procAreas(doc *Document, sc procedureScope) {
	s := doc.section(1, "3 バックアップ領域 / Backup areas")
	var rows [][]string
	for _, j := range sc.jobs {
		var what string
		switch {
		case len(j.Source.Paths) > 0:
			what = strings.Join(j.Source.Paths, ", ")
		case len(j.Source.Command) > 0:
			what = "output of " + program(j.Source.Command, j.LogArguments) + ", stored as " + j.Source.Name
		}
		rows = append(rows, []string{j.Name, j.System, what})
	}
	s.table([]string{"job", "system", "what is backed up"}, rows)
}

func (pg *Pages) procManagement(doc *Document, sc procedureScope, now time.Time) {
	doc.section(1, "4 バックアップ管理 / Backup management")
	flow := doc.section(2, "4-1 バックアップ処理の流れ / The flow of a backup")
	flow.para("%s before the night's first run the daemon checks every job: its sources, room for the catalog, drives that answer, the next cartridge writable and in the machine room, cleaning cartridges. A problem opens a prompt for a person.", durationText(pg.cfg.Scheduler.CheckBefore.D()))
	var steps [][]string
	for _, j := range sc.jobs {
		pre, post := "-", "-"
		if len(j.PreCommand) > 0 {
			pre = program(j.PreCommand, j.LogArguments)
		}
		if len(j.PostCommand) > 0 {
			post = program(j.PostCommand, j.LogArguments)
		}
		steps = append(steps, []string{j.Name, pre, j.Verify, post})
	}
	flow.para("Each run: (1) the job's pre-command (stop the service); (2) the pool's next cartridge is loaded, by the library or by a person when asked; (3) the data is written as a tar stream with its SHA-256, then a trailer; (4) with verify checksum, read back and compared; (5) the post-command (start the service) whatever happened; (6) after the night's last run on a cartridge, a copy of the catalog. A failed or missed run is reported (status, metrics, alerts).")
	flow.table([]string{"job", "before (pre-command)", "verify", "after (post-command)"}, steps)

	day := doc.section(2, "1日のスケジュール / The day's schedule")
	start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, pg.cfg.Location)
	runs := pg.plannedRuns(start, start.AddDate(0, 0, 1))
	byJob := map[string][]time.Time{}
	for _, r := range runs {
		byJob[r.Job] = append(byJob[r.Job], r.Time)
	}
	var rows [][]string
	for _, j := range sc.jobs {
		times := byJob[j.Name]
		slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
		var shown []string
		for i, t := range times {
			if i == 6 {
				shown = append(shown, "...")
				break
			}
			shown = append(shown, t.In(pg.cfg.Location).Format("15:04"))
		}
		next := "when asked"
		if sched, err := config.ParseSchedule(j.Schedule); j.Schedule != "" && err == nil {
			if t := sched.Next(now); !t.IsZero() {
				next = t.In(pg.cfg.Location).Format("2006-01-02 15:04")
			}
		}
		rows = append(rows, []string{j.Name, strconv.Itoa(len(times)), dash(strings.Join(shown, " ")), next})
	}
	day.para("On %s:", start.Format("2006-01-02 (Mon)"))
	day.table([]string{"job", "runs", "at", "next run"}, rows)

	week := doc.section(2, "4-2 バックアップスケジュールと世代数 / The weekly schedule and generations")
	weekRuns := pg.plannedRuns(start, start.AddDate(0, 0, 7))
	perWeek := map[string]int{}
	for _, r := range weekRuns {
		perWeek[r.Job]++
	}
	rows = nil
	for _, j := range sc.jobs {
		p := pg.cfg.Pool(j.Pool)
		kept := "-"
		if p != nil {
			kept = generationsKept(*p)
		}
		rows = append(rows, []string{j.Name, j.System, j.Pool, dash(j.Schedule), strconv.Itoa(perWeek[j.Name]), kept})
	}
	week.table([]string{"job", "system", "pool", "schedule (cron)", "runs in the next 7 days", "generations kept"}, rows)
}

// poolClass is 表-33 5-3's kind of backup a pool makes.
func poolClass(p config.PoolConfig) string {
	switch {
	case p.Scheme == string(rotation.SchemeRelease):
		return "system"
	case p.Scheme == string(rotation.SchemeScratch):
		return ""
	case p.Cycle != nil && (p.Cycle.Every == "month" || p.Cycle.Every == "year"):
		return "secondary"
	}
	return "primary"
}

func (pg *Pages) procMethods(ctx context.Context, doc *Document, sc procedureScope) error {
	doc.section(1, "5 バックアップ方式 / Backup methods")
	w := doc.section(2, "5-1 Windowsバックアップ / Windows backup")
	w.para("Not used: tapewarden reads files and the output of commands on this server; a Windows server's data comes to it through a source command or a shared directory (see 3).")
	d := doc.section(2, "5-2 ハードディスク間(DDR)バックアップ / Disk-to-disk (DDR) backup")
	d.para("Not used: the data goes straight to tape.")
	heads := map[string]string{
		"primary":   "5-3 一次バックアップ / Primary backups (daily)",
		"secondary": "二次バックアップ / Secondary backups (monthly and others)",
		"system":    "システムバックアップ / System backups (at each release)",
	}
	for _, class := range []string{"primary", "secondary", "system"} {
		s := doc.section(2, heads[class])
		var rows [][]string
		for _, p := range sc.pools {
			if poolClass(p) != class {
				continue
			}
			var jobs []string
			for _, j := range sc.jobs {
				if j.Pool == p.Name {
					jobs = append(jobs, j.Name)
				}
			}
			rows = append(rows, []string{p.Name, p.MediaType, schemeText(p), generationsKept(p), dash(strings.Join(jobs, ", ")), encryptionText(p)})
		}
		if len(rows) == 0 {
			s.para("None configured.")
			continue
		}
		s.table([]string{"pool", "media", "rotation", "generations kept", "jobs", "encryption"}, rows)
	}

	size := doc.section(2, "バックアップ容量 / Size of a generation")
	var rows [][]string
	for _, p := range sc.pools {
		if p.Scheme == string(rotation.SchemeScratch) {
			continue
		}
		runs, err := pg.cat.Runs(ctx, media.RunFilter{Pool: p.Name, State: media.RunSucceeded, Limit: 500})
		if err != nil {
			return err
		}
		type gen struct {
			bytes int64
			jobs  []string
		}
		gens := map[string]*gen{}
		var order []string
		for _, r := range runs {
			if !slices.ContainsFunc(sc.jobs, func(j *config.JobConfig) bool { return j.Name == r.Job }) {
				continue
			}
			g := gens[r.Generation]
			if g == nil {
				if len(order) == 3 {
					continue
				}
				g = &gen{}
				gens[r.Generation] = g
				order = append(order, r.Generation)
			}
			if !slices.Contains(g.jobs, r.Job) {
				g.jobs = append(g.jobs, r.Job)
				g.bytes += r.Bytes // the newest run of each job in the generation
			}
		}
		for _, id := range order {
			slices.Sort(gens[id].jobs)
			rows = append(rows, []string{p.Name, id, bytesText(gens[id].bytes), strings.Join(gens[id].jobs, ", ")})
		}
		if len(order) == 0 {
			rows = append(rows, []string{p.Name, "no generation written yet", "", ""})
		}
	}
	size.para("The newest three generations of each pool (the newest run of each job in it):")
	size.table([]string{"pool", "generation", "bytes", "jobs"}, rows)
	return nil
}

func (pg *Pages) procMedia(ctx context.Context, doc *Document, sc procedureScope, carts []media.Cartridge) error {
	doc.section(1, "6 媒体管理方式 / Media management")
	slotMap := doc.section(2, "6-1 バックアップ装置の媒体配置図 / The slot map")
	byLoc := map[string]media.Cartridge{}
	for _, c := range carts {
		byLoc[c.Location.String()] = c
	}
	gens, err := pg.cat.Generations(ctx, poolNames(sc.pools))
	if err != nil {
		return err
	}
	genOf := map[string]string{}
	for _, g := range gens {
		genOf[g.Barcode] = g.Generation
	}
	cartText := func(c media.Cartridge) []string {
		return []string{c.Barcode, dash(c.Pool), dash(genOf[c.Barcode]), string(c.State)}
	}
	for _, l := range sc.libs {
		var rows [][]string
		for n := 1; n <= l.Slots; n++ {
			row := []string{"slot " + strconv.Itoa(n)}
			if c, ok := byLoc[media.LibrarySlot(l.Site, l.Name, n).String()]; ok {
				row = append(row, cartText(c)...)
			} else {
				row = append(row, "(empty)", "", "", "")
			}
			rows = append(rows, row)
		}
		for n := 1; n <= l.MailSlots; n++ {
			row := []string{"mail slot " + strconv.Itoa(n)}
			if c, ok := byLoc[media.LibraryMailSlot(l.Site, l.Name, n).String()]; ok {
				row = append(row, cartText(c)...)
			} else {
				row = append(row, "(empty)", "", "", "")
			}
			rows = append(rows, row)
		}
		for _, ld := range l.Drives {
			row := []string{"drive " + ld.Drive}
			if c, ok := byLoc[media.DriveAt(l.Site, ld.Drive).String()]; ok {
				row = append(row, cartText(c)...)
			} else {
				row = append(row, "(empty)", "", "", "")
			}
			rows = append(rows, row)
		}
		slotMap.para("Library %s at %s, as the catalog has it now:", l.Name, l.Site)
		slotMap.table([]string{"position", "cartridge", "pool", "generation", "state"}, rows)
	}
	if len(sc.libs) == 0 {
		slotMap.para("No library: every cartridge is loaded by hand.")
	}

	perGen := doc.section(2, "6-2 媒体管理(一次、二次、システム) / Media per generation (primary, secondary, system)")
	where := map[string]string{}
	for _, c := range carts {
		where[c.Barcode] = c.Location.String()
	}
	var rows [][]string
	for _, p := range sc.pools {
		if p.Scheme == string(rotation.SchemeScratch) {
			continue
		}
		var poolGens []media.CartridgeGeneration
		for _, g := range gens {
			if g.Pool == p.Name {
				poolGens = append(poolGens, g)
			}
		}
		slices.SortStableFunc(poolGens, func(a, b media.CartridgeGeneration) int {
			return cmp.Or(b.Started.Compare(a.Started), cmp.Compare(a.Barcode, b.Barcode))
		})
		for _, g := range poolGens {
			rows = append(rows, []string{p.Name, dash(poolClass(p)), g.Generation, g.Barcode, where[g.Barcode]})
		}
		rows = append(rows, []string{p.Name, dash(poolClass(p)), "cartridges the rotation needs", strconv.Itoa(rotationNeeds(p)), ""})
	}
	perGen.table([]string{"pool", "kind", "generation", "cartridge", "where now"}, rows)

	count := doc.section(2, "6-3 媒体本数 / Number of media")
	rows = nil
	counts := map[string]map[string]int{}
	var places []string
	for _, c := range carts {
		if !sc.all && !sc.pool(c.Pool) {
			continue
		}
		loc := storageText(c.Location)
		if counts[loc] == nil {
			counts[loc] = map[string]int{}
			places = append(places, loc)
		}
		counts[loc][cmp.Or(c.Pool, c.MediaType)]++
	}
	slices.Sort(places)
	totals := map[string]int{}
	for _, loc := range places {
		keys := slices.Sorted(maps.Keys(counts[loc]))
		var parts []string
		n := 0
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %d", k, counts[loc][k]))
			n += counts[loc][k]
			totals[k] += counts[loc][k]
		}
		rows = append(rows, []string{loc, strconv.Itoa(n), strings.Join(parts, ", ")})
	}
	count.para("Per storage place today:")
	count.table([]string{"where", "cartridges", "by pool (or media type)"}, rows)
	rows = nil
	for _, p := range sc.pools {
		capacity := "-"
		if info, ok := mediatype.Lookup(p.MediaType); ok && info.NativeBytes > 0 {
			capacity = bytesText(info.NativeBytes * int64(totals[p.Name]))
		}
		rows = append(rows, []string{p.Name, p.MediaType, strconv.Itoa(totals[p.Name]), strconv.Itoa(rotationNeeds(p)), capacity})
	}
	count.para("Per pool:")
	count.table([]string{"pool", "media", "cartridges", "the rotation needs", "native capacity in all"}, rows)

	exchange := doc.section(2, "6-4 媒体交換 / Exchanging media")
	rows = nil
	for _, st := range pg.cfg.Sites {
		var ps []string
		for _, p := range st.Places {
			ps = append(ps, p.Name+" ("+p.Kind+")")
		}
		dist := "-"
		if st.Kind != "machine-room" {
			dist = strconv.FormatFloat(st.DistanceKM, 'f', -1, 64) + " km"
		}
		hazards := "none stated"
		if len(st.Hazards) > 0 {
			hazards = strings.Join(st.Hazards, ", ")
		}
		rows = append(rows, []string{st.Name, st.Kind, dist, hazards, strings.Join(ps, ", "), st.Address})
	}
	exchange.para("Where generations are kept:")
	exchange.table([]string{"site", "kind", "distance", "hazards", "places", "address"}, rows)
	rows = nil
	for _, p := range sc.pools {
		switch {
		case p.Scheme == string(rotation.SchemeScratch):
			continue
		case p.Offsite == nil:
			rows = append(rows, []string{p.Name, "stays at the machine room"})
		default:
			rows = append(rows, []string{p.Name, offsitePolicy(pg.cfg.RotationPool(p))})
		}
	}
	exchange.para("Which generations travel (the courier plan, 'tapewarden courier plan', says each day what to send and recall; 'tapewarden swap-list' is the operator's page):")
	exchange.table([]string{"pool", "offsite policy"}, rows)
	exchange.para("A cartridge moves only on a manifest the courier signs barcode by barcode ('tapewarden manifest pickup', 'manifest deliver'); a manifest in transit longer than %s is overdue. A cartridge is overwritten only when its pool keeps enough newer generations; a new one is taken from the scratch pool.", durationText(pg.cfg.Catalog.ManifestOverdue.D()))
	return nil
}

func (pg *Pages) procCleaning(ctx context.Context, doc *Document, sc procedureScope, carts []media.Cartridge) error {
	s := doc.section(1, "7 クリーニング管理方式 / Drive cleaning")
	judged, err := pg.cleaning(ctx)
	if err != nil {
		return err
	}
	due := map[string]string{}
	for _, c := range judged {
		switch c.Due {
		case rotation.DueNow:
			due[c.Drive] = "now"
		case rotation.DueSoon:
			due[c.Drive] = "soon"
		default:
			due[c.Drive] = "no"
		}
	}
	var rows, history [][]string
	for _, d := range sc.drives {
		events, err := pg.cat.DriveEvents(ctx, d.Name, 200)
		if err != nil {
			return err
		}
		last := "never"
		n := 0
		for _, e := range events {
			if e.Kind != "cleaned" && e.Kind != "cleaning-failed" {
				continue
			}
			if e.Kind == "cleaned" && last == "never" {
				last = e.At.In(pg.cfg.Location).Format("2006-01-02 15:04")
			}
			if n < 5 {
				history = append(history, []string{d.Name, e.At.In(pg.cfg.Location).Format("2006-01-02 15:04"), e.Kind, dash(e.Barcode)})
			}
			n++
		}
		rows = append(rows, []string{d.Name, cleaningPolicy(d.Cleaning), last, dash(due[d.Name])})
	}
	s.table([]string{"drive", "policy", "last cleaned", "cleaning due"}, rows)
	rows = nil
	for _, c := range carts {
		if !mediatype.IsCleaning(c.MediaType) {
			continue
		}
		used := slices.ContainsFunc(sc.drives, func(d config.DriveConfig) bool {
			return mediatype.Compatibility(d.MediaType, c.MediaType) != mediatype.AccessNone
		})
		if !used {
			continue
		}
		left := "-"
		if c.UsesLeft != nil {
			left = strconv.Itoa(*c.UsesLeft)
		}
		rows = append(rows, []string{c.Barcode, c.MediaType, left, string(c.State), c.Location.String()})
	}
	s.para("Cleaning cartridges (one with no use left is retired and reported in the swap list):")
	s.table([]string{"cartridge", "media", "uses left", "state", "where"}, rows)
	if len(history) > 0 {
		s.para("The last cleanings (at most five per drive):")
		s.table([]string{"drive", "at", "what", "cartridge"}, history)
	} else {
		s.para("No drive has been cleaned yet.")
	}
	return nil
}

func (pg *Pages) procRestore(ctx context.Context, doc *Document, sc procedureScope) error {
	s := doc.section(1, "8 リストア手順 / Restore: order and procedure")
	var rows [][]string
	for _, sys := range sc.systems {
		documented := "no"
		if sys.RestoreProcedure {
			documented = "yes"
		}
		rows = append(rows, []string{priorityText(sys.RestorePriority), sys.Name, sys.Title, dash(sys.Importance), availability(sys.Availability), documented, dash(sys.VendorContact)})
	}
	s.para("Systems are restored in this order, decided in advance as the standard asks (第2節 3(2)オ):")
	s.table([]string{"#", "system", "title", "importance", "availability", "procedure documented", "vendor"}, rows)
	s.para("With the machine room working, the newest generation of a system, or one generation of one job:")
	var cmds []string
	for _, sys := range sc.systems {
		cmds = append(cmds, "tapewarden restore --system "+sys.Name+" --to /srv/restore")
	}
	cmds = append(cmds, "tapewarden restore --job JOB --generation GENERATION --to /srv/restore")
	s.code(cmds...)
	s.para("When the machine room is lost: the recovery sheet ('tapewarden report recovery-sheet'), kept printed at every other site, names the cartridges to fetch and the commands, and the README's \"The machine room is gone\" the steps.")

	drills := doc.section(1, "9 訓練と点検 / Drills and inspections")
	last, err := pg.cat.LastDrills(ctx)
	if err != nil {
		return err
	}
	rows = nil
	for _, sys := range sc.systems {
		d, ok := last[sys.Name]
		if !ok {
			rows = append(rows, []string{sys.Name, "never", "", ""})
			continue
		}
		rows = append(rows, []string{sys.Name, d.At.In(pg.cfg.Location).Format("2006-01-02 15:04"), d.Result, dash(d.Note)})
	}
	drills.para("Restore drills, about once a year per system ('tapewarden restore --drill'):")
	drills.table([]string{"system", "last drill", "result", "note"}, rows)
	rows = nil
	for _, st := range pg.cfg.Sites {
		list, err := pg.cat.Inspections(ctx, media.InspectionFilter{Site: st.Name, State: media.InspectionClosed, Limit: 1})
		if err != nil {
			return err
		}
		lastAt, open := "never", ""
		if len(list) > 0 {
			lastAt = list[0].ClosedAt.In(pg.cfg.Location).Format("2006-01-02 15:04")
			open = strconv.Itoa(list[0].OpenFindings())
		}
		rows = append(rows, []string{st.Name, durationText(st.InspectEvery.D()), lastAt, dash(open)})
	}
	drills.para("Physical inspections of the sites ('tapewarden inspect'):")
	drills.table([]string{"site", "every", "last inspection", "findings open"}, rows)
	return nil
}

func poolNames(pools []config.PoolConfig) []string {
	var out []string
	for _, p := range pools {
		out = append(out, p.Name)
	}
	return out
}

// rotationNeeds is how many cartridges a pool's rotation needs.
func rotationNeeds(p config.PoolConfig) int {
	switch {
	case p.Cycle != nil:
		return p.Cycle.Cartridges
	case p.GFS != nil:
		return p.GFS.Daily + p.GFS.Weekly + p.GFS.Monthly + p.GFS.Yearly + 1
	case p.Release != nil:
		return p.Release.Keep + 1
	}
	return 0
}

func generationsKept(p config.PoolConfig) string {
	switch {
	case p.Scheme == string(rotation.SchemeScratch):
		return "none (scratch)"
	case p.Cycle != nil:
		return fmt.Sprintf("%d (%d %s generations + the one being written)", p.Cycle.Cartridges, p.Cycle.Cartridges-1, everyAdjective(p.Cycle.Every))
	case p.GFS != nil:
		return fmt.Sprintf("%d daily, %d weekly, %d monthly, %d yearly", p.GFS.Daily, p.GFS.Weekly, p.GFS.Monthly, p.GFS.Yearly)
	case p.Release != nil:
		return fmt.Sprintf("%d releases", p.Release.Keep)
	}
	return "-"
}

func everyAdjective(every string) string {
	switch every {
	case "", "day":
		return "daily"
	case "week", "month", "year":
		return every + "ly"
	}
	return every
}

func schemeText(p config.PoolConfig) string {
	switch {
	case p.Cycle != nil:
		return fmt.Sprintf("cycle of %d, a generation a %s", p.Cycle.Cartridges, cmp.Or(p.Cycle.Every, "day"))
	case p.GFS != nil:
		return "grandfather-father-son"
	case p.Release != nil:
		return "at each release"
	}
	return string(p.Scheme)
}

func encryptionText(p config.PoolConfig) string {
	if p.Encrypted() {
		return fmt.Sprintf("age, %s", rotation.Plural(len(p.Recipients), "recipient"))
	}
	return "none"
}

func cleaningPolicy(c *rotation.CleaningPolicy) string {
	if c == nil {
		return "none configured"
	}
	var parts []string
	if c.OnRequest {
		parts = append(parts, "when the drive asks")
	}
	if c.EveryDays > 0 {
		parts = append(parts, "every "+rotation.Plural(c.EveryDays, "day"))
	}
	if c.EveryMounts > 0 {
		parts = append(parts, "every "+rotation.Plural(c.EveryMounts, "mount"))
	}
	if c.EveryMotionHours > 0 {
		parts = append(parts, "every "+strconv.FormatFloat(c.EveryMotionHours, 'f', -1, 64)+" hours of tape motion")
	}
	return dash(strings.Join(parts, ", "))
}

func availability(a int) string {
	if a <= 0 {
		return "-"
	}
	return strconv.Itoa(a)
}

// storageText is where a cartridge is, as a storage place: a library's
// slots count as the library.
func storageText(l media.Location) string {
	switch l.Kind {
	case media.InSlot, media.InMailSlot:
		return l.Site + "/" + l.Place
	case media.InTransit:
		return "in transit"
	}
	return l.String()
}

// program names a command by its program, or in full when the job logs
// its arguments.
func program(argv []string, all bool) string {
	if all {
		return strings.Join(argv, " ")
	}
	return argv[0]
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func bytesText(n int64) string {
	switch {
	case n >= 1e12:
		return strconv.FormatFloat(float64(n)/1e12, 'f', 1, 64) + " TB"
	case n >= 1e9:
		return strconv.FormatFloat(float64(n)/1e9, 'f', 1, 64) + " GB"
	case n >= 1e6:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

func durationText(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d%(24*time.Hour) == 0:
		return rotation.Plural(int(d/(24*time.Hour)), "day")
	case d%time.Hour == 0:
		return rotation.Plural(int(d/time.Hour), "hour")
	case d%time.Minute == 0:
		return rotation.Plural(int(d/time.Minute), "minute")
	}
	return d.String()
}

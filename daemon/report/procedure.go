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
	"github.com/tapewarden/tapewarden/daemon/i18n"
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
// standard's numbers and names, in Japanese and English; in lang
// Japanese, in Japanese alone.
func (pg *Pages) Procedure(ctx context.Context, system string, lang i18n.Lang) (Document, error) {
	sc, err := pg.scope(system)
	if err != nil {
		return Document{}, err
	}
	now := pg.now().In(pg.cfg.Location)
	pr := i18n.NewPrinter(lang, pg.cfg.Location)
	id, err := pg.cat.Identity(ctx)
	if err != nil {
		return Document{}, err
	}
	_, carts, err := pg.viewAndCartridges(ctx)
	if err != nil {
		return Document{}, err
	}
	title := pr.T("proc.title")
	if system != "" {
		s := pg.cfg.System(system)
		title += ": " + s.Name + titleSuffix(s.Title)
	}
	doc := Document{Title: title, Lang: string(pr.Lang()), Made: now}
	doc.Lines = []string{
		pr.T("proc.made", sheetMade(pr, now), id.UUID),
		pr.T("proc.follows"),
	}

	pg.procTerms(&doc, pr)
	pg.procEquipment(&doc, pr, sc)
	pg.procAreas(&doc, pr, sc)
	pg.procManagement(&doc, pr, sc, now)
	if err := pg.procMethods(ctx, &doc, pr, sc); err != nil {
		return Document{}, err
	}
	if err := pg.procMedia(ctx, &doc, pr, sc, carts); err != nil {
		return Document{}, err
	}
	if err := pg.procCleaning(ctx, &doc, pr, sc, carts); err != nil {
		return Document{}, err
	}
	if err := pg.procRestore(ctx, &doc, pr, sc); err != nil {
		return Document{}, err
	}
	return doc, nil
}

func (pg *Pages) procTerms(doc *Document, pr *i18n.Printer) {
	s := doc.section(1, pr.T("proc.terms"))
	var rows [][]string
	for _, term := range []string{"generation", "pool", "primary", "secondary", "system", "cartridge", "tape_file", "manifest", "catalog", "offsite"} {
		rows = append(rows, []string{pr.T("proc.term." + term), pr.T("proc.term." + term + ".means")})
	}
	s.table([]string{pr.T("proc.col.term"), pr.T("proc.col.meaning")}, rows)
}

func (pg *Pages) procEquipment(doc *Document, pr *i18n.Printer, sc procedureScope) {
	s := doc.section(1, pr.T("proc.equipment"))
	var rows [][]string
	for _, d := range sc.drives {
		lib := pr.T("proc.standalone")
		if l, el := pg.cfg.LibraryOf(d.Name); l != nil {
			lib = pr.T("proc.element", l.Name, strconv.Itoa(el))
		}
		rows = append(rows, []string{d.Name, d.Site, d.Type, d.MediaType, strconv.Itoa(d.BlockSize), lib, dash(d.Device)})
	}
	s.para("%s", pr.T("proc.drives"))
	s.table([]string{pr.T("proc.col.drive"), pr.T("proc.col.site"), pr.T("proc.col.type"), pr.T("proc.col.media"), pr.T("proc.col.block_size"), pr.T("proc.col.loaded_by"), pr.T("proc.col.device")}, rows)
	rows = nil
	for _, l := range sc.libs {
		var ds []string
		for _, ld := range l.Drives {
			ds = append(ds, fmt.Sprintf("%d=%s", ld.Element, ld.Drive))
		}
		rows = append(rows, []string{l.Name, l.Site, l.Type, strconv.Itoa(l.Slots), strconv.Itoa(l.MailSlots), strings.Join(ds, ", ")})
	}
	if len(rows) > 0 {
		s.para("%s", pr.T("proc.libraries"))
		s.table([]string{pr.T("proc.col.library"), pr.T("proc.col.site"), pr.T("proc.col.type"), pr.T("proc.col.slots"), pr.T("proc.col.mail_slots"), pr.T("proc.col.lib_drives")}, rows)
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
			capacity = bytesText(pr, info.NativeBytes)
		}
		rows = append(rows, []string{p.MediaType, capacity, strings.Join(pools, ", ")})
	}
	s.para("%s", pr.T("proc.media_types"))
	s.table([]string{pr.T("proc.col.media"), pr.T("proc.col.native"), pr.T("proc.col.pools")}, rows)
	rows = nil
	for _, sys := range sc.systems {
		rows = append(rows, []string{sys.Name, sys.Title, strings.Join(sys.Servers, ", "), sys.Manager, dash(sys.Importance), availability(sys.Availability)})
	}
	s.para("%s", pr.T("proc.systems"))
	s.table([]string{pr.T("proc.col.system"), pr.T("proc.col.title"), pr.T("proc.col.servers"), pr.T("proc.col.manager"), pr.T("proc.col.importance"), pr.T("proc.col.availability")}, rows)
}

func (pg *Pages) procAreas(doc *Document, pr *i18n.Printer, sc procedureScope) {
	s := doc.section(1, pr.T("proc.areas"))
	var rows [][]string
	for _, j := range sc.jobs {
		var what string
		switch {
		case len(j.Source.Paths) > 0:
			what = strings.Join(j.Source.Paths, ", ")
		case len(j.Source.Command) > 0:
			what = pr.T("proc.output_of", program(j.Source.Command, j.LogArguments), j.Source.Name)
		}
		rows = append(rows, []string{j.Name, j.System, what})
	}
	s.table([]string{pr.T("proc.col.job"), pr.T("proc.col.system"), pr.T("proc.col.what")}, rows)
}

func (pg *Pages) procManagement(doc *Document, pr *i18n.Printer, sc procedureScope, now time.Time) {
	doc.section(1, pr.T("proc.management"))
	flow := doc.section(2, pr.T("proc.flow"))
	flow.para("%s", pr.T("proc.flow.check", durationText(pr, pg.cfg.Scheduler.CheckBefore.D())))
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
	flow.para("%s", pr.T("proc.flow.run"))
	flow.table([]string{pr.T("proc.col.job"), pr.T("proc.col.pre"), pr.T("proc.col.verify"), pr.T("proc.col.post")}, steps)

	day := doc.section(2, pr.T("proc.day"))
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
		next := pr.T("proc.when_asked")
		if sched, err := config.ParseSchedule(j.Schedule); j.Schedule != "" && err == nil {
			if t := sched.Next(now); !t.IsZero() {
				next = pg.sheetTime(pr, t)
			}
		}
		rows = append(rows, []string{j.Name, strconv.Itoa(len(times)), dash(strings.Join(shown, " ")), next})
	}
	on := start.Format("2006-01-02 (Mon)")
	if pr.Lang() == i18n.Japanese {
		on = pr.Date(start)
	}
	day.para("%s", pr.T("proc.on_day", on))
	day.table([]string{pr.T("proc.col.job"), pr.T("proc.col.runs"), pr.T("proc.col.at"), pr.T("proc.col.next_run")}, rows)

	week := doc.section(2, pr.T("proc.week"))
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
			kept = generationsKept(pr, *p)
		}
		rows = append(rows, []string{j.Name, j.System, j.Pool, dash(j.Schedule), strconv.Itoa(perWeek[j.Name]), kept})
	}
	week.table([]string{pr.T("proc.col.job"), pr.T("proc.col.system"), pr.T("proc.col.pool"), pr.T("proc.col.schedule"), pr.T("proc.col.runs_week"), pr.T("proc.col.kept")}, rows)
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

func (pg *Pages) procMethods(ctx context.Context, doc *Document, pr *i18n.Printer, sc procedureScope) error {
	doc.section(1, pr.T("proc.methods"))
	w := doc.section(2, pr.T("proc.windows"))
	w.para("%s", pr.T("proc.windows.not_used"))
	d := doc.section(2, pr.T("proc.ddr"))
	d.para("%s", pr.T("proc.ddr.not_used"))
	heads := map[string]string{
		"primary":   pr.T("proc.primary"),
		"secondary": pr.T("proc.secondary"),
		"system":    pr.T("proc.system_backups"),
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
			rows = append(rows, []string{p.Name, p.MediaType, schemeText(pr, p), generationsKept(pr, p), dash(strings.Join(jobs, ", ")), encryptionText(pr, p)})
		}
		if len(rows) == 0 {
			s.para("%s", pr.T("proc.none_configured"))
			continue
		}
		s.table([]string{pr.T("proc.col.pool"), pr.T("proc.col.media"), pr.T("proc.col.rotation"), pr.T("proc.col.kept"), pr.T("proc.col.jobs"), pr.T("proc.col.encryption")}, rows)
	}

	size := doc.section(2, pr.T("proc.size"))
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
			rows = append(rows, []string{p.Name, id, bytesText(pr, gens[id].bytes), strings.Join(gens[id].jobs, ", ")})
		}
		if len(order) == 0 {
			rows = append(rows, []string{p.Name, pr.T("proc.no_generation"), "", ""})
		}
	}
	size.para("%s", pr.T("proc.size.newest"))
	size.table([]string{pr.T("proc.col.pool"), pr.T("proc.col.generation"), pr.T("proc.col.bytes"), pr.T("proc.col.jobs")}, rows)
	return nil
}

func (pg *Pages) procMedia(ctx context.Context, doc *Document, pr *i18n.Printer, sc procedureScope, carts []media.Cartridge) error {
	doc.section(1, pr.T("proc.media"))
	slotMap := doc.section(2, pr.T("proc.slot_map"))
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
			row := []string{pr.T("proc.slot", strconv.Itoa(n))}
			if c, ok := byLoc[media.LibrarySlot(l.Site, l.Name, n).String()]; ok {
				row = append(row, cartText(c)...)
			} else {
				row = append(row, pr.T("proc.empty"), "", "", "")
			}
			rows = append(rows, row)
		}
		for n := 1; n <= l.MailSlots; n++ {
			row := []string{pr.T("proc.mail_slot", strconv.Itoa(n))}
			if c, ok := byLoc[media.LibraryMailSlot(l.Site, l.Name, n).String()]; ok {
				row = append(row, cartText(c)...)
			} else {
				row = append(row, pr.T("proc.empty"), "", "", "")
			}
			rows = append(rows, row)
		}
		for _, ld := range l.Drives {
			row := []string{pr.T("proc.drive", ld.Drive)}
			if c, ok := byLoc[media.DriveAt(l.Site, ld.Drive).String()]; ok {
				row = append(row, cartText(c)...)
			} else {
				row = append(row, pr.T("proc.empty"), "", "", "")
			}
			rows = append(rows, row)
		}
		slotMap.para("%s", pr.T("proc.library_at", l.Name, l.Site))
		slotMap.table([]string{pr.T("proc.col.position"), pr.T("proc.col.cartridge"), pr.T("proc.col.pool"), pr.T("proc.col.generation"), pr.T("proc.col.state")}, rows)
	}
	if len(sc.libs) == 0 {
		slotMap.para("%s", pr.T("proc.no_library"))
	}

	perGen := doc.section(2, pr.T("proc.per_gen"))
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
			rows = append(rows, []string{p.Name, classText(pr, p), g.Generation, g.Barcode, where[g.Barcode]})
		}
		rows = append(rows, []string{p.Name, classText(pr, p), pr.T("proc.rotation_needs"), strconv.Itoa(rotationNeeds(p)), ""})
	}
	perGen.table([]string{pr.T("proc.col.pool"), pr.T("proc.col.kind"), pr.T("proc.col.generation"), pr.T("proc.col.cartridge"), pr.T("proc.col.where_now")}, rows)

	count := doc.section(2, pr.T("proc.count"))
	rows = nil
	counts := map[string]map[string]int{}
	var places []string
	for _, c := range carts {
		if !sc.all && !sc.pool(c.Pool) {
			continue
		}
		loc := storageText(pr, c.Location)
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
	count.para("%s", pr.T("proc.per_place"))
	count.table([]string{pr.T("proc.col.where"), pr.T("proc.col.cartridges"), pr.T("proc.col.by_pool")}, rows)
	rows = nil
	for _, p := range sc.pools {
		capacity := "-"
		if info, ok := mediatype.Lookup(p.MediaType); ok && info.NativeBytes > 0 {
			capacity = bytesText(pr, info.NativeBytes*int64(totals[p.Name]))
		}
		rows = append(rows, []string{p.Name, p.MediaType, strconv.Itoa(totals[p.Name]), strconv.Itoa(rotationNeeds(p)), capacity})
	}
	count.para("%s", pr.T("proc.per_pool"))
	count.table([]string{pr.T("proc.col.pool"), pr.T("proc.col.media"), pr.T("proc.col.cartridges"), pr.T("proc.col.needs"), pr.T("proc.col.native_all")}, rows)

	exchange := doc.section(2, pr.T("proc.exchange"))
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
		hazards := pr.T("proc.no_hazards")
		if len(st.Hazards) > 0 {
			hazards = strings.Join(st.Hazards, ", ")
		}
		rows = append(rows, []string{st.Name, st.Kind, dist, hazards, strings.Join(ps, ", "), st.Address})
	}
	exchange.para("%s", pr.T("proc.kept_where"))
	exchange.table([]string{pr.T("proc.col.site"), pr.T("proc.col.kind"), pr.T("proc.col.distance"), pr.T("proc.col.hazards"), pr.T("proc.col.places"), pr.T("proc.col.address")}, rows)
	rows = nil
	for _, p := range sc.pools {
		switch {
		case p.Scheme == string(rotation.SchemeScratch):
			continue
		case p.Offsite == nil:
			rows = append(rows, []string{p.Name, pr.T("proc.stays")})
		default:
			rows = append(rows, []string{p.Name, offsiteText(pr, pg.cfg.RotationPool(p))})
		}
	}
	exchange.para("%s", pr.T("proc.travel"))
	exchange.table([]string{pr.T("proc.col.pool"), pr.T("proc.col.offsite")}, rows)
	exchange.para("%s", pr.T("proc.moves", durationText(pr, pg.cfg.Catalog.ManifestOverdue.D())))
	return nil
}

func (pg *Pages) procCleaning(ctx context.Context, doc *Document, pr *i18n.Printer, sc procedureScope, carts []media.Cartridge) error {
	s := doc.section(1, pr.T("proc.cleaning"))
	judged, err := pg.cleaning(ctx)
	if err != nil {
		return err
	}
	due := map[string]string{}
	for _, c := range judged {
		switch c.Due {
		case rotation.DueNow:
			due[c.Drive] = pr.T("proc.due.now")
		case rotation.DueSoon:
			due[c.Drive] = pr.T("proc.due.soon")
		default:
			due[c.Drive] = pr.T("proc.due.no")
		}
	}
	var rows, history [][]string
	for _, d := range sc.drives {
		events, err := pg.cat.DriveEvents(ctx, d.Name, 200)
		if err != nil {
			return err
		}
		never := pr.T("proc.never")
		last := never
		n := 0
		for _, e := range events {
			if e.Kind != "cleaned" && e.Kind != "cleaning-failed" {
				continue
			}
			if e.Kind == "cleaned" && last == never {
				last = pg.sheetTime(pr, e.At)
			}
			if n < 5 {
				history = append(history, []string{d.Name, pg.sheetTime(pr, e.At), pr.T("proc.event." + e.Kind), dash(e.Barcode)})
			}
			n++
		}
		rows = append(rows, []string{d.Name, cleaningPolicy(pr, d.Cleaning), last, dash(due[d.Name])})
	}
	s.table([]string{pr.T("proc.col.drive"), pr.T("proc.col.policy"), pr.T("proc.col.last_cleaned"), pr.T("proc.col.due")}, rows)
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
	s.para("%s", pr.T("proc.cleaning_carts"))
	s.table([]string{pr.T("proc.col.cartridge"), pr.T("proc.col.media"), pr.T("proc.col.uses_left"), pr.T("proc.col.state"), pr.T("proc.col.where")}, rows)
	if len(history) > 0 {
		s.para("%s", pr.T("proc.last_cleanings"))
		s.table([]string{pr.T("proc.col.drive"), pr.T("proc.col.at"), pr.T("proc.col.what_done"), pr.T("proc.col.cartridge")}, history)
	} else {
		s.para("%s", pr.T("proc.never_cleaned"))
	}
	return nil
}

func (pg *Pages) procRestore(ctx context.Context, doc *Document, pr *i18n.Printer, sc procedureScope) error {
	s := doc.section(1, pr.T("proc.restore"))
	var rows [][]string
	for _, sys := range sc.systems {
		documented := pr.T("proc.no")
		if sys.RestoreProcedure {
			documented = pr.T("proc.yes")
		}
		rows = append(rows, []string{priorityText(pr, sys.RestorePriority), sys.Name, sys.Title, dash(sys.Importance), availability(sys.Availability), documented, dash(sys.VendorContact)})
	}
	s.para("%s", pr.T("proc.restore.order"))
	s.table([]string{"#", pr.T("proc.col.system"), pr.T("proc.col.title"), pr.T("proc.col.importance"), pr.T("proc.col.availability"), pr.T("proc.col.documented"), pr.T("proc.col.vendor")}, rows)
	s.para("%s", pr.T("proc.restore.working"))
	var cmds []string
	for _, sys := range sc.systems {
		cmds = append(cmds, "tapewarden restore --system "+sys.Name+" --to /srv/restore")
	}
	cmds = append(cmds, "tapewarden restore --job JOB --generation GENERATION --to /srv/restore")
	s.code(cmds...)
	s.para("%s", pr.T("proc.restore.lost"))

	drills := doc.section(1, pr.T("proc.drills"))
	last, err := pg.cat.LastDrills(ctx)
	if err != nil {
		return err
	}
	rows = nil
	for _, sys := range sc.systems {
		d, ok := last[sys.Name]
		if !ok {
			rows = append(rows, []string{sys.Name, pr.T("proc.never"), "", ""})
			continue
		}
		rows = append(rows, []string{sys.Name, pg.sheetTime(pr, d.At), d.Result, dash(d.Note)})
	}
	drills.para("%s", pr.T("proc.drills.restore"))
	drills.table([]string{pr.T("proc.col.system"), pr.T("proc.col.last_drill"), pr.T("proc.col.result"), pr.T("proc.col.note")}, rows)
	rows = nil
	for _, st := range pg.cfg.Sites {
		list, err := pg.cat.Inspections(ctx, media.InspectionFilter{Site: st.Name, State: media.InspectionClosed, Limit: 1})
		if err != nil {
			return err
		}
		lastAt, open := pr.T("proc.never"), ""
		if len(list) > 0 {
			lastAt = pg.sheetTime(pr, list[0].ClosedAt)
			open = strconv.Itoa(list[0].OpenFindings())
		}
		rows = append(rows, []string{st.Name, durationText(pr, st.InspectEvery.D()), lastAt, dash(open)})
	}
	drills.para("%s", pr.T("proc.drills.inspect"))
	drills.table([]string{pr.T("proc.col.site"), pr.T("proc.col.every"), pr.T("proc.col.last_inspection"), pr.T("proc.col.findings")}, rows)
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

// generationsKept says how many generations a pool keeps.
func generationsKept(pr *i18n.Printer, p config.PoolConfig) string {
	switch {
	case p.Scheme == string(rotation.SchemeScratch):
		return pr.T("proc.kept.scratch")
	case p.Cycle != nil:
		return pr.T("proc.kept.cycle", p.Cycle.Cartridges, p.Cycle.Cartridges-1, everyAdjective(pr, p.Cycle.Every))
	case p.GFS != nil:
		return pr.T("proc.kept.gfs", p.GFS.Daily, p.GFS.Weekly, p.GFS.Monthly, p.GFS.Yearly)
	case p.Release != nil:
		return pr.T("proc.kept.release", p.Release.Keep)
	}
	return "-"
}

func everyAdjective(pr *i18n.Printer, every string) string {
	switch every {
	case "", "day":
		return pr.T("proc.every.day")
	case "week", "month", "year":
		return pr.T("proc.every." + every)
	}
	return every
}

func schemeText(pr *i18n.Printer, p config.PoolConfig) string {
	switch {
	case p.Cycle != nil:
		every := cmp.Or(p.Cycle.Every, "day")
		if pr.Has("proc.unit." + every) {
			every = pr.T("proc.unit." + every)
		}
		return pr.T("proc.scheme.cycle", p.Cycle.Cartridges, every)
	case p.GFS != nil:
		return pr.T("proc.scheme.gfs")
	case p.Release != nil:
		return pr.T("proc.scheme.release")
	}
	return string(p.Scheme)
}

func encryptionText(pr *i18n.Printer, p config.PoolConfig) string {
	switch {
	case !p.Encrypted():
		return pr.T("proc.encryption.none")
	case pr.Lang() == i18n.Japanese:
		return pr.T("proc.encryption.age", len(p.Recipients))
	}
	return fmt.Sprintf("age, %s", rotation.Plural(len(p.Recipients), "recipient"))
}

func cleaningPolicy(pr *i18n.Printer, c *rotation.CleaningPolicy) string {
	if c == nil {
		return pr.T("proc.policy.none")
	}
	ja := pr.Lang() == i18n.Japanese
	var parts []string
	if c.OnRequest {
		parts = append(parts, pr.T("proc.policy.asks"))
	}
	if c.EveryDays > 0 {
		if ja {
			parts = append(parts, pr.T("proc.policy.days", c.EveryDays))
		} else {
			parts = append(parts, "every "+rotation.Plural(c.EveryDays, "day"))
		}
	}
	if c.EveryMounts > 0 {
		if ja {
			parts = append(parts, pr.T("proc.policy.mounts", c.EveryMounts))
		} else {
			parts = append(parts, "every "+rotation.Plural(c.EveryMounts, "mount"))
		}
	}
	if c.EveryMotionHours > 0 {
		parts = append(parts, pr.T("proc.policy.hours", strconv.FormatFloat(c.EveryMotionHours, 'f', -1, 64)))
	}
	sep := ", "
	if ja {
		sep = "、"
	}
	return dash(strings.Join(parts, sep))
}

// classText is a pool's kind of backup (表-33 5-3), in the printer's
// language.
func classText(pr *i18n.Printer, p config.PoolConfig) string {
	if c := poolClass(p); c != "" {
		return pr.T("proc.class." + c)
	}
	return "-"
}

// offsiteText is a pool's offsite policy in a few words: offsitePolicy's
// in English.
func offsiteText(pr *i18n.Printer, p rotation.Pool) string {
	if pr.Lang() != i18n.Japanese {
		return offsitePolicy(p)
	}
	o := p.Offsite
	s := pr.T("proc.offsite", o.Keep, o.Site)
	if o.RemoteSite != "" && o.RemoteSite != o.Site {
		s += pr.T("proc.offsite.remote", o.RemoteSite)
	}
	return s + pr.T("proc.offsite.transit", pr.T("proc.duration.days", o.TransitDays), pr.T("proc.duration.days", leadDays(o)))
}

func availability(a int) string {
	if a <= 0 {
		return "-"
	}
	return strconv.Itoa(a)
}

// storageText is where a cartridge is, as a storage place: a library's
// slots count as the library.
func storageText(pr *i18n.Printer, l media.Location) string {
	switch l.Kind {
	case media.InSlot, media.InMailSlot:
		return l.Site + "/" + l.Place
	case media.InTransit:
		return pr.T("proc.in_transit")
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

func bytesText(pr *i18n.Printer, n int64) string {
	switch {
	case n >= 1e12:
		return strconv.FormatFloat(float64(n)/1e12, 'f', 1, 64) + " TB"
	case n >= 1e9:
		return strconv.FormatFloat(float64(n)/1e9, 'f', 1, 64) + " GB"
	case n >= 1e6:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
	}
	return pr.T("proc.bytes", strconv.FormatInt(n, 10))
}

func durationText(pr *i18n.Printer, d time.Duration) string {
	unit := func(n int, word, id string) string {
		if pr.Lang() == i18n.Japanese {
			return pr.T(id, n)
		}
		return rotation.Plural(n, word)
	}
	switch {
	case d == 0:
		return "-"
	case d%(24*time.Hour) == 0:
		return unit(int(d/(24*time.Hour)), "day", "proc.duration.days")
	case d%time.Hour == 0:
		return unit(int(d/time.Hour), "hour", "proc.duration.hours")
	case d%time.Minute == 0:
		return unit(int(d/time.Minute), "minute", "proc.duration.minutes")
	}
	return d.String()
}

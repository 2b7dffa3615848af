package report

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/daemon/i18n"
)

// lowCleanerUses is when a cleaning cartridge is low enough that a
// replacement should be at hand.
const lowCleanerUses = 2

// Codes of the reasons the swap list adds to rotation's.
const (
	codeCleanerLow     rotation.Code = "cleaner-low"     // few uses left: have a replacement ready
	codeCleanerRetired rotation.Code = "cleaner-retired" // retired, but still in a library
)

// SwapList is the machine-room operator's page for one day: what to take
// out for the courier, what comes back and where to file it, which
// cartridge each run needs and whether a person must load it, and the
// drive cleaning due.
type SwapList struct {
	// Language is the language of the texts for people (en, ja): the
	// actions, notes, places in words and reasons. Codes, barcodes and
	// commands stay as they are.
	Language string `json:"language"`
	Date     string `json:"date"`
	// Weekday is the day's English abbreviation (Sat) in every language;
	// a printout writes the day from At.
	Weekday string `json:"weekday"`
	// Site is the machine room the list is for.
	Site string `json:"site"`
	// At is when the courier is taken to leave; the runs are those from
	// then to the end of the day.
	At       time.Time      `json:"at"`
	Note     string         `json:"note,omitempty"`
	TakeOut  []SwapSend     `json:"take_out"`
	Expect   []SwapRecall   `json:"expect_back"`
	Runs     []SwapRun      `json:"runs"`
	Cleaning []SwapCleaning `json:"cleaning"`
	Cleaners []SwapCleaner  `json:"cleaners"`
	Problems []SwapProblem  `json:"problems"`
}

// SwapSend is a cartridge to take out for the courier.
type SwapSend struct {
	Pool    string `json:"pool"`
	Barcode string `json:"barcode"`
	// Location is where the catalog has it (canonical form); Where says it
	// in words.
	Location      string              `json:"location"`
	Where         string              `json:"where"`
	To            string              `json:"to"`
	Generations   []string            `json:"generations,omitempty"`
	Manifest      string              `json:"manifest,omitempty"`
	ManifestState media.ManifestState `json:"manifest_state,omitempty"`
	// Action is what the operator does.
	Action string          `json:"action"`
	Reason rotation.Reason `json:"reason"`
	// Handling is the cartridge's handling class.
	media.Handling
}

// SwapRecall is a cartridge expected back, and where to file it.
type SwapRecall struct {
	Pool          string              `json:"pool"`
	Barcode       string              `json:"barcode"`
	Location      string              `json:"location"`
	Where         string              `json:"where"`
	Manifest      string              `json:"manifest,omitempty"`
	ManifestState media.ManifestState `json:"manifest_state,omitempty"`
	// FileAt is a library (imported through its mail slot) or a storage
	// place SITE/PLACE.
	FileAt string          `json:"file_at"`
	Action string          `json:"action"`
	Reason rotation.Reason `json:"reason"`
	// Handling is the cartridge's handling class.
	media.Handling
}

// SwapRun is a job's run (or consecutive runs writing the same cartridge)
// and the cartridge it needs.
type SwapRun struct {
	First       time.Time `json:"first"`
	Last        time.Time `json:"last"`
	Runs        int       `json:"runs"`
	Job         string    `json:"job"`
	Pool        string    `json:"pool"`
	Barcode     string    `json:"barcode,omitempty"`
	Generation  string    `json:"generation"`
	Append      bool      `json:"append,omitempty"`
	FromScratch string    `json:"from_scratch,omitempty"`
	Overwrites  []string  `json:"overwrites,omitempty"`
	Location    string    `json:"location,omitempty"`
	Where       string    `json:"where,omitempty"`
	// Person is true when a person must bring or load the cartridge;
	// Drive is then the standalone drive it goes into, if any.
	Person   bool              `json:"person"`
	Drive    string            `json:"drive,omitempty"`
	Action   string            `json:"action"`
	Problem  *rotation.Reason  `json:"problem,omitempty"`
	Warnings []rotation.Reason `json:"warnings,omitempty"`
	// Handling is the class the cartridge holds once written.
	media.Handling
}

// SwapCleaning is a drive due for cleaning now or soon.
type SwapCleaning struct {
	Drive   string            `json:"drive"`
	Due     rotation.Due      `json:"due"`
	Block   bool              `json:"block,omitempty"`
	Reasons []rotation.Reason `json:"reasons"`
	Cleaner string            `json:"cleaner,omitempty"`
	// Location is where the cleaning cartridge is.
	Location string `json:"location,omitempty"`
	Person   bool   `json:"person"`
	Action   string `json:"action"`
}

// SwapCleaner is a cleaning cartridge to retire, take out or replace.
type SwapCleaner struct {
	Barcode  string          `json:"barcode"`
	Location string          `json:"location"`
	Where    string          `json:"where"`
	UsesLeft int             `json:"uses_left"`
	Action   string          `json:"action"`
	Reason   rotation.Reason `json:"reason"`
}

// SwapProblem is something that keeps the day from going to plan.
type SwapProblem struct {
	Subject string          `json:"subject"`
	Reason  rotation.Reason `json:"reason"`
}

// swapWorld is what the swap list is built from.
type swapWorld struct {
	pg    *Pages
	p     *i18n.Printer
	carts map[string]media.Cartridge
	where map[string]string // barcode -> location in words
}

// SwapList builds the operator's page for the day and time given as the
// API takes them (see planTime): the offsite plan's sends and recalls,
// the runs from then to the end of the day with the cartridge rotation's
// projection gives each (after the plan's moves), and the drive cleaning.
// Its texts for people are in language l.
func (pg *Pages) SwapList(ctx context.Context, l i18n.Lang, date, at string) (SwapList, error) {
	t, err := pg.planTime(date, at)
	if err != nil {
		return SwapList{}, err
	}
	view, list, err := pg.viewAndCartridges(ctx)
	if err != nil {
		return SwapList{}, err
	}
	p := pg.printer(l)
	w := &swapWorld{pg: pg, p: p, carts: map[string]media.Cartridge{}, where: map[string]string{}}
	for _, c := range list {
		w.carts[c.Barcode] = c
	}
	for _, c := range view.Cartridges {
		w.where[c.Barcode] = p.Where(c.Location)
	}
	plan, err := pg.courierPlan(ctx, p, view, t)
	if err != nil {
		return SwapList{}, err
	}
	s := SwapList{Language: string(p.Lang()), Date: plan.Date, Weekday: plan.Weekday, Site: plan.Site, At: t, Note: plan.Note,
		TakeOut: []SwapSend{}, Expect: []SwapRecall{}, Runs: []SwapRun{}, Cleaning: []SwapCleaning{}, Cleaners: []SwapCleaner{}, Problems: []SwapProblem{}}
	recalled := map[string]CourierMove{}
	for _, pp := range plan.Pools {
		for _, m := range pp.Sends {
			s.TakeOut = append(s.TakeOut, w.send(m))
		}
		for _, m := range pp.Recalls {
			recalled[m.Barcode] = m
			s.Expect = append(s.Expect, w.recall(m))
		}
		for _, r := range pp.Problems {
			s.Problems = append(s.Problems, SwapProblem{Subject: p.T("swap.pool", pp.Pool), Reason: r})
		}
	}

	pools := pg.cfg.RotationPools()
	sched, err := rotation.Calendar(pools, view, pg.runsOf(pools, t, pg.planRunsUntil(t)), t, 1)
	if err != nil {
		return SwapList{}, err
	}
	last := map[string]int{}
	for _, wr := range sched.Calendar[0].Writes {
		if i, ok := last[wr.Job]; ok && sameWrite(s.Runs[i], wr) {
			s.Runs[i].Last = wr.Time
			s.Runs[i].Runs++
			continue
		}
		last[wr.Job] = len(s.Runs)
		wr.Problem, wr.Warnings = sayOne(p, wr.Problem), sayEach(p, wr.Warnings)
		s.Runs = append(s.Runs, w.run(wr, recalled))
	}
	slices.SortStableFunc(s.Runs, func(a, b SwapRun) int { return a.First.Compare(b.First) })
	if err := pg.classifyRuns(ctx, s.Runs); err != nil {
		return SwapList{}, err
	}

	cleaning, err := pg.cleaning(ctx)
	if err != nil {
		return SwapList{}, err
	}
	seen := map[string]bool{}
	for _, c := range cleaning {
		if c.Due == rotation.DueNow || c.Due == rotation.DueSoon {
			s.Cleaning = append(s.Cleaning, w.cleaning(c))
		}
		for _, sp := range c.Spent {
			if !seen[sp.Barcode] {
				seen[sp.Barcode] = true
				s.Cleaners = append(s.Cleaners, w.cleaner(sp.Barcode, p.T("swap.cleaner.retire"), say(p, sp.Reason)))
			}
		}
	}
	now := pg.now().In(pg.cfg.Location)
	for _, sp := range rotation.SpentCleaners(view.Cartridges, now) {
		if !seen[sp.Barcode] {
			seen[sp.Barcode] = true
			s.Cleaners = append(s.Cleaners, w.cleaner(sp.Barcode, p.T("swap.cleaner.retire_cmd", sp.Barcode), say(p, sp.Reason)))
		}
	}
	for _, c := range view.Cartridges {
		mc := w.carts[c.Barcode]
		switch {
		case seen[c.Barcode] || !media.IsCleaningType(c.MediaType):
		case c.State == rotation.StateRetired && mc.Location.InLibrary():
			// The swap list's own reasons are written in the page's
			// language here; say knows rotation's.
			s.Cleaners = append(s.Cleaners, w.cleaner(c.Barcode, p.T("swap.cleaner.dispose"),
				rotation.Reason{Code: codeCleanerRetired, Message: p.T("swap.why.cleaner_retired", c.Barcode, mc.Location.Place)}))
		case c.State == rotation.StateCleaning && c.UsesLeft > 0 && c.UsesLeft <= lowCleanerUses && c.Location.Site == s.Site:
			s.Cleaners = append(s.Cleaners, w.cleaner(c.Barcode, p.T("swap.cleaner.ready"),
				rotation.Reason{Code: codeCleanerLow, Message: p.T("swap.why.cleaner_low", c.Barcode, uses(p, c.UsesLeft))}))
		}
	}
	slices.SortStableFunc(s.Cleaners, func(a, b SwapCleaner) int { return strings.Compare(a.Barcode, b.Barcode) })
	return s, nil
}

// sameWrite reports whether a projected write continues a swap-list entry:
// the same cartridge, or the same problem.
func sameWrite(r SwapRun, w rotation.Write) bool {
	if r.Barcode != w.Barcode {
		return false
	}
	if (r.Problem == nil) != (w.Problem == nil) {
		return false
	}
	return r.Problem == nil || r.Problem.Code == w.Problem.Code
}

func (w *swapWorld) send(m CourierMove) SwapSend {
	c, p := w.carts[m.Barcode], w.p
	s := SwapSend{Pool: m.Pool, Barcode: m.Barcode, Location: m.Location, Where: m.From, To: m.To, Generations: m.Generations,
		Manifest: m.Manifest, ManifestState: m.ManifestState, Reason: m.Reason, Handling: m.Handling}
	var act string
	switch l := c.Location; l.Kind {
	case media.InSlot:
		act = p.T("swap.send.export", m.Barcode)
	case media.InMailSlot:
		act = p.T("swap.send.mailslot", l.Place, strconv.Itoa(l.Slot))
		if lib := w.pg.cfg.Library(l.Place); lib != nil && lib.Type == "virtual" {
			act = p.T("swap.send.mailslot_virtual", l.Place, strconv.Itoa(l.Slot), strconv.Itoa(l.Slot))
		}
	case media.InDrive:
		if lib, _ := w.pg.cfg.LibraryOf(l.Place); lib != nil {
			act = p.T("swap.send.unload", l.Place, l.Place, m.Barcode)
		} else {
			act = p.T("swap.send.eject", l.Place, l.Place, l.Site)
		}
	default:
		act = p.T("swap.send.take", l.String())
	}
	switch m.Manifest {
	case "":
		act += p.T("swap.no_manifest")
	default:
		act += p.T("swap.send.pickup", m.Manifest, m.Manifest, m.Barcode)
	}
	s.Action = act
	return s
}

func (w *swapWorld) recall(m CourierMove) SwapRecall {
	c, p := w.carts[m.Barcode], w.p
	r := SwapRecall{Pool: m.Pool, Barcode: m.Barcode, Location: m.Location, Where: m.From, Manifest: m.Manifest, ManifestState: m.ManifestState, Reason: m.Reason, Handling: m.Handling}
	deliver := "'tapewarden manifest deliver ID " + m.Barcode + "'"
	if m.Manifest != "" {
		deliver = fmt.Sprintf("'tapewarden manifest deliver %s %s'", m.Manifest, m.Barcode)
	}
	if lib := w.mailSlotLibrary("", c.MediaType); lib != nil {
		r.FileAt = lib.Name
		r.Action = p.T("swap.recall.import", deliver, lib.Name)
	} else {
		place := w.storageFor(c.Pool)
		r.FileAt = w.pg.machineRoom() + "/" + place
		deliver = strings.TrimSuffix(deliver, "'") + " --place " + place + "'"
		r.Action = p.T("swap.recall.file", deliver, r.FileAt)
	}
	if m.Manifest == "" {
		r.Action += p.T("swap.no_manifest")
	}
	return r
}

// mailSlotLibrary is a library at the machine room, with a mail slot,
// holding a drive that job ("": any job) may use and that writes the media
// type.
func (w *swapWorld) mailSlotLibrary(job, mediaType string) *config.LibraryConfig {
	room := w.pg.machineRoom()
	for i := range w.pg.cfg.Libraries {
		l := &w.pg.cfg.Libraries[i]
		if l.Site == room && l.MailSlots > 0 && w.libraryWrites(l.Name, job, mediaType) {
			return l
		}
	}
	return nil
}

// storageFor is the storage place at the machine room where most of the
// pool's cartridges are kept, or the machine room's first place.
func (w *swapWorld) storageFor(pool string) string {
	room := w.pg.cfg.PrimarySite()
	if room == nil || len(room.Places) == 0 {
		return "shelf"
	}
	count := map[string]int{}
	best := room.Places[0].Name
	for _, c := range w.carts {
		if c.Pool == pool && c.Location.Kind == media.InStorage && c.Location.Site == room.Name {
			count[c.Location.Place]++
			if count[c.Location.Place] > count[best] {
				best = c.Location.Place
			}
		}
	}
	return best
}

func (w *swapWorld) run(wr rotation.Write, recalled map[string]CourierMove) SwapRun {
	r := SwapRun{First: wr.Time, Last: wr.Time, Runs: 1, Job: wr.Job, Pool: wr.Pool, Barcode: wr.Barcode, Generation: wr.Generation,
		Append: wr.Append, FromScratch: wr.FromScratch, Overwrites: wr.Overwrites, Problem: wr.Problem, Warnings: wr.Warnings}
	p := w.p
	if wr.Problem != nil {
		r.Action = p.T("swap.run.not_written", wr.Problem.Message)
		return r
	}
	c := w.carts[wr.Barcode]
	r.Location, r.Where = c.Location.String(), w.where[wr.Barcode]
	by := wr.Time.Format("15:04")
	if m, ok := recalled[wr.Barcode]; ok {
		r.Person = true
		r.Action = p.T("swap.run.comes_back", m.From, w.readyAction(wr.Job, c, by, &r))
		return r
	}
	room := w.pg.machineRoom()
	switch {
	case c.Location.Kind == media.InTransit:
		r.Person = true
		r.Action = p.T("swap.run.in_transit", c.Location.Place, w.readyAction(wr.Job, c, by, &r))
	case c.Location.Site != room:
		r.Person = true
		r.Action = p.T("swap.run.away", w.where[wr.Barcode], w.readyAction(wr.Job, c, by, &r))
	case c.Location.Kind == media.InDrive:
		r.Action = p.T("swap.run.in_drive", c.Location.Place)
	case c.Location.InLibrary() && w.libraryWrites(c.Location.Place, wr.Job, c.MediaType):
		r.Action = p.T("swap.run.in_library", c.Location.Place)
	default:
		r.Person = true
		r.Action = p.T("swap.run.take", w.where[wr.Barcode], w.readyAction(wr.Job, c, by, &r))
	}
	return r
}

// libraryWrites reports whether the library has a drive the job may use
// that writes the media type.
func (w *swapWorld) libraryWrites(library, job, mediaType string) bool {
	l := w.pg.cfg.Library(library)
	if l == nil {
		return false
	}
	for _, ld := range l.Drives {
		if w.jobMayWrite(job, ld.Drive, mediaType) {
			return true
		}
	}
	return false
}

// jobMayWrite reports whether the drive writes the media type and job
// ("": any job) may use it.
func (w *swapWorld) jobMayWrite(job, drive, mediaType string) bool {
	dc := w.pg.cfg.Drive(drive)
	if dc == nil || drives.CheckLoad(dc.MediaType, mediaType, true) != nil {
		return false
	}
	if j := w.pg.cfg.Job(job); j != nil && len(j.Drives) > 0 && !slices.Contains(j.Drives, drive) {
		return false
	}
	return true
}

// readyAction says where a person puts a cartridge a run at by needs: at a
// standalone drive the job may use, or into a library's mail slot.
func (w *swapWorld) readyAction(job string, c media.Cartridge, by string, r *SwapRun) string {
	room := w.pg.machineRoom()
	for _, dc := range w.pg.cfg.Drives {
		if lib, _ := w.pg.cfg.LibraryOf(dc.Name); lib == nil && dc.Site == room && w.jobMayWrite(job, dc.Name, c.MediaType) {
			r.Drive = dc.Name
			return w.p.T("swap.ready.drive", dc.Name, by)
		}
	}
	if l := w.mailSlotLibrary(job, c.MediaType); l != nil {
		return w.p.T("swap.ready.mailslot", l.Name, by)
	}
	return w.p.T("swap.ready.none", room, job, c.MediaType)
}

func (w *swapWorld) cleaning(c rotation.Cleaning) SwapCleaning {
	p := w.p
	sc := SwapCleaning{Drive: c.Drive, Due: c.Due, Block: c.Block, Reasons: sayEach(p, c.Reasons), Cleaner: c.Cleaner}
	lib, _ := w.pg.cfg.LibraryOf(c.Drive)
	switch {
	case c.Cleaner == "":
		sc.Person = true
		sc.Action = p.T("swap.clean.no_cleaner")
	case lib != nil && w.carts[c.Cleaner].Location.InLibrary() && w.carts[c.Cleaner].Location.Place == lib.Name:
		sc.Location = w.carts[c.Cleaner].Location.String()
		sc.Action = p.T("swap.clean.library", lib.Name, c.Cleaner, w.where[c.Cleaner])
		if c.Due == rotation.DueNow {
			sc.Action += p.T("swap.clean.daemon", c.Drive)
		}
	default:
		sc.Location = w.carts[c.Cleaner].Location.String()
		sc.Person = true
		sc.Action = p.T("swap.clean.person", c.Cleaner, w.where[c.Cleaner], c.Drive, c.Drive)
	}
	if c.Block {
		sc.Action = p.T("swap.clean.block", sc.Action)
	}
	return sc
}

func (w *swapWorld) cleaner(barcode, action string, why rotation.Reason) SwapCleaner {
	c := w.carts[barcode]
	uses := 0
	if c.UsesLeft != nil {
		uses = max(*c.UsesLeft, 0)
	}
	return SwapCleaner{Barcode: barcode, Location: c.Location.String(), Where: w.where[barcode], UsesLeft: uses, Action: action, Reason: why}
}

// sayEach is each reason in the printer's language.
func sayEach(p *i18n.Printer, rs []rotation.Reason) []rotation.Reason {
	if rs == nil {
		return nil
	}
	out := make([]rotation.Reason, len(rs))
	for i, r := range rs {
		out[i] = say(p, r)
	}
	return out
}

// sayOne is a reason that may be absent in the printer's language.
func sayOne(p *i18n.Printer, r *rotation.Reason) *rotation.Reason {
	if r == nil {
		return nil
	}
	rr := say(p, *r)
	return &rr
}

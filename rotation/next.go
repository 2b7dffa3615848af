package rotation

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Choice is the cartridge to write for a run, and why.
type Choice struct {
	Pool     string   `json:"pool"`
	Barcode  string   `json:"barcode"`
	Location Location `json:"location"`
	// Period is the period, and so the generation, the run belongs to.
	Period Period `json:"period"`
	// Append is true when the run continues the period's generation on a
	// cartridge that already holds it; otherwise the cartridge is written
	// from the start.
	Append bool `json:"append,omitempty"`
	// FromScratch names the scratch pool the cartridge is taken from; the
	// daemon moves it into Pool when the write starts.
	FromScratch string `json:"from_scratch,omitempty"`
	// Overwrites are the IDs of the generations the write destroys.
	Overwrites []string `json:"overwrites,omitempty"`
	// Reasons explain the choice, the main one first.
	Reasons []Reason `json:"reasons"`
	// Warnings are what an operator should know or do; they repeat
	// reasons that need attention.
	Warnings []Reason `json:"warnings,omitempty"`
}

// NextCartridge chooses the cartridge a run of the pool at now writes:
// the cartridge already holding the current period's generation when it
// has room; otherwise the pool's cartridge first in rotation order (never
// written, then oldest) that holds nothing protected (see Retain); when
// none is free, a scratch cartridge from the pool's scratch pool, with a
// warning unless the pool is simply still growing to its size. Only
// cartridges at the machine room are chosen. When nothing can be written
// the error is a *NoCartridgeError whose reasons say what the operator
// must do (recall a cartridge and from where, supply scratch cartridges);
// other errors mean the pool is invalid.
func NextCartridge(pool Pool, view View, now time.Time) (Choice, error) {
	if err := pool.Validate(); err != nil {
		return Choice{}, fmt.Errorf("next cartridge for pool %q: %w", pool.Name, err)
	}
	if pool.Scheme == SchemeScratch {
		return Choice{}, fmt.Errorf("next cartridge for pool %q: a scratch pool is never written; its cartridges supply the other pools", pool.Name)
	}
	return choose(pool, view, now, false)
}

// choose is NextCartridge for a valid pool. With anywhere, location is
// ignored: the result is the cartridge rotation order wants, which Plan uses
// to know what to recall.
func choose(pool Pool, view View, now time.Time, anywhere bool) (Choice, error) {
	period, err := pool.period(now)
	if err != nil {
		return Choice{}, err
	}
	mr := view.machineRoom()
	here := func(c Cartridge) bool { return anywhere || onSite(c.Location, mr) }
	own := view.poolCartridges(pool.Name)
	ret := retain(pool, own, false)
	prot := ret.protectedSet()
	current := func(c Cartridge) bool { return slices.ContainsFunc(c.Generations, period.holds) }
	ch := Choice{Pool: pool.Name, Period: period}
	warn := func(r Reason) {
		ch.Reasons = append(ch.Reasons, r)
		ch.Warnings = append(ch.Warnings, r)
	}
	var notes []Reason // said after the main reason

	for _, c := range own {
		if !current(c) {
			continue
		}
		switch {
		case c.State == StateActive && here(c):
			ch.Barcode, ch.Location, ch.Append = c.Barcode, c.Location, true
			ch.Reasons = append(ch.Reasons, because(CodeAppend, "reason.next.append", "%s holds generation %s of pool %s: the run continues it", c.Barcode, period.Key, pool.Name))
			ch.addLocation(c, anywhere)
			return ch, nil
		case c.State == StateFull:
			notes = append(notes, because(CodeSpan, "reason.next.span.full", "generation %s continues on a further cartridge: %s is full", period.Key, c.Barcode))
		case c.State == StateActive:
			notes = append(notes, because(CodeSpan, "reason.next.span.away", "generation %s continues on a further cartridge: %s, which holds its start, is %s", period.Key, c.Barcode, c.Location))
		}
	}

	var eligible, unusable []Cartridge
	usable := 0
	for _, i := range rotationOrder(own) {
		c := own[i]
		if c.State.writable() {
			usable++
		}
		if prot[c.Barcode] || current(c) {
			continue
		}
		if c.State.writable() {
			eligible = append(eligible, c)
		} else {
			unusable = append(unusable, c)
		}
	}

	if len(eligible) > 0 {
		first := eligible[0]
		i := slices.IndexFunc(eligible, here)
		if i < 0 {
			e := &NoCartridgeError{Pool: pool.Name}
			for _, c := range eligible {
				e.Reasons = append(e.Reasons, recallAdvice(c, mr))
			}
			last := &e.Reasons[len(e.Reasons)-1]
			*last = because(CodeRecallNeeded, "reason.next.recall.or-scratch", "%s, or assign a scratch cartridge to pool %s", *last, pool.Name)
			return Choice{}, e
		}
		c := eligible[i]
		ch.Barcode, ch.Location = c.Barcode, c.Location
		ch.Overwrites = generationIDs(pool, c)
		if len(c.Generations) == 0 {
			ch.Reasons = append(ch.Reasons, because(CodeUnused, "reason.next.unused", "%s has never been written in pool %s", c.Barcode, pool.Name))
		} else {
			ch.Reasons = append(ch.Reasons, because(CodeOldest, "reason.next.oldest", "%s holds only generations no longer retained (%s); %s",
				c.Barcode, strings.Join(ch.Overwrites, ", "), retainedSummary(pool)))
		}
		ch.Reasons = append(ch.Reasons, notes...)
		ch.addLocation(c, anywhere)
		if i > 0 {
			warn(because(CodeOutOfOrder, "reason.next.out-of-order", "%s is next in rotation but is %s; writing %s instead", first.Barcode, first.Location, c.Barcode))
		}
		if c.Errors > 0 {
			warn(because(CodeMediaErrors, "reason.next.media-errors", "%s has %s recorded; verify the backup, and retire the cartridge if errors recur", c.Barcode, count(c.Errors, "media error")))
		}
		return ch, nil
	}

	// Nothing of the pool's own may be written: take a scratch cartridge.
	var context Reason
	switch {
	case len(unusable) > 0:
		c := unusable[0]
		context = because(CodeReplaceRetired, "reason.next.replace-retired", "%s would be next in rotation but is %s; it needs a replacement from scratch pool %s", c.Barcode, c.State, pool.scratchPool())
	case usable == 0:
		context = because(CodeScratchSupply, "reason.next.scratch-supply.none", "pool %s has no cartridge yet; its rotation needs %d", pool.Name, pool.target())
	case usable < pool.target():
		context = because(CodeScratchSupply, "reason.next.scratch-supply.short", "pool %s has %d of the %d cartridges its rotation needs, all protected", pool.Name, usable, pool.target())
	default:
		context = because(CodeAllProtected, "reason.next.all-protected", "all %s of pool %s hold protected generations (%s)",
			count(usable, "cartridge"), pool.Name, protectedList(own, ret))
	}

	var scratch, away []Cartridge
	for _, c := range view.poolCartridges(pool.scratchPool()) {
		if c.State != StateScratch || (pool.MediaType != "" && c.MediaType != "" && c.MediaType != pool.MediaType) {
			continue
		}
		if here(c) {
			scratch = append(scratch, c)
		} else {
			away = append(away, c)
		}
	}
	if len(scratch) == 0 {
		return Choice{}, noScratch(pool, context, usable, away, own, ret)
	}
	slices.SortStableFunc(scratch, func(a, b Cartridge) int {
		return boolCompare(!inLibrary(a.Location), !inLibrary(b.Location))
	})
	c := scratch[0]
	ch.Barcode, ch.Location, ch.FromScratch = c.Barcode, c.Location, pool.scratchPool()
	taken := because(context.Code, "reason.next.taking-scratch", "%s; taking %s from scratch pool %s", context, c.Barcode, pool.scratchPool())
	switch context.Code {
	case CodeScratchSupply:
		ch.Reasons = append(ch.Reasons, taken)
	case CodeAllProtected:
		warn(because(CodeScratchAllProtected, "reason.next.scratch-all-protected", "%s; taking %s from scratch pool %s, so the pool grows to %d; check why generations failed or stayed partial",
			context, c.Barcode, pool.scratchPool(), usable+1))
	default:
		warn(taken)
	}
	ch.Reasons = append(ch.Reasons, notes...)
	ch.addLocation(c, anywhere)
	return ch, nil
}

// noScratch explains why nothing can be written when the pool needs a
// scratch cartridge and none is at the machine room; context is why the
// pool needs one, away the suitable scratch cartridges elsewhere.
func noScratch(pool Pool, context Reason, usable int, away, own []Cartridge, ret Retention) *NoCartridgeError {
	sp := pool.scratchPool()
	var missing Reason
	switch {
	case len(away) > 0 && pool.MediaType != "":
		missing = because(CodeNoScratch, "reason.next.no-scratch.away-media", "scratch pool %s has no %s cartridge at the machine room: %s is %s; bring one back, or label a new cartridge into %s",
			sp, pool.MediaType, away[0].Barcode, away[0].Location, sp)
	case len(away) > 0:
		missing = because(CodeNoScratch, "reason.next.no-scratch.away", "scratch pool %s has no cartridge at the machine room: %s is %s; bring one back, or label a new cartridge into %s",
			sp, away[0].Barcode, away[0].Location, sp)
	case pool.MediaType != "":
		missing = because(CodeNoScratch, "reason.next.no-scratch.media", "scratch pool %s has no %s scratch cartridge; label a new cartridge into %s", sp, pool.MediaType, sp)
	default:
		missing = because(CodeNoScratch, "reason.next.no-scratch", "scratch pool %s has no scratch cartridge; label a new cartridge into %s", sp, sp)
	}
	e := &NoCartridgeError{Pool: pool.Name}
	switch {
	case context.Code != CodeScratchSupply:
		e.Reasons = []Reason{context, missing}
	case usable == 0: // a new pool: the scratch pool is the whole story
		e.Reasons = []Reason{because(missing.Code, "reason.next.no-scratch.new-pool", "%s; %s", context, missing)}
	default: // a pool still growing, and every cartridge of it protected
		e.Reasons = []Reason{because(CodeAllProtected, "reason.next.all-protected.needs", "all %s of pool %s hold protected generations (%s), and its rotation needs %d",
			count(usable, "cartridge"), pool.Name, protectedList(own, ret), pool.target()), missing}
	}
	return e
}

// addLocation adds a reason saying where the chosen cartridge is and who
// loads it.
func (ch *Choice) addLocation(c Cartridge, anywhere bool) {
	if anywhere {
		return
	}
	var r Reason
	switch c.Location.Kind {
	case PlaceDrive:
		r = because(CodeLocation, "reason.next.location.drive", "%s is already in drive %s", c.Barcode, c.Location.Place)
	case PlaceSlot, PlaceMailSlot:
		r = because(CodeLocation, "reason.next.location.library", "%s is in %s: the changer loads it", c.Barcode, c.Location)
	default:
		r = because(CodeLocation, "reason.next.location.by-hand", "%s is at %s: the operator loads it when prompted", c.Barcode, c.Location)
	}
	ch.Reasons = append(ch.Reasons, r)
}

func inLibrary(l Location) bool {
	return l.Kind == PlaceSlot || l.Kind == PlaceMailSlot || l.Kind == PlaceDrive
}

// recallAdvice tells the operator how to get c back to the machine room.
func recallAdvice(c Cartridge, machineRoom string) Reason {
	room := siteOnly(machineRoom)
	if c.Location.Kind == PlaceTransit {
		if c.Location.To == machineRoom {
			return because(CodeRecallNeeded, "reason.next.recall.arriving", "%s may be overwritten but is %s: wait for the delivery", c.Barcode, c.Location)
		}
		return because(CodeRecallNeeded, "reason.next.recall.in-transit", "%s may be overwritten but is %s: have it returned to %s once delivered", c.Barcode, c.Location, room)
	}
	return because(CodeRecallNeeded, "reason.next.recall.away", "%s may be overwritten but is at %s: recall it to %s", c.Barcode, c.Location, room)
}

// generationIDs returns the IDs of the generations on c, sorted.
func generationIDs(pool Pool, c Cartridge) []string {
	var ids []string
	for _, g := range c.Generations {
		if id := pool.generationID(g); !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// generationID returns g's ID: the recorded one, else the Key of its
// period.
func (p Pool) generationID(g Generation) string {
	if g.ID != "" {
		return g.ID
	}
	if per, err := p.period(g.Time); err == nil {
		return per.Key
	}
	return ""
}

// retainedSummary says what the pool retains, e.g. "the newest 4 good
// generations are retained".
func retainedSummary(p Pool) Reason {
	if p.Scheme == SchemeGFS {
		g := p.GFS
		return phrase("reason.next.retains.gfs", "the pool retains %d daily, %d weekly, %d monthly and %d yearly good generations", g.Daily, g.Weekly, g.Monthly, g.Yearly)
	}
	return phrase("reason.next.retains", "the pool retains the newest %d good generations", p.retained(""))
}

// protectedList names the protected cartridges with their newest
// generation, at most eight.
func protectedList(own []Cartridge, r Retention) string {
	newest := map[string]string{}
	for _, g := range r.Generations { // newest first
		for _, b := range g.Barcodes {
			if _, ok := newest[b]; !ok && g.Protected {
				newest[b] = g.ID
			}
		}
	}
	var parts []string
	for _, c := range own {
		if id, ok := newest[c.Barcode]; ok {
			parts = append(parts, c.Barcode+" "+id)
		}
	}
	if len(parts) > 8 {
		parts = append(parts[:8], "…")
	}
	return strings.Join(parts, ", ")
}

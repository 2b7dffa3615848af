package rotation

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Move is one cartridge to send away or to recall, and why.
type Move struct {
	Pool    string `json:"pool"`
	Barcode string `json:"barcode"`
	// From describes where the cartridge is now; To is the destination
	// site.
	From string `json:"from"`
	To   string `json:"to"`
	// Generations are the IDs of the generations on the cartridge.
	Generations []string `json:"generations,omitempty"`
	Reason      Reason   `json:"reason"`
}

// OffsiteStatus counts a pool's good generations by where they are, before
// the plan's moves. A generation counts as away or remote only when every
// cartridge holding it has been delivered there; cartridges in transit do
// not count until delivered.
type OffsiteStatus struct {
	Keep int `json:"keep"`
	// Away counts good generations delivered away from the machine room.
	Away int `json:"away"`
	// InTransit counts good generations on their way out.
	InTransit int `json:"in_transit"`
	// RemoteSite is the remote destination, when the policy has one.
	RemoteSite string `json:"remote_site,omitempty"`
	// Remote counts good generations delivered at a remote site that
	// satisfies the distance and hazard rule.
	Remote int `json:"remote"`
	// Compliant is true when Away is at least Keep and, with a remote
	// destination, Remote is at least one.
	Compliant bool `json:"compliant"`
}

// OffsitePlan is what to move for one pool on one day.
type OffsitePlan struct {
	Pool   string        `json:"pool"`
	Date   string        `json:"date"`
	Status OffsiteStatus `json:"status"`
	// Sends are cartridges to take from the machine room, by barcode.
	Sends []Move `json:"sends,omitempty"`
	// Recalls are cartridges to bring back to the machine room, by
	// barcode.
	Recalls []Move `json:"recalls,omitempty"`
	// Problems say what keeps the pool from its policy and what to do.
	Problems []Reason `json:"problems,omitempty"`
}

// Plan decides which of the pool's cartridges travel today. It sends the
// newest good, retained generations of the travelling levels whose period
// has ended, so that at least Keep of them are away, and one to the remote
// destination whenever no generation there will stay beyond the coming lead
// and transit time. It recalls cartridges that runs (the daemon's planned
// runs; others' pools are ignored) will write within the lead time, and
// cartridges away that hold nothing retained. It never recalls the last
// good generation away from the machine room, nor the last at the remote
// site, before a newer one has been delivered: such a recall is held and
// reported as a problem. now is the courier's departure.
func Plan(pool Pool, view View, runs []Run, now time.Time) (OffsitePlan, error) {
	if err := pool.Validate(); err != nil {
		return OffsitePlan{}, fmt.Errorf("offsite plan for pool %q: %w", pool.Name, err)
	}
	return offsitePlan(pool, view, runs, now), nil
}

// offsitePlan is Plan for a valid pool.
func offsitePlan(pool Pool, view View, runs []Run, now time.Time) OffsitePlan {
	plan := OffsitePlan{Pool: pool.Name, Date: date(now), Status: OffsiteStatus{Compliant: true}}
	if pool.Offsite == nil || pool.Scheme == SchemeScratch {
		return plan
	}
	o := *pool.Offsite
	mr := view.machineRoom()
	room := siteOnly(mr)
	remote := remoteDestination(pool, view)
	plan.Status.Keep, plan.Status.RemoteSite = o.Keep, remote

	own := view.poolCartridges(pool.Name)
	ret := retain(pool, own, false)
	prot := ret.protectedSet()
	cart := map[string]Cartridge{}
	for _, c := range own {
		cart[c.Barcode] = c
	}

	leadEnd := now.AddDate(0, 0, o.lead())
	soon, later := map[string]plannedWrite{}, map[string]bool{}
	for _, w := range project(pool, view, runs, now, leadEnd.AddDate(0, 0, o.TransitDays)) {
		later[w.barcode] = true
		if _, seen := soon[w.barcode]; !seen && w.at.Before(leadEnd) {
			soon[w.barcode] = w
		}
	}

	const (
		here = iota // at the machine room
		away        // delivered at another site
		out         // in transit, not to the machine room
		back        // in transit to the machine room
	)
	where := func(c Cartridge) int {
		switch {
		case c.Location.Kind == PlaceTransit && c.Location.To == mr:
			return back
		case c.Location.Kind == PlaceTransit:
			return out
		case c.Location.Site == mr:
			return here
		}
		return away
	}
	qualified := map[string]bool{} // sites counting as remote for this pool
	for _, s := range view.Sites {
		qualified[s.Name] = len(remoteFaults(view, s.Name, o.minDistance())) == 0
	}

	var good []GenerationState // newest first
	for _, g := range ret.Generations {
		if g.Status == StatusGood {
			good = append(good, g)
		}
	}
	all := func(g GenerationState, f func(Cartridge) bool) bool {
		return !slices.ContainsFunc(g.Barcodes, func(b string) bool { return !f(cart[b]) })
	}
	isAway := func(g GenerationState) bool { return all(g, func(c Cartridge) bool { return where(c) == away }) }
	isRemote := func(g GenerationState) bool {
		return all(g, func(c Cartridge) bool { return where(c) == away && qualified[c.Location.Site] })
	}
	leaving := func(g GenerationState) bool {
		return !isAway(g) && all(g, func(c Cartridge) bool { return where(c) == away || where(c) == out })
	}
	awaySet, remoteSet := map[string]bool{}, map[string]bool{}
	for _, g := range good {
		switch {
		case isAway(g):
			awaySet[g.ID] = true
			plan.Status.Away++
			if isRemote(g) {
				remoteSet[g.ID] = true
				plan.Status.Remote++
			}
		case leaving(g):
			plan.Status.InTransit++
		}
	}

	// Recalls, soonest need first.
	type recall struct {
		c    Cartridge
		need time.Time
		why  Reason
	}
	var recalls []recall
	for _, c := range own {
		w := where(c)
		if w == here || w == back {
			continue
		}
		if pw, ok := soon[c.Barcode]; ok {
			recalls = append(recalls, recall{c, pw.at, because(CodeRecallDue, "reason.offsite.recall-due", "%s will be written %s by %s: bring it back to %s",
				c.Barcode, DateTime(pw.at), pw.job, room)})
		} else if w == away && !prot[c.Barcode] {
			why := because(CodeRecallExpired, "reason.offsite.recall-expired.reuse", "nothing on %s is retained any more: bring it back to %s for reuse", c.Barcode, room)
			if !c.State.writable() {
				why = because(CodeRecallExpired, "reason.offsite.recall-expired.dispose", "nothing on %s is retained any more: bring it back to %s to be disposed of", c.Barcode, room)
			}
			recalls = append(recalls, recall{c, time.Time{}, why})
		}
	}
	slices.SortStableFunc(recalls, func(a, b recall) int {
		if c := boolCompare(a.need.IsZero(), b.need.IsZero()); c != 0 {
			return c
		}
		if c := a.need.Compare(b.need); c != 0 {
			return c
		}
		return strings.Compare(a.c.Barcode, b.c.Barcode)
	})
	without := func(set map[string]bool, barcode string) map[string]bool {
		rest := map[string]bool{}
		for _, g := range good {
			if set[g.ID] && !slices.Contains(g.Barcodes, barcode) {
				rest[g.ID] = true
			}
		}
		return rest
	}
	for _, r := range recalls {
		move := Move{Pool: pool.Name, Barcode: r.c.Barcode, From: r.c.Location.String(), To: room.String(), Generations: generationIDs(pool, r.c), Reason: r.why}
		if where(r.c) == out {
			plan.Recalls = append(plan.Recalls, move)
			continue
		}
		restAway, restRemote := without(awaySet, r.c.Barcode), without(remoteSet, r.c.Barcode)
		switch {
		case len(awaySet) > 0 && len(restAway) == 0:
			plan.Problems = append(plan.Problems, because(CodeHoldLastOffsite, "reason.offsite.hold-last-offsite", "%s is not recalled: it holds the last good generation away from %s (%s); it comes back once a newer one has been delivered (%s)",
				r.c.Barcode, room, strings.Join(move.Generations, ", "), r.why))
		case remote != "" && len(remoteSet) > 0 && len(restRemote) == 0:
			plan.Problems = append(plan.Problems, because(CodeHoldLastRemote, "reason.offsite.hold-last-remote", "%s is not recalled: it holds the last good generation at remote site %s (%s); it comes back once a newer one has been delivered there (%s)",
				r.c.Barcode, r.c.Location.Site, strings.Join(move.Generations, ", "), r.why))
		default:
			awaySet, remoteSet = restAway, restRemote
			plan.Recalls = append(plan.Recalls, move)
		}
	}

	// Sends. Worth keeping away: good, retained, travelling, complete, and
	// not to be written within the lead time.
	var worth []GenerationState
	for _, g := range good {
		p, err := pool.period(g.Time)
		if err != nil || p.End.After(now) || !g.Protected || !o.travels(g.Level) {
			continue
		}
		if slices.ContainsFunc(g.Barcodes, func(b string) bool { _, s := soon[b]; return s }) {
			continue
		}
		worth = append(worth, g)
	}
	sendable := func(g GenerationState) bool {
		w := func(c Cartridge) bool { return where(c) == here || where(c) == away || where(c) == out }
		return !isAway(g) && !leaving(g) && all(g, w) && !all(g, func(c Cartridge) bool { return where(c) != here })
	}
	send := func(g GenerationState, to string, why Reason) {
		for _, b := range g.Barcodes {
			if c := cart[b]; where(c) == here {
				plan.Sends = append(plan.Sends, Move{Pool: pool.Name, Barcode: b, From: c.Location.String(), To: to, Generations: generationIDs(pool, c), Reason: why})
			}
		}
	}
	sent := map[string]bool{}
	if remote != "" {
		var there []string // good generations at or on their way to the remote site
		safe := false
		for _, g := range good {
			if all(g, func(c Cartridge) bool {
				return (where(c) == away && (c.Location.Site == remote || qualified[c.Location.Site])) || (where(c) == out && c.Location.To == remote)
			}) {
				there = append(there, g.ID)
				safe = safe || !slices.ContainsFunc(g.Barcodes, func(b string) bool { return later[b] })
			}
		}
		if !safe {
			i := slices.IndexFunc(worth, func(g GenerationState) bool {
				return sendable(g) && !slices.ContainsFunc(g.Barcodes, func(b string) bool { return later[b] })
			})
			if i >= 0 {
				g := worth[i]
				sent[g.ID] = true
				send(g, remote, because(CodeSendRemote, "reason.offsite.send-remote", "%s (%s) goes to remote site %s: no generation there will stay beyond the next %s",
					strings.Join(g.Barcodes, ", "), g.ID, remote, count(o.lead()+o.TransitDays, "day")))
			} else {
				held := phrase("reason.offsite.held.none", "no good generation is there")
				if len(there) > 0 {
					held = phrase("reason.offsite.held.overwritten", "%s there will be written within %s", strings.Join(there, ", "), count(o.lead()+o.TransitDays, "day"))
				}
				plan.Problems = append(plan.Problems, because(CodeCannotSend, "reason.offsite.cannot-send", "remote site %s needs a newer generation (%s), but none at %s can go yet: send the next good one there", remote, held, room))
			}
		}
	}
	for i, g := range worth {
		if i >= o.Keep {
			break
		}
		if sent[g.ID] || !sendable(g) {
			continue
		}
		send(g, o.Site, because(CodeSend, "reason.offsite.send", "%s (%s) goes to %s: the newest %s must be away from %s",
			strings.Join(g.Barcodes, ", "), g.ID, o.Site, count(o.Keep, "good generation"), room))
	}
	slices.SortFunc(plan.Sends, func(a, b Move) int { return strings.Compare(a.Barcode, b.Barcode) })
	slices.SortFunc(plan.Recalls, func(a, b Move) int { return strings.Compare(a.Barcode, b.Barcode) })

	st := &plan.Status
	if st.Away < o.Keep {
		plan.Problems = append(plan.Problems, because(CodeBelowMinimum, "reason.offsite.below-minimum", "%s away from %s, %d required (%d on the way): make sure today's sends leave and arrive",
			count(st.Away, "good generation"), room, o.Keep, st.InTransit))
	}
	if remote != "" {
		if faults := remoteFaults(view, remote, o.minDistance()); len(faults) > 0 {
			plan.Problems = append(plan.Problems, because(CodeRemoteUnqualified, "reason.offsite.remote-unqualified", "remote site %s does not count as remote: %s", remote, faults))
		}
		if st.Remote == 0 {
			plan.Problems = append(plan.Problems, because(CodeNoRemote, "reason.offsite.no-remote", "no good generation of pool %s has been delivered at a qualifying remote site", pool.Name))
		}
	}
	st.Compliant = st.Away >= o.Keep && (remote == "" || st.Remote > 0)
	return plan
}

// remoteFaults says why site does not count as a remote site for a pool
// needing minKM: not a remote site, too near, or sharing a hazard with the
// machine room. None means it counts.
func remoteFaults(view View, site string, minKM float64) []Reason {
	s, ok := view.site(site)
	if !ok {
		return []Reason{phrase("reason.offsite.fault.unknown", "site %q is not configured", site)}
	}
	var faults []Reason
	if s.Kind != SiteRemote {
		faults = append(faults, phrase("reason.offsite.fault.kind", "it is a %s, not a remote-site", s.Kind))
	}
	if s.DistanceKM < minKM {
		faults = append(faults, phrase("reason.offsite.fault.near", "it is %g km from the machine room, nearer than %g km", s.DistanceKM, minKM))
	}
	if room, ok := view.site(view.machineRoom()); ok {
		if shared := s.sharedHazards(room); len(shared) > 0 {
			faults = append(faults, phrase("reason.offsite.fault.hazard", "it shares %s with the machine room", strings.Join(shared, ", ")))
		}
	}
	return faults
}

// plannedWrite is one write of a projection.
type plannedWrite struct {
	barcode, job string
	at           time.Time
}

// project simulates the pool's runs in [from, until), all succeeding, with
// every cartridge treated as on site, and returns the writes in order.
func project(pool Pool, view View, runs []Run, from, until time.Time) []plannedWrite {
	var mine []Run
	for _, r := range runs {
		if r.Pool == pool.Name && !r.Time.Before(from) && r.Time.Before(until) {
			mine = append(mine, r)
		}
	}
	if len(mine) == 0 {
		return nil
	}
	sortRuns(mine)
	sim := View{Sites: view.Sites}
	sim.Cartridges = append(view.poolCartridges(pool.Name), view.poolCartridges(pool.scratchPool())...)
	for i := range sim.Cartridges {
		sim.Cartridges[i].Generations = slices.Clone(sim.Cartridges[i].Generations)
	}
	var out []plannedWrite
	var last Period // of the last write: later runs in it append
	for _, r := range mine {
		if last.Contains(r.Time) {
			continue
		}
		ch, err := choose(pool, sim, r.Time, true)
		if err != nil {
			continue
		}
		out = append(out, plannedWrite{ch.Barcode, r.Job, r.Time})
		sim.write(pool, ch, r.Time, StatusGood)
		last = ch.Period
	}
	return out
}

// sortRuns orders runs by time, then pool, then job.
func sortRuns(rs []Run) {
	slices.SortStableFunc(rs, func(a, b Run) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		if c := strings.Compare(a.Pool, b.Pool); c != 0 {
			return c
		}
		return strings.Compare(a.Job, b.Job)
	})
}

// write records in v the outcome of a run that wrote ch at t. The view's
// cartridge slice is changed in place.
func (v *View) write(pool Pool, ch Choice, t time.Time, status Status) {
	i := slices.IndexFunc(v.Cartridges, func(c Cartridge) bool { return c.Barcode == ch.Barcode })
	if i < 0 {
		return
	}
	c := &v.Cartridges[i]
	c.Pool = pool.Name
	if ch.Append {
		for j, g := range c.Generations {
			if ch.Period.holds(g) {
				c.Generations[j].Status = combine(g.Status, status)
				return
			}
		}
	}
	c.Generations = []Generation{{ID: ch.Period.Key, Time: t, Level: ch.Period.Level, Status: status}}
	c.State = StateActive
}

// combine returns the status of a generation with status a after another
// run with status b.
func combine(a, b Status) Status {
	if a == b {
		return a
	}
	return StatusPartial
}

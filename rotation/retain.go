package rotation

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// GenerationState is one generation of a pool with the retention decision
// about it.
type GenerationState struct {
	ID    string    `json:"id"`
	Level Level     `json:"level"`
	Time  time.Time `json:"time"`
	// Status is the status retention works with: a good generation on a
	// damaged or lost cartridge counts as partial.
	Status    Status   `json:"status"`
	Barcodes  []string `json:"barcodes"`
	Protected bool     `json:"protected"`
	Reason    Reason   `json:"reason"`
}

// Retention is the outcome of Retain for one pool.
type Retention struct {
	Pool string `json:"pool"`
	// Generations are newest first.
	Generations []GenerationState `json:"generations"`
	// Protected are the barcodes holding a protected generation, sorted.
	Protected []string `json:"protected"`
	// Free are the writable cartridges holding nothing protected, in
	// rotation order: never written first, then oldest first.
	Free []string `json:"free"`
}

// Retain decides which of the pool's generations are protected, like
// restic's ApplyPolicy: for each level, the newest good generations up to
// the retained count are protected; a partial generation is protected while
// fewer good generations of its level than the retained count are newer
// than it; failed generations are never protected. A cartridge holding a
// protected generation must not be overwritten.
func Retain(pool Pool, view View) (Retention, error) {
	if err := pool.Validate(); err != nil {
		return Retention{}, fmt.Errorf("retain pool %q: %w", pool.Name, err)
	}
	if pool.Scheme == SchemeScratch {
		return Retention{Pool: pool.Name}, nil
	}
	own := view.poolCartridges(pool.Name)
	r := retain(pool, own, true)
	prot := r.protectedSet()
	for _, i := range rotationOrder(own) {
		if c := own[i]; c.State.writable() && !prot[c.Barcode] {
			r.Free = append(r.Free, c.Barcode)
		}
	}
	return r, nil
}

// retain is Retain for a valid, written pool and its cartridges, leaving
// Free empty: the callers inside the package put the cartridges in
// rotation order themselves. Without explain, the reasons carry their
// codes only: those callers do not show them, and formatting them is most
// of the cost.
func retain(pool Pool, own []Cartridge, explain bool) Retention {
	type agg struct {
		GenerationState
		unreadable []string // barcodes of its damaged or lost cartridges
	}
	n := 0
	for _, c := range own {
		n += len(c.Generations)
	}
	byID := make(map[string]int, n) // index into aggs
	aggs := make([]agg, 0, n)
	levels := pool.levels()
	for _, c := range own {
		for _, g := range c.Generations {
			level := g.Level
			if !slices.Contains(levels, level) {
				level = ""
			}
			id := g.ID
			if id == "" || level == "" {
				p, err := pool.period(g.Time)
				if err != nil {
					continue
				}
				if id == "" {
					id = p.Key
				}
				if level == "" {
					level = p.Level
				}
			}
			i, ok := byID[id]
			if !ok {
				i = len(aggs)
				byID[id] = i
				aggs = append(aggs, agg{GenerationState: GenerationState{ID: id, Level: level, Time: g.Time, Status: g.Status}})
			}
			a := &aggs[i]
			if a.Status != g.Status {
				a.Status = StatusPartial // disagreeing records: keep it, count it not
			}
			if g.Time.Before(a.Time) {
				a.Time = g.Time
			}
			if !slices.Contains(a.Barcodes, c.Barcode) {
				a.Barcodes = append(a.Barcodes, c.Barcode)
			}
			if c.State.unreadable() {
				a.unreadable = append(a.unreadable, c.Barcode)
			}
		}
	}
	gens := make([]*agg, len(aggs))
	for i := range aggs {
		gens[i] = &aggs[i]
	}
	slices.SortFunc(gens, func(a, b *agg) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})

	r := Retention{Pool: pool.Name, Generations: make([]GenerationState, 0, len(gens))}
	goodNewer := map[Level]int{} // per counting bucket
	protected := make(map[string]bool, len(own))
	for _, g := range gens {
		slices.Sort(g.Barcodes)
		bucket := g.Level
		if pool.Scheme != SchemeGFS {
			bucket = "" // one count for the whole pool
		}
		keep := pool.retained(g.Level)
		newer := goodNewer[bucket]
		var unreadable []string // set when they make a good generation partial
		if g.Status == StatusGood && len(g.unreadable) > 0 {
			g.Status, unreadable = StatusPartial, g.unreadable
		}
		switch g.Status {
		case StatusGood:
			g.Protected = newer < keep
			g.Reason.Code = CodeExpired
			if g.Protected {
				g.Reason.Code = CodeRetained
			}
			goodNewer[bucket]++
		case StatusPartial:
			g.Protected = newer < keep
			g.Reason.Code = CodeExpired
			if g.Protected {
				g.Reason.Code = CodePartialKept
				if unreadable != nil {
					g.Reason.Code = CodeUnreadable
				}
			}
		default:
			g.Status = StatusFailed
			g.Reason.Code = CodeFailed
		}
		if explain {
			code := g.Reason.Code
			g.Reason = explainRetention(g.GenerationState, unreadable, newer, keep)
			g.Reason.Code = code
		}
		if g.Protected {
			for _, b := range g.Barcodes {
				protected[b] = true
			}
		}
		r.Generations = append(r.Generations, g.GenerationState)
	}
	for _, c := range own {
		if protected[c.Barcode] {
			r.Protected = append(r.Protected, c.Barcode)
		}
	}
	return r
}

// explainRetention says why g is or is not protected; newer is the number
// of good generations of its level newer than it. The reason's code is
// left to the caller.
func explainRetention(g GenerationState, unreadable []string, newer, keep int) Reason {
	switch {
	case len(unreadable) == 1 && g.Status == StatusPartial:
		return because("", "reason.retain.unreadable", "good %s generation on %s is damaged or lost: not counted as good; %s",
			g.Level, unreadable[0], partialFate(newer, keep))
	case len(unreadable) > 1 && g.Status == StatusPartial:
		return because("", "reason.retain.unreadable.many", "good %s generation on %s are damaged or lost: not counted as good; %s",
			g.Level, strings.Join(unreadable, ", "), partialFate(newer, keep))
	case g.Status == StatusGood && g.Protected:
		return because("", "reason.retain.retained", "good %s generation %d of the %d retained", g.Level, newer+1, keep)
	case g.Status == StatusGood:
		return because("", "reason.retain.expired", "older than the newest %d good %s generations", keep, g.Level)
	case g.Status == StatusPartial:
		return because("", "reason.retain.partial", "partial %s generation: not counted toward the %d retained; %s", g.Level, keep, partialFate(newer, keep))
	}
	return because("", "reason.retain.failed", "failed %s generation: never counted or protected", g.Level)
}

func partialFate(newer, keep int) Reason {
	if newer < keep {
		return phrase("reason.retain.fate.kept", "kept while fewer than %d good generations are newer (%d now)", keep, newer)
	}
	return phrase("reason.retain.fate.newer", "%d good generations are newer", newer)
}

// rotationOrder returns the indices of cs in the order rotation writes
// them: never written first, then by their newest generation, oldest
// first, then by barcode.
func rotationOrder(cs []Cartridge) []int {
	newest := make([]time.Time, len(cs))
	order := make([]int, len(cs))
	for i, c := range cs {
		newest[i], order[i] = c.newest(), i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := boolCompare(len(cs[a].Generations) > 0, len(cs[b].Generations) > 0); c != 0 {
			return c
		}
		if c := newest[a].Compare(newest[b]); c != 0 {
			return c
		}
		return strings.Compare(cs[a].Barcode, cs[b].Barcode)
	})
	return order
}

// boolCompare orders false before true.
func boolCompare(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// protectedSet returns the barcodes r protects.
func (r Retention) protectedSet() map[string]bool {
	m := make(map[string]bool, len(r.Protected))
	for _, b := range r.Protected {
		m[b] = true
	}
	return m
}

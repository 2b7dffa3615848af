package rotation

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// The simulation runs a pool for ten years of nights: jobs fail at random,
// nights are missed, cartridges are retired, scratch runs short and
// couriers are late. It applies rotation's decisions the way the daemon
// would and checks, against its own ledger of every generation ever
// written, that:
//
//   - protected: the newest retained-count good generations of each level,
//     and every partial generation with fewer good ones newer than it, are
//     never overwritten, and the retained count never drops once reached;
//   - on site: NextCartridge only chooses cartridges at the machine room;
//   - last offsite: once a good generation has been delivered away from the
//     machine room (or at the remote site), there always is one: a recall
//     never takes the last one before a newer one has arrived;
//   - offsite minimum: whenever the simulation could comply, at least Keep
//     good generations are delivered away and, with a remote site, one is
//     delivered there. "Could comply" means: the pool is big enough (a
//     daily rotation needs Keep + lead + transit cartridges, since the
//     newest generations are on the road and the oldest are coming back to
//     be written), and the last W days were clean: every run wrote and
//     succeeded, every courier was on time, nothing was retired, where W is
//     the pool's size plus the lead and transit days plus three. Late
//     couriers, failures and retirements may break the minimum; the
//     invariant says it is restored once they stop.
//
// Everything random comes from a seed rapid draws, with the probabilities
// and the pool's shape drawn by rapid too, so failures shrink to small
// pools and rare events.

const simRoom = "honcho"

var simSites = []Site{
	{Name: simRoom, Kind: SiteMachineRoom, Hazards: []string{"tsunami-zone"}},
	{Name: "annex", Kind: SiteOtherBuilding, DistanceKM: 2},
	{Name: "sendai-dc", Kind: SiteRemote, DistanceKM: 80},
}

type simGen struct {
	id     string
	level  Level
	time   time.Time
	status Status
	final  bool
	intact bool
	jobsOK int
}

// fataler is what the simulation needs of *testing.T and *rapid.T.
type fataler interface {
	Fatalf(format string, args ...any)
}

type sim struct {
	t        fataler
	rng      *rand.Rand
	pool     Pool
	jobs     int
	view     View
	failP    float64
	missP    float64
	lateP    float64
	retireP  float64
	supplyP  float64
	ledger   map[string]*simGen
	good     map[Level][]*simGen // final good generations, oldest first, per bucket
	partial  map[Level][]*simGen
	keep     map[Level]int
	everAway bool
	everRem  bool
	dirty    time.Time // last disruption
	scratchN int
	checks   int // offsite-minimum checks made
}

func (s *sim) bucket(l Level) Level {
	if s.pool.Scheme == SchemeGFS {
		return l
	}
	return ""
}

func (s *sim) cart(barcode string) *Cartridge {
	i := slices.IndexFunc(s.view.Cartridges, func(c Cartridge) bool { return c.Barcode == barcode })
	if i < 0 {
		s.t.Fatalf("no cartridge %s", barcode)
	}
	return &s.view.Cartridges[i]
}

// mustKeep reports whether the ledger says generation g must survive.
func (s *sim) mustKeep(g *simGen) bool {
	if !g.final || g.status == StatusFailed {
		return false
	}
	b := s.bucket(g.level)
	keep := s.keep[b]
	newer := 0
	goods := s.good[b]
	for i := len(goods) - 1; i >= 0 && newer < keep; i-- {
		if goods[i].time.After(g.time) {
			newer++
		}
	}
	return newer < keep
}

// checkRetention verifies the protected and retained-count invariants.
func (s *sim) checkRetention(now time.Time) {
	for b, goods := range s.good {
		keep := s.keep[b]
		n := 0
		for i := len(goods) - 1; i >= 0 && n < keep; i-- {
			if !goods[i].intact {
				s.t.Fatalf("%s: good %s generation %s, one of the newest %d, was overwritten", now, b, goods[i].id, keep)
			}
			n++
		}
		if len(goods) >= keep && n < keep {
			s.t.Fatalf("%s: retained count of %q dropped to %d, below %d", now, b, n, keep)
		}
	}
	for _, ps := range s.partial {
		for i := len(ps) - 1; i >= 0; i-- {
			if !s.mustKeep(ps[i]) {
				break
			}
			if !ps[i].intact {
				s.t.Fatalf("%s: partial generation %s, kept like a good one of its date, was overwritten", now, ps[i].id)
			}
		}
	}
}

// away returns the final good, intact generations delivered away and at
// the remote site, leaving out the cartridges in skip.
func (s *sim) away(skip map[string]bool) (away, remote int) {
	for _, c := range s.view.Cartridges {
		if c.Pool != s.pool.Name || skip[c.Barcode] || c.Location.Kind == PlaceTransit || c.Location.Site == simRoom {
			continue
		}
		for _, g := range c.Generations {
			if lg := s.ledger[g.ID]; lg != nil && lg.final && lg.status == StatusGood && lg.intact {
				away++
				if c.Location.Site == "sendai-dc" {
					remote++
				}
			}
		}
	}
	return away, remote
}

func (s *sim) deliver(now time.Time) {
	kept := s.view.Cartridges[:0]
	for _, c := range s.view.Cartridges {
		if l := c.Location; l.Kind == PlaceTransit && !l.Due.After(now) {
			c.Location = Location{Kind: PlaceStorage, Site: l.To, Place: "vault"}
			if l.To == simRoom {
				c.Location.Place = "shelf"
			}
		}
		if c.State == StateRetired && c.Location.Site == simRoom && c.Location.Kind != PlaceTransit && !s.holdsKept(c) {
			continue // disposed of
		}
		kept = append(kept, c)
	}
	s.view.Cartridges = kept
}

func (s *sim) holdsKept(c Cartridge) bool {
	return slices.ContainsFunc(c.Generations, func(g Generation) bool {
		lg := s.ledger[g.ID]
		return lg == nil || !lg.final || (lg.intact && s.mustKeep(lg))
	})
}

func (s *sim) runsFrom(morning time.Time, days int) []Run {
	var rs []Run
	night := dayStart(morning).Add(22 * time.Hour)
	for d := range days {
		for j := range s.jobs {
			rs = append(rs, Run{Job: fmt.Sprintf("job%d", j), Pool: s.pool.Name, Time: night.AddDate(0, 0, d).Add(time.Duration(j) * time.Minute)})
		}
	}
	return rs
}

func (s *sim) courierDelay() time.Duration {
	if s.rng.Float64() < s.lateP {
		return time.Duration(1+s.rng.IntN(3)) * 24 * time.Hour
	}
	return 0
}

func (s *sim) morning(now time.Time) {
	s.deliver(now)
	if s.rng.Float64() < s.retireP {
		var own []int
		for i, c := range s.view.Cartridges {
			if c.Pool == s.pool.Name && c.State.writable() {
				own = append(own, i)
			}
		}
		if len(own) > 0 {
			s.view.Cartridges[own[s.rng.IntN(len(own))]].State = StateRetired
			s.dirty = now
		}
	}
	spare := 0
	for _, c := range s.view.Cartridges {
		if c.Pool == "scratch" {
			spare++
		}
	}
	if spare < 2 && s.rng.Float64() < s.supplyP {
		s.scratchN++
		s.view.Cartridges = append(s.view.Cartridges, Cartridge{Barcode: fmt.Sprintf("SCR%04dL8", s.scratchN), Pool: "scratch", MediaType: "LTO-8",
			State: StateScratch, Location: Location{Kind: PlaceStorage, Site: simRoom, Place: "shelf"}})
	}

	o := s.pool.Offsite
	plan, err := Plan(s.pool, s.view, s.runsFrom(now, o.lead()+o.TransitDays+2), now)
	if err != nil {
		s.t.Fatalf("plan: %v", err)
	}
	skip := map[string]bool{}
	for _, m := range plan.Recalls {
		skip[m.Barcode] = true
	}
	beforeAway, beforeRemote := s.away(nil)
	afterAway, afterRemote := s.away(skip)
	if beforeAway > 0 && afterAway == 0 {
		s.t.Fatalf("%s: the plan recalls the last good generation away from the machine room: %+v", now, plan.Recalls)
	}
	if o.RemoteSite != "" && beforeRemote > 0 && afterRemote == 0 {
		s.t.Fatalf("%s: the plan recalls the last good generation at the remote site: %+v", now, plan.Recalls)
	}
	transitTime := time.Duration(o.TransitDays) * 24 * time.Hour
	if o.TransitDays == 0 {
		transitTime = 4 * time.Hour
	}
	for _, m := range plan.Sends {
		c := s.cart(m.Barcode)
		if c.Location.Kind == PlaceTransit || c.Location.Site != simRoom {
			s.t.Fatalf("%s: send of %s, which is at %s", now, m.Barcode, c.Location)
		}
		late := s.courierDelay()
		if late > 0 {
			s.dirty = now
		}
		c.Location = Location{Kind: PlaceTransit, Place: "M", To: m.To, Due: now.Add(transitTime + late)}
	}
	for _, m := range plan.Recalls {
		c := s.cart(m.Barcode)
		if c.Location.Kind != PlaceTransit && c.Location.Site == simRoom {
			s.t.Fatalf("%s: recall of %s, which is at %s", now, m.Barcode, c.Location)
		}
		late := s.courierDelay()
		if late > 0 {
			s.dirty = now
		}
		due := now.Add(transitTime + late)
		if c.Location.Kind == PlaceTransit && c.Location.Due.After(due) {
			due = c.Location.Due
		}
		c.Location = Location{Kind: PlaceTransit, Place: "M", To: simRoom, Due: due}
	}
}

// checkOffsite verifies the offsite minimum when the simulation could
// comply.
func (s *sim) checkOffsite(now time.Time, reachable bool) {
	s.deliver(now)
	away, remote := s.away(nil)
	if away > 0 {
		s.everAway = true
	} else if s.everAway {
		s.t.Fatalf("%s: no good generation is away from the machine room any more", now)
	}
	if s.pool.Offsite.RemoteSite != "" {
		if remote > 0 {
			s.everRem = true
		} else if s.everRem {
			s.t.Fatalf("%s: no good generation is at the remote site any more", now)
		}
	}
	o := s.pool.Offsite
	own := 0
	for _, c := range s.view.Cartridges {
		if c.Pool == s.pool.Name {
			own++
		}
	}
	w := time.Duration(own+o.lead()+o.TransitDays+3) * 24 * time.Hour
	if !reachable || now.Sub(s.dirty) < w {
		return
	}
	s.checks++
	if away < o.Keep {
		s.t.Fatalf("%s: %d good generations away, %d required, after %s of clean running", now, away, o.Keep, now.Sub(s.dirty))
	}
	if o.RemoteSite != "" && remote < 1 {
		s.t.Fatalf("%s: no good generation at the remote site after %s of clean running", now, now.Sub(s.dirty))
	}
}

func (s *sim) night(now time.Time) {
	s.deliver(now)
	if s.rng.Float64() < s.missP {
		s.dirty = now
		return
	}
	var today *simGen
	var todayCart string
	for j := range s.jobs {
		t := now.Add(time.Duration(j) * time.Minute)
		ch, err := NextCartridge(s.pool, s.view, t)
		if err != nil {
			if !errors.Is(err, ErrNoCartridge) {
				s.t.Fatalf("%s: next cartridge: %v", t, err)
			}
			s.dirty = now
			continue
		}
		c := s.cart(ch.Barcode)
		if c.Location.Kind == PlaceTransit || c.Location.Site != simRoom {
			s.t.Fatalf("%s: chose %s, which is at %s", t, ch.Barcode, c.Location)
		}
		if today != nil && todayCart != "" && !ch.Append {
			s.t.Fatalf("%s: job %d wrote %s from its start, though %s holds today's generation", t, j, ch.Barcode, todayCart)
		}
		ok := s.rng.Float64() >= s.failP
		status := StatusFailed
		if ok {
			status = StatusGood
		}
		if ch.Append {
			for i, g := range c.Generations {
				if g.ID == ch.Period.Key {
					c.Generations[i].Status = combine(g.Status, status)
				}
			}
		} else {
			for _, g := range c.Generations {
				if lg := s.ledger[g.ID]; lg != nil {
					if s.mustKeep(lg) && lg.intact {
						s.t.Fatalf("%s: %s overwrites generation %s, which must be kept", t, ch.Barcode, g.ID)
					}
					lg.intact = false
				}
			}
			c.Generations = []Generation{{ID: ch.Period.Key, Time: t, Level: ch.Period.Level, Status: status}}
			c.State, c.Pool = StateActive, s.pool.Name
		}
		if today == nil {
			today = &simGen{id: ch.Period.Key, level: ch.Period.Level, time: t, intact: true}
			s.ledger[today.id] = today
		}
		todayCart = ch.Barcode
		if ok {
			today.jobsOK++
		}
	}
	if today == nil {
		return
	}
	today.final = true
	switch {
	case today.jobsOK == s.jobs:
		today.status = StatusGood
		b := s.bucket(today.level)
		s.good[b] = append(s.good[b], today)
	case today.jobsOK == 0:
		today.status = StatusFailed
		s.dirty = now
	default:
		today.status = StatusPartial
		b := s.bucket(today.level)
		s.partial[b] = append(s.partial[b], today)
		s.dirty = now
	}
	c := s.cart(todayCart)
	for i := range c.Generations {
		if c.Generations[i].ID == today.id {
			c.Generations[i].Status = today.status
		}
	}
	s.checkRetention(now)
}

// defaultChecks sets rapid's number of checks to n for the calling test
// unless -rapid.checks or RAPID_CHECKS says otherwise. A check of the
// simulation covers ten years, so rapid's default of 100 would take
// minutes.
func defaultChecks(t *testing.T, n int) {
	explicit := os.Getenv("RAPID_CHECKS") != ""
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "rapid.checks" })
	f := flag.Lookup("rapid.checks")
	if explicit || f == nil {
		return
	}
	old := f.Value.String()
	if err := f.Value.Set(strconv.Itoa(n)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Value.Set(old) })
}

func TestSimulateTenYears(t *testing.T) {
	const years = 10
	switch {
	case raceEnabled || testing.Short():
		defaultChecks(t, 3)
	default:
		defaultChecks(t, 20)
	}
	checked := 0
	rapid.Check(t, func(rt *rapid.T) {
		var pool Pool
		reachable := false
		keep := rapid.IntRange(1, 2).Draw(rt, "keep")
		transit := rapid.IntRange(0, 1).Draw(rt, "transit_days")
		lead := transit + rapid.IntRange(1, 2).Draw(rt, "extra_lead_days")
		off := &Offsite{Keep: keep, Site: "annex", TransitDays: transit, LeadDays: lead}
		if rapid.Bool().Draw(rt, "remote") {
			off.RemoteSite = "sendai-dc"
		}
		if rapid.Bool().Draw(rt, "gfs") {
			g := &GFS{
				Daily:     rapid.IntRange(1, 6).Draw(rt, "daily"),
				Weekly:    rapid.IntRange(0, 4).Draw(rt, "weekly"),
				Monthly:   rapid.IntRange(0, 3).Draw(rt, "monthly"),
				WeeklyOn:  rapid.SampledFrom([]string{"monday", "friday", "sunday"}).Draw(rt, "weekly_on"),
				MonthlyOn: rapid.SampledFrom([]string{"first-business-day", "last-business-day", "last-day", "15", "31"}).Draw(rt, "monthly_on"),
			}
			if g.Daily+g.Weekly+g.Monthly+1 < MinCycle {
				g.Daily = MinCycle - 1 - g.Weekly - g.Monthly
			}
			pool = Pool{Name: "pool", Scheme: SchemeGFS, MediaType: "LTO-8", GFS: g, Offsite: off}
			reachable = g.Daily >= keep+lead+transit+1
		} else {
			n := rapid.IntRange(MinCycle, 8).Draw(rt, "cartridges")
			pool = Pool{Name: "pool", Scheme: SchemeCycle, MediaType: "LTO-8", Cycle: &Cycle{Cartridges: n}, Offsite: off}
			reachable = n >= keep+lead+transit
		}
		s := newSim(rt, pool, rapid.Uint64().Draw(rt, "seed"))
		s.jobs = rapid.IntRange(1, 3).Draw(rt, "jobs")
		s.failP = float64(rapid.IntRange(0, 80).Draw(rt, "fail_permille")) / 1000
		s.missP = float64(rapid.IntRange(0, 30).Draw(rt, "miss_permille")) / 1000
		s.lateP = float64(rapid.IntRange(0, 100).Draw(rt, "late_permille")) / 1000
		s.retireP = float64(rapid.IntRange(0, 5).Draw(rt, "retire_permille")) / 1000
		s.supplyP = float64(rapid.IntRange(200, 1000).Draw(rt, "supply_permille")) / 1000
		s.run(rapid.IntRange(0, 8).Draw(rt, "initial_scratch"), years, reachable)
		checked += s.checks
	})
	t.Logf("offsite minimum checked on %d days", checked)
}

// TestSimulateQuietDecade runs the simulation with rare trouble, so that
// the offsite minimum is surely checked on many days.
func TestSimulateQuietDecade(t *testing.T) {
	for _, remote := range []string{"", "sendai-dc"} {
		t.Run("remote "+remote, func(t *testing.T) {
			pool := Pool{Name: "pool", Scheme: SchemeCycle, MediaType: "LTO-8", Cycle: &Cycle{Cartridges: 6},
				Offsite: &Offsite{Keep: 2, Site: "annex", RemoteSite: remote, TransitDays: 1, LeadDays: 2}}
			s := newSim(t, pool, 7)
			s.jobs, s.failP, s.lateP, s.retireP, s.supplyP = 2, 0.005, 0.01, 0.0005, 1
			s.run(4, 10, true)
			if s.checks < 2000 {
				t.Errorf("offsite minimum checked on %d days, expected most of ten years", s.checks)
			}
		})
	}
}

// newSim returns a simulation of pool with no trouble at all; the caller
// sets the probabilities.
func newSim(t fataler, pool Pool, seed uint64) *sim {
	s := &sim{
		t: t, pool: pool, jobs: 1, supplyP: 1,
		rng:    rand.New(rand.NewPCG(seed, 1)),
		ledger: map[string]*simGen{}, good: map[Level][]*simGen{}, partial: map[Level][]*simGen{},
	}
	// The ledger's retained counts come from the configuration, not from
	// the code under test.
	if g := pool.GFS; g != nil {
		s.keep = map[Level]int{LevelDaily: g.Daily, LevelWeekly: g.Weekly, LevelMonthly: g.Monthly, LevelYearly: g.Yearly}
	} else {
		s.keep = map[Level]int{"": pool.Cycle.Cartridges - 1}
	}
	s.view.Sites = simSites
	return s
}

// run simulates years of days from 1 April 2025, starting with scratch
// blank cartridges; reachable says whether the pool is big enough for the
// offsite minimum.
func (s *sim) run(scratch, years int, reachable bool) {
	start := time.Date(2025, time.April, 1, 0, 0, 0, 0, jst)
	for i := range scratch {
		s.view.Cartridges = append(s.view.Cartridges, Cartridge{Barcode: fmt.Sprintf("NEW%03dL8", i), Pool: "scratch", MediaType: "LTO-8",
			State: StateScratch, Location: Location{Kind: PlaceSlot, Site: simRoom, Place: "lib0", Slot: i + 1}})
	}
	s.dirty = start
	end := start.AddDate(years, 0, 0)
	for day := start; day.Before(end); day = day.AddDate(0, 0, 1) {
		s.morning(day.Add(8 * time.Hour))
		s.checkOffsite(day.Add(21*time.Hour+59*time.Minute), reachable)
		s.night(day.Add(22 * time.Hour))
	}
}

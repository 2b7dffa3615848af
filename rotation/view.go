package rotation

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// State is the life-cycle state of a cartridge, as the catalog records it.
type State string

// Cartridge states. Only scratch, active and full cartridges are ever
// written; the others are never chosen.
const (
	StateScratch  State = "scratch"  // labelled and blank, or reusable
	StateActive   State = "active"   // holds data and can take more
	StateFull     State = "full"     // holds data, no room left
	StateRetired  State = "retired"  // never to be written again; its data is still readable
	StateCleaning State = "cleaning" // a cleaning cartridge
	StateDamaged  State = "damaged"  // its data may not be readable
	StateLost     State = "lost"     // reported lost
)

// writable reports whether a cartridge in state s may be written.
func (s State) writable() bool {
	return s == StateScratch || s == StateActive || s == StateFull
}

// unreadable reports whether the data on a cartridge in state s cannot be
// relied on.
func (s State) unreadable() bool { return s == StateDamaged || s == StateLost }

// PlaceKind says what kind of place holds a cartridge. The values are the
// catalog's.
type PlaceKind string

// The kinds of place a cartridge can be in.
const (
	PlaceStorage  PlaceKind = "storage"  // a shelf, safe or vault at a site
	PlaceSlot     PlaceKind = "slot"     // a library storage slot
	PlaceMailSlot PlaceKind = "mailslot" // a library import/export slot
	PlaceDrive    PlaceKind = "drive"    // a tape drive
	PlaceTransit  PlaceKind = "transit"  // with a courier, on a manifest
)

// Location is where a cartridge physically is. At a site, Site names it and
// Place is the storage place, library or drive (Slot numbers library slots).
// In transit, Place is the manifest, To the destination site and Due the
// expected delivery; a cartridge in transit is at no site until delivered.
type Location struct {
	Kind  PlaceKind `json:"kind"`
	Site  string    `json:"site,omitempty"`
	Place string    `json:"place,omitempty"`
	Slot  int       `json:"slot,omitempty"`
	To    string    `json:"to,omitempty"`
	Due   time.Time `json:"due,omitzero"`
}

// String describes the location for an operator, for example
// "library lib0 slot 3 at honcho" or "in transit on manifest M-12 to
// sendai-dc (due 2025-04-03)".
func (l Location) String() string {
	switch l.Kind {
	case PlaceTransit:
		s := "in transit"
		if l.Place != "" {
			s += " on manifest " + l.Place
		}
		if l.To != "" {
			s += " to " + l.To
		}
		if !l.Due.IsZero() {
			s += " (due " + date(l.Due) + ")"
		}
		return s
	case PlaceDrive:
		return "drive " + l.Place + " at " + siteName(l.Site)
	case PlaceSlot:
		return "library " + l.Place + " slot " + strconv.Itoa(l.Slot) + " at " + siteName(l.Site)
	case PlaceMailSlot:
		return "library " + l.Place + " mail slot " + strconv.Itoa(l.Slot) + " at " + siteName(l.Site)
	}
	if l.Place == "" {
		return siteName(l.Site)
	}
	return l.Place + " at " + siteName(l.Site)
}

// siteOnly is the location that is a whole site, which a reason names
// as the site: "honcho", or "the machine room" for the empty name.
func siteOnly(name string) Location { return Location{Site: name} }

// siteName names a site for an operator; the empty name is the machine
// room's (see View.machineRoom).
func siteName(name string) string {
	if name == "" {
		return "the machine room"
	}
	return name
}

// Status says how a generation turned out.
type Status string

// Generation statuses. See the package documentation for how each counts.
const (
	StatusGood    Status = "good"    // every job of the period succeeded
	StatusPartial Status = "partial" // some jobs succeeded, some failed or did not run
	StatusFailed  Status = "failed"  // no job of the period succeeded
)

// Grade returns the status of a generation from the jobs expected in its
// period and the jobs that succeeded: good when every expected job
// succeeded, failed when none did, partial otherwise. A job that did not
// run counts as failed. With no expected jobs, any success makes it good.
func Grade(expected, succeeded []string) Status {
	ok := 0
	for _, j := range expected {
		if slices.Contains(succeeded, j) {
			ok++
		}
	}
	switch {
	case len(expected) == 0 && len(succeeded) > 0, len(expected) > 0 && ok == len(expected):
		return StatusGood
	case ok == 0:
		return StatusFailed
	}
	return StatusPartial
}

// Level is the rank of a generation within its pool's scheme.
type Level string

// Generation levels. Cycle pools write daily, weekly or monthly
// generations, grandfather-father-son pools all four of the first, release
// pools release generations.
const (
	LevelDaily   Level = "daily"
	LevelWeekly  Level = "weekly"
	LevelMonthly Level = "monthly"
	LevelYearly  Level = "yearly"
	LevelRelease Level = "release"
)

// Generation is what a pool received in one rotation period, as recorded on
// one cartridge. A generation spanning several cartridges appears on each of
// them with the same ID.
type Generation struct {
	// ID identifies the generation within its pool; the daemon uses the
	// Key of its Period. Empty means the Key of PeriodOf(pool, Time).
	ID string `json:"id"`
	// Time is when the period's first run started.
	Time time.Time `json:"time"`
	// Level is the level recorded when the generation was written. Empty
	// means the level PeriodOf gives for Time under the current
	// configuration; record it, so that a changed promotion day cannot
	// demote old generations.
	Level  Level  `json:"level,omitempty"`
	Status Status `json:"status"`
}

// Cartridge is the catalog's view of one cartridge.
type Cartridge struct {
	Barcode     string       `json:"barcode"`
	Pool        string       `json:"pool,omitempty"`
	MediaType   string       `json:"media_type,omitempty"`
	State       State        `json:"state"`
	Location    Location     `json:"location"`
	Generations []Generation `json:"generations,omitempty"`
	// Errors counts media errors recorded against the cartridge since it
	// was last labelled. A chosen cartridge with errors comes with a
	// warning; the catalog marks a bad one damaged to stop its use.
	Errors int `json:"errors,omitempty"`
	// UsesLeft is the number of cleanings a cleaning cartridge has left.
	UsesLeft int `json:"uses_left,omitempty"`
	// Expires is when a cleaning cartridge expires; zero means never.
	Expires time.Time `json:"expires,omitzero"`
	// Systems are the systems whose data is still on the cartridge;
	// Unencrypted those of them with data on it that was written without
	// encryption. The policy check uses them (handling classes come from
	// the systems' classes).
	Systems     []string `json:"systems,omitempty"`
	Unencrypted []string `json:"unencrypted,omitempty"`
}

// newest returns the time of the newest generation on c, or the zero time.
func (c Cartridge) newest() time.Time {
	var t time.Time
	for _, g := range c.Generations {
		if g.Time.After(t) {
			t = g.Time
		}
	}
	return t
}

// SiteKind classifies a site.
type SiteKind string

// Site kinds.
const (
	SiteMachineRoom   SiteKind = "machine-room"   // where the drives are
	SiteOtherBuilding SiteKind = "other-building" // another building, usually nearby
	SiteRemote        SiteKind = "remote-site"    // far enough not to share a disaster
)

// Site is a building that can hold cartridges.
type Site struct {
	Name string   `json:"name" yaml:"name"`
	Kind SiteKind `json:"kind" yaml:"kind"`
	// DistanceKM is the distance from the primary site (the machine room).
	DistanceKM float64 `json:"distance_km" yaml:"distance_km"`
	// Hazards are notes such as "tsunami-zone" or "flood-zone"; two sites
	// sharing a note can be hit by the same event.
	Hazards []string `json:"hazards,omitempty" yaml:"hazards"`
	// Places are the site's storage places, with the protection each
	// offers.
	Places []Place `json:"places,omitempty" yaml:"places"`
}

// PlaceProperty is a protection a storage place offers.
type PlaceProperty string

// The properties a storage place can have. The standard (第1節 セ(イ)f(b))
// keeps media holding confidentiality-2 (or higher), integrity-2 or
// availability-2 data in a lockable place protected against fire, heat,
// water and humidity; fireproof stands for fire and heat, waterproof for
// water and humidity. Confidentiality-3 data also needs a place whose
// access is restricted (保管場所の制限).
const (
	PropLockable         PlaceProperty = "lockable"
	PropFireproof        PlaceProperty = "fireproof"
	PropWaterproof       PlaceProperty = "waterproof"
	PropAccessControlled PlaceProperty = "access-controlled"
)

// PlaceProperties are every property, in the order they are written.
var PlaceProperties = []PlaceProperty{PropLockable, PropFireproof, PropWaterproof, PropAccessControlled}

// Place is a storage place at a site (a shelf, safe or vault).
type Place struct {
	Name       string          `json:"name" yaml:"name"`
	Kind       string          `json:"kind,omitempty" yaml:"kind"`
	Properties []PlaceProperty `json:"properties,omitempty" yaml:"properties"`
}

// Has reports whether the place offers property p.
func (p Place) Has(prop PlaceProperty) bool { return slices.Contains(p.Properties, prop) }

// sharedHazards returns the hazard notes s shares with o, sorted.
func (s Site) sharedHazards(o Site) []string {
	var out []string
	for _, h := range s.Hazards {
		h = strings.TrimSpace(h)
		for _, k := range o.Hazards {
			if h != "" && strings.EqualFold(h, strings.TrimSpace(k)) && !slices.Contains(out, h) {
				out = append(out, h)
			}
		}
	}
	slices.Sort(out)
	return out
}

// View is the catalog's view of the world that rotation decides on: the
// configured sites and every cartridge with its state, location and
// generations. Cartridges belong to pools by name; a scratch pool's
// cartridges supply the pools that name it.
type View struct {
	Sites      []Site      `json:"sites"`
	Cartridges []Cartridge `json:"cartridges"`
}

// machineRoom returns the name of the machine-room site. With none
// configured it is "", and a location with an empty site is there.
func (v View) machineRoom() string {
	for _, s := range v.Sites {
		if s.Kind == SiteMachineRoom {
			return s.Name
		}
	}
	return ""
}

// site returns the site called name.
func (v View) site(name string) (Site, bool) {
	for _, s := range v.Sites {
		if s.Name == name {
			return s, true
		}
	}
	return Site{}, false
}

// onSite reports whether l is at the machine room and not with a courier.
func onSite(l Location, machineRoom string) bool {
	return l.Kind != PlaceTransit && l.Site == machineRoom
}

// poolCartridges returns the cartridges in pool name, sorted by barcode;
// cleaning cartridges are left out. The copies share their generations
// with v.
func (v View) poolCartridges(name string) []Cartridge {
	n := 0
	for _, c := range v.Cartridges {
		if c.Pool == name && c.State != StateCleaning {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]Cartridge, 0, n)
	for _, c := range v.Cartridges {
		if c.Pool == name && c.State != StateCleaning {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b Cartridge) int { return strings.Compare(a.Barcode, b.Barcode) })
	return out
}

// Run is one planned run of a job, as the daemon computes it from the job's
// schedule.
type Run struct {
	Job  string    `json:"job"`
	Pool string    `json:"pool"`
	Time time.Time `json:"time"`
}

// date formats t as a calendar date in its own location.
func date(t time.Time) string { return t.Format(time.DateOnly) }

// dayStart returns midnight of t's calendar day in t's location.
func dayStart(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

package rotation

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/media/mediatype"
)

// Scheme names a pool's rotation scheme.
type Scheme string

// Rotation schemes. See the package documentation for their semantics.
const (
	SchemeCycle   Scheme = "cycle"
	SchemeGFS     Scheme = "gfs"
	SchemeRelease Scheme = "release"
	SchemeScratch Scheme = "scratch"
)

// MinCycle is the smallest rotation the standard accepts without a waiver:
// "at least five-tape rotation" (最低でも5巻回し, 第2節 3(2)イ(ア)b).
const MinCycle = 5

// DefaultMinDistanceKM is the default distance between the machine room and
// a remote site. The standard treats sites tens of kilometres apart as not
// hit by the same earthquake (表-30).
const DefaultMinDistanceKM = 30

// DefaultScratchPool is the scratch pool a pool draws from when it names
// none.
const DefaultScratchPool = "scratch"

// Pool is one pool's rotation configuration. Exactly the field matching
// Scheme is set (none for scratch pools).
type Pool struct {
	Name   string `json:"name" yaml:"name"`
	Scheme Scheme `json:"scheme" yaml:"scheme"`
	// MediaType, when set, restricts the scratch cartridges the pool takes
	// to that media type (for example "LTO-8").
	MediaType string `json:"media_type,omitempty" yaml:"media_type"`
	// Scratch names the scratch pool that supplies new cartridges;
	// DefaultScratchPool when empty.
	Scratch string   `json:"scratch,omitempty" yaml:"scratch"`
	Cycle   *Cycle   `json:"cycle,omitempty" yaml:"cycle"`
	GFS     *GFS     `json:"gfs,omitempty" yaml:"gfs"`
	Release *Release `json:"release,omitempty" yaml:"release"`
	// Offsite, when set, asks for generations to be kept away from the
	// machine room.
	Offsite *Offsite `json:"offsite,omitempty" yaml:"offsite"`
	// Waiver accepts a rotation smaller than MinCycle cartridges; Check
	// reports it with its reason.
	Waiver *Waiver `json:"waiver,omitempty" yaml:"waiver"`
	// Encryption is "age" when the pool's data files are encrypted, and
	// Recipients the fingerprints of its age recipients.
	Encryption string   `json:"encryption,omitempty" yaml:"encryption"`
	Recipients []string `json:"recipients,omitempty" yaml:"recipients"`
}

// Cycle is a rotation of Cartridges cartridges written in turn, one
// generation per period. The newest Cartridges-1 good generations are
// retained; the remaining cartridge is the one written next.
type Cycle struct {
	Cartridges int `json:"cartridges" yaml:"cartridges"`
	// Every is the rotation period: "day" (default), "week" or "month".
	Every string `json:"every,omitempty" yaml:"every"`
}

// GFS is a grandfather-father-son rotation. Each day's runs form one
// generation whose level is decided by the day: yearly on the YearlyOn
// date, else monthly on the MonthlyOn day, else weekly on WeeklyOn, else
// daily. A level with a count of zero is not used. The counts are the good
// generations of each level retained; the cartridges are shared between
// levels.
type GFS struct {
	Daily   int `json:"daily" yaml:"daily"`
	Weekly  int `json:"weekly" yaml:"weekly"`
	Monthly int `json:"monthly" yaml:"monthly"`
	Yearly  int `json:"yearly" yaml:"yearly"`
	// WeeklyOn is a weekday: "monday" … "sunday" (or "mon" … "sun").
	WeeklyOn string `json:"weekly_on,omitempty" yaml:"weekly_on"`
	// MonthlyOn is "first-business-day", "last-business-day", "last-day"
	// or a day of the month "1" … "31" (the last day in shorter months).
	MonthlyOn string `json:"monthly_on,omitempty" yaml:"monthly_on"`
	// YearlyOn is a month and day "MM-DD" (a missing 29 February is the
	// 28th), or a month "MM" meaning that month's MonthlyOn day.
	YearlyOn string `json:"yearly_on,omitempty" yaml:"yearly_on"`
	// Holidays are dates "YYYY-MM-DD" that are not business days, besides
	// Saturdays and Sundays.
	Holidays []string `json:"holidays,omitempty" yaml:"holidays"`
}

// Release keeps the system backups of the last Keep releases; each day with
// release runs is one generation.
type Release struct {
	Keep int `json:"keep" yaml:"keep"`
}

// Waiver records why a pool may rotate fewer than MinCycle cartridges.
type Waiver struct {
	Reason     string `json:"reason" yaml:"reason"`
	ApprovedBy string `json:"approved_by,omitempty" yaml:"approved_by"`
}

// Offsite is a pool's offsite policy: keep at least Keep of the newest good
// generations away from the machine room, sending them to Site, and, when a
// remote destination is configured (RemoteSite, or Site itself when it is a
// remote site), always at least one at that remote site.
type Offsite struct {
	Keep int `json:"keep" yaml:"keep"`
	// Site is where generations are sent.
	Site string `json:"site" yaml:"site"`
	// RemoteSite is where one generation is kept at all times.
	RemoteSite string `json:"remote_site,omitempty" yaml:"remote_site"`
	// MinDistanceKM is the least distance a remote site must be from the
	// machine room; DefaultMinDistanceKM when zero.
	MinDistanceKM float64 `json:"min_distance_km,omitempty" yaml:"min_distance_km"`
	// TransitDays is how many days a courier needs (0: the same day).
	TransitDays int `json:"transit_days,omitempty" yaml:"transit_days"`
	// LeadDays is how many days before it is written a cartridge is
	// recalled; TransitDays+1 when zero. It must exceed TransitDays.
	LeadDays int `json:"lead_days,omitempty" yaml:"lead_days"`
	// Levels are the generation levels that travel; all when empty.
	Levels []Level `json:"levels,omitempty" yaml:"levels"`
}

// minDistance returns the configured distance or the default.
func (o Offsite) minDistance() float64 {
	if o.MinDistanceKM > 0 {
		return o.MinDistanceKM
	}
	return DefaultMinDistanceKM
}

// lead returns the lead time in days.
func (o Offsite) lead() int {
	if o.LeadDays > 0 {
		return o.LeadDays
	}
	return o.TransitDays + 1
}

// travels reports whether generations of level l go offsite.
func (o Offsite) travels(l Level) bool {
	return len(o.Levels) == 0 || slices.Contains(o.Levels, l)
}

// retained returns how many good generations of level l the pool retains.
func (p Pool) retained(l Level) int {
	switch p.Scheme {
	case SchemeCycle:
		if p.Cycle != nil {
			return max(p.Cycle.Cartridges-1, 0)
		}
	case SchemeRelease:
		if p.Release != nil {
			return p.Release.Keep
		}
	case SchemeGFS:
		if p.GFS == nil {
			return 0
		}
		switch l {
		case LevelDaily:
			return p.GFS.Daily
		case LevelWeekly:
			return p.GFS.Weekly
		case LevelMonthly:
			return p.GFS.Monthly
		case LevelYearly:
			return p.GFS.Yearly
		}
	}
	return 0
}

// target returns how many cartridges the pool's rotation needs: the
// retained generations plus the one being written.
func (p Pool) target() int {
	switch p.Scheme {
	case SchemeCycle:
		if p.Cycle != nil {
			return p.Cycle.Cartridges
		}
	case SchemeRelease:
		if p.Release != nil {
			return p.Release.Keep + 1
		}
	case SchemeGFS:
		if p.GFS != nil {
			return p.GFS.Daily + p.GFS.Weekly + p.GFS.Monthly + p.GFS.Yearly + 1
		}
	}
	return 0
}

// scratchPool returns the name of the pool's scratch pool.
func (p Pool) scratchPool() string {
	if p.Scratch != "" {
		return p.Scratch
	}
	return DefaultScratchPool
}

// describe summarises the pool's scheme, e.g. "cycle of 5 (daily)".
func (p Pool) describe() string {
	switch {
	case p.Scheme == SchemeCycle && p.Cycle != nil:
		return fmt.Sprintf("cycle of %d, %s generations", p.Cycle.Cartridges, cycleLevel(p.Cycle.Every))
	case p.Scheme == SchemeGFS && p.GFS != nil:
		return fmt.Sprintf("gfs %d daily, %d weekly, %d monthly, %d yearly", p.GFS.Daily, p.GFS.Weekly, p.GFS.Monthly, p.GFS.Yearly)
	case p.Scheme == SchemeRelease && p.Release != nil:
		return fmt.Sprintf("release, keep %d", p.Release.Keep)
	}
	return string(p.Scheme)
}

// Drive is a tape drive as the cleaning policy sees it.
type Drive struct {
	Name string `json:"name" yaml:"name"`
	// Type is the drive's native media type, for example "LTO-8".
	Type     string          `json:"type" yaml:"type"`
	Cleaning *CleaningPolicy `json:"cleaning,omitempty" yaml:"cleaning"`
}

// CleaningPolicy says when a drive is cleaned. A drive's own request
// (TapeAlert 20/21, the cleaning-requested status bit) is always honoured;
// the intervals add scheduled cleanings, which LTO drives should not need.
type CleaningPolicy struct {
	// OnRequest cleans only when the drive asks.
	OnRequest bool `json:"on_request,omitempty" yaml:"on_request"`
	// EveryDays cleans when this many days have passed since the last
	// cleaning.
	EveryDays int `json:"every_days,omitempty" yaml:"every_days"`
	// EveryMounts cleans after this many mounts.
	EveryMounts int `json:"every_mounts,omitempty" yaml:"every_mounts"`
	// EveryMotionHours cleans after this many hours of tape motion.
	EveryMotionHours float64 `json:"every_motion_hours,omitempty" yaml:"every_motion_hours"`
}

// scheduled reports whether the policy has an interval.
func (c CleaningPolicy) scheduled() bool {
	return c.EveryDays > 0 || c.EveryMounts > 0 || c.EveryMotionHours > 0
}

// System is one information system of the inventory the standard asks for
// (第2節 3(2)ア(エ)).
type System struct {
	Name    string `json:"name" yaml:"name"`
	Manager string `json:"manager,omitempty" yaml:"manager"`
	// Importance is the class "I" (most important) … "IV".
	Importance string `json:"importance,omitempty" yaml:"importance"`
	// Availability is the availability class 1 or 2 (2: restore within the
	// specified time).
	Availability int `json:"availability,omitempty" yaml:"availability"`
	// Confidentiality is the confidentiality class 1 or 2 (2: encrypted
	// when it leaves the building); 0 is unset.
	Confidentiality int `json:"confidentiality,omitempty" yaml:"confidentiality"`
	// Integrity is the integrity class 1 or 2; 0 is unset.
	Integrity int `json:"integrity,omitempty" yaml:"integrity"`
	// UpdatesPerWeek is how often the data changes.
	UpdatesPerWeek float64 `json:"updates_per_week,omitempty" yaml:"updates_per_week"`
	// RestorePriority orders restores after a disaster, 1 first; 0 is
	// unset.
	RestorePriority  int    `json:"restore_priority,omitempty" yaml:"restore_priority"`
	VendorContact    string `json:"vendor_contact,omitempty" yaml:"vendor_contact"`
	RestoreProcedure bool   `json:"restore_procedure,omitempty" yaml:"restore_procedure"`
}

// Job links a system to the pool its backups are written to.
type Job struct {
	Name   string `json:"name" yaml:"name"`
	System string `json:"system,omitempty" yaml:"system"`
	Pool   string `json:"pool" yaml:"pool"`
}

// Config is the part of the daemon's configuration rotation judges.
type Config struct {
	Sites   []Site   `json:"sites" yaml:"sites"`
	Pools   []Pool   `json:"pools" yaml:"pools"`
	Drives  []Drive  `json:"drives" yaml:"drives"`
	Systems []System `json:"systems" yaml:"systems"`
	Jobs    []Job    `json:"jobs" yaml:"jobs"`
}

// Rule names what an Issue breaks: the configuration's own rules, or a rule
// of the standard that Check reports under its own name.
type Rule string

// The rules of Issue.
const (
	// RuleConfig: the configuration is invalid (a missing or contradictory
	// setting, an unknown name, a dangling reference).
	RuleConfig Rule = "config-invalid"
	// RuleMinCycle: the pool rotates fewer than MinCycle cartridges without
	// a waiver (最低でも5巻回し). Check reports it as rotation-min-5; a
	// policy check that wants to report it itself can tell it apart.
	RuleMinCycle Rule = "rotation-min-5"
)

// Issue is one problem Validate finds in a configuration.
type Issue struct {
	Rule Rule `json:"rule"`
	// Subject is what the issue is about: `pool "daily"`, `drive "lto0"`,
	// `sites`.
	Subject string `json:"subject"`
	// Field is the key within the subject, dotted for nested keys
	// ("cycle.cartridges", "offsite.lead_days"); empty when the issue is
	// about the subject as a whole.
	Field string `json:"field,omitempty"`
	// Message says what is wrong and what to do, without subject or field.
	Message string `json:"message"`
}

// String renders the issue as Validate's errors do: subject, field and
// message.
func (i Issue) String() string {
	if i.Field == "" {
		return i.Subject + ": " + i.Message
	}
	return i.Subject + ": " + i.Field + ": " + i.Message
}

func joinIssues(issues []Issue) error {
	errs := make([]error, len(issues))
	for i, is := range issues {
		errs[i] = errors.New(is.String())
	}
	return errors.Join(errs...)
}

// Validate checks the pool on its own: scheme, counts, promotion days and
// the offsite policy's numbers. References to sites and scratch pools are
// checked by Config.Validate. Each error names the pool and the field; Issues
// gives the same problems as values.
func (p Pool) Validate() error { return joinIssues(p.Issues()) }

// Issues returns every problem Validate reports, in the same order.
func (p Pool) Issues() []Issue {
	subj := "pool " + strconv.Quote(p.Name)
	var out []Issue
	add := func(field, format string, args ...any) {
		out = append(out, Issue{Rule: RuleConfig, Subject: subj, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(p.Name) == "" {
		add("name", "required")
	}
	if p.MediaType != "" && !knownMediaType(p.MediaType) {
		add("media_type", "%q is not a known media type (%s)", p.MediaType, strings.Join(mediatype.Names(), ", "))
	}
	set := map[Scheme]bool{SchemeCycle: p.Cycle != nil, SchemeGFS: p.GFS != nil, SchemeRelease: p.Release != nil}
	for _, s := range []Scheme{SchemeCycle, SchemeGFS, SchemeRelease} {
		if set[s] && p.Scheme != s {
			add(string(s), "set, but the scheme is %q", p.Scheme)
		}
	}
	switch p.Scheme {
	case SchemeCycle:
		if p.Cycle == nil {
			add("cycle", "required for scheme cycle (cartridges, every)")
			break
		}
		if _, ok := cycleLevels[p.Cycle.Every]; !ok {
			add("cycle.every", "%q is not a period (use day, week or month)", p.Cycle.Every)
		}
		switch n := p.Cycle.Cartridges; {
		case n < 2:
			add("cycle.cartridges", "%d: a rotation needs at least 2 cartridges, and the standard asks for %d", n, MinCycle)
		case n < MinCycle && p.Waiver == nil:
			out = append(out, Issue{Rule: RuleMinCycle, Subject: subj, Field: "cycle.cartridges",
				Message: fmt.Sprintf("%d is below the standard's minimum of %d (最低でも5巻回し); add cartridges or record a waiver with a reason", n, MinCycle)})
		}
	case SchemeGFS:
		if p.GFS == nil {
			add("gfs", "required for scheme gfs (daily, weekly, monthly, yearly and their days)")
			break
		}
		out = append(out, p.GFS.issues(subj)...)
		if n := p.target(); n < MinCycle && p.GFS.Daily >= 1 && p.Waiver == nil {
			out = append(out, Issue{Rule: RuleMinCycle, Subject: subj, Field: "gfs",
				Message: fmt.Sprintf("the generation counts add up to a rotation of %d cartridges, below the standard's minimum of %d; raise the counts or record a waiver with a reason", n, MinCycle)})
		}
	case SchemeRelease:
		if p.Release == nil {
			add("release", "required for scheme release (keep)")
			break
		}
		if p.Release.Keep < 1 {
			add("release.keep", "%d: keep at least 1 release", p.Release.Keep)
		}
	case SchemeScratch:
		if p.Offsite != nil {
			add("offsite", "a scratch pool holds no generations to send")
		}
	default:
		add("scheme", "%q is not a scheme (use cycle, gfs, release or scratch)", p.Scheme)
	}
	if p.Waiver != nil && strings.TrimSpace(p.Waiver.Reason) == "" {
		add("waiver.reason", "required: say why the pool may rotate fewer than %d cartridges", MinCycle)
	}
	if p.Offsite != nil && p.Scheme != SchemeScratch {
		o := p.Offsite
		if o.Keep < 1 {
			add("offsite.keep", "%d: keep at least 1 generation away", o.Keep)
		}
		if strings.TrimSpace(o.Site) == "" {
			add("offsite.site", "required: the site generations are sent to")
		}
		if o.MinDistanceKM < 0 {
			add("offsite.min_distance_km", "%v must not be negative", o.MinDistanceKM)
		}
		if o.TransitDays < 0 {
			add("offsite.transit_days", "%d must not be negative", o.TransitDays)
		}
		if o.LeadDays < 0 || (o.LeadDays > 0 && o.LeadDays <= o.TransitDays) {
			add("offsite.lead_days", "%d must exceed transit_days (%d), or a recalled cartridge arrives after it is needed", o.LeadDays, o.TransitDays)
		}
		levels := p.levels()
		for _, l := range o.Levels {
			if !slices.Contains(levels, l) {
				add("offsite.levels", "%q is not a level of this pool (%s)", l, joinLevels(levels))
			}
		}
	}
	return out
}

// levels returns the levels the pool's generations can have.
func (p Pool) levels() []Level {
	switch p.Scheme {
	case SchemeCycle:
		if p.Cycle != nil {
			return []Level{cycleLevel(p.Cycle.Every)}
		}
	case SchemeGFS:
		return []Level{LevelDaily, LevelWeekly, LevelMonthly, LevelYearly}
	case SchemeRelease:
		return []Level{LevelRelease}
	}
	return nil
}

func joinLevels(ls []Level) string {
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = string(l)
	}
	return strings.Join(s, ", ")
}

func (g GFS) issues(subj string) []Issue {
	var out []Issue
	add := func(field, format string, args ...any) {
		out = append(out, Issue{Rule: RuleConfig, Subject: subj, Field: "gfs." + field, Message: fmt.Sprintf(format, args...)})
	}
	if g.Daily < 1 {
		add("daily", "%d: keep at least 1 daily generation (a pool written less often is a cycle with every: week or month)", g.Daily)
	}
	for _, c := range []struct {
		field string
		n     int
	}{{"weekly", g.Weekly}, {"monthly", g.Monthly}, {"yearly", g.Yearly}} {
		if c.n < 0 {
			add(c.field, "%d must not be negative", c.n)
		}
	}
	if _, err := parseWeekday(g.WeeklyOn); g.Weekly > 0 && err != nil {
		add("weekly_on", "%v", err)
	}
	if _, err := parseMonthDay(g.MonthlyOn); g.Monthly > 0 && err != nil {
		add("monthly_on", "%v", err)
	}
	if g.Yearly > 0 {
		y, err := parseYearDay(g.YearlyOn)
		switch {
		case err != nil:
			add("yearly_on", "%v", err)
		case y.day == 0:
			if _, err := parseMonthDay(g.MonthlyOn); err != nil {
				add("yearly_on", "%q names a month only, which takes the monthly_on day, but monthly_on is not set: %v", g.YearlyOn, err)
			}
		}
	}
	for _, h := range g.Holidays {
		if _, err := time.Parse(time.DateOnly, h); err != nil {
			add("holidays", "%q is not a date YYYY-MM-DD", h)
		}
	}
	return out
}

// Validate checks the whole configuration: each pool, site, drive, system
// and job, and the references between them. It returns every problem found,
// joined; each names its subject and field. Issues gives the same problems
// as values.
func (c Config) Validate() error { return joinIssues(c.Issues()) }

// Issues returns every problem Validate reports, in the same order.
func (c Config) Issues() []Issue {
	var out []Issue
	add := func(subj, field, format string, args ...any) {
		out = append(out, Issue{Rule: RuleConfig, Subject: subj, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	sites := map[string]Site{}
	rooms := 0
	for i, s := range c.Sites {
		subj := fmt.Sprintf("site %q", s.Name)
		if strings.TrimSpace(s.Name) == "" {
			subj = fmt.Sprintf("site #%d", i+1)
			add(subj, "name", "required")
		}
		if _, dup := sites[s.Name]; dup {
			add(subj, "name", "defined twice")
		}
		sites[s.Name] = s
		switch s.Kind {
		case SiteMachineRoom:
			rooms++
		case SiteOtherBuilding, SiteRemote:
		default:
			add(subj, "kind", "%q is not a site kind (use machine-room, other-building or remote-site)", s.Kind)
		}
		if s.DistanceKM < 0 {
			add(subj, "distance_km", "%v must not be negative", s.DistanceKM)
		}
	}
	if len(c.Sites) > 0 && rooms != 1 {
		add("sites", "", "exactly one site must be the machine-room, found %d", rooms)
	}

	pools := map[string]Pool{}
	for _, p := range c.Pools {
		out = append(out, p.Issues()...)
		subj := fmt.Sprintf("pool %q", p.Name)
		if _, dup := pools[p.Name]; dup {
			add(subj, "name", "defined twice")
		}
		pools[p.Name] = p
	}
	for _, p := range c.Pools {
		subj := fmt.Sprintf("pool %q", p.Name)
		if p.Scheme != SchemeScratch {
			sp, ok := pools[p.scratchPool()]
			switch {
			case !ok && p.Scratch != "":
				add(subj, "scratch", "pool %q is not defined", p.Scratch)
			case ok && sp.Scheme != SchemeScratch:
				add(subj, "scratch", "pool %q is a %s pool, not a scratch pool", sp.Name, sp.Scheme)
			}
		}
		if o := p.Offsite; o != nil && p.Scheme != SchemeScratch {
			if s, ok := sites[o.Site]; o.Site != "" && !ok {
				add(subj, "offsite.site", "site %q is not defined", o.Site)
			} else if ok && s.Kind == SiteMachineRoom {
				add(subj, "offsite.site", "%q is the machine room; name another building or a remote site", o.Site)
			}
			if s, ok := sites[o.RemoteSite]; o.RemoteSite != "" && !ok {
				add(subj, "offsite.remote_site", "site %q is not defined", o.RemoteSite)
			} else if ok && s.Kind != SiteRemote {
				add(subj, "offsite.remote_site", "%q is a %s, not a remote-site", o.RemoteSite, s.Kind)
			}
		}
	}

	systems := map[string]bool{}
	for _, s := range c.Systems {
		subj := fmt.Sprintf("system %q", s.Name)
		if strings.TrimSpace(s.Name) == "" {
			add(subj, "name", "required")
		}
		if systems[s.Name] {
			add(subj, "name", "defined twice")
		}
		systems[s.Name] = true
		if s.Importance != "" && !slices.Contains(importanceClasses, s.Importance) {
			add(subj, "importance", "%q is not a class (use I, II, III or IV)", s.Importance)
		}
		if s.Availability != 0 && s.Availability != 1 && s.Availability != 2 {
			add(subj, "availability", "%d is not a class (use 1 or 2)", s.Availability)
		}
		if s.UpdatesPerWeek < 0 {
			add(subj, "updates_per_week", "%v must not be negative", s.UpdatesPerWeek)
		}
		if s.RestorePriority < 0 {
			add(subj, "restore_priority", "%d must not be negative (1 is restored first, 0 means unset)", s.RestorePriority)
		}
	}
	jobs := map[string]bool{}
	for _, j := range c.Jobs {
		subj := fmt.Sprintf("job %q", j.Name)
		if strings.TrimSpace(j.Name) == "" {
			add(subj, "name", "required")
		}
		if jobs[j.Name] {
			add(subj, "name", "defined twice")
		}
		jobs[j.Name] = true
		if p, ok := pools[j.Pool]; !ok {
			add(subj, "pool", "pool %q is not defined", j.Pool)
		} else if p.Scheme == SchemeScratch {
			add(subj, "pool", "%q is a scratch pool, which is never written", j.Pool)
		}
		if j.System != "" && !systems[j.System] {
			add(subj, "system", "system %q is not defined", j.System)
		}
	}
	drives := map[string]bool{}
	for _, d := range c.Drives {
		subj := fmt.Sprintf("drive %q", d.Name)
		if strings.TrimSpace(d.Name) == "" {
			add(subj, "name", "required")
		}
		if drives[d.Name] {
			add(subj, "name", "defined twice")
		}
		drives[d.Name] = true
		if cleanerFamily(d.Type) == "" && !mediatype.IsDisk(d.Type) {
			add(subj, "type", "%q is not a drive type (%s)", d.Type, driveTypeList())
		}
		if cp := d.Cleaning; cp != nil {
			if !cp.OnRequest && !cp.scheduled() {
				add(subj, "cleaning", "set on_request, every_days, every_mounts or every_motion_hours")
			}
			if cp.EveryDays < 0 || cp.EveryMounts < 0 || cp.EveryMotionHours < 0 {
				add(subj, "cleaning", "intervals must not be negative")
			}
		}
	}
	return out
}

var importanceClasses = []string{"I", "II", "III", "IV"}

func knownMediaType(t string) bool { return mediatype.Known(t) }

// driveTypeList names the drive types for messages.
func driveTypeList() string {
	return "LTO-1 … LTO-10, LTO-7M, DDS-1 … DDS-4, DAT72, DAT160, DAT320; RDX, USB-DISK, OPTICAL for a directory drive"
}

package rotation

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goodConfig is a configuration that meets the standard.
func goodConfig() Config {
	return Config{
		Sites: []Site{
			{Name: room, Kind: SiteMachineRoom, Hazards: []string{"tsunami-zone"}},
			{Name: "annex", Kind: SiteOtherBuilding, DistanceKM: 2, Hazards: []string{"landslide"}},
			{Name: "sendai-dc", Kind: SiteRemote, DistanceKM: 80},
		},
		Pools: []Pool{
			{Name: "scratch", Scheme: SchemeScratch},
			{Name: "daily", Scheme: SchemeCycle, MediaType: "LTO-8", Cycle: &Cycle{Cartridges: 6, Every: "day"},
				Offsite: &Offsite{Keep: 2, Site: "annex", RemoteSite: "sendai-dc", TransitDays: 1, LeadDays: 2}},
			{Name: "gfs", Scheme: SchemeGFS, MediaType: "LTO-8",
				GFS:     &GFS{Daily: 4, Weekly: 4, Monthly: 12, Yearly: 3, WeeklyOn: "friday", MonthlyOn: "last-business-day", YearlyOn: "03", Holidays: []string{"2025-04-29"}},
				Offsite: &Offsite{Keep: 2, Site: "sendai-dc", Levels: []Level{LevelWeekly, LevelMonthly, LevelYearly}, TransitDays: 1}},
			{Name: "sys", Scheme: SchemeRelease, Release: &Release{Keep: 3}},
		},
		Drives: []Drive{
			{Name: "drive0", Type: "LTO-8", Cleaning: &CleaningPolicy{OnRequest: true}},
			{Name: "dat0", Type: "DAT160", Cleaning: &CleaningPolicy{OnRequest: true, EveryMotionHours: 100}},
		},
		Systems: []System{
			{Name: "juki", Manager: "住民課長", Importance: "I", Availability: 2, UpdatesPerWeek: 35, RestorePriority: 1, VendorContact: "vendor A 0120-000-000", RestoreProcedure: true},
			{Name: "web", Manager: "広報課長", Importance: "III", Availability: 1, UpdatesPerWeek: 5, RestorePriority: 2, VendorContact: "none (in-house)", RestoreProcedure: true},
			{Name: "zei", Manager: "税務課長", Importance: "II", Availability: 2, UpdatesPerWeek: 20, RestorePriority: 3, VendorContact: "vendor B", RestoreProcedure: true},
		},
		Jobs: []Job{
			{Name: "juki-daily", System: "juki", Pool: "daily"},
			{Name: "juki-release", System: "juki", Pool: "sys"},
			{Name: "web-daily", System: "web", Pool: "daily"},
			{Name: "zei-gfs", System: "zei", Pool: "gfs"},
		},
	}
}

func TestValidate(t *testing.T) {
	assert.NoError(t, goodConfig().Validate())

	pool := func(c *Config, name string) *Pool {
		for i := range c.Pools {
			if c.Pools[i].Name == name {
				return &c.Pools[i]
			}
		}
		t.Fatalf("no pool %s", name)
		return nil
	}
	tests := []struct {
		name   string
		mutate func(*Config)
		want   []string
	}{
		{"cycle below five", func(c *Config) { pool(c, "daily").Cycle.Cartridges = 4 }, []string{
			`pool "daily": cycle.cartridges: 4 is below the standard's minimum of 5 (最低でも5巻回し); add cartridges or record a waiver with a reason`}},
		{"cycle below five with a waiver is valid", func(c *Config) {
			p := pool(c, "daily")
			p.Cycle.Cartridges, p.Waiver = 3, &Waiver{Reason: "DAT drive to be replaced in March", ApprovedBy: "ICT"}
		}, nil},
		{"waiver without reason", func(c *Config) {
			p := pool(c, "daily")
			p.Cycle.Cartridges, p.Waiver = 3, &Waiver{}
		}, []string{`pool "daily": waiver.reason: required`}},
		{"cycle of one", func(c *Config) { pool(c, "daily").Cycle.Cartridges = 1 }, []string{`pool "daily": cycle.cartridges: 1: a rotation needs at least 2`}},
		{"cycle period", func(c *Config) { pool(c, "daily").Cycle.Every = "fortnight" }, []string{`pool "daily": cycle.every: "fortnight" is not a period`}},
		{"scheme missing its settings", func(c *Config) { pool(c, "daily").Cycle = nil }, []string{`pool "daily": cycle: required for scheme cycle`}},
		{"settings of another scheme", func(c *Config) { pool(c, "daily").Release = &Release{Keep: 2} }, []string{`pool "daily": release: set, but the scheme is "cycle"`}},
		{"unknown scheme", func(c *Config) { pool(c, "sys").Scheme = "hanoi"; pool(c, "sys").Release = nil }, []string{`pool "sys": scheme: "hanoi" is not a scheme`}},
		{"unknown media type", func(c *Config) { pool(c, "daily").MediaType = "LTO-11" }, []string{`pool "daily": media_type: "LTO-11" is not a known media type`}},
		{"RDX pool, a media type the catalog tracks", func(c *Config) { pool(c, "daily").MediaType = "RDX" }, nil},
		{"gfs without gfs", func(c *Config) { pool(c, "gfs").GFS = nil }, []string{`pool "gfs": gfs: required for scheme gfs`}},
		{"gfs counts", func(c *Config) { g := pool(c, "gfs").GFS; g.Daily, g.Weekly = 0, -1 }, []string{
			`pool "gfs": gfs.daily: 0: keep at least 1 daily generation`, `pool "gfs": gfs.weekly: -1 must not be negative`}},
		{"gfs too small", func(c *Config) { g := pool(c, "gfs").GFS; g.Daily, g.Weekly, g.Monthly, g.Yearly = 2, 1, 0, 0 }, []string{
			`pool "gfs": gfs: the generation counts add up to a rotation of 4 cartridges`}},
		{"gfs days", func(c *Config) {
			g := pool(c, "gfs").GFS
			g.WeeklyOn, g.MonthlyOn, g.YearlyOn, g.Holidays = "", "second-tuesday", "13-01", []string{"29/04/2025"}
		}, []string{
			`pool "gfs": gfs.weekly_on: "" is not a weekday (use monday … sunday)`,
			`pool "gfs": gfs.monthly_on: "second-tuesday" is not a day of the month`,
			`pool "gfs": gfs.yearly_on: "13-01" is not a month and day MM-DD`,
			`pool "gfs": gfs.holidays: "29/04/2025" is not a date YYYY-MM-DD`}},
		{"gfs yearly month needs a monthly day", func(c *Config) { g := pool(c, "gfs").GFS; g.Monthly, g.MonthlyOn = 0, "" }, []string{
			`pool "gfs": gfs.yearly_on: "03" names a month only, which takes the monthly_on day, but monthly_on is not set`}},
		{"gfs yearly day out of range", func(c *Config) { pool(c, "gfs").GFS.YearlyOn = "04-31" }, []string{`gfs.yearly_on: "04-31" is not a month and day`}},
		{"release keep", func(c *Config) { pool(c, "sys").Release.Keep = 0 }, []string{`pool "sys": release.keep: 0: keep at least 1 release`}},
		{"release without release", func(c *Config) { pool(c, "sys").Release = nil }, []string{`pool "sys": release: required for scheme release`}},
		{"scratch offsite", func(c *Config) { pool(c, "scratch").Offsite = &Offsite{Keep: 1, Site: "annex"} }, []string{`pool "scratch": offsite: a scratch pool holds no generations to send`}},
		{"offsite numbers", func(c *Config) {
			o := pool(c, "daily").Offsite
			o.Keep, o.Site, o.MinDistanceKM, o.TransitDays, o.LeadDays, o.Levels = 0, "", -1, -1, 1, []Level{LevelMonthly}
		}, []string{
			`pool "daily": offsite.keep: 0: keep at least 1 generation away`,
			`pool "daily": offsite.site: required`,
			`pool "daily": offsite.min_distance_km: -1 must not be negative`,
			`pool "daily": offsite.transit_days: -1 must not be negative`,
			`pool "daily": offsite.levels: "monthly" is not a level of this pool (daily)`}},
		{"lead shorter than transit", func(c *Config) { o := pool(c, "daily").Offsite; o.TransitDays, o.LeadDays = 2, 2 }, []string{
			`pool "daily": offsite.lead_days: 2 must exceed transit_days (2)`}},
		{"offsite sites", func(c *Config) {
			o := pool(c, "daily").Offsite
			o.Site, o.RemoteSite = room, "annex"
			pool(c, "gfs").Offsite.Site = "atlantis"
			pool(c, "gfs").Offsite.RemoteSite = "lemuria"
		}, []string{
			`pool "daily": offsite.site: "honcho" is the machine room`,
			`pool "daily": offsite.remote_site: "annex" is a other-building, not a remote-site`,
			`pool "gfs": offsite.site: site "atlantis" is not defined`,
			`pool "gfs": offsite.remote_site: site "lemuria" is not defined`}},
		{"scratch references", func(c *Config) { pool(c, "daily").Scratch = "spares"; pool(c, "gfs").Scratch = "sys" }, []string{
			`pool "daily": scratch: pool "spares" is not defined`,
			`pool "gfs": scratch: pool "sys" is a release pool, not a scratch pool`}},
		{"duplicate pool", func(c *Config) {
			c.Pools = append(c.Pools, Pool{Name: "sys", Scheme: SchemeRelease, Release: &Release{Keep: 1}})
		}, []string{
			`pool "sys": name: defined twice`}},
		{"sites", func(c *Config) {
			c.Sites = append(c.Sites, Site{Name: "annex", Kind: "moon-base", DistanceKM: -3}, Site{Kind: SiteMachineRoom})
		}, []string{
			`site "annex": name: defined twice`,
			`site "annex": kind: "moon-base" is not a site kind`,
			`site "annex": distance_km: -3 must not be negative`,
			`site #5: name: required`,
			`sites: exactly one site must be the machine-room, found 2`}},
		{"systems", func(c *Config) {
			c.Systems = append(c.Systems, System{Name: "juki", Importance: "V", Availability: 3, UpdatesPerWeek: -1, RestorePriority: -2}, System{})
		}, []string{
			`system "juki": name: defined twice`,
			`system "juki": importance: "V" is not a class`,
			`system "juki": availability: 3 is not a class`,
			`system "juki": updates_per_week: -1 must not be negative`,
			`system "juki": restore_priority: -2 must not be negative`,
			`system "": name: required`}},
		{"jobs", func(c *Config) {
			c.Jobs = append(c.Jobs, Job{Name: "juki-daily", Pool: "nowhere"}, Job{Name: "x", Pool: "scratch", System: "ghost"}, Job{Pool: "daily"})
		}, []string{
			`job "juki-daily": name: defined twice`,
			`job "juki-daily": pool: pool "nowhere" is not defined`,
			`job "x": pool: "scratch" is a scratch pool, which is never written`,
			`job "x": system: system "ghost" is not defined`,
			`job "": name: required`}},
		{"drives", func(c *Config) {
			c.Drives = append(c.Drives, Drive{Name: "drive0", Type: "LTO-CLN", Cleaning: &CleaningPolicy{}}, Drive{Type: "DDS-4", Cleaning: &CleaningPolicy{EveryDays: -1}})
		}, []string{
			`drive "drive0": name: defined twice`,
			`drive "drive0": type: "LTO-CLN" is not a drive type`,
			`drive "drive0": cleaning: set on_request, every_days, every_mounts or every_motion_hours`,
			`drive "": name: required`,
			`drive "": cleaning: intervals must not be negative`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := goodConfig()
			tc.mutate(&c)
			err := c.Validate()
			if tc.want == nil {
				assert.NoError(t, err)
				return
			}
			for _, w := range tc.want {
				assert.ErrorContains(t, err, w)
			}
		})
	}
}

// TestIssues: Issues gives Validate's problems as values, with the rule
// that tells the standard's minimum rotation apart from an invalid setting.
func TestIssues(t *testing.T) {
	assert.Empty(t, goodConfig().Issues())

	c := goodConfig()
	c.Pools[1].Cycle.Cartridges = 4
	c.Pools[1].Offsite.LeadDays = -1
	c.Pools[2].GFS.Daily, c.Pools[2].GFS.Weekly, c.Pools[2].GFS.Monthly, c.Pools[2].GFS.Yearly = 2, 1, 0, 0
	c.Sites[0].Kind = SiteRemote
	got := c.Issues()
	want := []Issue{
		{Rule: RuleConfig, Subject: "sites", Message: "exactly one site must be the machine-room, found 0"},
		{Rule: RuleMinCycle, Subject: `pool "daily"`, Field: "cycle.cartridges",
			Message: "4 is below the standard's minimum of 5 (最低でも5巻回し); add cartridges or record a waiver with a reason"},
		{Rule: RuleConfig, Subject: `pool "daily"`, Field: "offsite.lead_days",
			Message: "-1 must exceed transit_days (1), or a recalled cartridge arrives after it is needed"},
		{Rule: RuleMinCycle, Subject: `pool "gfs"`, Field: "gfs",
			Message: "the generation counts add up to a rotation of 4 cartridges, below the standard's minimum of 5; raise the counts or record a waiver with a reason"},
	}
	assert.Equal(t, want, got)

	// Validate reports the same problems, in the same order, as text.
	err := c.Validate()
	require.Error(t, err)
	lines := make([]string, len(got))
	for i, is := range got {
		lines[i] = is.String()
	}
	assert.Equal(t, strings.Join(lines, "\n"), err.Error())
	assert.Equal(t, "sites: exactly one site must be the machine-room, found 0", got[0].String())

	// A pool's own issues are those Config.Issues gives for it.
	assert.Equal(t, got[1:3], c.Pools[1].Issues())
	c.Pools[1].Waiver = &Waiver{Reason: "two drives replaced in March"}
	for _, is := range c.Pools[1].Issues() {
		assert.NotEqual(t, RuleMinCycle, is.Rule, "a waiver lifts the minimum: %s", is)
	}
}

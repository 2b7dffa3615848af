package rotation

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func goodFacts(now time.Time) Facts {
	return Facts{
		Catalog: true,
		Cartridges: []Cartridge{
			cleaner("CLN001CU", "LTO-CLN", 30, slot(20)),
			cleaner("DDSCLN01", "DDS-CLN", 10, shelf()),
		},
		DrillsTracked: true,
		Drills: map[string]time.Time{
			"juki": now.AddDate(0, -3, 0),
			"web":  now.AddDate(0, -11, 0),
			"zei":  now.AddDate(0, -6, 0),
		},
	}
}

func TestCheckGoodConfiguration(t *testing.T) {
	now := at(2025, time.April, 10, 9)
	fs := Check(goodConfig(), goodFacts(now), now)
	assert.False(t, HasErrors(fs), "%v", fs)
	assert.Empty(t, fs)
}

func TestCheckFailedDrill(t *testing.T) {
	now := at(2025, time.April, 10, 9)
	facts := goodFacts(now)
	facts.DrillProblems = map[string]string{"juki": "failed (restored into the wrong directory)"}
	fs := Check(goodConfig(), facts, now)
	require.Len(t, fs, 1)
	assert.Equal(t, SeverityWarning, fs[0].Severity)
	assert.Equal(t, "restore-drill", fs[0].Rule)
	assert.Equal(t, `system "juki"`, fs[0].Subject)
	assert.Equal(t, "the last restore drill, on 2025-01-10, failed (restored into the wrong directory): fix what it found and run the drill again", fs[0].Message)
}

// badConfig breaks every rule Check knows.
func badConfig() Config {
	c := goodConfig()
	c.Sites = append(c.Sites,
		Site{Name: "harbour-store", Kind: SiteRemote, DistanceKM: 12, Hazards: []string{"Tsunami-Zone"}},
		Site{Name: "old-school", Kind: SiteOtherBuilding, DistanceKM: 1, Hazards: []string{"tsunami-zone", "flood-zone"}},
	)
	c.Pools = []Pool{
		{Name: "scratch", Scheme: SchemeScratch},
		// Too small a rotation, with and without a waiver.
		{Name: "daily", Scheme: SchemeCycle, Cycle: &Cycle{Cartridges: 3},
			Offsite: &Offsite{Keep: 1, Site: "old-school"}},
		{Name: "dat", Scheme: SchemeCycle, Cycle: &Cycle{Cartridges: 4}, Waiver: &Waiver{Reason: "DDS drive retires in March", ApprovedBy: "ICT manager"},
			Offsite: &Offsite{Keep: 1, Site: "annex", RemoteSite: "harbour-store"}},
		{Name: "big", Scheme: SchemeCycle, Cycle: &Cycle{Cartridges: 5}, Waiver: &Waiver{Reason: "was small once"},
			Offsite: &Offsite{Keep: 3, Site: "annex", RemoteSite: "sendai-dc", TransitDays: 1}},
		{Name: "monthly", Scheme: SchemeCycle, Cycle: &Cycle{Cartridges: 12, Every: "month"}},
		{Name: "sys", Scheme: SchemeRelease, Release: &Release{Keep: 3}},
	}
	c.Drives = []Drive{
		{Name: "drive0", Type: "LTO-8"},
		{Name: "drive1", Type: "LTO-9", Cleaning: &CleaningPolicy{EveryDays: 30}},
		{Name: "dat0", Type: "DAT160", Cleaning: &CleaningPolicy{OnRequest: true}},
	}
	c.Systems = []System{
		// Updated daily but written monthly only, no restore procedure,
		// no drill for over a year.
		{Name: "juki", Manager: "住民課長", Importance: "I", Availability: 2, UpdatesPerWeek: 35, RestorePriority: 1, VendorContact: "vendor A"},
		// Important, but its pool's remote site fails the rules.
		{Name: "zei", Manager: "税務課長", Importance: "II", Availability: 1, UpdatesPerWeek: 1, RestorePriority: 1, VendorContact: "vendor B", RestoreProcedure: true},
		// Unclassified, no manager, no vendor, no priority, no job.
		{Name: "web", UpdatesPerWeek: 5, RestoreProcedure: true},
	}
	c.Jobs = []Job{
		{Name: "juki-monthly", System: "juki", Pool: "monthly"},
		{Name: "zei-dat", System: "zei", Pool: "dat"},
		{Name: "orphan", Pool: "nowhere"},
	}
	return c
}

func TestCheckBadConfiguration(t *testing.T) {
	now := at(2025, time.April, 10, 9)
	facts := Facts{
		Catalog: true,
		Cartridges: []Cartridge{
			cleaner("CLN001CU", "LTO-CLN", 0, slot(20)),
			cleaner("DDSCLN01", "DDS-CLN", 10, vault("annex")),
		},
		DrillsTracked: true,
		Drills:        map[string]time.Time{"juki": now.AddDate(-1, 0, -1)},
	}
	fs := Check(badConfig(), facts, now)
	require.True(t, HasErrors(fs))

	type key struct {
		sev     Severity
		rule    string
		subject string
	}
	var got []key
	for _, f := range fs {
		got = append(got, key{f.Severity, f.Rule, f.Subject})
		assert.NotEmpty(t, f.Section, f.Rule)
		assert.NotEmpty(t, f.Message, f.Rule)
	}
	want := []key{
		{SeverityError, "backup-missing", `system "web"`},
		{SeverityError, "config-invalid", `job "orphan"`},
		{SeverityError, "daily-backup", `system "juki"`},
		{SeverityError, "offsite-distance", `site "harbour-store"`},
		{SeverityError, "offsite-hazard", `site "harbour-store"`},
		{SeverityError, "remote-copy", `system "juki"`},
		{SeverityError, "remote-copy", `system "zei"`},
		{SeverityError, "rotation-min-5", `pool "daily"`},
		{SeverityWarning, "cleaning-cartridge", "drive type DAT160"},
		{SeverityWarning, "cleaning-cartridge", "drive type LTO-8"},
		{SeverityWarning, "cleaning-cartridge", "drive type LTO-9"},
		{SeverityWarning, "cleaning-policy", `drive "drive0"`},
		{SeverityWarning, "offsite-hazard", `site "old-school"`},
		{SeverityWarning, "offsite-keep-reachable", `pool "big"`},
		{SeverityWarning, "restore-drill", `system "juki"`},
		{SeverityWarning, "restore-drill", `system "web"`},
		{SeverityWarning, "restore-drill", `system "zei"`},
		{SeverityWarning, "restore-priority", `system "web"`},
		{SeverityWarning, "restore-priority", "systems juki, zei"},
		{SeverityWarning, "restore-procedure", `system "juki"`},
		{SeverityWarning, "rotation-min-5", `pool "dat"`},
		{SeverityWarning, "system-inventory", `system "web"`},
		{SeverityInfo, "cleaning-cartridge-spent", "cartridge CLN001CU"},
		{SeverityInfo, "cleaning-lto-on-request", `drive "drive1"`},
		{SeverityInfo, "rotation-min-5", `pool "big"`},
		{SeverityInfo, "system-inventory", `system "web"`},
		{SeverityInfo, "system-inventory", `system "web"`},
	}
	assert.Equal(t, want, got)

	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.String() + "\n")
	}
	golden(t, "check-bad", []byte(b.String()))
	goldenJSON(t, "check-bad-json", fs)
}

func TestCheckWithoutCatalogOrDrills(t *testing.T) {
	now := at(2025, time.April, 10, 9)
	fs := Check(goodConfig(), Facts{}, now)
	require.Len(t, fs, 1)
	assert.Equal(t, Finding{Severity: SeverityInfo, Rule: "restore-drill", Section: "第2節 3(2)オ(ウ)a(b)", Subject: "restore drills",
		Message: "are not tracked yet, so the yearly drill cannot be checked: record each restore drill"}, plain(fs[0]))
	assert.False(t, HasErrors(fs))
}

func TestCheckReportsTheWaiverReason(t *testing.T) {
	now := at(2025, time.April, 10, 9)
	fs := Check(badConfig(), Facts{}, now)
	i := slicesIndex(fs, func(f Finding) bool { return f.Rule == "rotation-min-5" && f.Subject == `pool "dat"` })
	require.GreaterOrEqual(t, i, 0)
	assert.Equal(t, SeverityWarning, fs[i].Severity)
	assert.Contains(t, fs[i].Message, `under a waiver: "DDS drive retires in March" (approved by ICT manager)`)
}

func slicesIndex(fs []Finding, f func(Finding) bool) int {
	for i := range fs {
		if f(fs[i]) {
			return i
		}
	}
	return -1
}

// Confidentiality-2 data in a pool that travels is an error unless the
// pool encrypts; one recipient is a warning (no escrow); generations that
// only removed recipients can decrypt are listed.
func TestCheckEncryption(t *testing.T) {
	now := at(2025, time.April, 10, 9)
	poolIndex := func(c Config, name string) int {
		for i, p := range c.Pools {
			if p.Name == name {
				return i
			}
		}
		t.Fatalf("no pool %s", name)
		return -1
	}
	c := goodConfig()
	c.Systems[0].Confidentiality = 2 // juki, in the daily pool, which travels
	c.Systems[1].Confidentiality = 1
	require.NotNil(t, c.Pools[poolIndex(c, "daily")].Offsite)
	fs := Check(c, goodFacts(now), now)
	require.True(t, HasErrors(fs))
	i := slicesIndex(fs, func(f Finding) bool { return f.Rule == "offsite-encryption" })
	require.GreaterOrEqual(t, i, 0, "%v", fs)
	assert.Equal(t, SeverityError, fs[i].Severity)
	assert.Equal(t, `system "juki"`, fs[i].Subject)
	assert.Equal(t, "第1節 セ(ア)a", fs[i].Section)
	assert.Contains(t, fs[i].Message, "pool daily takes it offsite without encryption: set encryption: age")

	// Encrypted to one recipient: no error, a warning.
	d := poolIndex(c, "daily")
	c.Pools[d].Encryption, c.Pools[d].Recipients = "age", []string{"1111111111111111"}
	facts := goodFacts(now)
	facts.Encrypted = []EncryptedGeneration{
		{Pool: "daily", Generation: "daily/2025-04-08", Recipients: []string{"1111111111111111", "2222222222222222"}},
		{Pool: "daily", Generation: "daily/2025-04-01", Recipients: []string{"3333333333333333"}},
		{Pool: "daily", Generation: "daily/2025-03-31", Recipients: []string{"3333333333333333", "4444444444444444"}},
	}
	fs = Check(c, facts, now)
	assert.False(t, HasErrors(fs), "%v", fs)
	require.Len(t, fs, 2, "%v", fs)
	assert.Equal(t, Finding{Severity: SeverityWarning, Rule: "encryption-escrow", Section: "第1節 セ(ア)a", Subject: `pool "daily"`,
		Message: "is encrypted to one recipient only: if that key is lost, so are the tapes; add an escrow recipient kept sealed at the remote site"}, plain(fs[0]))
	assert.Equal(t, "encryption-old-recipients", fs[1].Rule)
	assert.Equal(t, "holds generations encrypted only to recipients no longer configured: daily/2025-03-31 (to 3333333333333333, 4444444444444444); daily/2025-04-01 (to 3333333333333333); keep those identities (and their escrow) until the generations are overwritten", fs[1].Message)

	// Two recipients, nothing old: clean.
	c.Pools[d].Recipients = append(c.Pools[d].Recipients, "2222222222222222")
	assert.Empty(t, Check(c, goodFacts(now), now))
}

// A directory drive for USB disks needs no cleaning policy: the check
// stays clean with one added.
func TestCheckDiskDriveNeedsNoCleaningPolicy(t *testing.T) {
	now := at(2025, time.April, 10, 9)
	cfg := goodConfig()
	cfg.Drives = append(cfg.Drives, Drive{Name: "usb0", Type: "USB-DISK"})
	fs := Check(cfg, goodFacts(now), now)
	assert.Empty(t, fs)
	cfg.Drives = append(cfg.Drives, Drive{Name: "lto9", Type: "LTO-9"})
	fs = Check(cfg, goodFacts(now), now)
	require.Len(t, fs, 1)
	assert.Contains(t, fs[0].Message, "has no cleaning policy")
}

// plain is a finding as JSON carries it, without the keys that tell it in
// another language.
func plain(f Finding) Finding {
	f.About, f.Says = Reason{}, Reason{}
	return f
}

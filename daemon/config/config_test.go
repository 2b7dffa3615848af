package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func repoFile(t *testing.T, rel string) string {
	t.Helper()
	return filepath.Join("..", "..", rel)
}

func TestDemoConfigIsValid(t *testing.T) {
	cfg, err := DemoConfig(t.TempDir())
	require.NoError(t, err)
	assert.True(t, cfg.Demo)
	assert.Equal(t, filepath.Join(cfg.StateDir, "api.sock"), cfg.SocketPath())
	require.NotNil(t, cfg.PrimarySite())
	assert.Equal(t, "honcho", cfg.PrimarySite().Name)
	assert.Len(t, cfg.Sites, 3)
	for _, name := range []string{"daily", "monthly"} {
		assert.NotNil(t, cfg.Pool(name), name)
	}
	var systems []string
	for _, s := range cfg.Systems {
		systems = append(systems, s.Name)
	}
	assert.Subset(t, systems, []string{"juki", "koseki", "zeimu"})
	assert.Equal(t, "Asia/Tokyo", cfg.Location.String())
	assert.Equal(t, 24*time.Hour, cfg.Catalog.ManifestOverdue.D())
	assert.Equal(t, 3, int(cfg.Site("hill-annex").DistanceKM))
	assert.Equal(t, 300, int(cfg.Site("pref-dc").DistanceKM))
}

func TestDemoConfigShippedInContrib(t *testing.T) {
	shipped, err := os.ReadFile(repoFile(t, "contrib/examples/demo.yaml"))
	require.NoError(t, err)
	assert.Equal(t, string(DemoYAML()), string(shipped), "contrib/examples/demo.yaml must be the embedded demo configuration; copy daemon/config/demo.yaml over it")
}

func TestBadConfigNamesFileLineAndField(t *testing.T) {
	path := repoFile(t, "testdata/config/bad.yaml")
	_, err := LoadConfig(path)
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrConfig))
	var errs ConfigErrors
	require.ErrorAs(t, err, &errs)

	// Decoding stops the file before semantic checks, so the first pass
	// reports the type and key errors.
	want := []string{
		path + ":14: sites[1].distance_km: expected a number, got \"far\"",
		path + ":19: sites[2].colour: unknown key; expected one of: address, distance_km, hazards, inspect_every, kind, name, places",
	}
	got := strings.Split(err.Error(), "\n")
	assert.Equal(t, want, got)
}

func TestSemanticConfigErrors(t *testing.T) {
	data, err := os.ReadFile(repoFile(t, "testdata/config/bad.yaml"))
	require.NoError(t, err)
	// Fix the two decoding errors, so the semantic checks run.
	fixed := strings.Replace(string(data), "distance_km: far", "distance_km: 0", 1)
	fixed = strings.Replace(fixed, "    colour: blue\n", "", 1)
	_, err = ParseConfig("bad.yaml", []byte(fixed))
	require.Error(t, err)
	text := err.Error()
	for _, want := range []string{
		`bad.yaml: state_dir: "var/lib/tapewarden" must be an absolute path`,
		`bad.yaml: timezone: unknown time zone "Mars/Olympus"`,
		`bad.yaml: metrics.listen: "localhost" is not host:port`,
		`bad.yaml:11: sites[0].places[1].name: place "shelf" is defined twice at site honcho (first at line 10)`,
		`bad.yaml:11: sites[0].places[1].kind: "drawer" is not a place kind`,
		`bad.yaml:12: sites[1].name: site "honcho" is defined twice (first at line 7)`,
		`bad.yaml:12: sites[1].kind: "machine_room" is not a site kind; expected machine-room, other-building or remote-site`,
		`bad.yaml:16: sites[2].name: "Annex" is not a valid name`,
		`bad.yaml:16: sites[2].distance_km: give the distance in km from the machine room`,
		`bad.yaml:20: pools[0].offsite.site: refers to site "nowhere", which is not defined`,
		`bad.yaml:25: pools[1].name: pool "daily" is defined twice (first at line 20)`,
		`bad.yaml:25: pools[1].media_type: "LTO-42" is not a data media type`,
		`bad.yaml:29: pools[2].scratch: refers to pool "spare", which is not defined`,
		`bad.yaml:35: systems[0].importance: "V" is not an importance class; expected I, II, III or IV`,
		`bad.yaml:35: systems[0].availability: 3 is not an availability class; expected 1 or 2`,
		`bad.yaml:39: systems[1].restore_priority: 1 is already given to system juki`,
		`bad.yaml:44: drives[0].site: refers to site "annex", which is not defined`,
		`bad.yaml:44: drives[0].type: "scsi" is not a drive type; expected st, virtual or directory`,
		`bad.yaml:44: drives[0].block_size: 1000: expected a multiple of 512`,
		`bad.yaml:50: libraries[0].slots: 0: expected the number of storage slots`,
		`bad.yaml:55: libraries[0].drives[0].drive: refers to drive "lto9", which is not defined`,
	} {
		assert.Contains(t, text, want)
	}
}

func TestConfigDecodingErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"syntax", "sites: [\n", "c.yaml:1: YAML syntax: did not find expected node content"},
		{"empty", "", "c.yaml: the file is empty"},
		{"unknown top-level key", "sitez: []\n", "c.yaml:1: sitez: unknown key; expected one of: api, catalog, drives, jobs, language, libraries, metrics, pools, prompts, scheduler, sites, state_dir, systems, timezone"},
		{"duplicate key", "timezone: UTC\ntimezone: Asia/Tokyo\n", "c.yaml:2: timezone: defined twice (first at line 1)"},
		{"list where a mapping is expected", "api: [1, 2]\n", "c.yaml:1: api: expected a mapping of keys to values, got a list"},
		{"mapping where text is expected", "timezone: {a: 1}\n", "c.yaml:1: timezone: expected a text value, got a mapping"},
		{"bad duration", "catalog:\n  manifest_overdue: soon\n", "c.yaml:2: catalog.manifest_overdue: expected a duration such as 30s, 15m, 24h or 7d, got \"soon\""},
		{"bad regexp", "catalog:\n  label_patterns:\n    - pattern: 'DAT[0-9'\n", "c.yaml:3: catalog.label_patterns[0].pattern: invalid regular expression"},
		{"bad bool", "pools:\n  - name: p\n    waiver: {reason: x}\n    gfs: {daily: many}\n", "c.yaml:4: pools[0].gfs.daily: expected a whole number, got \"many\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig("c.yaml", []byte(tt.yaml))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.ErrorIs(t, err, ErrConfig)
		})
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"90s": 90 * time.Second, "24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "1.5d": 36 * time.Hour} {
		got, err := ParseDuration(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "-1h", "xd", "soon"} {
		_, err := ParseDuration(in)
		assert.Error(t, err, in)
	}
}

// TestBlockSizeBeyondWhatIsReadBack checks that a block larger than the
// daemon reads back (verify, restore) is refused when the file is read,
// not at the first night's verify.
func TestBlockSizeBeyondWhatIsReadBack(t *testing.T) {
	data := strings.Replace(string(DemoYAML()), "    block_size: 65536\n", "    block_size: 16777216\n", 1)
	data = strings.Replace(data, "  - name: juki-daily\n", "  - name: juki-daily\n    block_size: 9437184\n", 1)
	_, err := ParseConfig("c.yaml", []byte(data))
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrConfig)
	assert.Contains(t, err.Error(), "drives[2].block_size: 16777216: expected a multiple of 512 between 512 and 8 MiB")
	assert.Contains(t, err.Error(), "jobs[0].block_size: 9437184: expected a multiple of 512 between 512 and 8 MiB")

	data = strings.Replace(string(DemoYAML()), "    block_size: 65536\n", "    block_size: 524288\n", 1)
	_, err = ParseConfig("c.yaml", []byte(data))
	assert.NoError(t, err, "512 KiB, the largest transfer of a virtual drive's adapter, is allowed")

	// A virtual drive's adapter carries 512 KiB, like the rig's HBA with
	// sg_tablesize 128: a larger block is refused when the file is read.
	data = strings.Replace(string(DemoYAML()), "    block_size: 65536\n", "    block_size: 1048576\n", 1)
	_, err = ParseConfig("c.yaml", []byte(data))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "drives[2].block_size: drives: invalid block size: the adapter in front of dat0 carries at most 524288 bytes in one transfer")
	assert.Contains(t, err.Error(), "set block_size to 524288 or less")

	// So is a job's block size, for the virtual drives it may run on.
	data = strings.Replace(string(DemoYAML()), "  - name: juki-daily\n", "  - name: juki-daily\n    block_size: 1048576\n", 1)
	_, err = ParseConfig("c.yaml", []byte(data))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "jobs[0].block_size: drives: invalid block size: the adapter in front of lto0 carries at most 524288 bytes in one transfer")
	data = strings.Replace(string(DemoYAML()), "  - name: juki-daily\n", "  - name: juki-daily\n    block_size: 524288\n", 1)
	_, err = ParseConfig("c.yaml", []byte(data))
	assert.NoError(t, err)
}

// Validation only reads: the defaults are applied before it, in one pass,
// and a configuration it checks comes out as it went in.
func TestValidationChangesNothing(t *testing.T) {
	data := DemoYAML()
	var decoded, untouched Config
	require.Empty(t, decodeStrictYAML("demo.yaml", data, &decoded))
	require.Empty(t, decodeStrictYAML("demo.yaml", data, &untouched))
	decoded.validate()
	assert.Equal(t, untouched, decoded, "validate changed the configuration")

	decoded.applyDefaults()
	assert.Empty(t, decoded.validate())
	assert.NotEqual(t, untouched, decoded, "the defaults fill in what the file leaves out")
	assert.Equal(t, "juki-monthly", decoded.Jobs[2].Name)
	assert.Equal(t, "checksum", decoded.Jobs[2].Verify, "written nowhere in the file")
	assert.Equal(t, 256<<10, decoded.Drives[0].BlockSize)
}

// TestBelowMinimumTakesTheRuleNotTheWording: the policy check leaves out
// exactly the minimum-rotation problem, found by rotation's rule.
func TestBelowMinimumTakesTheRuleNotTheWording(t *testing.T) {
	_, err := LoadConfig(filepath.Join("..", "..", "testdata", "config", "policy-bad.yaml"))
	var errs ConfigErrors
	require.ErrorAs(t, err, &errs)
	var below []*ConfigError
	for _, e := range errs {
		if belowMinimum(e) {
			below = append(below, e)
		}
	}
	require.Len(t, below, 1)
	assert.Equal(t, "pools[0].cycle.cartridges", below[0].Field)
	assert.Equal(t, 45, below[0].Line, "the cycle: line, not the pool's")

	cfg, err := LoadPolicyConfig(filepath.Join("..", "..", "testdata", "config", "policy-bad.yaml"))
	require.NoError(t, err, "the policy check loads it and reports the rule itself")
	assert.Equal(t, 3, cfg.Pools[0].Cycle.Cartridges)
}

func TestPreflightSettings(t *testing.T) {
	cfg, err := DemoConfig(t.TempDir())
	require.NoError(t, err)
	assert.Equal(t, time.Hour, cfg.Scheduler.CheckBefore.D(), "the check runs an hour before the night by default")
	assert.Equal(t, int64(64), cfg.Catalog.MinFreeMB)

	cfg.Scheduler.CheckBefore = Duration(30 * time.Second)
	cfg.Catalog.MinFreeMB = -5
	errs := cfg.validate()
	text := errs.Error()
	assert.Contains(t, text, "scheduler.check_before: 30s: expected between 1m and 23h")
	assert.Contains(t, text, "catalog.min_free_mb: -5: expected a positive number of MiB")
	assert.Equal(t, Duration(30*time.Second), cfg.Scheduler.CheckBefore, "validation changes nothing")
}

func TestLanguage(t *testing.T) {
	cfg, err := DemoConfig(t.TempDir())
	require.NoError(t, err)
	assert.Equal(t, "en", cfg.Language, "English unless the file says otherwise")

	data := strings.Replace(string(DemoYAML()), "timezone: Asia/Tokyo\n", "timezone: Asia/Tokyo\nlanguage: ja\n", 1)
	cfg, err = ParseConfig("ja.yaml", []byte(data))
	require.NoError(t, err)
	assert.Equal(t, "ja", cfg.Language)

	data = strings.Replace(string(DemoYAML()), "timezone: Asia/Tokyo\n", "timezone: Asia/Tokyo\nlanguage: jp\n", 1)
	_, err = ParseConfig("jp.yaml", []byte(data))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `jp.yaml: language: "jp" is not a language tapewarden speaks; write en (English) or ja (Japanese)`)
}

// The recovery sheet's file is absolute and its extension says the
// format; without one it is STATE_DIR/recovery-sheet.pdf.
func TestRecoverySheetFile(t *testing.T) {
	cfg, err := DemoConfig(t.TempDir())
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(cfg.StateDir, "recovery-sheet.pdf"), cfg.RecoverySheetPath())
	assert.Equal(t, "pdf", cfg.RecoverySheetFormat())

	demo := string(DemoYAML())
	for _, tc := range []struct{ value, err, format string }{
		{"/srv/share/sheet.html", "", "html"},
		{"/srv/share/sheet.TXT", "", "text"},
		{"sheet.pdf", `catalog.recovery_sheet: "sheet.pdf" must be an absolute path`, ""},
		{"/srv/share/sheet.doc", `catalog.recovery_sheet: "/srv/share/sheet.doc": end the name in .pdf, .html or .txt`, ""},
	} {
		data := strings.Replace(demo, "catalog:\n", "catalog:\n  recovery_sheet: "+tc.value+"\n", 1)
		cfg, err := ParseConfig("t.yaml", []byte(data))
		if tc.err != "" {
			require.Error(t, err, tc.value)
			assert.Contains(t, err.Error(), tc.err)
			continue
		}
		require.NoError(t, err, tc.value)
		assert.Equal(t, tc.value, cfg.RecoverySheetPath())
		assert.Equal(t, tc.format, cfg.RecoverySheetFormat())
	}
}

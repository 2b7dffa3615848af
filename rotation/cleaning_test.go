package rotation

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media/mediatype"
)

func cleaner(barcode, media string, uses int, loc Location) Cartridge {
	return Cartridge{Barcode: barcode, MediaType: media, State: StateCleaning, Location: loc, UsesLeft: uses}
}

func TestCleaningDue(t *testing.T) {
	now := at(2025, time.April, 10, 9)
	lto := Drive{Name: "drive0", Type: "LTO-8", Cleaning: &CleaningPolicy{OnRequest: true}}
	dat := func(p CleaningPolicy) Drive { return Drive{Name: "dat0", Type: "DAT160", Cleaning: &p} }
	cleaners := []Cartridge{
		cleaner("CLN001CU", "LTO-CLN", 3, shelf()),
		cleaner("CLN002CU", "LTO-CLN", 40, slot(20)),
		cleaner("CLN003CU", "LTO-CLN", 10, slot(21)),
		cleaner("CLN004CU", "LTO-CLN", 0, slot(22)),
		func() Cartridge {
			c := cleaner("CLN005CU", "LTO-CLN", 5, slot(23))
			c.Expires = at(2025, time.April, 1, 0)
			return c
		}(),
		cleaner("CLN006CU", "LTO-CLN", 1, vault("annex")),
		cleaner("DDSCLN01", "DDS-CLN", 12, shelf()),
		func() Cartridge { // expires, so it is used before DDSCLN01
			c := cleaner("DDSCLN02", "DDS-CLN", 12, shelf())
			c.Expires = at(2026, time.January, 1, 0)
			return c
		}(),
		cart("DLY001L8", "daily", StateActive, slot(1)),
	}
	lastWeek := DriveHistory{LastCleaned: at(2025, time.April, 3, 9), MountsSince: 12, BytesSince: 54e12}

	tests := []struct {
		name     string
		drive    Drive
		history  DriveHistory
		carts    []Cartridge
		due      Due
		block    bool
		codes    []Code
		cleaner  string
		spent    []string
		contains string
	}{
		{
			name: "nothing asks", drive: lto, history: lastWeek, carts: cleaners,
			due: DueNot, codes: []Code{CodeNotDue},
			contains: "drive drive0 has not asked for cleaning (last cleaned 2025-04-03, 12 mounts and 54.0 TB since)",
		},
		{
			name: "TapeAlert 20 blocks the drive; library cleaners first, fewest uses first", drive: lto,
			history: DriveHistory{TapeAlerts: []int{20}}, carts: cleaners,
			due: DueNow, block: true, codes: []Code{CodeCleanRequired, CodeUseCleaner}, cleaner: "CLN003CU",
		},
		{
			name: "TapeAlert 21", drive: lto, history: DriveHistory{TapeAlerts: []int{21}}, carts: cleaners,
			due: DueNow, codes: []Code{CodeCleanRequested, CodeUseCleaner}, cleaner: "CLN003CU",
			contains: "TapeAlert 21 (cleaning requested)",
		},
		{
			name: "cleaning-requested status bit", drive: lto, history: DriveHistory{CleanRequested: true}, carts: cleaners,
			due: DueNow, codes: []Code{CodeCleanRequested, CodeUseCleaner}, cleaner: "CLN003CU",
			contains: "its cleaning-requested status",
		},
		{
			name: "TapeAlert 22 names the spent cleaner, which is not chosen again", drive: lto,
			history: DriveHistory{TapeAlerts: []int{20, 22}, Cleaner: "CLN003CU"}, carts: cleaners,
			due: DueNow, block: true, codes: []Code{CodeCleanRequired, CodeUseCleaner}, cleaner: "CLN002CU", spent: []string{"CLN003CU"},
		},
		{
			name: "TapeAlert 22 without a barcode", drive: lto, history: DriveHistory{TapeAlerts: []int{22}}, carts: cleaners,
			due: DueNot, codes: []Code{CodeCleanerExpired, CodeNotDue},
		},
		{
			name: "TapeAlert 23 rejects the cleaner", drive: lto,
			history: DriveHistory{TapeAlerts: []int{21, 23}, Cleaner: "CLN003CU"}, carts: cleaners,
			due: DueNow, codes: []Code{CodeCleanRequested, CodeCleanerInvalid, CodeUseCleaner}, cleaner: "CLN002CU",
		},
		{
			name: "no policy: only requests", drive: Drive{Name: "drive9", Type: "LTO-9"}, history: lastWeek, carts: cleaners,
			due: DueNot, codes: []Code{CodeNoPolicy, CodeNotDue}, contains: "has no cleaning policy",
		},
		{
			name: "no policy still honours TapeAlert 20", drive: Drive{Name: "drive9", Type: "LTO-9"}, history: DriveHistory{TapeAlerts: []int{20}}, carts: cleaners,
			due: DueNow, block: true, codes: []Code{CodeCleanRequired, CodeNoPolicy, CodeUseCleaner}, cleaner: "CLN003CU",
		},
		{
			name: "days passed", drive: dat(CleaningPolicy{EveryDays: 30}), history: DriveHistory{LastCleaned: at(2025, time.March, 10, 18)}, carts: cleaners,
			due: DueNow, codes: []Code{CodeIntervalDays, CodeUseCleaner}, cleaner: "DDSCLN02",
			contains: "drive dat0 is due: last cleaned 2025-03-10, 31 days ago; policy every 30",
		},
		{
			name: "days nearly passed", drive: dat(CleaningPolicy{EveryDays: 30}), history: DriveHistory{LastCleaned: at(2025, time.March, 13, 18)}, carts: cleaners,
			due: DueSoon, codes: []Code{CodeIntervalDays, CodeUseCleaner}, cleaner: "DDSCLN02", contains: "is due soon",
		},
		{
			name: "days not yet", drive: dat(CleaningPolicy{EveryDays: 30}), history: DriveHistory{LastCleaned: at(2025, time.April, 1, 18)}, carts: cleaners,
			due: DueNot, codes: []Code{CodeNotDue},
		},
		{
			name: "never cleaned", drive: dat(CleaningPolicy{EveryDays: 30}), carts: cleaners,
			due: DueNow, codes: []Code{CodeNeverCleaned, CodeUseCleaner}, cleaner: "DDSCLN02",
		},
		{
			name: "mounts nearly reached", drive: dat(CleaningPolicy{EveryMounts: 100}), history: DriveHistory{MountsSince: 95}, carts: cleaners,
			due: DueSoon, codes: []Code{CodeIntervalMounts, CodeUseCleaner}, cleaner: "DDSCLN02",
		},
		{
			name: "mounts reached", drive: dat(CleaningPolicy{EveryMounts: 100}), history: DriveHistory{MountsSince: 100}, carts: cleaners,
			due: DueNow, codes: []Code{CodeIntervalMounts, CodeUseCleaner}, cleaner: "DDSCLN02",
		},
		{
			name: "motion hours: soon, and the request wins", drive: dat(CleaningPolicy{OnRequest: true, EveryMotionHours: 100}),
			history: DriveHistory{MotionHoursSince: 99.5, TapeAlerts: []int{21}}, carts: cleaners,
			due: DueNow, codes: []Code{CodeCleanRequested, CodeIntervalHours, CodeUseCleaner}, cleaner: "DDSCLN02",
			contains: "TapeAlert 21",
		},
		{
			name: "no usable cleaner", drive: lto, history: DriveHistory{TapeAlerts: []int{20}},
			carts: []Cartridge{cleaners[3], cleaners[4], cleaners[5], cleaners[6]},
			due:   DueNow, block: true, codes: []Code{CodeCleanRequired, CodeNoCleaner},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := CleaningDue(tc.drive, tc.history, View{Sites: testSites, Cartridges: tc.carts}, now)
			assert.Equal(t, tc.drive.Name, got.Drive)
			assert.Equal(t, tc.due, got.Due)
			assert.Equal(t, tc.block, got.Block)
			assert.Equal(t, tc.codes, codes(got.Reasons))
			assert.Equal(t, tc.cleaner, got.Cleaner)
			var spent []string
			for _, s := range got.Spent {
				spent = append(spent, s.Barcode)
			}
			assert.Equal(t, tc.spent, spent)
			if tc.contains != "" {
				assert.Contains(t, got.Reasons[0].Message, tc.contains)
			}
		})
	}
}

func TestCleaningGolden(t *testing.T) {
	now := at(2025, time.April, 10, 9)
	view := View{Sites: testSites, Cartridges: []Cartridge{
		cleaner("CLN004CU", "LTO-CLN", 0, slot(22)),
		cleaner("CLN002CU", "LTO-CLN", 40, slot(20)),
	}}
	got := []Cleaning{
		CleaningDue(Drive{Name: "drive0", Type: "LTO-8", Cleaning: &CleaningPolicy{OnRequest: true}},
			DriveHistory{TapeAlerts: []int{20, 22}, Cleaner: "CLN009CU"}, view, now),
		CleaningDue(Drive{Name: "dat0", Type: "DAT72", Cleaning: &CleaningPolicy{EveryDays: 14}},
			DriveHistory{LastCleaned: at(2025, time.March, 1, 10), MountsSince: 40, MotionHoursSince: 51}, view, now),
	}
	goldenJSON(t, "cleaning", got)
}

func TestSpentCleaners(t *testing.T) {
	now := at(2025, time.April, 10, 9)
	expired := cleaner("CLN005CU", "LTO-CLN", 5, slot(23))
	expired.Expires = now
	spent := SpentCleaners([]Cartridge{
		cleaner("CLN009CU", "LTO-CLN", 0, shelf()),
		expired,
		cleaner("CLN002CU", "LTO-CLN", 40, slot(20)),
		cart("DLY001L8", "daily", StateActive, slot(1)),
	}, now)
	told := make([]string, len(spent))
	for i, s := range spent {
		told[i] = s.Barcode + " " + s.Reason.String()
	}
	assert.Equal(t, []string{
		"CLN005CU cleaner-expired: cleaning cartridge CLN005CU expired on 2025-04-10: retire it and put a new one in its place (library lib0 slot 23 at honcho)",
		"CLN009CU cleaner-exhausted: cleaning cartridge CLN009CU has no uses left: retire it and put a new one in its place (shelf at honcho)",
	}, told)
}

func TestCleans(t *testing.T) {
	tests := []struct {
		cleaner, drive string
		want           bool
	}{
		{"LTO-CLN", "LTO-1", true},
		{"LTO-CLN", "LTO-10", true},
		{"LTO-CLN", "LTO-7M", true},
		{"LTO-CLN", "DDS-4", false},
		{"DDS-CLN", "DDS-1", true},
		{"DDS-CLN", "DAT72", true},
		{"DDS-CLN", "DAT320", true},
		{"DDS-CLN", "LTO-8", false},
		{"LTO-CLN", "LTO-CLN", false},
		{"", "LTO-8", false},
		{"LTO-8", "LTO-8", false},
	}
	for _, tc := range tests {
		t.Run(tc.cleaner+" in "+tc.drive, func(t *testing.T) {
			assert.Equal(t, tc.want, Cleans(tc.cleaner, tc.drive))
		})
	}
}

// TestBareCLNLabelCleansLTO: a cartridge labelled CLN123 (a CLN volume
// serial without a media id) is the universal LTO cleaning cartridge, so it
// cleans an LTO drive and never a DAT one.
func TestBareCLNLabelCleansLTO(t *testing.T) {
	l, ok := mediatype.ParseLabel("CLN123")
	require.True(t, ok)
	carts := []Cartridge{cleaner("CLN123", l.MediaType, 5, slot(20))}
	now := at(2025, time.April, 10, 9)
	alert := DriveHistory{TapeAlerts: []int{20}}
	lto := CleaningDue(Drive{Name: "drive0", Type: "LTO-9", Cleaning: &CleaningPolicy{OnRequest: true}}, alert, View{Sites: testSites, Cartridges: carts}, now)
	assert.Equal(t, "CLN123", lto.Cleaner)
	dat := CleaningDue(Drive{Name: "dat0", Type: "DAT160", Cleaning: &CleaningPolicy{OnRequest: true}}, alert, View{Sites: testSites, Cartridges: carts}, now)
	assert.Empty(t, dat.Cleaner)
}

func TestFormatBytes(t *testing.T) {
	assert.Equal(t, "999 B", formatBytes(999))
	assert.Equal(t, "1.5 GB", formatBytes(1_500_000_000))
	assert.Equal(t, "2000.0 PB", formatBytes(2e18))
}

// A directory drive writes to removable disks: there is nothing to clean,
// so no cleaning is due and no policy is asked for, even when the
// history carries a request.
func TestDiskDriveIsNeverCleaned(t *testing.T) {
	now := at(2025, time.April, 10, 9)
	usb := Drive{Name: "usb0", Type: mediatype.USBDisk}
	c := CleaningDue(usb, DriveHistory{CleanRequested: true, MountsSince: 500}, View{}, now)
	assert.Equal(t, DueNot, c.Due)
	assert.Empty(t, c.Reasons)
	lto := CleaningDue(Drive{Name: "lto0", Type: mediatype.LTO8}, DriveHistory{}, View{}, now)
	assert.NotEmpty(t, lto.Reasons, "a tape drive without a policy is still told to get one")
}

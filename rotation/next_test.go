package rotation

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNextCartridge(t *testing.T) {
	tonight := at(2025, time.April, 6, 22)
	release := Pool{Name: "sys", Scheme: SchemeRelease, Release: &Release{Keep: 2}}
	gfs := Pool{Name: "gfs", Scheme: SchemeGFS, GFS: &GFS{Daily: 2, Weekly: 2, Monthly: 1, WeeklyOn: "friday", MonthlyOn: "last-business-day"}}

	tests := []struct {
		name      string
		pool      Pool
		carts     []Cartridge
		now       time.Time
		want      string   // barcode; empty when no cartridge can be written
		codes     []Code   // reason codes, or the error's reason codes
		warnings  []Code   // warning codes
		overwrite []string // generations destroyed
		append    bool
		scratch   string
		contains  string // in the first reason's or the error's message
	}{
		{
			name:  "empty pool takes scratch",
			pool:  cyclePool(5),
			carts: []Cartridge{scratchCart("SCR002L8", shelf()), scratchCart("SCR001L8", shelf()), scratchCart("SCR003L8", slot(9))},
			now:   tonight, want: "SCR003L8", scratch: "scratch",
			codes: []Code{CodeScratchSupply, CodeLocation}, contains: "no cartridge yet",
		},
		{
			name:  "empty pool and no scratch",
			pool:  cyclePool(5),
			now:   tonight,
			codes: []Code{CodeNoScratch}, contains: "label a new cartridge into scratch",
		},
		{
			name:  "never written cartridge first",
			pool:  cyclePool(5),
			carts: append(fiveDays()[:4], cart("DLY009L8", "daily", StateScratch, shelf())),
			now:   tonight, want: "DLY009L8",
			codes: []Code{CodeUnused, CodeLocation}, contains: "never been written",
		},
		{
			name:  "oldest unprotected generation",
			pool:  cyclePool(5),
			carts: fiveDays(),
			now:   tonight, want: "DLY001L8", overwrite: []string{"daily/2025-04-01"},
			codes: []Code{CodeOldest, CodeLocation}, contains: "newest 4 good generations",
		},
		{
			name:  "second job of the night appends",
			pool:  cyclePool(5),
			carts: with(fiveDays(), 0, func(c *Cartridge) { c.Generations = []Generation{daily(6, StatusGood)} }),
			now:   tonight.Add(time.Hour), want: "DLY001L8", append: true,
			codes: []Code{CodeAppend, CodeLocation},
		},
		{
			name: "full cartridge spans onto the next",
			pool: cyclePool(5),
			carts: append(with(fiveDays(), 0, func(c *Cartridge) { c.Generations, c.State = []Generation{daily(6, StatusGood)}, StateFull }),
				cart("DLY006L8", "daily", StateActive, slot(6), daily(0, StatusGood))),
			now: tonight.Add(time.Hour), want: "DLY006L8", overwrite: []string{"daily/2025-03-31"},
			codes: []Code{CodeOldest, CodeSpan, CodeLocation},
		},
		{
			name:  "eligible cartridge already in a drive",
			pool:  cyclePool(5),
			carts: with(fiveDays(), 0, func(c *Cartridge) { c.Location = inDrive() }),
			now:   tonight, want: "DLY001L8", codes: []Code{CodeOldest, CodeLocation}, overwrite: []string{"daily/2025-04-01"},
		},
		{
			name:  "eligible cartridge in transit",
			pool:  cyclePool(5),
			carts: with(fiveDays(), 0, func(c *Cartridge) { c.Location = transit(room, at(2025, time.April, 7, 12)) }),
			now:   tonight, codes: []Code{CodeRecallNeeded}, contains: "in transit on manifest M-7 to honcho (due 2025-04-07): wait for the delivery",
		},
		{
			name:  "eligible cartridge at another site",
			pool:  cyclePool(5),
			carts: with(fiveDays(), 0, func(c *Cartridge) { c.Location = vault("annex") }),
			now:   tonight, codes: []Code{CodeRecallNeeded}, contains: "DLY001L8 may be overwritten but is at vault at annex: recall it to honcho",
		},
		{
			name:  "next in rotation away, another eligible on site",
			pool:  cyclePool(5),
			carts: append(fiveDays(), cart("DLY006L8", "daily", StateActive, vault("annex"), daily(0, StatusGood))),
			now:   tonight, want: "DLY001L8", overwrite: []string{"daily/2025-04-01"},
			codes: []Code{CodeOldest, CodeLocation, CodeOutOfOrder}, warnings: []Code{CodeOutOfOrder},
		},
		{
			name:  "next in rotation retired",
			pool:  cyclePool(5),
			carts: append(with(fiveDays(), 0, func(c *Cartridge) { c.State = StateRetired }), scratchCart("SCR001L8", shelf())),
			now:   tonight, want: "SCR001L8", scratch: "scratch",
			codes: []Code{CodeReplaceRetired, CodeLocation}, warnings: []Code{CodeReplaceRetired}, contains: "DLY001L8 would be next in rotation but is retired",
		},
		{
			name:  "next in rotation damaged and no scratch",
			pool:  cyclePool(5),
			carts: with(fiveDays(), 0, func(c *Cartridge) { c.State = StateDamaged }),
			now:   tonight, codes: []Code{CodeReplaceRetired, CodeNoScratch},
		},
		{
			name:  "failed night does not push out a good generation",
			pool:  cyclePool(5),
			carts: with(fiveDays(), 0, func(c *Cartridge) { c.Generations = []Generation{daily(6, StatusFailed)} }),
			now:   at(2025, time.April, 7, 22), want: "DLY001L8", overwrite: []string{"daily/2025-04-06"},
			codes: []Code{CodeOldest, CodeLocation},
		},
		{
			name:  "partial night keeps its cartridge, the pool grows from scratch",
			pool:  cyclePool(5),
			carts: append(with(fiveDays(), 0, func(c *Cartridge) { c.Generations = []Generation{daily(6, StatusPartial)} }), scratchCart("SCR001L8", slot(10))),
			now:   at(2025, time.April, 7, 22), want: "SCR001L8", scratch: "scratch",
			codes: []Code{CodeScratchAllProtected, CodeLocation}, warnings: []Code{CodeScratchAllProtected}, contains: "the pool grows to 6",
		},
		{
			name:  "all protected and no scratch",
			pool:  cyclePool(5),
			carts: with(fiveDays(), 0, func(c *Cartridge) { c.Generations = []Generation{daily(6, StatusPartial)} }),
			now:   at(2025, time.April, 7, 22), codes: []Code{CodeAllProtected, CodeNoScratch},
			contains: "all 5 cartridges of pool daily hold protected generations (DLY001L8 daily/2025-04-06, DLY002L8 daily/2025-04-02",
		},
		{
			name:  "pool below its size grows from scratch",
			pool:  cyclePool(5),
			carts: append(fiveDays()[1:], scratchCart("SCR001L8", shelf())),
			now:   tonight, want: "SCR001L8", scratch: "scratch", codes: []Code{CodeScratchSupply, CodeLocation},
			contains: "has 4 of the 5 cartridges its rotation needs",
		},
		{
			name:  "scratch of another media type is not taken",
			pool:  cyclePool(5),
			carts: append(fiveDays()[1:], func() Cartridge { c := scratchCart("SCR007L7", shelf()); c.MediaType = "LTO-7"; return c }()),
			now:   tonight, codes: []Code{CodeAllProtected, CodeNoScratch}, contains: "and its rotation needs 5",
		},
		{
			name:  "scratch only away from the machine room",
			pool:  cyclePool(5),
			carts: append(fiveDays()[1:], scratchCart("SCR001L8", vault("annex"))),
			now:   tonight, codes: []Code{CodeAllProtected, CodeNoScratch}, contains: "SCR001L8 is vault at annex",
		},
		{
			name:  "cartridge with media errors comes with a warning",
			pool:  cyclePool(5),
			carts: with(fiveDays(), 0, func(c *Cartridge) { c.Errors = 2 }),
			now:   tonight, want: "DLY001L8", overwrite: []string{"daily/2025-04-01"},
			codes: []Code{CodeOldest, CodeLocation, CodeMediaErrors}, warnings: []Code{CodeMediaErrors},
		},
		{
			name: "release keeps the last two",
			pool: release,
			carts: []Cartridge{
				cart("SYS001L8", "sys", StateActive, shelf(), gen("release/2025-01-10", at(2025, time.January, 10, 10), LevelRelease)),
				cart("SYS002L8", "sys", StateActive, shelf(), gen("release/2025-02-14", at(2025, time.February, 14, 10), LevelRelease)),
				cart("SYS003L8", "sys", StateFull, shelf(), gen("release/2025-03-20", at(2025, time.March, 20, 10), LevelRelease)),
			},
			now: at(2025, time.April, 18, 10), want: "SYS001L8", overwrite: []string{"release/2025-01-10"},
			codes: []Code{CodeOldest, CodeLocation}, contains: "newest 2 good generations",
		},
		{
			name: "gfs keeps old weeklies over newer dailies",
			pool: gfs,
			carts: []Cartridge{
				cart("G1", "gfs", StateActive, shelf(), gen("weekly/2025-04-04", at(2025, time.April, 4, 22), LevelWeekly)),
				cart("G2", "gfs", StateActive, shelf(), gen("weekly/2025-04-11", at(2025, time.April, 11, 22), LevelWeekly)),
				cart("G3", "gfs", StateActive, shelf(), gen("daily/2025-04-14", at(2025, time.April, 14, 22), LevelDaily)),
				cart("G4", "gfs", StateActive, shelf(), gen("daily/2025-04-15", at(2025, time.April, 15, 22), LevelDaily)),
				cart("G5", "gfs", StateActive, shelf(), gen("daily/2025-04-16", at(2025, time.April, 16, 22), LevelDaily)),
				cart("G6", "gfs", StateActive, shelf(), gen("monthly/2025-03-31", at(2025, time.March, 31, 22), LevelMonthly)),
			},
			now: at(2025, time.April, 17, 22), want: "G3", overwrite: []string{"daily/2025-04-14"},
			codes: []Code{CodeOldest, CodeLocation}, contains: "retains 2 daily, 2 weekly, 1 monthly and 0 yearly",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			view := View{Sites: testSites, Cartridges: tc.carts}
			ch, err := NextCartridge(tc.pool, view, tc.now)
			if tc.want == "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrNoCartridge)
				var nc *NoCartridgeError
				require.True(t, errors.As(err, &nc))
				assert.Equal(t, tc.codes, codes(nc.Reasons))
				assert.Equal(t, tc.codes[0], nc.Code())
				assert.Contains(t, err.Error(), tc.contains)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, ch.Barcode)
			assert.Equal(t, tc.codes, codes(ch.Reasons))
			assert.Equal(t, tc.warnings, nilIfEmpty(codes(ch.Warnings)))
			assert.Equal(t, tc.overwrite, ch.Overwrites)
			assert.Equal(t, tc.append, ch.Append)
			assert.Equal(t, tc.scratch, ch.FromScratch)
			assert.Contains(t, ch.Reasons[0].Message, tc.contains)
		})
	}
}

func nilIfEmpty(cs []Code) []Code {
	if len(cs) == 0 {
		return nil
	}
	return cs
}

func TestNextCartridgeRejectsBadPools(t *testing.T) {
	_, err := NextCartridge(Pool{Name: "scratch", Scheme: SchemeScratch}, View{}, at(2025, time.April, 1, 0))
	assert.ErrorContains(t, err, "a scratch pool is never written")
	assert.NotErrorIs(t, err, ErrNoCartridge)

	_, err = NextCartridge(cyclePool(3), View{}, at(2025, time.April, 1, 0))
	assert.ErrorContains(t, err, `pool "daily": cycle.cartridges: 3 is below the standard's minimum of 5`)
}

func TestNextCartridgeWithoutSites(t *testing.T) {
	// With no sites configured, a location without a site is the machine room.
	c := cart("DLY001L8", "daily", StateScratch, Location{Kind: PlaceStorage, Place: "shelf"})
	ch, err := NextCartridge(cyclePool(5), View{Cartridges: []Cartridge{c}}, at(2025, time.April, 1, 22))
	require.NoError(t, err)
	assert.Equal(t, "DLY001L8", ch.Barcode)
	assert.Equal(t, "DLY001L8 is at shelf at the machine room: the operator loads it when prompted", ch.Reasons[1].Message)
}

func TestGrade(t *testing.T) {
	jobs := []string{"juki", "zei", "web"}
	tests := []struct {
		name      string
		expected  []string
		succeeded []string
		want      Status
	}{
		{"all succeeded", jobs, jobs, StatusGood},
		{"one of three failed", jobs, []string{"juki", "web"}, StatusPartial},
		{"none succeeded", jobs, nil, StatusFailed},
		{"unexpected success only", jobs, []string{"other"}, StatusFailed},
		{"nothing expected, something ran", nil, []string{"juki"}, StatusGood},
		{"nothing at all", nil, nil, StatusFailed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Grade(tc.expected, tc.succeeded))
		})
	}
}

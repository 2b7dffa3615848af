package rotation

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRetain(t *testing.T) {
	gfs := Pool{Name: "gfs", Scheme: SchemeGFS, GFS: &GFS{Daily: 2, Weekly: 2, WeeklyOn: "friday"}}
	g := func(d int, s Status) Generation { // no ID, no level: derived from the time
		return Generation{Time: at(2025, time.April, d, 22), Status: s}
	}
	tests := []struct {
		name      string
		pool      Pool
		carts     []Cartridge
		protected []string
		free      []string
		codes     []Code // per generation, newest first
		statuses  []Status
	}{
		{
			name:      "cycle of five retains four",
			pool:      cyclePool(5),
			carts:     fiveDays(),
			protected: []string{"DLY002L8", "DLY003L8", "DLY004L8", "DLY005L8"},
			free:      []string{"DLY001L8"},
			codes:     []Code{CodeRetained, CodeRetained, CodeRetained, CodeRetained, CodeExpired},
		},
		{
			name:      "a failed night is neither counted nor protected",
			pool:      cyclePool(5),
			carts:     with(fiveDays(), 0, func(c *Cartridge) { c.Generations = []Generation{daily(6, StatusFailed)} }),
			protected: []string{"DLY002L8", "DLY003L8", "DLY004L8", "DLY005L8"},
			free:      []string{"DLY001L8"},
			codes:     []Code{CodeFailed, CodeRetained, CodeRetained, CodeRetained, CodeRetained},
		},
		{
			name:      "a partial night is protected but not counted",
			pool:      cyclePool(5),
			carts:     with(fiveDays(), 0, func(c *Cartridge) { c.Generations = []Generation{daily(6, StatusPartial)} }),
			protected: []string{"DLY001L8", "DLY002L8", "DLY003L8", "DLY004L8", "DLY005L8"},
			codes:     []Code{CodePartialKept, CodeRetained, CodeRetained, CodeRetained, CodeRetained},
		},
		{
			name:      "an old partial expires like a good one of its date",
			pool:      cyclePool(5),
			carts:     with(fiveDays(), 0, func(c *Cartridge) { c.Generations[0].Status = StatusPartial }),
			protected: []string{"DLY002L8", "DLY003L8", "DLY004L8", "DLY005L8"},
			free:      []string{"DLY001L8"},
			codes:     []Code{CodeRetained, CodeRetained, CodeRetained, CodeRetained, CodeExpired},
		},
		{
			name: "a good generation on a damaged cartridge is kept but not counted",
			pool: cyclePool(5),
			carts: append(with(fiveDays(), 4, func(c *Cartridge) { c.State = StateDamaged }),
				cart("DLY000L8", "daily", StateActive, shelf(), daily(0, StatusGood))),
			protected: []string{"DLY001L8", "DLY002L8", "DLY003L8", "DLY004L8", "DLY005L8"},
			free:      []string{"DLY000L8"},
			codes:     []Code{CodeUnreadable, CodeRetained, CodeRetained, CodeRetained, CodeRetained, CodeExpired},
			statuses:  []Status{StatusPartial, StatusGood, StatusGood, StatusGood, StatusGood, StatusGood},
		},
		{
			name: "a spanning generation counts once and protects both cartridges",
			pool: cyclePool(5),
			carts: append(fiveDays(),
				cart("DLY006L8", "daily", StateFull, shelf(), daily(5, StatusGood)),
				cart("DLY007L8", "daily", StateActive, shelf(), daily(0, StatusGood))),
			protected: []string{"DLY002L8", "DLY003L8", "DLY004L8", "DLY005L8", "DLY006L8"},
			free:      []string{"DLY007L8", "DLY001L8"},
			codes:     []Code{CodeRetained, CodeRetained, CodeRetained, CodeRetained, CodeExpired, CodeExpired},
		},
		{
			name: "records disagreeing about a generation make it partial",
			pool: cyclePool(5),
			carts: append(fiveDays(),
				cart("DLY006L8", "daily", StateFull, shelf(), daily(5, StatusFailed))),
			protected: []string{"DLY001L8", "DLY002L8", "DLY003L8", "DLY004L8", "DLY005L8", "DLY006L8"},
			codes:     []Code{CodePartialKept, CodeRetained, CodeRetained, CodeRetained, CodeRetained},
			statuses:  []Status{StatusPartial, StatusGood, StatusGood, StatusGood, StatusGood},
		},
		{
			name: "gfs counts each level on its own, levels derived when not recorded",
			pool: gfs,
			carts: []Cartridge{
				cart("G1", "gfs", StateActive, shelf(), g(3, StatusGood)),  // Thursday
				cart("G2", "gfs", StateActive, shelf(), g(4, StatusGood)),  // Friday: weekly
				cart("G3", "gfs", StateActive, shelf(), g(7, StatusGood)),  // Monday
				cart("G4", "gfs", StateActive, shelf(), g(8, StatusGood)),  // Tuesday
				cart("G5", "gfs", StateActive, shelf(), g(11, StatusGood)), // Friday: weekly
				cart("G6", "gfs", StateScratch, slot(3)),
			},
			protected: []string{"G2", "G3", "G4", "G5"},
			free:      []string{"G6", "G1"},
			codes:     []Code{CodeRetained, CodeRetained, CodeRetained, CodeRetained, CodeExpired},
		},
		{
			name: "retired cartridges keep their generations but are never free",
			pool: cyclePool(5),
			carts: append(with(fiveDays(), 0, func(c *Cartridge) { c.State = StateRetired }),
				cart("DLY000L8", "daily", StateRetired, shelf(), daily(0, StatusGood))),
			protected: []string{"DLY002L8", "DLY003L8", "DLY004L8", "DLY005L8"},
			codes:     []Code{CodeRetained, CodeRetained, CodeRetained, CodeRetained, CodeExpired, CodeExpired},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Retain(tc.pool, View{Sites: testSites, Cartridges: tc.carts})
			require.NoError(t, err)
			assert.Equal(t, tc.protected, r.Protected)
			assert.Equal(t, tc.free, r.Free)
			var got []Code
			var statuses []Status
			for _, g := range r.Generations {
				got = append(got, g.Reason.Code)
				statuses = append(statuses, g.Status)
				assert.Equal(t, g.Protected, g.Reason.Code == CodeRetained || g.Reason.Code == CodePartialKept || g.Reason.Code == CodeUnreadable, g.ID)
			}
			assert.Equal(t, tc.codes, got)
			if tc.statuses != nil {
				assert.Equal(t, tc.statuses, statuses)
			}
		})
	}
}

func TestRetainGolden(t *testing.T) {
	carts := fiveDays()
	carts[0].Generations = []Generation{daily(6, StatusPartial)}
	carts[1].State = StateDamaged
	carts = append(carts, cart("DLY006L8", "daily", StateActive, vault("annex"), daily(0, StatusGood)),
		cart("DLY007L8", "daily", StateActive, shelf(), daily(7, StatusFailed)))
	r, err := Retain(cyclePool(5), View{Sites: testSites, Cartridges: carts})
	require.NoError(t, err)
	goldenJSON(t, "retain", r)
}

func TestRetainPools(t *testing.T) {
	r, err := Retain(Pool{Name: "scratch", Scheme: SchemeScratch}, View{Cartridges: []Cartridge{scratchCart("S1", shelf())}})
	require.NoError(t, err)
	assert.Empty(t, r.Generations)
	_, err = Retain(Pool{Name: "bad", Scheme: "tower-of-hanoi"}, View{})
	assert.ErrorContains(t, err, `pool "bad": scheme: "tower-of-hanoi" is not a scheme`)
}

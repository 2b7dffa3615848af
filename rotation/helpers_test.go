package rotation

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/rotation")

// golden compares got with testdata/rotation/name.golden, rewriting the
// file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "testdata", "rotation", name+".golden")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file: run go test ./rotation -update")
	assert.Equal(t, string(want), string(got), "golden file %s differs: run go test ./rotation -update and review the diff", path)
}

func goldenJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	golden(t, name, append(b, '\n'))
}

// jst is the site's zone in the tests; a fixed zone needs no tzdata.
var jst = time.FixedZone("JST", 9*60*60)

// at returns y-m-d h:00 in JST.
func at(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, jst) }

const room = "honcho"

var testSites = []Site{
	{Name: room, Kind: SiteMachineRoom, Hazards: []string{"tsunami-zone"}},
	{Name: "annex", Kind: SiteOtherBuilding, DistanceKM: 2},
	{Name: "sendai-dc", Kind: SiteRemote, DistanceKM: 80, Hazards: []string{"landslide"}},
	{Name: "harbour-store", Kind: SiteRemote, DistanceKM: 12, Hazards: []string{"tsunami-zone"}},
}

// Locations used by the tests.
func slot(n int) Location     { return Location{Kind: PlaceSlot, Site: room, Place: "lib0", Slot: n} }
func shelf() Location         { return Location{Kind: PlaceStorage, Site: room, Place: "shelf"} }
func inDrive() Location       { return Location{Kind: PlaceDrive, Site: room, Place: "drive0"} }
func vault(s string) Location { return Location{Kind: PlaceStorage, Site: s, Place: "vault"} }
func transit(to string, due time.Time) Location {
	return Location{Kind: PlaceTransit, Place: "M-7", To: to, Due: due}
}

func cyclePool(n int) Pool {
	return Pool{Name: "daily", Scheme: SchemeCycle, MediaType: "LTO-8", Cycle: &Cycle{Cartridges: n}}
}

// daily returns a daily generation of the day d of April 2025 at 22:00.
func daily(d int, s Status) Generation {
	t := at(2025, time.April, d, 22)
	return Generation{ID: "daily/" + date(t), Time: t, Level: LevelDaily, Status: s}
}

func cart(barcode, pool string, st State, loc Location, gens ...Generation) Cartridge {
	return Cartridge{Barcode: barcode, Pool: pool, MediaType: "LTO-8", State: st, Location: loc, Generations: gens}
}

// with applies f to cs[i] and returns cs.
func with(cs []Cartridge, i int, f func(*Cartridge)) []Cartridge {
	f(&cs[i])
	return cs
}

// gen returns a good generation recorded with its ID and level.
func gen(id string, tm time.Time, l Level) Generation {
	return Generation{ID: id, Time: tm, Level: l, Status: StatusGood}
}

func scratchCart(barcode string, loc Location) Cartridge {
	return cart(barcode, "scratch", StateScratch, loc)
}

// fiveDays is a full cycle of five: DLY001…DLY005 hold 1…5 April.
func fiveDays() []Cartridge {
	var cs []Cartridge
	for i := 1; i <= 5; i++ {
		cs = append(cs, cart(fmt.Sprintf("DLY%03dL8", i), "daily", StateActive, slot(i), daily(i, StatusGood)))
	}
	return cs
}

func codes(rs []Reason) []Code {
	out := make([]Code, len(rs))
	for i, r := range rs {
		out[i] = r.Code
	}
	return out
}

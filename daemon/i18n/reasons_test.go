package i18n

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/rotation"
)

// The world of the cases: honcho is the machine room, on the coast; the
// annex is nearby; sendai-dc is a proper remote site; harbour-store is
// remote in name only (near, and in the same tsunami zone).
var (
	jst   = time.FixedZone("JST", 9*60*60)
	sites = []rotation.Site{
		{Name: "honcho", Kind: rotation.SiteMachineRoom, Hazards: []string{"tsunami-zone"}},
		{Name: "annex", Kind: rotation.SiteOtherBuilding, DistanceKM: 2},
		{Name: "sendai-dc", Kind: rotation.SiteRemote, DistanceKM: 80},
		{Name: "harbour-store", Kind: rotation.SiteRemote, DistanceKM: 12, Hazards: []string{"tsunami-zone"}},
	}
)

func at(m time.Month, d, h int) time.Time { return time.Date(2025, m, d, h, 0, 0, 0, jst) }

func slot(n int) rotation.Location {
	return rotation.Location{Kind: rotation.PlaceSlot, Site: "honcho", Place: "lib0", Slot: n}
}
func shelf() rotation.Location {
	return rotation.Location{Kind: rotation.PlaceStorage, Site: "honcho", Place: "shelf"}
}
func vault(site string) rotation.Location {
	return rotation.Location{Kind: rotation.PlaceStorage, Site: site, Place: "vault"}
}
func transit(to string) rotation.Location {
	return rotation.Location{Kind: rotation.PlaceTransit, Place: "M-7", To: to, Due: at(time.April, 8, 12)}
}

func daily(d int, s rotation.Status) rotation.Generation {
	t := at(time.April, d, 22)
	return rotation.Generation{ID: "daily/" + t.Format(time.DateOnly), Time: t, Level: rotation.LevelDaily, Status: s}
}

func tape(barcode, pool string, st rotation.State, loc rotation.Location, gens ...rotation.Generation) rotation.Cartridge {
	return rotation.Cartridge{Barcode: barcode, Pool: pool, MediaType: "LTO-8", State: st, Location: loc, Generations: gens}
}

func scratch(barcode string, loc rotation.Location) rotation.Cartridge {
	return tape(barcode, "scratch", rotation.StateScratch, loc)
}

// days are DLY001…DLYnnn holding 1…n April, in slots unless placed.
func days(n int, place ...rotation.Location) []rotation.Cartridge {
	var cs []rotation.Cartridge
	for i := 1; i <= n; i++ {
		loc := slot(i)
		if i <= len(place) {
			loc = place[i-1]
		}
		cs = append(cs, tape(fmt.Sprintf("DLY%03dL8", i), "daily", rotation.StateActive, loc, daily(i, rotation.StatusGood)))
	}
	return cs
}

// edit applies f to cs[i] and returns cs.
func edit(cs []rotation.Cartridge, i int, f func(*rotation.Cartridge)) []rotation.Cartridge {
	f(&cs[i])
	return cs
}

func cycle(n int, media string) rotation.Pool {
	return rotation.Pool{Name: "daily", Scheme: rotation.SchemeCycle, MediaType: media, Cycle: &rotation.Cycle{Cartridges: n}}
}

// nextReasons runs NextCartridge and returns the choice's reasons, or the
// error's.
func nextReasons(t *testing.T, pool rotation.Pool, sites []rotation.Site, carts []rotation.Cartridge, now time.Time) []rotation.Reason {
	t.Helper()
	ch, err := rotation.NextCartridge(pool, rotation.View{Sites: sites, Cartridges: carts}, now)
	var nc *rotation.NoCartridgeError
	if errors.As(err, &nc) {
		return nc.Reasons
	}
	require.NoError(t, err)
	return slices.Concat(ch.Reasons, ch.Warnings)
}

// everyReason runs rotation over a broad set of cases and returns every
// reason it gave, by case.
func everyReason(t *testing.T) map[string][]rotation.Reason {
	tonight := at(time.April, 6, 22)
	out := map[string][]rotation.Reason{}
	next := func(name string, pool rotation.Pool, carts []rotation.Cartridge, now time.Time) {
		out["next: "+name] = nextReasons(t, pool, sites, carts, now)
	}
	gfs := rotation.Pool{Name: "gfs", Scheme: rotation.SchemeGFS, GFS: &rotation.GFS{Daily: 2, Weekly: 2, Monthly: 1, WeeklyOn: "friday", MonthlyOn: "last-business-day"}}
	g := func(b, id string, tm time.Time, l rotation.Level) rotation.Cartridge {
		return tape(b, "gfs", rotation.StateActive, shelf(), rotation.Generation{ID: id, Time: tm, Level: l, Status: rotation.StatusGood})
	}

	next("oldest, in a library", cycle(5, "LTO-8"), days(5), tonight)
	next("oldest, on a shelf, gfs", gfs, []rotation.Cartridge{
		g("G1", "weekly/2025-04-04", at(time.April, 4, 22), rotation.LevelWeekly),
		g("G2", "weekly/2025-04-11", at(time.April, 11, 22), rotation.LevelWeekly),
		g("G3", "daily/2025-04-14", at(time.April, 14, 22), rotation.LevelDaily),
		g("G4", "daily/2025-04-15", at(time.April, 15, 22), rotation.LevelDaily),
		g("G5", "daily/2025-04-16", at(time.April, 16, 22), rotation.LevelDaily),
		g("G6", "monthly/2025-03-31", at(time.March, 31, 22), rotation.LevelMonthly),
	}, at(time.April, 17, 22))
	next("in a drive", cycle(5, "LTO-8"), edit(days(5), 0, func(c *rotation.Cartridge) {
		c.Location = rotation.Location{Kind: rotation.PlaceDrive, Site: "honcho", Place: "drive0"}
	}), tonight)
	next("never written", cycle(5, "LTO-8"), append(days(4), tape("DLY009L8", "daily", rotation.StateScratch, shelf())), tonight)
	next("appends", cycle(5, "LTO-8"), edit(days(5), 0, func(c *rotation.Cartridge) { c.Generations = []rotation.Generation{daily(6, rotation.StatusGood)} }), tonight.Add(time.Hour))
	next("spans a full cartridge", cycle(5, "LTO-8"), append(edit(days(5), 0, func(c *rotation.Cartridge) {
		c.Generations, c.State = []rotation.Generation{daily(6, rotation.StatusGood)}, rotation.StateFull
	}), tape("DLY006L8", "daily", rotation.StateActive, slot(6), daily(0, rotation.StatusGood))), tonight.Add(time.Hour))
	next("spans, the start away", cycle(5, "LTO-8"), append(edit(days(5), 0, func(c *rotation.Cartridge) {
		c.Generations, c.Location = []rotation.Generation{daily(6, rotation.StatusGood)}, vault("annex")
	}), tape("DLY006L8", "daily", rotation.StateActive, slot(6), daily(0, rotation.StatusGood))), tonight.Add(time.Hour))
	next("arriving", cycle(5, "LTO-8"), edit(days(5), 0, func(c *rotation.Cartridge) { c.Location = transit("honcho") }), tonight)
	next("in transit elsewhere", cycle(5, "LTO-8"), edit(days(5), 0, func(c *rotation.Cartridge) { c.Location = transit("annex") }), tonight)
	next("away", cycle(5, "LTO-8"), edit(days(5), 0, func(c *rotation.Cartridge) { c.Location = vault("annex") }), tonight)
	next("out of order, media errors", cycle(5, "LTO-8"), edit(append(days(5), tape("DLY006L8", "daily", rotation.StateActive, vault("annex"), daily(0, rotation.StatusGood))), 0,
		func(c *rotation.Cartridge) { c.Errors = 2 }), tonight)
	next("retired, scratch taken", cycle(5, "LTO-8"), append(edit(days(5), 0, func(c *rotation.Cartridge) { c.State = rotation.StateRetired }), scratch("SCR001L8", shelf())), tonight)
	next("damaged, no scratch", cycle(5, ""), edit(days(5), 0, func(c *rotation.Cartridge) { c.State = rotation.StateDamaged }), tonight)
	next("lost, no scratch of the type", cycle(5, "LTO-8"), edit(days(5), 0, func(c *rotation.Cartridge) { c.State = rotation.StateLost }), tonight)
	next("new pool, scratch taken", cycle(5, "LTO-8"), []rotation.Cartridge{scratch("SCR002L8", shelf()), scratch("SCR003L8", slot(9))}, tonight)
	next("new pool, no scratch", cycle(5, "LTO-8"), nil, tonight)
	next("growing pool", cycle(5, "LTO-8"), append(days(5)[1:], scratch("SCR001L8", shelf())), tonight)
	next("partial night, pool grows", cycle(5, "LTO-8"), append(edit(days(5), 0, func(c *rotation.Cartridge) {
		c.Generations = []rotation.Generation{daily(6, rotation.StatusPartial)}
	}), scratch("SCR001L8", slot(10))), at(time.April, 7, 22))
	next("all protected, scratch away", cycle(5, "LTO-8"), append(edit(days(5), 0, func(c *rotation.Cartridge) {
		c.Generations = []rotation.Generation{daily(6, rotation.StatusPartial)}
	}), scratch("SCR001L8", vault("annex"))), at(time.April, 7, 22))
	next("growing, scratch away, any type", cycle(5, ""), append(days(5)[1:], scratch("SCR001L8", transit("annex"))), tonight)
	unnamed := rotation.Location{Kind: rotation.PlaceStorage, Place: "shelf"}
	out["next: no machine room named"] = nextReasons(t, cycle(5, "LTO-8"), nil, edit(days(5, unnamed, unnamed, unnamed, unnamed, unnamed), 1, func(c *rotation.Cartridge) {
		c.Location = rotation.Location{Kind: rotation.PlaceMailSlot, Place: "lib0", Slot: 1}
	}), tonight)

	// The courier.
	runs := func(from, to int) []rotation.Run {
		var rs []rotation.Run
		for d := from; d <= to; d++ {
			rs = append(rs, rotation.Run{Job: "juki-daily", Pool: "daily", Time: at(time.April, d, 22)})
		}
		return rs
	}
	offsite := func(remote string) rotation.Pool {
		p := cycle(6, "LTO-8")
		p.Offsite = &rotation.Offsite{Keep: 2, Site: "annex", RemoteSite: remote, TransitDays: 1, LeadDays: 2}
		return p
	}
	annex, sendai := vault("annex"), vault("sendai-dc")
	morning := at(time.April, 7, 9)
	plan := func(name string, pool rotation.Pool, carts []rotation.Cartridge, rs []rotation.Run, now time.Time) {
		p, err := rotation.Plan(pool, rotation.View{Sites: sites, Cartridges: carts}, rs, now)
		require.NoError(t, err, name)
		var rr []rotation.Reason
		for _, m := range slices.Concat(p.Sends, p.Recalls) {
			rr = append(rr, m.Reason)
		}
		out["plan: "+name] = append(rr, p.Problems...)
	}
	plan("steady", offsite("sendai-dc"), days(6, annex, annex, sendai, annex, annex, slot(6)), runs(7, 14), morning)
	plan("last away held", offsite("sendai-dc"), days(6, annex), runs(7, 14), morning)
	plan("last remote held", offsite("sendai-dc"), days(6, slot(1), sendai, annex, annex, transit("annex"), slot(6)), runs(7, 14), morning)
	plan("expired back, retired for disposal", offsite("sendai-dc"), append(days(6, slot(1), slot(2), annex, annex, sendai, slot(6)),
		tape("DLY000L8", "daily", rotation.StateActive, annex, daily(0, rotation.StatusGood)),
		tape("DLY009L8", "daily", rotation.StateRetired, sendai, rotation.Generation{ID: "daily/2025-03-01", Time: at(time.March, 1, 22), Status: rotation.StatusGood})), nil, morning)
	plan("not sent before its period ends", offsite("sendai-dc"), append(days(6, slot(1), annex, sendai, annex, annex, annex),
		tape("DLY007L8", "daily", rotation.StateActive, slot(7), daily(7, rotation.StatusGood))), runs(7, 14), at(time.April, 7, 23))
	plan("remote cannot be fed", offsite("sendai-dc"), days(6, annex, annex, annex, annex, annex, annex), runs(7, 14), morning)
	plan("remote too near, same hazard", offsite("harbour-store"), days(6, annex, annex, vault("harbour-store"), annex, annex, slot(6)), runs(7, 14), morning)
	plan("remote not a remote site", offsite("annex"), days(6, annex, annex, annex, annex, annex, slot(6)), runs(7, 14), morning)
	plan("remote unknown", offsite("atlantis"), days(6, annex, annex, annex, annex, annex, slot(6)), runs(7, 14), morning)

	// What is kept.
	retain := func(name string, pool rotation.Pool, carts []rotation.Cartridge) {
		r, err := rotation.Retain(pool, rotation.View{Sites: sites, Cartridges: carts})
		require.NoError(t, err, name)
		for _, g := range r.Generations {
			out["retain: "+name] = append(out["retain: "+name], g.Reason)
		}
	}
	// Keeping four good generations: day 13 partial and kept, 9 to 12
	// good and kept, 8 (on two unreadable cartridges) and 7 (on one)
	// partial and not kept, 6 failed, 5 good and expired.
	var carts []rotation.Cartridge
	for d := 5; d <= 13; d++ {
		st, state := rotation.StatusGood, rotation.StateActive
		switch d {
		case 13:
			st = rotation.StatusPartial
		case 6:
			st = rotation.StatusFailed
		case 7, 8:
			state = rotation.StateDamaged
		}
		carts = append(carts, tape(fmt.Sprintf("R%02d", d), "daily", state, shelf(), daily(d, st)))
	}
	carts = append(carts, tape("R08b", "daily", rotation.StateLost, shelf(), daily(8, rotation.StatusGood)))
	retain("a cycle with every status", cycle(5, "LTO-8"), carts)
	carts = []rotation.Cartridge{tape("R01", "daily", rotation.StateDamaged, shelf(), daily(1, rotation.StatusGood))}
	retain("one unreadable, kept", cycle(5, "LTO-8"), carts)

	// Cleaning.
	now := at(time.April, 10, 9)
	clean := func(b, media string, uses int, loc rotation.Location) rotation.Cartridge {
		return rotation.Cartridge{Barcode: b, MediaType: media, State: rotation.StateCleaning, Location: loc, UsesLeft: uses}
	}
	expired := clean("CLN005CU", "LTO-CLN", 5, slot(23))
	expired.Expires = at(time.April, 1, 0)
	cleaners := []rotation.Cartridge{clean("CLN001CU", "LTO-CLN", 3, shelf()), clean("CLN002CU", "LTO-CLN", 40, slot(20)), clean("CLN004CU", "LTO-CLN", 0, slot(22)),
		expired, clean("CLN006CU", "LTO-CLN", 1, vault("annex")), clean("DDSCLN01", "DDS-CLN", 12, shelf())}
	lto := rotation.Drive{Name: "drive0", Type: "LTO-8", Cleaning: &rotation.CleaningPolicy{OnRequest: true}}
	dat := func(p rotation.CleaningPolicy) rotation.Drive {
		return rotation.Drive{Name: "dat0", Type: "DAT160", Cleaning: &p}
	}
	lastWeek := rotation.DriveHistory{LastCleaned: at(time.April, 3, 9), MountsSince: 12, BytesSince: 54e12}
	due := func(name string, d rotation.Drive, h rotation.DriveHistory, carts []rotation.Cartridge) {
		c := rotation.CleaningDue(d, h, rotation.View{Sites: sites, Cartridges: carts}, now)
		out["cleaning: "+name] = c.Reasons
		for _, s := range c.Spent {
			out["cleaning: "+name] = append(out["cleaning: "+name], s.Reason)
		}
	}
	due("not asked", lto, lastWeek, cleaners)
	due("not asked, never cleaned", lto, rotation.DriveHistory{}, cleaners)
	due("TapeAlert 20 and 21", lto, rotation.DriveHistory{TapeAlerts: []int{20, 21}}, cleaners)
	due("status bit", lto, rotation.DriveHistory{CleanRequested: true}, cleaners)
	due("TapeAlert 22 with the cleaner", lto, rotation.DriveHistory{TapeAlerts: []int{22, 23}, Cleaner: "CLN002CU"}, cleaners)
	due("TapeAlert 22 and 23, cleaner unknown", lto, rotation.DriveHistory{TapeAlerts: []int{22, 23}}, cleaners)
	due("no policy, none usable", rotation.Drive{Name: "drive1", Type: "LTO-8"}, rotation.DriveHistory{TapeAlerts: []int{20}}, cleaners[2:4])
	due("days, never cleaned", dat(rotation.CleaningPolicy{EveryDays: 7}), rotation.DriveHistory{}, cleaners)
	due("days due", dat(rotation.CleaningPolicy{EveryDays: 7}), lastWeek, cleaners)
	due("mounts due soon, hours due", dat(rotation.CleaningPolicy{EveryMounts: 13, EveryMotionHours: 40}), rotation.DriveHistory{MountsSince: 12, MotionHoursSince: 41.25}, cleaners)
	due("hours due soon, days due soon", dat(rotation.CleaningPolicy{EveryMotionHours: 40, EveryDays: 8}), rotation.DriveHistory{LastCleaned: at(time.April, 3, 9), MotionHoursSince: 39}, cleaners)
	for _, s := range rotation.SpentCleaners(cleaners, now) {
		out["spent cleaners"] = append(out["spent cleaners"], s.Reason)
	}
	return out
}

// walk calls f on r and every reason inside its arguments.
func walk(r rotation.Reason, f func(rotation.Reason)) {
	f(r)
	for _, a := range r.Args {
		switch a := a.(type) {
		case rotation.Reason:
			walk(a, f)
		case []rotation.Reason:
			for _, x := range a {
				walk(x, f)
			}
		}
	}
}

// rotationSource lists the reason codes rotation declares and the message
// keys its sources name, read from the sources themselves so that a code
// or key added later is held to these tests too.
func rotationSource(t *testing.T) (codes, keys []string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "rotation", "*.go"))
	require.NoError(t, err)
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				if id, ok := n.Type.(*ast.Ident); ok && id.Name == "Code" {
					for _, v := range n.Values {
						if lit, ok := v.(*ast.BasicLit); ok {
							s, _ := strconv.Unquote(lit.Value)
							codes = append(codes, s)
						}
					}
				}
			case *ast.BasicLit:
				if s, err := strconv.Unquote(n.Value); err == nil && n.Kind == token.STRING && strings.HasPrefix(s, "reason.") {
					keys = append(keys, s)
				}
			}
			return true
		})
	}
	require.NotEmpty(t, codes)
	require.NotEmpty(t, keys)
	return codes, keys
}

// TestReasonsInEnglishAreRotations proves that the catalogue's English
// and rotation's agree, key by key and argument by argument: every reason
// rotation gives, and every part of one, told in English through the
// catalogue is its Message to the byte. The cases give every code and
// every key rotation has.
func TestReasonsInEnglishAreRotations(t *testing.T) {
	en := NewPrinter(English, nil)
	codes, keys := rotationSource(t)
	seenCode, seenKey := map[string]bool{}, map[string]bool{}
	for name, rs := range everyReason(t) {
		require.NotEmpty(t, rs, name)
		for _, top := range rs {
			seenCode[string(top.Code)] = true
			walk(top, func(r rotation.Reason) {
				require.NotEmpty(t, r.Key, "%s: a reason without a key: %s", name, r.Message)
				seenKey[r.Key] = true
				assert.Equal(t, r.Message, en.Reason(r), "%s: %s", name, r.Key)
			})
		}
	}
	for _, c := range codes {
		assert.True(t, seenCode[c], "no case gives code %s: add one", c)
	}
	for _, k := range keys {
		assert.True(t, seenKey[k], "no case gives key %s: add one", k)
		assert.Contains(t, texts, k, "key %s is not in the catalogue", k)
	}
	for _, m := range reasonMessages {
		if !strings.HasPrefix(m.id, "reason.state.") && !strings.HasPrefix(m.id, "reason.level.") {
			assert.Contains(t, keys, m.id, "the catalogue has %s, which rotation no longer gives", m.id)
		}
	}
}

// english finds three or more Latin words in a row: a sentence left in
// English. Quoted commands and configuration are left out first.
var (
	english = regexp.MustCompile(`[A-Za-z]+(?:[ ,;:]+[A-Za-z]+){2,}`)
	quoted  = regexp.MustCompile(`'[^']*'|"[^"]*"`)
)

// TestReasonsInJapanese tells every reason of the cases in Japanese: each
// comes out of the catalogue (no bracketed key, no English left, no
// argument dropped or mistyped).
func TestReasonsInJapanese(t *testing.T) {
	ja := NewPrinter(Japanese, nil)
	for name, rs := range everyReason(t) {
		for _, top := range rs {
			walk(top, func(r rotation.Reason) {
				s := ja.Reason(r)
				assert.NotEqual(t, r.Message, s, "%s: %s is told in English", name, r.Key)
				assert.NotContains(t, s, "["+r.Key+"]", name)
				assert.NotContains(t, s, "%!", "%s: %s: an argument does not fit: %s", name, r.Key, s)
				assert.True(t, strings.ContainsFunc(s, func(c rune) bool { return unicode.In(c, unicode.Hiragana, unicode.Katakana, unicode.Han) }), "%s: %s", name, s)
				assert.Empty(t, english.FindAllString(quoted.ReplaceAllString(s, ""), -1), "%s: %s: English left in %q", name, r.Key, s)
			})
		}
	}
}

// TestReasonJapaneseExamples shows a few reasons as an operator reads them.
func TestReasonJapaneseExamples(t *testing.T) {
	ja := NewPrinter(Japanese, nil)
	rs := everyReason(t)
	find := func(name, key string) rotation.Reason {
		t.Helper()
		for _, r := range rs[name] {
			if r.Key == key {
				return r
			}
		}
		require.Failf(t, "no such reason", "%s in %s", key, name)
		return rotation.Reason{}
	}
	assert.Equal(t, "DLY001L8 は honcho のライブラリ lib0 スロット 1 にあります。チェンジャーが装填します",
		ja.Reason(find("next: oldest, in a library", "reason.next.location.library")))
	assert.Equal(t, "DLY001L8 は上書きできますが、現在搬送中（搬送票 M-7、honcho 宛、到着予定 2025年4月8日(火)）です。到着を待ってください。または、スクラッチ媒体をプール daily に割り当ててください",
		ja.Reason(find("next: arriving", "reason.next.recall.or-scratch")))
	assert.Equal(t, "DLY001L8 には媒体エラーが 2 件記録されています。バックアップを検証し、エラーが再発したらこの媒体を使用停止にしてください",
		ja.Reason(find("next: out of order, media errors", "reason.next.media-errors")))
	assert.Equal(t, "ローテーション上の次は DLY001L8 ですが、使用停止のため、スクラッチプール scratch からの補充が必要です。スクラッチプール scratch から SCR001L8 を使います",
		ja.Reason(find("next: retired, scratch taken", "reason.next.taking-scratch")))
	assert.Equal(t, "遠隔地 harbour-store は遠隔地保管の条件を満たしていません：サーバ室からの距離が 12 km で、必要な 30 km に足りません。サーバ室と同じ災害の危険（tsunami-zone）があります",
		ja.Reason(find("plan: remote too near, same hazard", "reason.offsite.remote-unqualified")))
	assert.Equal(t, "クリーニング媒体 CLN005CU は 2025年4月1日(火) に期限が切れました。使用停止にし、代わりに新しいものを置いてください（場所は honcho のライブラリ lib0 スロット 23）",
		ja.Reason(find("spent cleaners", "reason.cleaning.cleaner-expired")))
	assert.Equal(t, "DLY001L8 はサーバ室の shelf にあります。作業依頼が表示されたら装填してください",
		ja.Reason(find("next: no machine room named", "reason.next.location.by-hand")), "a site without a name is the machine room")

	assert.Equal(t, "rotation says so", ja.Reason(rotation.Reason{Code: "x", Message: "rotation says so"}), "a reason without a key is its message")
	assert.Equal(t, "rotation says so", ja.Reason(rotation.Reason{Code: "x", Message: "rotation says so", Key: "reason.no.such"}), "a key the catalogue lacks gives the message")
}

// TestWhere writes every kind of place in both languages.
func TestWhere(t *testing.T) {
	ja, en := NewPrinter(Japanese, nil), NewPrinter(English, nil)
	due := time.Date(2025, time.April, 3, 12, 0, 0, 0, jst)
	tests := []struct {
		l  rotation.Location
		ja string
	}{
		{rotation.Location{Kind: rotation.PlaceSlot, Site: "honcho", Place: "lib0", Slot: 3}, "honcho のライブラリ lib0 スロット 3"},
		{rotation.Location{Kind: rotation.PlaceSlot, Place: "lib0", Slot: 3}, "サーバ室のライブラリ lib0 スロット 3"},
		{rotation.Location{Kind: rotation.PlaceMailSlot, Site: "honcho", Place: "lib0", Slot: 1}, "honcho のライブラリ lib0 メールスロット 1"},
		{rotation.Location{Kind: rotation.PlaceDrive, Site: "honcho", Place: "drive0"}, "honcho のドライブ drive0"},
		{rotation.Location{Kind: rotation.PlaceDrive, Place: "drive0"}, "サーバ室のドライブ drive0"},
		{rotation.Location{Kind: rotation.PlaceStorage, Place: "shelf-a"}, "サーバ室の shelf-a"},
		{rotation.Location{Kind: rotation.PlaceStorage, Site: "annex", Place: "vault"}, "annex の vault"},
		{rotation.Location{Kind: rotation.PlaceStorage, Site: "annex"}, "annex"},
		{rotation.Location{Kind: rotation.PlaceStorage}, "サーバ室"},
		{rotation.Location{Kind: rotation.PlaceTransit, Place: "M-12", To: "sendai-dc", Due: due}, "搬送中（搬送票 M-12、sendai-dc 宛、到着予定 2025年4月3日(木)）"},
		{rotation.Location{Kind: rotation.PlaceTransit, Place: "M-12"}, "搬送中（搬送票 M-12）"},
		{rotation.Location{Kind: rotation.PlaceTransit}, "搬送中"},
	}
	kinds := map[rotation.PlaceKind]bool{}
	for _, tc := range tests {
		kinds[tc.l.Kind] = true
		assert.Equal(t, tc.ja, ja.Where(tc.l))
		assert.Equal(t, tc.l.String(), en.Where(tc.l))
	}
	for _, k := range []rotation.PlaceKind{rotation.PlaceStorage, rotation.PlaceSlot, rotation.PlaceMailSlot, rotation.PlaceDrive, rotation.PlaceTransit} {
		assert.True(t, kinds[k], "no case for %s", k)
	}
}

func TestTighten(t *testing.T) {
	assert.Equal(t, "サーバ室へ戻してください", tighten("サーバ室 へ戻してください"))
	assert.Equal(t, "honcho へ戻してください", tighten("honcho へ戻してください"))
	assert.Equal(t, "現在搬送中（搬送票 M-7）です", tighten("現在 搬送中（搬送票 M-7）です"))
	assert.Equal(t, "2 巻", tighten("2 巻"))
}

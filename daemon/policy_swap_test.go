package daemon

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/i18n"
	"github.com/tapewarden/tapewarden/daemon/report"

	"github.com/tapewarden/tapewarden/daemon/engine"
)

func TestSwapList(t *testing.T) {
	h, _ := fourNights(t)
	ctx := context.Background()
	// The morning of the 5th: the manifests are made, drive lto0 asks to
	// be cleaned, and one cleaning cartridge is used up.
	var made report.FromPlanResult
	h.ok("POST", "/v1/manifests/from-plan", report.FromPlanRequest{}, &made)
	require.Len(t, made.Created, 2)
	h.d.eng.VirtualDrive("lto0").RequestCleaning(true)
	require.NoError(t, h.d.eng.PollDrive(ctx, "lto0"))
	require.NoError(t, h.d.Catalog().SetUsesLeft(ctx, tester, "CLN001CU", 0, "the drive rejected it"))

	var s report.SwapList
	h.ok("GET", "/v1/swap-list", nil, &s)
	policyGoldenJSON(t, "swap-list.golden.json", s)
	assert.Equal(t, "2025-04-05", s.Date)
	assert.Equal(t, "honcho", s.Site)

	// Take out: the newest daily generation, from the library, on its
	// manifest.
	require.Len(t, s.TakeOut, 1)
	out := s.TakeOut[0]
	assert.Equal(t, "DLY004L8", out.Barcode)
	assert.Equal(t, "hill-annex", out.To)
	assert.Equal(t, made.Created[0].ID, out.Manifest)
	assert.Contains(t, out.Action, "tapewarden library export DLY004L8")
	assert.Contains(t, out.Action, "manifest pickup "+made.Created[0].ID)

	// Expect back: the two empty monthly cartridges, into the library.
	require.Len(t, s.Expect, 2)
	for _, r := range s.Expect {
		assert.Equal(t, "lib0", r.FileAt, r.Barcode)
		assert.Equal(t, made.Created[1].ID, r.Manifest)
		assert.Contains(t, r.Action, "library import")
		assert.Equal(t, rotation.CodeRecallExpired, r.Reason.Code)
	}

	// The evening's runs: the registry and the family register go to
	// the next daily cartridge in the library; the website's DAT
	// cartridge is on the shelf and a person loads it into dat0.
	require.Len(t, s.Runs, 3)
	web, juki, koseki := s.Runs[0], s.Runs[1], s.Runs[2]
	assert.Equal(t, "website-weekly", web.Job)
	assert.Equal(t, "DAT001", web.Barcode)
	assert.True(t, web.Person)
	assert.Equal(t, "dat0", web.Drive)
	assert.Contains(t, web.Action, "have it ready at drive dat0 before 21:00")
	assert.Equal(t, "juki-daily", juki.Job)
	assert.Equal(t, "DLY005L8", juki.Barcode)
	assert.False(t, juki.Person)
	assert.Equal(t, "in library lib0: the library loads it", juki.Action)
	assert.Equal(t, "koseki-daily", koseki.Job)
	assert.True(t, koseki.Append)

	// Cleaning: lto0 now, with the last cleaning cartridge that has a use
	// left; the used-up one to retire, the last one to replace soon.
	require.Len(t, s.Cleaning, 1)
	c := s.Cleaning[0]
	assert.Equal(t, "lto0", c.Drive)
	assert.Equal(t, rotation.DueNow, c.Due)
	assert.Equal(t, "CLN002CU", c.Cleaner)
	assert.False(t, c.Person)
	assert.Contains(t, c.Action, "library lib0 cleans it with CLN002CU")
	require.Len(t, s.Cleaners, 2)
	assert.Equal(t, "CLN001CU", s.Cleaners[0].Barcode)
	assert.Contains(t, s.Cleaners[0].Action, "retire it")
	assert.Equal(t, "CLN002CU", s.Cleaners[1].Barcode)
	assert.Contains(t, s.Cleaners[1].Action, "have a new cleaning cartridge ready")

	assert.NotEmpty(t, s.Problems)

	// The same list in Japanese: the same cartridges and commands, the
	// words for people in Japanese.
	var ja report.SwapList
	h.ok("GET", "/v1/swap-list?lang=ja", nil, &ja)
	policyGoldenJSON(t, "swap-list.ja.golden.json", ja)
	assert.Equal(t, "ja", ja.Language)
	assert.Equal(t, "en", s.Language)
	require.Len(t, ja.TakeOut, 1)
	assert.Equal(t, "メールスロットに排出し（'tapewarden library export DLY004L8'）、搬送担当に渡してください。搬送担当が搬送票 "+made.Created[0].ID+
		" で受け取りを確認します（'tapewarden manifest pickup "+made.Created[0].ID+" --courier NAME DLY004L8'）", ja.TakeOut[0].Action)
	require.Len(t, ja.Expect, 2)
	assert.Contains(t, ja.Expect[0].Action, "到着したら受領を記録し（'tapewarden manifest deliver "+made.Created[1].ID+" MON005L8'）、ライブラリ lib0 のメールスロットに入れて")
	require.Len(t, ja.Runs, 3)
	assert.Equal(t, "ライブラリ lib0 内：ライブラリが装填します", ja.Runs[1].Action)
	assert.Contains(t, ja.Runs[0].Action, "21:00 までにドライブ dat0 の所に用意してください")
	require.Len(t, ja.Cleaning, 1)
	assert.True(t, strings.HasPrefix(ja.Cleaning[0].Action, "クリーニングが済むまで、このドライブで処理を実行しないでください。ライブラリ lib0 が CLN002CU"), ja.Cleaning[0].Action)
	require.Len(t, ja.Cleaners, 2)
	assert.Equal(t, "交換用の新しいクリーニング媒体を用意してください", ja.Cleaners[1].Action)
	assert.Equal(t, "CLN002CU はあと 1回使えます", ja.Cleaners[1].Reason.Message)
	require.Len(t, ja.Problems, len(s.Problems))
	assert.Equal(t, "プール daily", ja.Problems[0].Subject)

	status, body := h.call("GET", "/v1/swap-list?lang=klingon", nil)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, string(body), `lang \"klingon\"`)
}

func TestSwapListOfARunThatNeedsARecalledCartridge(t *testing.T) {
	// Every daily cartridge but the newest is at the annex: tonight's
	// run needs one the courier brings back today.
	h, clock := fourNights(t)
	ctx := context.Background()
	for _, b := range []string{"DLY001L8", "DLY002L8", "DLY003L8", "DLY005L8", "DLY006L8"} {
		_, err := h.d.eng.Export(ctx, tester, "lib0", []string{b})
		require.NoError(t, err)
		c, err := h.d.Catalog().Cartridge(ctx, b)
		require.NoError(t, err)
		m, err := h.d.Catalog().CreateManifest(ctx, tester, media.NewManifest{Destination: "hill-annex", Barcodes: []string{b}})
		require.NoError(t, err)
		_, err = h.d.Catalog().Pickup(ctx, tester, m.ID, media.Handover{Courier: "Yamato", Barcodes: []string{b}})
		require.NoError(t, err)
		_, err = h.d.eng.MailSlot(ctx, tester, engine.MailSlotRequest{Library: "lib0", Slot: c.Location.Slot, Action: "take"})
		require.NoError(t, err)
		_, err = h.d.Catalog().Deliver(ctx, tester, m.ID, media.Handover{Barcodes: []string{b}})
		require.NoError(t, err)
	}
	clock.Set(jst(2025, 4, 6, 9, 0))
	s, err := h.d.report.SwapList(ctx, i18n.English, "", "")
	require.NoError(t, err)
	recalled := map[string]bool{}
	for _, r := range s.Expect {
		recalled[r.Barcode] = true
	}
	var found bool
	for _, r := range s.Runs {
		if recalled[r.Barcode] {
			found = true
			assert.True(t, r.Person, r.Action)
			assert.Contains(t, r.Action, "comes back today from safe at hill-annex: put it into library lib0's mail slot before")
		}
	}
	assert.True(t, found, "runs %+v, recalls %+v", s.Runs, s.Expect)
}

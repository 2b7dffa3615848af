package web

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/auth"
)

// A sign-in refused because of earlier failures says so, with the wait,
// and answers 429 with Retry-After: a person told "wrong password" would
// go on trying and only lengthen the wait.
func TestThrottledSignInSaysHowLongToWait(t *testing.T) {
	f := startConsole(t, "ja")
	f.accounts.refuse = fmt.Errorf("sign in: %w", &auth.ThrottledError{RetryAfter: 90 * time.Second, What: "account operator"})
	b := f.browser()
	res, body := b.post("/login", url.Values{"user": {"operator"}, "password": {"operator-pw"}}, nil)
	assert.Equal(t, http.StatusTooManyRequests, res.StatusCode)
	assert.Equal(t, "90", res.Header.Get("Retry-After"))
	assert.Contains(t, body, "2 分後にもう一度試す")
	assert.Empty(t, res.Header.Get("Set-Cookie"))

	res, body = b.post("/c/login", url.Values{"code": {"C0DE"}, "pin": {"1234"}}, nil)
	assert.Equal(t, http.StatusTooManyRequests, res.StatusCode)
	assert.Equal(t, "90", res.Header.Get("Retry-After"))
	assert.Contains(t, body, "2 分後にもう一度試す")

	f.accounts.refuse = nil
	res, body = b.post("/login", url.Values{"user": {"operator"}, "password": {"wrong"}}, nil)
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "a wrong password is not a throttled one")
	assert.Empty(t, res.Header.Get("Retry-After"))
	assert.Contains(t, body, "ユーザー名またはパスワードが違う")
}

// The codes the catalog keeps are shown in the page's language: a
// manifest item's status on the picking list, an audit event's kind, a
// discrepancy, a finding's severity.
func TestCatalogCodesInThePagesLanguage(t *testing.T) {
	f := startConsole(t, "ja")
	m := f.manifest("yamada", "DLY001L8", "DLY002L8")
	_, err := f.cat.Pickup(f.ctx, operator, m.ID, media.Handover{Courier: "yamada", Barcodes: []string{"DLY001L8"}, AcceptDiscrepancies: true, Reasons: map[string]string{"DLY002L8": "not found on the shelf"}})
	require.NoError(t, err)
	op := f.browser().signIn(RoleOperator)

	res, body := op.get("/ops/manifests/" + m.ID + "/print")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "<td>集荷済</td>")
	assert.Contains(t, body, "<td>不足</td>")
	assert.NotContains(t, body, "<td>picked-up</td>")
	assert.NotContains(t, body, "<td>missing</td>")

	res, body = op.get("/audit")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "<td>搬送票作成</td>")
	assert.Contains(t, body, "<td>集荷</td>")
	assert.NotContains(t, body, "<td>manifest-created</td>")
	assert.Contains(t, body, "不足 (集荷時)", "the discrepancy and its phase")
	assert.NotContains(t, body, "missing (pickup)")
	assert.Contains(t, body, "<strong>警告</strong>", "the policy finding's severity")
	assert.NotContains(t, body, "<strong>warning</strong>")
}

// A prompt card says where once: a place that names the drive is not
// followed by the drive again.
func TestPromptCardWhere(t *testing.T) {
	f := startConsole(t, "en")
	_, err := f.cat.OpenPrompt(f.ctx, media.Prompt{Kind: "label", Barcode: "DAT001", Drive: "dat0", Place: "drive dat0 at honcho", Action: "Label DAT001"})
	require.NoError(t, err)
	_, err = f.cat.OpenPrompt(f.ctx, media.Prompt{Kind: "load", Barcode: "DLY003L8", Drive: "lto0", Place: "honcho/lib0/slot/3", Action: "Load DLY003L8"})
	require.NoError(t, err)
	op := f.browser().signIn(RoleOperator)
	res, body := op.get("/ops")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "<dd>drive dat0 at honcho</dd>")
	assert.NotContains(t, body, "drive dat0 at honcho → dat0")
	assert.Contains(t, body, "<dd>honcho/lib0/slot/3 → lto0</dd>")
}

// Each library's map shows its slots with the pool and the newest
// generation of each cartridge, its drives, and its mail slots with the
// same details.
func TestSlotMapShowsGenerationsDrivesAndMailSlots(t *testing.T) {
	f := startConsole(t, "ja")
	add := func(b string, loc media.Location) {
		_, err := f.cat.AddCartridge(f.ctx, operator, media.NewCartridge{Barcode: b, Pool: "daily", Location: loc})
		require.NoError(t, err)
	}
	add("DLY001L8", media.LibrarySlot("honcho", "lib0", 1))
	add("DLY002L8", media.LibraryMailSlot("honcho", "lib0", 1))
	for i, gen := range []string{"daily/2026-12-04", "daily/2026-12-05"} {
		r, err := f.cat.QueueRun(f.ctx, media.NewRun{Job: "juki-daily", System: "juki", Pool: "daily", Trigger: "manual"})
		require.NoError(t, err)
		_, err = f.cat.FinishRun(f.ctx, r.ID, media.RunResult{State: media.RunSucceeded, Bytes: 10,
			Pieces:     []media.Piece{{Piece: 1, Barcode: "DLY001L8", File: int64(i), Bytes: 10, Complete: true}},
			Generation: gen, Level: "daily", GenerationStart: time.Date(2026, 12, 4+i, 0, 0, 0, 0, time.UTC)})
		require.NoError(t, err)
	}
	op := f.browser().signIn(RoleOperator)
	res, body := op.get("/ops")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, `<span class="barcode">DLY001L8</span> <span class="pool">daily</span> <span class="gen">世代 daily/2026-12-05</span>`)
	assert.Contains(t, body, `<ol class="slots drives">`)
	assert.Contains(t, body, `<span class="n">lto0</span>`)
	assert.Contains(t, body, `<span class="n">1</span> <span class="barcode">DLY002L8</span> <span class="pool">daily</span>`, "the mail slot's cartridge with its pool")
}

// The notice after creating manifests or assigning a courier is worded
// by the console from the catalog: a link cannot put words on the page.
func TestManifestNoticeIsTheConsolesOwn(t *testing.T) {
	f := startConsole(t, "en")
	m := f.manifest("yamada", "DLY001L8")
	op := f.browser().signIn(RoleOperator)
	notice := func(path string) string {
		t.Helper()
		res, body := op.get(path)
		require.Equal(t, http.StatusOK, res.StatusCode)
		n := regexp.MustCompile(`<p class="notice" role="status">([^<]*)</p>`).FindStringSubmatch(body)
		if n == nil {
			return ""
		}
		return n[1]
	}
	assert.Equal(t, "The plan needs no new manifest.", notice("/ops/manifests?made="+url.QueryEscape("Call 0120-000-000 now")))
	assert.Equal(t, "Created manifests "+m.ID+".", notice("/ops/manifests?made="+url.QueryEscape(m.ID)))
	assert.Empty(t, notice("/ops/manifests?assigned="+url.QueryEscape("Call 0120")))

	res, _ := op.post("/ops/manifests/"+m.ID+"/courier", url.Values{"courier": {"sato"}}, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "Manifest "+m.ID+": courier sato assigned.", notice(res.Header.Get("Location")))
}

// The restore page offers the system's generations to choose from,
// newest first, instead of a field to type one into.
func TestRestoreOffersTheSystemsGenerations(t *testing.T) {
	f := startConsole(t, "ja")
	_, err := f.cat.AddCartridge(f.ctx, operator, media.NewCartridge{Barcode: "DLY001L8", Pool: "daily", Location: media.LibrarySlot("honcho", "lib0", 1)})
	require.NoError(t, err)
	for i, gen := range []string{"daily/2026-12-04", "daily/2026-12-05"} {
		r, err := f.cat.QueueRun(f.ctx, media.NewRun{Job: "juki-daily", System: "juki", Pool: "daily", Trigger: "manual"})
		require.NoError(t, err)
		day := time.Date(2026, 12, 4+i, 2, 0, 0, 0, time.UTC)
		_, err = f.cat.FinishRun(f.ctx, r.ID, media.RunResult{State: media.RunSucceeded, Bytes: 10, Finished: day,
			Pieces:     []media.Piece{{Piece: 1, Barcode: "DLY001L8", File: int64(i), Bytes: 10, Complete: true}},
			Generation: gen, Level: "daily", GenerationStart: day})
		require.NoError(t, err)
	}
	op := f.browser().signIn(RoleOperator)
	res, body := op.get("/ops/restore")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.NotContains(t, body, `name="generation"`, "a generation is chosen once the system is")

	res, body = op.get("/ops/restore?system=juki&generation=daily%2F2026-12-04")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, `<select name="generation"><option value="">最新</option><option value="daily/2026-12-05">daily/2026-12-05</option><option value="daily/2026-12-04" selected>daily/2026-12-04</option></select>`)
	_, body = op.get("/ops/restore?system=koseki")
	assert.Contains(t, body, `<select name="generation"><option value="">最新</option></select>`, "another system's generations are not offered")
}

// The console's own refusals are in the page's language: the kind of
// refusal and what the console adds to it.
func TestRefusalsInThePagesLanguage(t *testing.T) {
	f := startConsole(t, "ja")
	op := f.browser().signIn(RoleOperator)
	res, body := op.get("/audit?from=yesterday")
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, `入力内容を確認してください: &#34;yesterday&#34; は日付ではありません。2026-12-06 のように入力してください`)
	assert.NotContains(t, body, "check the form")

	res, body = op.post("/ops/prompts/x/done", nil, nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, "は作業依頼の番号ではありません")

	res, body = op.post("/ops/prompts/1/cant", url.Values{"reason": {strings.Repeat("長", 40<<10)}}, nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, "フォームが 64 KiB を超えています")

	aud := f.browser().signIn(RoleAuditor)
	res, body = aud.post("/ops/prompts/1/done", nil, nil)
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.Contains(t, body, "この操作の権限がありません: POST /ops/prompts/1/done は監査担当の権限ではできません")
	assert.NotContains(t, body, "your role may not")

	res, body = f.browser().post("/ops/prompts/1/done", nil, nil)
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.Contains(t, body, "先にログインしてください: ログインの有効期限が切れました")
}

// A drive's last TapeAlert is shown in the page's language when it is one
// an operator acts on, as the drive names it otherwise.
func TestTapeAlertInThePagesLanguage(t *testing.T) {
	f := startConsole(t, "ja")
	_, err := f.cat.RecordDriveEvent(f.ctx, media.DriveEvent{Drive: "lto0", Kind: "tapealert", Flag: 21, Detail: "Cleaning requested (W)"})
	require.NoError(t, err)
	_, err = f.cat.RecordDriveEvent(f.ctx, media.DriveEvent{Drive: "lto1", Kind: "tapealert", Flag: 35, Detail: "Drive humidity (W)"})
	require.NoError(t, err)
	op := f.browser().signIn(RoleOperator)
	res, body := op.get("/ops")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, `<span class="badge bad">21: クリーニング要求</span>`)
	assert.NotContains(t, body, "Cleaning requested")
	assert.Contains(t, body, `<span class="badge bad">Drive humidity (W)</span>`)
}

// A run waiting for a person says which prompt in the page's language,
// with a link to its card.
func TestRunWaitingForAPrompt(t *testing.T) {
	f := startConsole(t, "ja")
	_, err := f.cat.AddCartridge(f.ctx, operator, media.NewCartridge{Barcode: "DAT001", Pool: "dat", Location: media.Storage("honcho", "shelf")})
	require.NoError(t, err)
	for _, j := range f.eng.Config().Jobs {
		if j.Name == "website-weekly" {
			for _, dir := range j.Source.Paths {
				require.NoError(t, os.MkdirAll(dir, 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(dir, "index.html"), []byte("<p>town news</p>"), 0o644))
			}
		}
	}
	r, err := f.eng.StartRun(f.ctx, "website-weekly", "manual", time.Time{})
	require.NoError(t, err)
	var p media.Prompt
	require.Eventually(t, func() bool {
		open, err := f.cat.Prompts(f.ctx, false)
		require.NoError(t, err)
		for _, o := range open {
			if o.Run == r.ID {
				p = o
				return true
			}
		}
		return false
	}, 20*time.Second, 50*time.Millisecond, "the run asks for its cartridge")
	op := f.browser().signIn(RoleOperator)
	res, body := op.get("/ops")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, fmt.Sprintf(`<a href="#prompt-%d">作業依頼 %d（媒体を装填）を待っています</a>`, p.ID, p.ID))
	assert.NotContains(t, body, "waiting for a person")
	assert.Contains(t, body, fmt.Sprintf("使用中：処理 %d（website-weekly）", r.ID), "the drive the run holds says so in Japanese")
	assert.NotContains(t, body, fmt.Sprintf("run %d (website-weekly)", r.ID))
	_, err = f.cat.ClosePrompt(f.ctx, operator, p.ID, media.PromptCancelled, "test over")
	require.NoError(t, err)
}

// The audit and restore pages list restores and drills however many
// other operations came after them.
func TestRestoresNotCrowdedOutByOtherOperations(t *testing.T) {
	f := startConsole(t, "en")
	_, err := f.cat.StartOperation(f.ctx, media.NewOperation{Kind: "restore", Actor: operator, Summary: "restore of system juki into /srv/restore"})
	require.NoError(t, err)
	for range 60 {
		_, err := f.cat.StartOperation(f.ctx, media.NewOperation{Kind: "catalog_copy", Actor: operator, Summary: "catalog copy to /srv/copy"})
		require.NoError(t, err)
	}
	op := f.browser().signIn(RoleOperator)
	for _, path := range []string{"/audit", "/ops/restore"} {
		res, body := op.get(path)
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.Contains(t, body, "restore of system juki into /srv/restore", path)
		assert.NotContains(t, body, "catalog copy to", path)
	}
}

// The courier page refuses a scan without its scan ID, and one beyond
// what a hand-over keeps, in the page's language.
func TestCourierScanRefusalsInThePagesLanguage(t *testing.T) {
	f := startConsole(t, "ja")
	m := f.manifest("yamada", "DLY001L8", "DLY002L8")
	c := f.courierIn("K7Q2", "yamada")
	page := "/c/m/" + m.ID

	res, body := c.post(page+"/scan", url.Values{"barcode": {"DLY001L8"}}, nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, "読取番号がありません。ページを再読み込みしてから、もう一度読み取ってください")
	assert.NotContains(t, body, "no scan ID")

	yamada := media.Actor{Name: "yamada", Role: RoleCourier}
	for i := range media.MaxScansPerHandover {
		_, err := f.cat.RecordCourierScan(f.ctx, yamada, media.NewCourierScan{Manifest: m.ID, Phase: media.PhasePickup, ScanID: fmt.Sprintf("filler-%04d", i), Barcode: "ZZZ999L8", Courier: "yamada"})
		require.NoError(t, err)
	}
	res, body = c.post(page+"/scan", url.Values{"scan_id": {"one-too-many"}, "barcode": {"DLY002L8"}}, nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, "この引渡の読取は上限の 2000 件に達しました")
	assert.NotContains(t, body, "the most one hand-over keeps")
}

// The audit page tells the policy check's findings in its language; the
// English page keeps rotation's words.
func TestPolicyFindingsInThePagesLanguage(t *testing.T) {
	f := startConsole(t, "ja")
	op := f.browser().signIn(RoleOperator)
	res, body := op.get("/audit")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "<strong>警告</strong> ドライブ種別 LTO-8: サーバ室に使用できる LTO-CLN クリーニング媒体がありません（登録 0 巻")
	assert.Contains(t, body, "システム &#34;juki&#34;: 復元訓練の記録がありません。")
	assert.NotContains(t, body, "has no restore drill recorded")
	assert.NotContains(t, body, "cleaning cartridge at the machine room")
	assert.NotContains(t, body, "drive type LTO-8")

	res, body = op.post("/lang", url.Values{"lang": {"en"}, "back": {"/audit"}}, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	res, body = op.get("/audit")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "drive type LTO-8: has no usable LTO-CLN cleaning cartridge at the machine room")
	assert.Contains(t, body, "system &#34;juki&#34;: has no restore drill recorded")
}

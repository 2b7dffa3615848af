package web

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpnetwork "github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write the console's screenshots to contrib/screenshots")

// chromium finds Debian's Chromium. Without it the browser tests skip,
// unless CI is set: there they fail.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is not installed, and CI is set: install it (apt-get install chromium fonts-noto-cjk)")
	}
	t.Skip("Chromium is not installed: the browser tests did not run (apt-get install chromium fonts-noto-cjk to run them)")
	return ""
}

// chrome is one headless Chromium for all the browser tests; each person
// gets a tab with cookies of its own.
type chrome struct {
	t   *testing.T
	f   *fixture
	ctx context.Context
}

func startChrome(t *testing.T, f *fixture) *chrome {
	path := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path),
		chromedp.Flag("ignore-certificate-errors", true), chromedp.WindowSize(1280, 900))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	require.NoError(t, chromedp.Do(ctx), "start Chromium")
	return &chrome{t: t, f: f, ctx: ctx}
}

// tab opens a tab in a browser context of its own (its own cookies).
func (c *chrome) tab() context.Context {
	ctx, cancel := chromedp.NewContext(c.ctx, chromedp.WithNewBrowserContext())
	c.t.Cleanup(cancel)
	require.NoError(c.t, chromedp.Do(ctx))
	tctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	c.t.Cleanup(cancelT)
	return tctx
}

func (c *chrome) do(ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	require.NoError(c.t, chromedp.Do(ctx, steps...))
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	require.NoError(t, err, js)
	return v
}

// waitText waits until the element sel says want (across the page loads
// a form causes).
func waitText(t *testing.T, ctx context.Context, sel, want string) string {
	t.Helper()
	return waitJS(t, ctx, fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, sel), want)
}

// waitJS waits until the expression's text holds want.
func waitJS(t *testing.T, ctx context.Context, js, want string) string {
	t.Helper()
	var got string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err == nil {
			got = v
			if strings.Contains(got, want) {
				return got
			}
		}
	}
	t.Fatalf("%s never said %q; last it said %q", js, want, got)
	return ""
}

func (c *chrome) signIn(ctx context.Context, role string) {
	c.t.Helper()
	c.do(ctx,
		chromedp.Navigate(c.f.srv.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name=user]`), role),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), role+"-pw"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.who`)),
	)
}

// screenshot keeps what the viewport shows as contrib/screenshots/NAME
// when the tests run with -update-screenshots.
func (c *chrome) screenshot(ctx context.Context, name string) {
	c.t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(c.t, err)
	require.NotEmpty(c.t, png)
	if *updateScreenshots {
		require.NoError(c.t, os.WriteFile(filepath.Join("..", "..", "contrib", "screenshots", name), png, 0o644))
	}
}

// screenshotOf keeps what one element shows, as screenshot does.
func (c *chrome) screenshotOf(ctx context.Context, sel, name string) {
	c.t.Helper()
	png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
	require.NoError(c.t, err)
	require.NotEmpty(c.t, png)
	if *updateScreenshots {
		require.NoError(c.t, os.WriteFile(filepath.Join("..", "..", "contrib", "screenshots", name), png, 0o644))
	}
}

// stockLibrary fills a few of lib0's slots and a mail slot, with a
// generation on the first cartridge, for the slot map.
func (f *fixture) stockLibrary() {
	f.t.Helper()
	one := 1
	for _, c := range []media.NewCartridge{
		{Barcode: "DLY051L8", Pool: "daily", Location: media.LibrarySlot("honcho", "lib0", 1)},
		{Barcode: "DLY052L8", Pool: "daily", Location: media.LibrarySlot("honcho", "lib0", 2)},
		{Barcode: "MON051L8", Pool: "monthly", Location: media.LibrarySlot("honcho", "lib0", 7)},
		{Barcode: "CLN051CU", Location: media.LibrarySlot("honcho", "lib0", 24), UsesLeft: &one},
		{Barcode: "SCR051L8", Pool: "scratch", Location: media.LibraryMailSlot("honcho", "lib0", 1)},
	} {
		_, err := f.cat.AddCartridge(f.ctx, media.Actor{Name: "setup", Role: "admin"}, c)
		require.NoError(f.t, err)
	}
	r, err := f.cat.QueueRun(f.ctx, media.NewRun{Job: "juki-daily", System: "juki", Pool: "daily", Trigger: "manual"})
	require.NoError(f.t, err)
	_, err = f.cat.FinishRun(f.ctx, r.ID, media.RunResult{State: media.RunSucceeded, Bytes: 10,
		Pieces: []media.Piece{{Piece: 1, Barcode: "DLY051L8", Bytes: 10, Complete: true}}, Generation: "daily/2026-12-06", Level: "daily"})
	require.NoError(f.t, err)
}

// TestBrowser drives the console in headless Chromium: an operator
// answers a prompt, a courier scans on a phone, an auditor cannot change
// anything, a cross-site form is refused, and the picking list prints.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the browser tests are slow")
	}
	f := startConsole(t, "en")
	c := startChrome(t, f)

	t.Run("operator answers a prompt", func(t *testing.T) {
		c.t = t
		// Prompts carry their texts in both languages, as the engine's do.
		p, err := f.cat.OpenPrompt(f.ctx, media.Prompt{Kind: "label", Barcode: "DLY020L8", Place: "honcho/shelf",
			Action: "Put the label DLY020L8 on the new cartridge on the shelf", Why: "a new cartridge arrived for pool daily",
			ActionJa: "棚の新しい媒体に DLY020L8 のラベルを貼ってください", WhyJa: "プール daily 用の新しい媒体が届きました"})
		require.NoError(t, err)
		_, err = f.cat.OpenPrompt(f.ctx, media.Prompt{Kind: "clean", Drive: "lto0", Action: "Clean drive lto0 with a cleaning cartridge", Why: "the drive asked for cleaning",
			ActionJa: "クリーニング媒体でドライブ lto0 をクリーニングしてください", WhyJa: "ドライブがクリーニングを要求しました"})
		require.NoError(t, err)
		f.stockLibrary()
		ctx := c.tab()
		c.signIn(ctx, RoleOperator)
		card := fmt.Sprintf("#prompt-%d", p.ID)
		c.do(ctx, chromedp.WaitVisible(chromedp.CSS(card)))
		// The Japanese operator's view, for the screenshot.
		c.do(ctx, chromedp.Click(chromedp.CSS(`form.lang button`)), chromedp.WaitVisible(chromedp.CSS(`html[lang=ja]`)))
		waitText(t, ctx, "h1", "運用状況")
		c.screenshot(ctx, "ops-ja.png")
		c.screenshotOf(ctx, `section[aria-label="lib0"]`, "slots-ja.png")
		c.do(ctx, chromedp.Click(chromedp.CSS(`form.lang button`)), chromedp.WaitVisible(chromedp.CSS(`html[lang=en]`)))

		c.do(ctx, chromedp.Click(chromedp.CSS(card+` form[action$="/done"] button`)))
		waitText(t, ctx, ".notice", fmt.Sprintf("Prompt %d is done.", p.ID))
		assert.False(t, eval[bool](t, ctx, fmt.Sprintf(`!!document.querySelector(%q)`, card)), "the card is gone")
		got, err := f.cat.Prompt(f.ctx, p.ID)
		require.NoError(t, err)
		assert.Equal(t, media.PromptDone, got.State)
		assert.Equal(t, "operator-san", got.ClosedBy)
	})

	t.Run("courier scans on a phone", func(t *testing.T) {
		c.t = t
		m := f.manifest("yamada", "DLY011L8", "DLY012L8", "DLY013L8")
		f.stock("DLY019L8")
		f.courierCode("K7Q2", "4321", "yamada")
		ctx := c.tab()
		c.do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait))
		c.do(ctx,
			chromedp.Navigate(f.srv.URL+"/c/login?manifest="+m.ID),
			chromedp.SendKeys(chromedp.CSS(`input[name=code]`), "K7Q2"),
			chromedp.SendKeys(chromedp.CSS(`input[name=pin]`), "4321"),
			chromedp.Click(chromedp.CSS(`form[action="/c/login"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`#barcode`)),
		)
		assert.Equal(t, f.srv.URL+"/c/m/"+m.ID, eval[string](t, ctx, `location.href`), "a clean URL, no code in it")
		assert.Equal(t, "barcode", eval[string](t, ctx, `document.activeElement.id`), "the scan field has the focus")

		// A wedge scanner types the barcode and Enter.
		wedge := func(barcode, want string) {
			c.do(ctx, chromedp.SendKeys(chromedp.CSS(`#barcode`), barcode+"\r"))
			waitText(t, ctx, "#last", want)
			waitJS(t, ctx, `document.activeElement.id`, "barcode")
		}
		wedge("DLY011L8", "DLY011L8 is on the manifest")
		wedge("DLY019L8", "DLY019L8 is NOT on this manifest")
		wedge("dly012l8", "DLY012L8 is on the manifest")
		assert.Equal(t, "3", eval[string](t, ctx, `document.getElementById("n-expected").textContent`))
		assert.Equal(t, "2", eval[string](t, ctx, `document.getElementById("n-scanned").textContent`))
		assert.Equal(t, "1", eval[string](t, ctx, `document.getElementById("n-problems").textContent`))

		// Every control is a 48 px target.
		small := eval[[]string](t, ctx, `[...document.querySelectorAll("a, button, input:not([type=hidden])")]
			.filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.height < 48 || r.width < 48); })
			.map(e => e.outerHTML.slice(0, 80))`)
		assert.Empty(t, small, "controls smaller than 48 px")
		assert.LessOrEqual(t, eval[int](t, ctx, `document.documentElement.scrollWidth`), 390, "nothing sticks out sideways")
		c.screenshot(ctx, "courier.png")

		// Confirming without a reason for DLY013 is blocked; nothing recorded.
		c.do(ctx, chromedp.Click(chromedp.CSS(`form.confirm button`)))
		time.Sleep(300 * time.Millisecond)
		got, err := f.cat.Manifest(f.ctx, m.ID)
		require.NoError(t, err)
		assert.Equal(t, media.ManifestOpen, got.State)

		c.do(ctx,
			chromedp.SendKeys(chromedp.CSS(`input[name="reason-DLY013L8"]`), "not in the safe when I came"),
			chromedp.Click(chromedp.CSS(`form.confirm button`)),
		)
		waitText(t, ctx, ".notice", "Pick-up recorded")
		got, err = f.cat.Manifest(f.ctx, m.ID)
		require.NoError(t, err)
		assert.Equal(t, media.ManifestInTransit, got.State)
		require.Len(t, got.Discrepancies, 1)
		assert.Equal(t, "DLY013L8", got.Discrepancies[0].Barcode)
	})

	t.Run("courier scans without network", func(t *testing.T) {
		c.t = t
		m := f.manifest("kimura", "DLY041L8", "DLY042L8")
		f.courierCode("Z9Z9", "1111", "kimura")
		ctx := c.tab()
		c.do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait))
		c.do(ctx,
			chromedp.Navigate(f.srv.URL+"/c/login"),
			chromedp.SendKeys(chromedp.CSS(`input[name=code]`), "Z9Z9"),
			chromedp.SendKeys(chromedp.CSS(`input[name=pin]`), "1111"),
			chromedp.Click(chromedp.CSS(`form[action="/c/login"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`#barcode`)),
		)
		network := func(offline bool) {
			var rules []*cdpnetwork.Conditions
			if offline {
				rules = []*cdpnetwork.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}}
			}
			c.do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
				if _, err := chromedp.Call(ctx, cdpnetwork.Enable, cdpnetwork.EnableParams{}); err != nil {
					return err
				}
				if _, err := chromedp.Call(ctx, cdpnetwork.EmulateNetworkConditionsByRule, cdpnetwork.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: rules}); err != nil {
					return err
				}
				_, err := chromedp.Call(ctx, cdpnetwork.OverrideNetworkState, cdpnetwork.OverrideNetworkStateParams{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1})
				return err
			}))
		}
		network(true)
		c.do(ctx, chromedp.SendKeys(chromedp.CSS(`#barcode`), "DLY041L8\r"), chromedp.SendKeys(chromedp.CSS(`#barcode`), "DLY042L8\r"))
		waitText(t, ctx, "#queue", "2 scans wait for the network")
		assert.True(t, eval[bool](t, ctx, `document.querySelector("form.confirm button").disabled`), "no confirmation while scans wait")
		assert.Equal(t, "0", eval[string](t, ctx, `document.getElementById("n-scanned").textContent`))

		network(false)
		waitJS(t, ctx, `document.getElementById("n-scanned").textContent`, "2")
		assert.Equal(t, "0", eval[string](t, ctx, `document.getElementById("n-problems").textContent`), "each scan arrived once")
		assert.False(t, eval[bool](t, ctx, `document.querySelector("form.confirm button").disabled`))
		c.do(ctx, chromedp.Click(chromedp.CSS(`form.confirm button`)))
		waitText(t, ctx, ".notice", "Pick-up recorded")
		got, err := f.cat.Manifest(f.ctx, m.ID)
		require.NoError(t, err)
		assert.Equal(t, media.ManifestInTransit, got.State)
		assert.Empty(t, got.Discrepancies)
	})

	t.Run("auditor cannot POST", func(t *testing.T) {
		c.t = t
		p, err := f.cat.OpenPrompt(f.ctx, media.Prompt{Kind: "label", Barcode: "DLY021L8", Action: "Label DLY021L8"})
		require.NoError(t, err)
		ctx := c.tab()
		c.signIn(ctx, RoleAuditor)
		waitText(t, ctx, "#chain-result", "Verified")
		c.screenshot(ctx, "audit.png")
		actions := eval[[]string](t, ctx, `[...document.querySelectorAll("form[method=post]")].map(f => f.getAttribute("action"))`)
		assert.ElementsMatch(t, []string{"/logout", "/lang"}, actions, "the auditor's page offers no change")
		for _, path := range []string{fmt.Sprintf("/ops/prompts/%d/done", p.ID), "/ops/manifests/from-plan", "/c/m/M-1/confirm"} {
			status := eval[int](t, ctx, fmt.Sprintf(`fetch(%q, {method: "POST", body: new URLSearchParams({note: "x"})}).then(r => r.status)`, path))
			assert.Equal(t, http.StatusForbidden, status, "auditor POST %s", path)
		}
		got, err := f.cat.Prompt(f.ctx, p.ID)
		require.NoError(t, err)
		assert.Equal(t, media.PromptOpen, got.State)
	})

	t.Run("cross-site form refused", func(t *testing.T) {
		c.t = t
		p, err := f.cat.OpenPrompt(f.ctx, media.Prompt{Kind: "label", Barcode: "DLY022L8", Action: "Label DLY022L8"})
		require.NoError(t, err)
		// Another site whose page posts a form to the console at once.
		evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<form id="f" method="post" action="%s/ops/prompts/%d/done"></form><script>document.getElementById("f").submit()</script>`, f.srv.URL, p.ID)
		}))
		defer evil.Close()
		ctx := c.tab()
		c.signIn(ctx, RoleOperator)
		c.do(ctx, chromedp.Navigate(strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)))
		waitText(t, ctx, "body", "sent from another site")
		got, err := f.cat.Prompt(f.ctx, p.ID)
		require.NoError(t, err)
		assert.Equal(t, media.PromptOpen, got.State, "the cross-site form changed nothing")
	})

	t.Run("picking list prints to PDF", func(t *testing.T) {
		c.t = t
		m := f.manifest("", "DLY031L8", "DLY032L8", "DLY033L8")
		ctx := c.tab()
		c.signIn(ctx, RoleOperator)
		c.do(ctx, chromedp.Navigate(f.srv.URL+"/ops/manifests"), chromedp.WaitVisible(chromedp.CSS("#m-"+m.ID)))
		c.do(ctx,
			chromedp.SendKeys(chromedp.CSS("#m-"+m.ID+` input[name=courier]`), "sato"),
			chromedp.Click(chromedp.CSS("#m-"+m.ID+` button`)),
		)
		waitText(t, ctx, ".notice", "courier sato assigned")
		c.screenshot(ctx, "manifests.png")
		c.do(ctx, chromedp.Navigate(f.srv.URL+"/ops/manifests/"+m.ID+"/print"), chromedp.WaitVisible(chromedp.CSS(".qr img")))
		assert.True(t, eval[bool](t, ctx, `document.querySelector(".qr img").naturalWidth > 0`), "the QR code shows")
		c.screenshot(ctx, "picking-list.png")
		yes := true
		pdf, err := chromedp.Run(ctx, chromedp.Action[[]byte](func(ctx context.Context, _ *chromedp.Target) ([]byte, error) {
			res, err := chromedp.Call(ctx, cdppage.PrintToPDF, cdppage.PrintToPDFParams{PreferCSSPageSize: &yes})
			return res.Data, err
		}))
		require.NoError(t, err)
		dir := t.TempDir()
		file := filepath.Join(dir, "picking.pdf")
		require.NoError(t, os.WriteFile(file, pdf, 0o644))
		text := pdfText(t, file)
		for _, b := range []string{"DLY031L8", "DLY032L8", "DLY033L8", m.ID, "sato"} {
			assert.Contains(t, text, b, "the printed picking list")
		}
		info, err := exec.Command("pdfinfo", file).Output()
		require.NoError(t, err)
		assert.Contains(t, string(info), "(A4)")
		assert.NotContains(t, text, "Sign out", "the console's bar is not printed")
	})
}

// pdfText is the text of a PDF, by poppler's pdftotext.
func pdfText(t *testing.T, file string) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is not installed, and CI is set: install poppler-utils")
		}
		t.Skip("pdftotext is not installed (apt-get install poppler-utils): the PDF was not read")
	}
	out, err := exec.Command("pdftotext", "-layout", file, "-").Output()
	require.NoError(t, err)
	return string(out)
}

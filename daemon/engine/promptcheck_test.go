package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/media"
)

// TestPromptDoneChecksWhatItCan answers prompts before their step was
// done: each refusal names the command that does the step and leaves the
// prompt open.
func TestPromptDoneChecksWhatItCan(t *testing.T) {
	h := startDaemon(t, withDemoWorld)
	ctx := context.Background()

	load, err := h.d.openPrompt(ctx, media.Prompt{Kind: "load", Drive: "dat0", Barcode: "DAT001", Action: "Put DAT001 into drive dat0"})
	require.NoError(t, err)
	_, err = h.d.PromptDone(ctx, tester, load.ID, "")
	require.ErrorIs(t, err, ErrConflict)
	assert.ErrorContains(t, err, "drive dat0 is empty: put DAT001 into it first ('tapewarden drive insert dat0 DAT001'")
	assert.NotContains(t, err.Error(), "ejected")
	p, err := h.d.cat.Prompt(ctx, load.ID)
	require.NoError(t, err)
	assert.Equal(t, media.PromptOpen, p.State, "a refused answer leaves the prompt open")

	// The wrong cartridge is in: putting the right one in too says how
	// to take the wrong one out.
	_, err = h.d.Insert(ctx, tester, "dat0", InsertRequest{Barcode: "DAT002"})
	require.NoError(t, err)
	_, err = h.d.Insert(ctx, tester, "dat0", InsertRequest{Barcode: "DAT001"})
	require.ErrorIs(t, err, ErrConflict)
	assert.ErrorContains(t, err, "drive dat0 still holds DAT002: take it out first ('tapewarden drive eject dat0 --to honcho/")
	assert.ErrorContains(t, err, "then 'tapewarden drive insert dat0 DAT001'")
	assert.NotContains(t, err.Error(), ".vtape")
	_, err = h.d.Eject(ctx, tester, "dat0", EjectRequest{To: "honcho/shelf"})
	require.NoError(t, err)
	_, err = h.d.Eject(ctx, tester, "dat0", EjectRequest{To: "honcho/shelf"})
	require.ErrorIs(t, err, ErrConflict)
	assert.EqualError(t, err, "drive dat0 is empty: there is nothing to take out")

	// An export prompt is not done while the cartridge sits in the mail
	// slot.
	export, err := h.d.openPrompt(ctx, media.Prompt{Kind: "export", Barcode: "SCR005L8", Place: "honcho/lib0/mailslot/1", Action: "Take SCR005L8 out of the mail slot"})
	require.NoError(t, err)
	_, err = h.d.PromptDone(ctx, tester, export.ID, "")
	require.ErrorIs(t, err, ErrConflict)
	assert.ErrorContains(t, err, "SCR005L8 is still in mail slot 1 of library lib0: take it out first")
	p, err = h.d.cat.Prompt(ctx, export.ID)
	require.NoError(t, err)
	assert.Equal(t, media.PromptOpen, p.State)

	// Taken out, as asked: the catalog keeps it at the mail slot until
	// someone records where it went, and the answer is taken.
	_, err = h.d.MailSlot(ctx, tester, MailSlotRequest{Library: "lib0", Action: "take", Slot: 1})
	require.NoError(t, err)
	c, err := h.d.cat.Cartridge(ctx, "SCR005L8")
	require.NoError(t, err)
	assert.Equal(t, media.InMailSlot, c.Location.Kind)
	p, err = h.d.PromptDone(ctx, tester, export.ID, "")
	require.NoError(t, err)
	assert.Equal(t, media.PromptDone, p.State)
}

// TestImportPromptClosesWhenTheLibraryImports: an import prompt closes as
// soon as 'library import' has moved its cartridge into a slot.
func TestImportPromptClosesWhenTheLibraryImports(t *testing.T) {
	h := startDaemon(t, withDemoWorld)
	ctx := context.Background()
	imp, err := h.d.openPrompt(ctx, media.Prompt{Kind: "import", Barcode: "SCR005L8", Place: "honcho/lib0/mailslot/1", Action: "Put SCR005L8 into the library"})
	require.NoError(t, err)
	_, _, err = h.d.Import(ctx, tester, "lib0")
	require.NoError(t, err)
	p, err := h.d.cat.Prompt(ctx, imp.ID)
	require.NoError(t, err)
	assert.Equal(t, media.PromptDone, p.State)
	assert.Contains(t, p.Note, "SCR005L8 is at honcho/lib0/slot/")
}

// TestCleaningPromptAnsweredWithoutCleaningAsksAgain: a person answers a
// cleaning prompt without cleaning; a follow-up prompt says what was seen.
func TestCleaningPromptAnsweredWithoutCleaningAsksAgain(t *testing.T) {
	h := startDaemon(t, withDemoWorld)
	w := &world{t: t, h: h, ctx: context.Background()}
	ctx := w.ctx
	h.d.dev.drives["dat0"].virtual.RequestCleaning(true)
	h.d.maintain(ctx)
	openClean := func(except int64) (media.Prompt, bool) {
		open, _ := h.d.cat.Prompts(ctx, false)
		for _, x := range open {
			if x.Kind == "clean" && x.ID != except {
				return x, true
			}
		}
		return media.Prompt{}, false
	}
	var first media.Prompt
	w.waitFor("the cleaning prompt", func() bool { var ok bool; first, ok = openClean(0); return ok })
	assert.Contains(t, first.Action, "'tapewarden drive insert dat0 CLNDAT01'")
	_, err := h.d.PromptDone(ctx, operatorActor, first.ID, "")
	require.NoError(t, err)
	var next media.Prompt
	w.waitFor("a follow-up prompt", func() bool { var ok bool; next, ok = openClean(first.ID); return ok })
	assert.Contains(t, next.Why, "after prompt")
	assert.Contains(t, next.Why, "the drive was not cleaned")
	assert.Equal(t, first.Action, next.Action)
}

// TestPickupOfACartridgeStillInTheMailSlotIsRefused: the courier cannot
// have a cartridge the library still holds in its mail slot.
func TestPickupOfACartridgeStillInTheMailSlotIsRefused(t *testing.T) {
	h := startDaemon(t, withDemoWorld)
	ctx := context.Background()
	m, err := h.d.cat.CreateManifest(ctx, tester, media.NewManifest{Destination: "hill-annex", Barcodes: []string{"SCR005L8"}})
	require.NoError(t, err)
	before, err := h.d.cat.Events(ctx, media.EventFilter{Limit: 1})
	require.NoError(t, err)
	_, err = h.d.Pickup(ctx, tester, m.ID, media.Handover{Courier: "Yamato", Barcodes: []string{"SCR005L8"}})
	require.ErrorIs(t, err, ErrConflict)
	assert.ErrorContains(t, err, "SCR005L8 is still in mail slot 1 of library lib0: take it out ('tapewarden library mailslot take 1'")
	after, err := h.d.cat.Events(ctx, media.EventFilter{Limit: 1})
	require.NoError(t, err)
	assert.Equal(t, before[0].ID, after[0].ID, "a refused pick-up records nothing")

	_, err = h.d.MailSlot(ctx, tester, MailSlotRequest{Action: "take", Slot: 1})
	require.NoError(t, err)
	got, err := h.d.Pickup(ctx, tester, m.ID, media.Handover{Courier: "Yamato", Barcodes: []string{"SCR005L8"}})
	require.NoError(t, err)
	assert.Equal(t, media.ManifestInTransit, got.State)
}

// TestALoadIsOneLogLineUnderTheConfiguredNames: loading and unloading a
// library drive logs one line each, naming the drive as the configuration
// does; a standalone drive's name appears once per line.
func TestALoadIsOneLogLineUnderTheConfiguredNames(t *testing.T) {
	h := startDaemon(t, withDemoWorld)
	ctx := context.Background()
	mark := len(h.log.String())
	_, err := h.d.Load(ctx, tester, LoadRequest{Drive: "lto0", Barcode: "SCR001L8"})
	require.NoError(t, err)
	_, err = h.d.Unload(ctx, tester, UnloadRequest{Drive: "lto0"})
	require.NoError(t, err)
	_, err = h.d.Insert(ctx, tester, "dat0", InsertRequest{Barcode: "DAT002"})
	require.NoError(t, err)
	logged := h.log.String()[mark:]
	var about []string
	for _, line := range strings.Split(logged, "\n") {
		if strings.Contains(line, "SCR001L8") && strings.Contains(line, "level=INFO") {
			about = append(about, line)
		}
		assert.NotContains(t, line, "drive=drive0", "a drive is named as the configuration names it")
		assert.LessOrEqual(t, strings.Count(line, "drive=dat0"), 1, line)
	}
	require.Len(t, about, 2, "one line for the load and one for the unload:\n%s", logged)
	assert.Contains(t, about[0], `msg="cartridge loaded" library=lib0 drive=lto0 from=slot/11`)
	assert.Contains(t, about[1], `msg="cartridge unloaded" library=lib0 drive=lto0 to=slot/11`)
}

// TestMailSlotsAreNamedAsPeopleKnowThem: a mail slot is mailslot/N in
// events and "mail slot N" in sentences, never the changer's slot number.
func TestMailSlotsAreNamedAsPeopleKnowThem(t *testing.T) {
	l := &library{cfg: &config.LibraryConfig{Name: "lib0", Slots: 24, MailSlots: 2}}
	assert.Equal(t, "slot/3", l.slotName(3))
	assert.Equal(t, "mailslot/1", l.slotName(25))
	assert.Equal(t, "mailslot/2", l.slotName(26))
	assert.Equal(t, "slot 24", l.slotWords(24))
	assert.Equal(t, "mail slot 1", l.slotWords(25))
}

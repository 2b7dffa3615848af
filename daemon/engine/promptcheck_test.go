package engine

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	assert.Contains(t, next.Note, "after prompt")
	assert.Contains(t, next.Note, "the drive was not cleaned")
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

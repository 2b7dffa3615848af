package engine

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"
)

// TestLoadPromptClosesWhenTheDriveSeesTheCartridge: a person who puts
// the cartridge a load prompt asks for into the drive answers nothing;
// the drive reporting it loaded answers the prompt, and the run goes on
// to read it (the new DAT001 is blank: it asks for its label). A person
// who answers after the drive did is not told off.
func TestLoadPromptClosesWhenTheDriveSeesTheCartridge(t *testing.T) {
	h := startDaemon(t, withDemoWorld)
	w := &world{t: t, h: h, ctx: context.Background()}
	ctx := w.ctx
	openKind := func(kind string) (media.Prompt, bool) {
		ps, _ := h.d.cat.Prompts(ctx, false)
		for _, p := range ps {
			if p.Kind == kind {
				return p, true
			}
		}
		return media.Prompt{}, false
	}

	run, err := h.d.StartRun(ctx, "website-weekly", "manual", time.Time{})
	require.NoError(t, err)
	var load media.Prompt
	w.waitFor("a load prompt", func() bool { var ok bool; load, ok = openKind("load"); return ok })

	ins, err := h.d.Insert(ctx, tester, "dat0", InsertRequest{Barcode: load.Barcode})
	require.NoError(t, err)
	assert.Contains(t, ins.Note, "once the drive reports it loaded", "the person is told no answer is needed")

	w.waitFor("the load prompt answered for the drive", func() bool {
		p, err := h.d.cat.Prompt(ctx, load.ID)
		return err == nil && p.State != media.PromptOpen
	})
	closed, err := h.d.cat.Prompt(ctx, load.ID)
	require.NoError(t, err)
	assert.Equal(t, media.PromptDone, closed.State)
	assert.Equal(t, media.System.Name, closed.ClosedBy)
	assert.Equal(t, sawLoadedNote, closed.Note)
	w.waitFor("the label prompt for the blank cartridge", func() bool { _, ok := openKind("label"); return ok })

	again, err := h.d.PromptDone(ctx, operatorActor, load.ID, "")
	require.NoError(t, err, "answering what the drive already answered is no mistake")
	assert.Equal(t, media.System.Name, again.ClosedBy)

	_, err = h.d.CancelRun(ctx, tester, run.ID)
	require.NoError(t, err)
}

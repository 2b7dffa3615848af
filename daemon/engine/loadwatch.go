package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/tapewarden/tapewarden/media"
)

// loadPoll is how often a drive waiting for a person is asked whether a
// cartridge is in: a person who puts the right one in needs to answer
// nothing.
const loadPoll = 5 * time.Second

// sawLoadedNote is the answer tapewarden gives for a person who loaded a
// drive: the drive itself said so.
const sawLoadedNote = "the drive reported a cartridge loaded"

// loaded reports whether drv holds a medium ready to read: ONLINE in the
// st driver's status (GMT_ONLINE), a mounted disk for a directory drive.
func loaded(ctx context.Context, drv *drive) bool {
	if drv.virtual != nil {
		st := drv.virtual.State()
		return st.Cartridge != "" && st.Loaded
	}
	h, err := drv.open()
	if err != nil {
		return false
	}
	defer func() { _ = h.Close() }() // a status read: nothing written to lose
	st, err := h.Status(ctx)
	return err == nil && st.Online
}

// watchLoad answers load prompt p when drv reports a cartridge loaded
// that was not there when the prompt opened: a drive that held one then
// (mustEmpty, read before the prompt showed) must be seen empty first,
// so the cartridge asked to be taken out does not answer for the one
// asked to be put in. What is in the drive is then read as after any
// answer, and a wrong one is asked about again. stop ends the watch and
// waits for it.
func (d *Engine) watchLoad(ctx context.Context, p media.Prompt, drv *drive, mustEmpty bool) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case <-d.clock.After(loadPoll):
			}
			switch in := loaded(ctx, drv); {
			case !in:
				mustEmpty = false
			case !mustEmpty:
				if _, err := d.PromptDone(ctx, media.System, p.ID, sawLoadedNote); err != nil && !errors.Is(err, media.ErrPromptClosed) && ctx.Err() == nil {
					d.log.Warn("answer a load prompt for the drive", "prompt", p.ID, "drive", drv.cfg.Name, "err", err)
					continue
				}
				return
			}
		}
	}()
	return func() { cancel(); wg.Wait() }
}

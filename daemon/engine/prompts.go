package engine

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/tapewarden/tapewarden/media"
)

// promptWaiters lets a run wait for a person to answer a prompt without
// polling anything: closing a prompt wakes whoever waits on it.
type promptWaiters struct {
	mu      sync.Mutex
	waiting map[int64]chan media.Prompt
}

func (w *promptWaiters) register(id int64) chan media.Prompt {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.waiting == nil {
		w.waiting = map[int64]chan media.Prompt{}
	}
	ch := make(chan media.Prompt, 1)
	w.waiting[id] = ch
	return ch
}

func (w *promptWaiters) forget(id int64) {
	w.mu.Lock()
	delete(w.waiting, id)
	w.mu.Unlock()
}

func (w *promptWaiters) wake(p media.Prompt) {
	w.mu.Lock()
	ch, ok := w.waiting[p.ID]
	delete(w.waiting, p.ID)
	w.mu.Unlock()
	if ok {
		ch <- p
	}
}

// openPrompt records a prompt and runs the configured notification command
// for it.
func (d *Engine) openPrompt(ctx context.Context, p media.Prompt) (media.Prompt, error) {
	p, err := d.cat.OpenPrompt(ctx, p)
	if err != nil {
		return p, err
	}
	d.classifyPrompt(ctx, &p)
	d.log.Info("prompt", "id", p.ID, "kind", p.Kind, "action", p.Action, "place", p.Place, "why", p.Why, "class", p.Label())
	d.notify(p, false, false)
	return p, nil
}

// classifyPrompt fills in the handling class of the prompt's cartridge;
// a prompt whose class cannot be read still goes out, and the log says
// why it has none.
func (d *Engine) classifyPrompt(ctx context.Context, p *media.Prompt) {
	if p.Barcode == "" {
		return
	}
	classes, err := d.cat.HandlingClasses(ctx, []string{p.Barcode}, d.cfg.HandlingClass)
	if err != nil {
		d.log.Error("read the handling class of a prompt's cartridge", "prompt", p.ID, "barcode", p.Barcode, "err", err)
		return
	}
	p.Handling = classes[p.Barcode]
}

// openPromptLogged is openPrompt where the caller cannot fail (housekeeping,
// the end of a run whose data is already written): a prompt the catalog
// would not record is logged at ERROR with what it asked, so nobody waits for
// an instruction that was never shown.
func (d *Engine) openPromptLogged(ctx context.Context, p media.Prompt) {
	if _, err := d.openPrompt(ctx, p); err != nil {
		d.log.Error("open a prompt", "kind", p.Kind, "barcode", p.Barcode, "action", p.Action, "err", err)
	}
}

// PromptDone is a person saying they did what a prompt asked.
func (d *Engine) PromptDone(ctx context.Context, actor media.Actor, id int64, note string) (media.Prompt, error) {
	if open, err := d.cat.Prompt(ctx, id); err == nil && open.State == media.PromptOpen {
		if err := d.checkPromptDone(ctx, open); err != nil {
			return open, err
		}
	}
	p, err := d.cat.ClosePrompt(ctx, actor, id, media.PromptDone, note)
	if errors.Is(err, media.ErrPromptClosed) {
		// The drive said it was loaded before the person answered: their
		// answer agrees with it, and is no mistake.
		if closed, cerr := d.cat.Prompt(ctx, id); cerr == nil && closed.State == media.PromptDone && closed.ClosedBy == media.System.Name && closed.Note == sawLoadedNote {
			return closed, nil
		}
	}
	if err != nil {
		return p, err
	}
	d.prompts.wake(p)
	return p, nil
}

// checkPromptDone checks what can be checked before a prompt is answered
// as done: an exported cartridge is no longer in the mail slot, and a
// virtual drive asked to be loaded holds a cartridge it has not ejected.
// A refusal says what is still to do and changes nothing.
func (d *Engine) checkPromptDone(ctx context.Context, p media.Prompt) error {
	switch p.Kind {
	case "export":
		c, err := d.cat.Cartridge(ctx, p.Barcode)
		if err != nil || c.Location.Kind != media.InMailSlot || !d.mailSlotFull(ctx, c.Location) {
			return nil
		}
		return conflict("%s is still in mail slot %d of library %s: take it out first (the virtual library: 'tapewarden library mailslot take %d'), then 'tapewarden prompt done %d'",
			c.Barcode, c.Location.Slot, c.Location.Place, c.Location.Slot, p.ID)
	case "load":
		drv, err := d.dev.drive(p.Drive)
		if err != nil || drv.virtual == nil {
			return nil
		}
		st := drv.virtual.State()
		switch {
		case st.Cartridge == "":
			return conflict("drive %s is empty: put %s into it first ('tapewarden drive insert %s %s' for the virtual drive), then 'tapewarden prompt done %d'",
				drv.cfg.Name, p.Barcode, drv.cfg.Name, p.Barcode, p.ID)
		case !st.Loaded:
			home := d.cfg.Site(drv.cfg.Site)
			to := drv.cfg.Site + "/" + home.Places[0].Name
			if c, ok := d.cartridgeIn(ctx, drv); ok {
				to = d.homePlace(ctx, c.Barcode, drv).String()
			}
			return conflict("drive %s still holds the cartridge it ejected: take it out ('tapewarden drive eject %s --to %s'), put %s in ('tapewarden drive insert %s %s'), then 'tapewarden prompt done %d'",
				drv.cfg.Name, drv.cfg.Name, to, p.Barcode, drv.cfg.Name, p.Barcode, p.ID)
		}
	}
	return nil
}

// mailSlotFull reports whether the library says mail slot at holds a
// cartridge: the catalog keeps a cartridge taken out of a mail slot there
// until someone records where it went, but the person has done what the
// prompt asked. A library that cannot be asked counts as full.
func (d *Engine) mailSlotFull(ctx context.Context, at media.Location) bool {
	l, err := d.dev.library(at.Place)
	if err != nil {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	inv, err := l.changer.Inventory(ctx)
	if err != nil {
		return true
	}
	s, ok := inv.Slot(l.changerSlot(at.Slot))
	return !ok || s.Full
}

// PromptCancel withdraws a prompt; a run waiting on it fails.
func (d *Engine) PromptCancel(ctx context.Context, actor media.Actor, id int64, note string) (media.Prompt, error) {
	if note == "" {
		note = "withdrawn by " + actor.Name
	}
	p, err := d.cat.ClosePrompt(ctx, actor, id, media.PromptCancelled, note)
	if err != nil {
		return p, err
	}
	d.prompts.wake(p)
	return p, nil
}

// notify runs the prompt command (and the escalation command) for a new
// prompt or a reminder. It runs in the background: a slow mail server must
// not hold up a backup. The command's output goes to the log.
func (d *Engine) notify(p media.Prompt, reminder, escalated bool) {
	cmds := [][]string{}
	if len(d.cfg.Prompts.Command) > 0 {
		cmds = append(cmds, d.cfg.Prompts.Command)
	}
	if escalated && len(d.cfg.Prompts.EscalateCommand) > 0 {
		cmds = append(cmds, d.cfg.Prompts.EscalateCommand)
	}
	if len(cmds) == 0 {
		return
	}
	age := d.now().Sub(p.CreatedAt)
	env := append(os.Environ(),
		"TAPEWARDEN_PROMPT_ID="+strconv.FormatInt(p.ID, 10),
		"TAPEWARDEN_PROMPT_KIND="+p.Kind,
		"TAPEWARDEN_PROMPT_ACTION="+p.Action,
		"TAPEWARDEN_PROMPT_PLACE="+p.Place,
		"TAPEWARDEN_PROMPT_WHY="+p.Why,
		"TAPEWARDEN_PROMPT_BARCODE="+p.Barcode,
		"TAPEWARDEN_PROMPT_DRIVE="+p.Drive,
		"TAPEWARDEN_PROMPT_MANIFEST="+p.Manifest,
		"TAPEWARDEN_PROMPT_RUN="+strconv.FormatInt(p.Run, 10),
		"TAPEWARDEN_PROMPT_AGE_SECONDS="+strconv.FormatInt(int64(age.Seconds()), 10),
		"TAPEWARDEN_PROMPT_REMINDER="+boolDigit(reminder),
		"TAPEWARDEN_PROMPT_ESCALATED="+boolDigit(escalated),
		"TAPEWARDEN_PROMPT_CONFIDENTIALITY="+strconv.Itoa(p.Confidentiality),
		"TAPEWARDEN_PROMPT_INTEGRITY="+strconv.Itoa(p.Integrity),
		"TAPEWARDEN_PROMPT_CLASS="+p.Label(),
		"TAPEWARDEN_PROMPT_TEXT="+promptText(p, d.japanese()),
		"TAPEWARDEN_PROMPT_TEXT_EN="+promptText(p, false),
	)
	for _, argv := range cmds {
		d.bg.Add(1)
		go func() {
			defer d.bg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
			cmd.Env = env
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			if err != nil {
				d.log.Error("prompt command failed", "prompt", p.ID, "command", argv[0], "err", err, "output", out.String())
				return
			}
			d.log.Info("prompt command ran", "prompt", p.ID, "command", argv[0], "reminder", reminder, "escalated", escalated)
		}()
	}
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// promptText is a prompt in one line for people, in Japanese when ja is
// true and the prompt has its Japanese texts, else in English.
func promptText(p media.Prompt, ja bool) string {
	pr := enText
	if ja && p.ActionJa != "" {
		pr = jaText
	}
	action, why := p.Texts(pr == jaText)
	s := pr.T("prompt.text.head", strconv.FormatInt(p.ID, 10))
	if class := classText(p.Handling); class.en != "" {
		s += " [" + pick(class, pr) + "]"
	}
	s += " " + action
	if p.Place != "" {
		s += pr.T("prompt.text.at", PlaceText(pr, p.Place))
	}
	if why != "" {
		s += pr.T("prompt.text.why", why)
	}
	return s + pr.T("prompt.text.done", strconv.FormatInt(p.ID, 10))
}

// remind sends reminders for open prompts whose last notice is older than
// the reminder interval, escalated once they are older than the escalation
// age. It is called by the daemon's maintenance loop.
func (d *Engine) remind(ctx context.Context) {
	open, err := d.cat.Prompts(ctx, false)
	if err != nil {
		d.log.Error("read prompts", "err", err)
		return
	}
	now := d.now()
	every, escalate := d.cfg.Prompts.RemindEvery.D(), d.cfg.Prompts.EscalateAfter.D()
	for _, p := range open {
		last := p.LastNoticeAt
		if last.IsZero() {
			last = p.CreatedAt
		}
		if now.Sub(last) < every {
			continue
		}
		escalated := now.Sub(p.CreatedAt) >= escalate
		if err := d.cat.NotePromptNotice(ctx, p.ID, true, escalated); err != nil {
			d.log.Error("note prompt reminder", "prompt", p.ID, "err", err)
			continue
		}
		d.classifyPrompt(ctx, &p)
		d.log.Warn("prompt still open", "id", p.ID, "action", p.Action, "age", now.Sub(p.CreatedAt).Round(time.Second), "escalated", escalated)
		d.notify(p, true, escalated)
	}
}

package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/daemon/i18n"
	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/engine"
	"github.com/tapewarden/tapewarden/daemon/report"
)

// opsData is the operator's page.
type opsData struct {
	CanAct    bool
	Prompts   []promptCard
	Runs      []runRow
	Waiting   []waitingRow
	Drives    []driveRow
	Libraries []libraryMap
	SwapDate  time.Time
	Swap      report.SwapList
	SwapError string
}

// promptCard is an open prompt as a card: what, and by when.
type promptCard struct {
	P             media.Prompt
	What          string
	Where         string // the place, and the drive when the place does not name it
	Action, Why   string // in the page's language
	Escalated     bool
	DeadlineLabel string
	Deadline      time.Time
}

// runRow is a run in progress, what it is doing in the page's language,
// and the open prompts it waits for, which the page words itself.
type runRow struct {
	engine.ActiveRun
	Doing   string
	Prompts []promptCard
}

// driveRow is a drive with its last TapeAlert, and what holds it in the
// page's language.
type driveRow struct {
	engine.DriveInfo
	Held  string
	Alert string
}

// waitingRow is a request queued for a drive, in the page's language.
type waitingRow struct {
	Who, Why string
	Since    time.Time
}

// libraryMap is a library's slots, drives and mail slots as the catalog
// has them.
type libraryMap struct {
	Name, Site string
	Slots      []slotCell
	Drives     []driveRow
	Mail       []slotCell
}

// slotCell is a slot and the cartridge in it: its pool and the newest
// generation it holds.
type slotCell struct {
	N                         int
	Barcode, Pool, Generation string
	Cleaning, Expired         bool
}

// opsPage is the operator's home: open prompts first, then runs, drives,
// slot maps and today's swap list. It refreshes itself.
func (c *console) opsPage(q *request) error {
	ctx := q.r.Context()
	ja := q.p.Lang() == i18n.Japanese
	data := opsData{CanAct: q.actor.Role == RoleAdmin || q.actor.Role == RoleOperator}
	for _, w := range c.eng.Waiting() {
		who, why := w.Texts(ja)
		data.Waiting = append(data.Waiting, waitingRow{Who: who, Why: why, Since: w.Since})
	}
	prompts, err := c.cat.Prompts(ctx, false)
	if err != nil {
		return err
	}
	if err := c.report.ClassifyPrompts(ctx, prompts); err != nil {
		return err
	}
	for _, p := range prompts {
		data.Prompts = append(data.Prompts, c.card(q, p))
	}
	for _, r := range c.eng.ActiveRuns() {
		row := runRow{ActiveRun: r, Doing: r.DetailText(ja)}
		for _, card := range data.Prompts {
			if card.P.Run == r.ID {
				row.Prompts = append(row.Prompts, card)
			}
		}
		data.Runs = append(data.Runs, row)
	}
	for _, d := range c.eng.Drives(ctx) {
		row := driveRow{DriveInfo: d, Held: d.BusyText(ja)}
		if evs, err := c.cat.DriveEvents(ctx, d.Name, 20); err == nil {
			for _, e := range evs {
				if e.Kind == "tapealert" {
					row.Alert = e.Detail
					if q.p.Has(fmt.Sprintf("tapealert.%d", e.Flag)) {
						row.Alert = fmt.Sprintf("%d: %s", e.Flag, q.p.T(fmt.Sprintf("tapealert.%d", e.Flag)))
					}
					break
				}
			}
		}
		data.Drives = append(data.Drives, row)
	}
	if data.Libraries, err = c.libraries(q, data.Drives); err != nil {
		return err
	}
	data.SwapDate = c.eng.Now()
	if data.Swap, err = c.report.SwapList(ctx, q.p.Lang(), "", ""); err != nil {
		data.SwapError = err.Error()
	}
	c.render(q, http.StatusOK, "ops.html", page{Title: q.p.T("ops.title"), Refresh: 30, Data: data, Notice: noticeOf(q)})
	return nil
}

// card words a prompt for the operator: the kind, what to do and why in
// the page's language (English for a prompt opened before the catalog
// kept Japanese), and the deadline (a run waiting for a load fails then;
// others escalate).
func (c *console) card(q *request, p media.Prompt) promptCard {
	action, why := p.Texts(q.p.Lang() == i18n.Japanese)
	card := promptCard{P: p, What: q.p.T("prompt.kind." + p.Kind), Where: promptWhere(q.p, p), Action: action, Why: why, Escalated: p.Escalated,
		DeadlineLabel: q.p.T("ops.escalates"), Deadline: p.CreatedAt.Add(time.Duration(c.cfg.Prompts.EscalateAfter))}
	if !q.p.Has("prompt.kind." + p.Kind) {
		card.What = p.Kind
	}
	if p.Kind == "load" && p.Run != 0 {
		card.DeadlineLabel, card.Deadline = q.p.T("ops.run_fails"), p.CreatedAt.Add(time.Duration(c.cfg.Prompts.LoadTimeout))
	}
	return card
}

// promptWhere is where a prompt's work is, in the page's language: its
// place, then its drive unless the place is the drive
// ("honcho/drive/dat0").
func promptWhere(pr *i18n.Printer, p media.Prompt) string {
	named := slices.Contains(strings.FieldsFunc(p.Place, func(r rune) bool { return r == ' ' || r == '/' }), p.Drive)
	place := engine.PlaceText(pr, p.Place)
	switch {
	case p.Place != "" && p.Drive != "" && !named:
		return place + " → " + p.Drive
	case p.Place != "":
		return place
	}
	return p.Drive
}

// libraries maps each configured library's slots, drives and mail slots
// from the catalog, each cartridge with its pool and newest generation.
func (c *console) libraries(q *request, drives []driveRow) ([]libraryMap, error) {
	ctx := q.r.Context()
	pools := make([]string, 0, len(c.cfg.Pools))
	for _, p := range c.cfg.Pools {
		pools = append(pools, p.Name)
	}
	gens, err := c.cat.Generations(ctx, pools)
	if err != nil {
		return nil, err
	}
	newest := map[string]string{} // barcode → generation; gens are oldest first
	for _, g := range gens {
		newest[g.Barcode] = g.Generation
	}
	var out []libraryMap
	for _, l := range c.cfg.Libraries {
		m := libraryMap{Name: l.Name, Site: l.Site, Slots: make([]slotCell, l.Slots), Mail: make([]slotCell, l.MailSlots)}
		for _, d := range drives {
			if d.Library == l.Name {
				m.Drives = append(m.Drives, d)
			}
		}
		for i := range m.Slots {
			m.Slots[i].N = i + 1
		}
		for i := range m.Mail {
			m.Mail[i].N = i + 1
		}
		carts, err := c.cat.Cartridges(ctx, media.Filter{Site: l.Site, Place: l.Name})
		if err != nil {
			return nil, err
		}
		for _, ct := range carts {
			cell := slotCell{N: ct.Location.Slot, Barcode: ct.Barcode, Pool: ct.Pool, Generation: newest[ct.Barcode], Cleaning: ct.UsesLeft != nil,
				Expired: ct.State == media.Retired || (ct.UsesLeft != nil && *ct.UsesLeft <= 0)}
			switch {
			case ct.Location.Kind == media.InSlot && ct.Location.Slot >= 1 && ct.Location.Slot <= len(m.Slots):
				m.Slots[ct.Location.Slot-1] = cell
			case ct.Location.Kind == media.InMailSlot && ct.Location.Slot >= 1 && ct.Location.Slot <= len(m.Mail):
				m.Mail[ct.Location.Slot-1] = cell
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// promptID reads the prompt named by the path.
func promptID(q *request) (int64, error) {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%w: %s", errInput, q.p.T("err.prompt_number", q.r.PathValue("id")))
	}
	return id, nil
}

// promptDone: the operator did what the prompt asked.
func (c *console) promptDone(q *request) error {
	id, err := promptID(q)
	if err != nil {
		return err
	}
	if _, err := c.eng.PromptDone(q.r.Context(), q.actor, id, strings.TrimSpace(q.r.PostForm.Get("note"))); err != nil {
		return err
	}
	return seeOther(q, "/ops?done="+strconv.FormatInt(id, 10))
}

// promptCant: the operator cannot do it, and says why.
func (c *console) promptCant(q *request) error {
	id, err := promptID(q)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(q.r.PostForm.Get("reason"))
	if reason == "" {
		return fmt.Errorf("%w: %s", errInput, q.p.T("ops.cant_needs_reason"))
	}
	if _, err := c.eng.PromptCancel(q.r.Context(), q.actor, id, reason); err != nil {
		return err
	}
	return seeOther(q, "/ops?cant="+strconv.FormatInt(id, 10))
}

// noticeOf words what the last POST did, from the query it redirected to.
func noticeOf(q *request) string {
	v := q.r.URL.Query()
	switch {
	case v.Get("done") != "":
		return q.p.T("notice.prompt_done", v.Get("done"))
	case v.Get("cant") != "":
		return q.p.T("notice.prompt_cant", v.Get("cant"))
	}
	return ""
}

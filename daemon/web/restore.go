package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/engine"
)

type restoreData struct {
	Systems    []string
	System     string
	Generation string
	// Generations are the system's generations with a succeeded run,
	// newest first, to choose from.
	Generations []string
	Pattern     string
	Listing     *engine.ListResult
	ListError   string
	Dirs        []string
	Operations  []media.Operation
	Watching    int64
}

// restorePage chooses a system, a generation and paths from the file
// index, and follows the restores in progress.
func (c *console) restorePage(q *request) error {
	ctx := q.r.Context()
	v := q.r.URL.Query()
	var err error
	data := restoreData{System: strings.TrimSpace(v.Get("system")), Generation: strings.TrimSpace(v.Get("generation")),
		Pattern: strings.TrimSpace(v.Get("pattern")), Dirs: c.cfg.API.RestoreDirs}
	for _, s := range c.cfg.Systems {
		data.Systems = append(data.Systems, s.Name)
	}
	if data.System != "" {
		if data.Generations, err = c.generations(q, data.System); err != nil {
			return err
		}
		if data.Generation != "" && !slices.Contains(data.Generations, data.Generation) {
			data.Generations = append([]string{data.Generation}, data.Generations...)
		}
		res, err := c.eng.ListMembers(ctx, engine.ListRequest{System: data.System, Generation: data.Generation, Pattern: data.Pattern, Limit: 200})
		if err != nil {
			data.ListError = err.Error()
		} else {
			data.Listing = &res
		}
	}
	if data.Operations, err = c.eng.Operations(ctx, media.OperationFilter{Kinds: restoreKinds, Limit: 20}); err != nil {
		return err
	}
	refresh := 0
	for _, op := range data.Operations {
		if op.State == media.OperationRunning && data.System == "" {
			refresh = 10
		}
	}
	data.Watching, _ = strconv.ParseInt(v.Get("op"), 10, 64)
	c.render(q, http.StatusOK, "restore.html", page{Title: q.p.T("restore.title"), Data: data, Refresh: refresh})
	return nil
}

// restoreKinds are the operations the restore and audit pages follow:
// restores, restore drills and site-loss drills.
var restoreKinds = []string{engine.OpRestore, engine.OpDrill, engine.OpSiteLossDrill}

// generationChoices is how many generations the restore page offers per
// job; older ones are typed into the generation field of the CLI.
const generationChoices = 60

// generations are a system's generations with a succeeded run, newest
// first, each once.
func (c *console) generations(q *request, system string) ([]string, error) {
	type gen struct {
		id  string
		end time.Time
	}
	seen := map[string]time.Time{}
	for _, j := range c.cfg.Jobs {
		if j.System != system {
			continue
		}
		runs, err := c.cat.Runs(q.r.Context(), media.RunFilter{Job: j.Name, State: media.RunSucceeded, Limit: generationChoices})
		if err != nil {
			return nil, err
		}
		for _, r := range runs {
			if r.Generation != "" && r.FinishedAt.After(seen[r.Generation]) {
				seen[r.Generation] = r.FinishedAt
			}
		}
	}
	gens := make([]gen, 0, len(seen))
	for id, end := range seen {
		gens = append(gens, gen{id, end})
	}
	slices.SortFunc(gens, func(a, b gen) int {
		if c := b.end.Compare(a.end); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	out := make([]string, 0, len(gens))
	for _, g := range gens {
		out = append(out, g.id)
	}
	return out, nil
}

// startRestore starts a restore of the chosen paths into one of the
// configured restore directories.
func (c *console) startRestore(q *request) error {
	f := q.r.PostForm
	to := f.Get("to")
	if len(c.cfg.API.RestoreDirs) == 0 {
		return fmt.Errorf("%w: %s", errNotSetUp, q.p.T("restore.no_dirs"))
	}
	if !slices.Contains(c.cfg.API.RestoreDirs, to) {
		return fmt.Errorf("%w: %s", errInput, q.p.T("restore.pick_dir", strings.Join(c.cfg.API.RestoreDirs, " ")))
	}
	req := engine.RestoreRequest{System: strings.TrimSpace(f.Get("system")), Generation: strings.TrimSpace(f.Get("generation")),
		Paths: f["path"], To: to, Note: strings.TrimSpace(f.Get("note"))}
	if req.System == "" {
		return fmt.Errorf("%w: %s", errInput, q.p.T("restore.pick_system"))
	}
	op, err := c.eng.StartRestore(q.r.Context(), q.actor, req)
	if err != nil {
		return err
	}
	return seeOther(q, "/ops/restore?op="+strconv.FormatInt(op.ID, 10))
}

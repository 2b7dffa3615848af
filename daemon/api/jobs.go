package api

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/auth"
	"github.com/tapewarden/tapewarden/daemon/engine"
)

func (d *Server) apiJobs(r *http.Request, _ media.Actor) (any, error) {
	return d.eng.Jobs(r.Context())
}

// RunRequest is the body of POST /v1/jobs/{name}/run.
type RunRequest struct {
	// Wait holds the request open until the run has finished. Kept for
	// scripts that use it; a run can take hours, so clients should take
	// the answer at once and follow GET /v1/runs/{id} (as the CLI's
	// --wait does).
	Wait bool `json:"wait,omitempty"`
}

func (d *Server) apiJobRun(r *http.Request, actor media.Actor) (any, error) {
	var req RunRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	run, err := d.eng.StartRun(r.Context(), r.PathValue("name"), "manual by "+actor.Name, time.Time{})
	if err != nil {
		return nil, err
	}
	if req.Wait {
		return d.eng.WaitRun(r.Context(), run.ID)
	}
	return run, nil
}

func (d *Server) apiRuns(r *http.Request, _ media.Actor) (any, error) {
	limit, err := queryInt(r, "limit", 50)
	if err != nil {
		return nil, err
	}
	job := r.URL.Query().Get("job")
	if job != "" && d.cfg.Job(job) == nil {
		return nil, notFoundf("no job %q is configured", job)
	}
	runs, err := d.cat.Runs(r.Context(), media.RunFilter{Job: job, Limit: limit})
	if err != nil {
		return nil, err
	}
	if runs == nil {
		runs = []media.Run{}
	}
	return runs, nil
}

// pathID reads the {id} of a path naming a run or a prompt (what).
func pathID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, badRequest("%s ID %q is not a number", what, r.PathValue("id"))
	}
	return id, nil
}

func (d *Server) apiRunShow(r *http.Request, _ media.Actor) (any, error) {
	id, err := pathID(r, "run")
	if err != nil {
		return nil, err
	}
	run, err := d.eng.RunOf(r.Context(), id)
	if err == nil && !run.State.Finished() {
		run.Log = media.RunLog(d.eng.LiveLog(id))
	}
	return run, err
}

func (d *Server) apiRunCancel(r *http.Request, actor media.Actor) (any, error) {
	id, err := pathID(r, "run")
	if err != nil {
		return nil, err
	}
	return d.eng.CancelRun(r.Context(), actor, id)
}

func (d *Server) apiPrompts(r *http.Request, _ media.Actor) (any, error) {
	list, err := d.cat.Prompts(r.Context(), r.URL.Query().Get("all") == "true")
	if err != nil {
		return nil, err
	}
	if err := d.report.ClassifyPrompts(r.Context(), list); err != nil {
		return nil, err
	}
	if list == nil {
		list = []media.Prompt{}
	}
	for i := range list {
		list[i].Language = d.cfg.Language
	}
	return list, nil
}

// NoteRequest carries a free-text note.
type NoteRequest struct {
	Note string `json:"note,omitempty"`
}

func (d *Server) apiPromptDone(r *http.Request, actor media.Actor) (any, error) {
	return closePrompt(r, actor, d.eng.PromptDone)
}

func (d *Server) apiPromptCancel(r *http.Request, actor media.Actor) (any, error) {
	return closePrompt(r, actor, d.eng.PromptCancel)
}

// closePrompt answers a prompt named by the path, with the request's note,
// by done or cancel.
func closePrompt(r *http.Request, actor media.Actor, close func(context.Context, media.Actor, int64, string) (media.Prompt, error)) (any, error) {
	id, err := pathID(r, "prompt")
	if err != nil {
		return nil, err
	}
	var req NoteRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return close(r.Context(), actor, id, req.Note)
}

// apiRestore starts a restore (or a restore drill) as an operation and
// answers with it at once; GET /v1/operations/{id} follows it.
func (d *Server) apiRestore(r *http.Request, actor media.Actor) (any, error) {
	var req engine.RestoreRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	if actor.Role != string(auth.Admin) {
		if err := d.restoreTargetAllowed(req.To); err != nil {
			return nil, err
		}
	}
	return d.eng.StartRestore(r.Context(), actor, req)
}

func (d *Server) apiOperations(r *http.Request, _ media.Actor) (any, error) {
	limit, err := queryInt(r, "limit", 50)
	if err != nil {
		return nil, err
	}
	list, err := d.eng.Operations(r.Context(), media.OperationFilter{Running: r.URL.Query().Get("running") == "true", Limit: limit})
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []media.Operation{}
	}
	return list, nil
}

func (d *Server) apiOperationShow(r *http.Request, _ media.Actor) (any, error) {
	id, err := pathID(r, "operation")
	if err != nil {
		return nil, err
	}
	return d.eng.Operation(r.Context(), id)
}

func (d *Server) apiOperationCancel(r *http.Request, actor media.Actor) (any, error) {
	id, err := pathID(r, "operation")
	if err != nil {
		return nil, err
	}
	return d.eng.CancelOperation(r.Context(), actor, id)
}

// apiKeyCheck confirms an identity decrypts the newest generation of
// every encrypted pool. The identity travels in the body only.
func (d *Server) apiKeyCheck(r *http.Request, _ media.Actor) (any, error) {
	var req engine.KeyCheckRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return d.eng.CheckKey(r.Context(), req)
}

// DrillInfo is a system's last restore drill.
type DrillInfo struct {
	System string       `json:"system"`
	Last   *media.Drill `json:"last,omitempty"`
	// Due is true when no drill passed in the last twelve months.
	Due bool `json:"due"`
}

func (d *Server) apiDrills(r *http.Request, _ media.Actor) (any, error) {
	last, err := d.cat.LastDrills(r.Context())
	if err != nil {
		return nil, err
	}
	out := []DrillInfo{}
	yearAgo := d.eng.Now().AddDate(-1, 0, 0)
	for _, s := range d.cfg.Systems {
		di := DrillInfo{System: s.Name, Due: true}
		if dr, ok := last[s.Name]; ok {
			di.Last = &dr
			di.Due = dr.Result != "passed" || dr.At.Before(yearAgo)
		}
		out = append(out, di)
	}
	return out, nil
}

// restoreTargetAllowed refuses a restore target outside api.restore_dirs:
// an operator restores only there (an admin anywhere). Symbolic links are
// followed first, so a link inside a restore directory cannot lead out.
func (d *Server) restoreTargetAllowed(to string) error {
	dirs := d.cfg.API.RestoreDirs
	if len(dirs) == 0 {
		return fmt.Errorf("%w: operators may restore only into the directories in api.restore_dirs, and none are configured; ask an administrator to restore, or to configure them", auth.ErrForbidden)
	}
	target := to
	if real, err := filepath.EvalSymlinks(to); err == nil {
		target = real
	}
	target = filepath.Clean(target)
	for _, dir := range dirs {
		base := filepath.Clean(dir)
		if real, err := filepath.EvalSymlinks(base); err == nil {
			base = real
		}
		if rel, err := filepath.Rel(base, target); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && filepath.IsAbs(target) {
			return nil
		}
	}
	return fmt.Errorf("%w: an operator may restore only into %s (api.restore_dirs), not %s; pick a directory there", auth.ErrForbidden, strings.Join(dirs, ", "), to)
}

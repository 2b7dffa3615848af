package api

import (
	"net/http"

	"github.com/tapewarden/tapewarden/daemon/engine"
	"github.com/tapewarden/tapewarden/media"
)

// apiRestoreList is `tapewarden restore --list`: the indexed members of
// the runs a restore with the same selection would bring back.
func (d *Server) apiRestoreList(r *http.Request, _ media.Actor) (any, error) {
	limit, err := queryInt(r, "limit", 1000)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	return d.eng.ListMembers(r.Context(), engine.ListRequest{System: q.Get("system"), Job: q.Get("job"),
		Generation: q.Get("generation"), Pattern: q.Get("pattern"), Limit: limit})
}

// apiFind is `tapewarden find PATTERN`: which runs and cartridges hold a
// file.
func (d *Server) apiFind(r *http.Request, _ media.Actor) (any, error) {
	limit, err := queryInt(r, "limit", 100)
	if err != nil {
		return nil, err
	}
	return d.eng.Find(r.Context(), r.URL.Query().Get("pattern"), limit)
}

package api

import (
	"net/http"

	"github.com/tapewarden/tapewarden/media"
)

// apiCheck runs the pre-flight check of the jobs named by ?job= (every
// job when none is).
func (d *Server) apiCheck(r *http.Request, _ media.Actor) (any, error) {
	return d.eng.Check(r.Context(), r.URL.Query()["job"])
}

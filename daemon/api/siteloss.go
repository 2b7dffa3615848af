package api

import (
	"net/http"

	"github.com/tapewarden/tapewarden/media"
)

// apiSiteLossDrill starts a site-loss drill as an operation.
func (d *Server) apiSiteLossDrill(r *http.Request, actor media.Actor) (any, error) {
	return d.eng.StartSiteLossDrill(r.Context(), actor)
}

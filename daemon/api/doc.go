// Package api owns tapewarden's HTTP API on the daemon's unix socket and
// on its HTTPS listener (TLSHandler): the route table, in which every
// route names the roles it serves (routes.go), and the handlers; who is
// calling (peer credentials and the configured role groups on the
// socket, a session or an API token from daemon/auth over HTTPS); the
// request and answer types; and the one table that maps errors to HTTP
// statuses
// (statusOf in api.go): the engine's, the report pages', the catalog's and
// the devices' sentinel errors, matched with errors.Is.
//
// A handler decodes the request, calls the engine (daemon/engine), the
// report pages (daemon/report) or the catalog, and returns a value to
// send as JSON or an error; it never picks a status itself. To add an
// endpoint: write the engine (or report) method returning a sentinel-kinded
// error, a handler func(*http.Request, media.Actor) (any, error) on
// Server, and one line in routeTable with the roles it serves (and its
// line in wantRoles in routes_test.go); a handler whose catalog call
// writes no audit event is wrapped in noted. Then a method in
// daemon/api/client, which is how the CLI and the tests call it.
//
// Restores, drills and catalog copies answer at once with an operation
// (media.Operation) that GET /v1/operations/{id} follows. Every answer is
// written with snake_case keys and its times in the configured zone.
package api
